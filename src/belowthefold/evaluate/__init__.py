"""Evaluation of heuristic stages on labelled data: clustering and dedup quality."""
