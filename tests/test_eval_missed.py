"""`eval missed`: the scoring arithmetic, the gold file format, and the pinned floor on the gold week."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from _placed import WEEK, Builder
from belowthefold.cli import main
from belowthefold.errors import EvalError
from belowthefold.evaluate.missed import GoldStory, MissedGold, load_gold, score_brief
from belowthefold.models import Brief, DominantStoryline, MissedHeadline, PlacedArticle
from gates import assert_holds

GOLD_DIR = Path(__file__).parent / "fixtures" / "gold"
GOLD_WEEK = GOLD_DIR / "missed-2025-W23"
DEMO = Path(__file__).parents[1] / "src" / "belowthefold" / "data" / "demo"


def _entry(rank: int, articles: list[PlacedArticle]) -> MissedHeadline:
    return MissedHeadline(
        rank, f"s{rank}", f"l{rank}", f"headline {rank}", 1.0, (), {}, tuple(articles)
    )


def _brief(missed: list[MissedHeadline], dominant: list[PlacedArticle]) -> Brief:
    dom = (DominantStoryline("dom", "flood", 0.5, tuple(dominant)),) if dominant else ()
    return Brief(WEEK, "mainstream", (), (), dom, tuple(missed), datetime(2025, 4, 7, tzinfo=UTC))


def test_precision_and_recall_count_each_gold_story_once() -> None:
    b = Builder()
    a = [b.add(f"t{i}", 2, "Wire", "wire", f"s{i}") for i in range(8)]
    gold = MissedGold(
        WEEK,
        "mainstream",
        missed=(
            GoldStory("A", frozenset({a[0].id, a[1].id})),
            GoldStory("B", frozenset({a[2].url or ""})),
            GoldStory("C", frozenset({"nowhere"})),
        ),
        dominant=GoldStory("flood", frozenset({a[6].id, a[7].id})),
    )
    missed = [_entry(1, [a[0]]), _entry(2, [a[1]]), _entry(3, [a[3]]), _entry(4, [a[2]])]
    report = score_brief(_brief(missed, [a[6], a[7], a[5]]), gold)
    assert [h.gold for h in report.hits] == ["A", None, None, "B"]  # rank 2 repeats A: no credit
    assert report.p_at_5 == pytest.approx(2 / 5)
    assert report.p_at_10 == pytest.approx(2 / 10)
    assert report.r_at_10 == pytest.approx(2 / 3)
    assert report.dominant_named is True
    assert score_brief(_brief(missed, [a[5]]), gold).dominant_named is False
    assert score_brief(_brief(missed, []), gold).dominant_named is False


def test_gold_files_load_and_bad_ones_say_why(tmp_path: Path) -> None:
    gold = load_gold(GOLD_WEEK.with_suffix(".json"))
    assert gold.window.label == "2025-W23" and gold.audience == "mainstream"
    assert len(gold.missed) == 5 and gold.dominant is not None and len(gold.not_missed) == 4
    by_week = tmp_path / "week.json"
    by_week.write_text(json.dumps({"week": "2025-W14", "missed": [["a1", "https://x.example/1"]]}))
    assert load_gold(by_week).window.start.isoformat() == "2025-03-31"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"week": "2025-W14", "missed": [{"label": "empty", "articles": []}]}))
    with pytest.raises(EvalError, match="empty"):
        load_gold(bad)
    bad.write_text("{not json")
    with pytest.raises(EvalError, match=r"bad\.json"):
        load_gold(bad)


def _eval(
    gold: Path, corpus: Path, sources: Path, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    code = main(
        [
            "eval",
            "missed",
            "--gold",
            str(gold),
            "--input",
            str(corpus),
            "--sources",
            str(sources),
            "--format",
            "json",
            *extra,
        ]
    )
    out = capsys.readouterr().out
    return code, json.loads(out[out.index("{") :])


def test_gold_week_meets_its_pinned_floor(capsys: pytest.CaptureFixture[str]) -> None:
    """The CI quality gate: the full pipeline (import, dedup, stories, brief) on the gold week."""
    code, report = _eval(
        GOLD_WEEK.with_suffix(".json"),
        GOLD_WEEK.with_suffix(".jsonl"),
        GOLD_WEEK.with_suffix(".sources.toml"),
        "--require-dominant",
        capsys=capsys,
    )
    assert code == 0, report
    assert_holds("missed-gold-week", report)
    assert report["dominant_named"] is True
    assert report["listed"] >= report["gold"]


def test_a_floor_above_what_is_possible_fails(capsys: pytest.CaptureFixture[str]) -> None:
    """P@10 cannot pass 0.5 with five gold stories: the floor must fail, and say so."""
    code, report = _eval(
        GOLD_WEEK.with_suffix(".json"),
        GOLD_WEEK.with_suffix(".jsonl"),
        GOLD_WEEK.with_suffix(".sources.toml"),
        "--min-p10",
        "0.6",
        capsys=capsys,
    )
    assert code != 0
    assert "P@10" in capsys.readouterr().err or float(str(report["p@10"])) < 0.6


@pytest.mark.skipif(
    not (DEMO / "gold.json").exists(), reason="the demo corpus is not in this checkout"
)
def test_demo_week_meets_its_floor(capsys: pytest.CaptureFixture[str]) -> None:
    """A second, independently written week (the demo corpus): same method, same floors."""
    code, report = _eval(
        DEMO / "gold.json",
        DEMO / "corpus.jsonl",
        DEMO / "sources.toml",
        "--require-dominant",
        capsys=capsys,
    )
    assert code == 0, report
    assert_holds("missed-demo", report)
