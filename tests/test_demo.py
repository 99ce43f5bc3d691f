"""The demo corpus: reproducible from its templates, clean to import, and buried as designed."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from belowthefold.config import ImportOptions
from belowthefold.demo import DemoFiles, build_demo_corpus, shipped_file, write_demo_corpus
from belowthefold.ingest import iter_file
from belowthefold.models import Article, RecordError
from belowthefold.sources import SourceIndex, parse_sources

SHIPPED = ("corpus.jsonl", "sources.toml", "gold.json", "gold-stories.jsonl", "bad-lines.jsonl")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_corpus(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def articles(demo: DemoFiles) -> list[Article]:
    items = list(iter_file(demo.corpus, ImportOptions()))
    assert all(isinstance(a, Article) for a in items), [
        i for i in items if isinstance(i, RecordError)
    ]
    return [a for a in items if isinstance(a, Article)]


@pytest.fixture(scope="module")
def groups(demo: DemoFiles, articles: list[Article]) -> dict[str, str]:
    index = SourceIndex.build(parse_sources(demo.sources.read_text(encoding="utf-8")))
    return {a.id: index.resolve(a)[1] for a in articles}


@pytest.fixture(scope="module")
def gold(demo: DemoFiles) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo.gold.read_text(encoding="utf-8"))
    return data


def test_generator_reproduces_the_shipped_files(demo: DemoFiles) -> None:
    for name in SHIPPED:
        assert (demo.corpus.parent / name).read_bytes() == shipped_file(name), name


def test_generator_is_deterministic_and_seeded() -> None:
    assert build_demo_corpus(7) == build_demo_corpus(7)
    assert build_demo_corpus(7).records != build_demo_corpus(8).records


def test_corpus_imports_cleanly(articles: list[Article], groups: dict[str, str]) -> None:
    assert 300 <= len(articles) <= 450
    assert len({a.id for a in articles}) == len(articles)
    assert all(a.published.date() >= date(2025, 3, 31) for a in articles)
    assert all(a.published.date() <= date(2025, 4, 13) for a in articles)
    assert set(groups.values()) == {"mainstream", "wire", "specialist", "official", "foreign"}
    assert all(a.url and ".example/" in a.url for a in articles)
    assert any(a.weight != 1.0 for a in articles), "broadcast items carry minutes on air"
    assert {a.lang for a in articles} >= {"en", "fr", "de"}


def test_bad_lines_are_reported_with_line_numbers(demo: DemoFiles) -> None:
    items = list(iter_file(demo.bad_lines, ImportOptions()))
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [e.line for e in errors] == [2, 4, 5]
    assert "broken JSON" in errors[0].message
    assert "no title" in errors[1].message
    assert "impossible date" in errors[2].message
    assert sum(isinstance(i, Article) for i in items) == 2


def test_gold_and_story_labels_cover_the_corpus(
    demo: DemoFiles, articles: list[Article], gold: dict[str, Any]
) -> None:
    labels = [
        json.loads(line) for line in demo.gold_stories.read_text(encoding="utf-8").splitlines()
    ]
    assert [lab["id"] for lab in labels] == [a.id for a in articles]
    ids = {a.id for a in articles}
    window = {a.id for a in articles if date(2025, 4, 7) <= a.published.date() <= date(2025, 4, 13)}
    listed = gold["dominant"] + [
        i for e in gold["missed"] + gold["not_missed"] for i in e["articles"]
    ]
    assert set(listed) <= window <= ids
    assert len(listed) == len(set(listed))
    assert 5 <= len(gold["missed"]) <= 7
    pickups = [lab for lab in labels if "pickup_of" in lab]
    assert len(pickups) >= 10
    assert all(lab["pickup_of"] in ids for lab in pickups)


def test_dominant_storyline_floods_mainstream_on_its_peak_days(
    articles: list[Article], groups: dict[str, str], gold: dict[str, Any]
) -> None:
    dominant = set(gold["dominant"])
    per_day: dict[date, Counter[str]] = defaultdict(Counter)
    for a in articles:
        if groups[a.id] == "mainstream":
            per_day[a.published.date()]["all"] += 1
            per_day[a.published.date()]["dominant"] += a.id in dominant
    peak_days = sorted(per_day, key=lambda d: per_day[d]["dominant"], reverse=True)[:3]
    for day in peak_days:
        assert per_day[day]["dominant"] / per_day[day]["all"] > 0.4, day


def test_buried_stories_are_covered_elsewhere_not_in_mainstream(
    articles: list[Article], groups: dict[str, str], gold: dict[str, Any]
) -> None:
    by_id = {a.id: a for a in articles}
    for story in gold["missed"]:
        items = [by_id[i] for i in story["articles"]]
        mainstream = [a for a in items if groups[a.id] == "mainstream"]
        elsewhere = {a.outlet for a in items if groups[a.id] != "mainstream"}
        assert len(mainstream) <= 1, story["label"]
        assert len(elsewhere) >= 3, story["label"]
        assert 3 <= len(items) <= 9, story["label"]


def test_write_demo_corpus_creates_the_directory(tmp_path: Path) -> None:
    files = write_demo_corpus(tmp_path / "new" / "dir", seed=3)
    assert files.corpus.stat().st_size > 0 and files.gold.is_file()
