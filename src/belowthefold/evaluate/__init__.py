"""Evaluation of heuristic stages on labelled data: clustering and dedup quality.

Only names the CLI's help needs live here; the evaluation modules load when a verb runs them.
"""

GOLD_FORMATS = ("jsonl", "allsides", "probe", "labelled")

__all__ = ["GOLD_FORMATS"]
