"""The project's own labelled week (fixtures/gold/missed-2025-W23) imported and clustered into a
store: the shared set-up of the aggregate and kept-brief tests (TF-IDF, so no encoder)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from belowthefold import pipeline
from belowthefold.config import Settings
from belowthefold.store import Store

GOLD = Path(__file__).parent / "fixtures" / "gold" / "missed-2025-W23"


@contextmanager
def clustered_gold_week(db: Path | str) -> Iterator[tuple[Store, Settings]]:
    """A store at `db` holding the gold week, clustered, with the settings it was clustered with."""
    settings = Settings(db=db)
    settings = replace(settings, cluster=replace(settings.cluster, representation="tfidf"))
    with Store(settings.db) as store:
        pipeline.import_paths(
            store, [GOLD.with_suffix(".jsonl")], settings.imports, GOLD.with_suffix(".sources.toml")
        )
        pipeline.update_stories(store, settings)
        yield store, settings
