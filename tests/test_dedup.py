"""Syndication dedup: pickups linked to the earliest original, distinct texts left alone, a floor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from belowthefold.cli import main
from belowthefold.config import DedupOptions
from belowthefold.dedup import Deduper, shingles
from belowthefold.evaluate.dedup import build_stream, evaluate_dedup, read_editorials
from belowthefold.models import Article
from gates import assert_holds

T0 = datetime(2025, 4, 21, 9, tzinfo=UTC)
WIRE = (
    "TOKYO (Kyodo) -- Japan's government on Monday approved a supplementary budget of 13.9 trillion "
    "yen to fund measures against rising prices, including subsidies for electricity and gas bills "
    "during the winter months, and cash handouts to low-income households, officials said. The "
    "package, which will be submitted to parliament later this month, also includes funds for "
    "disaster preparedness and for strengthening the country's semiconductor industry."
)
OTHER = (
    "Heavy rain battered the southern island of Kyushu on Monday, forcing thousands of residents to "
    "evacuate as rivers burst their banks and landslides cut off mountain villages. The weather agency "
    "warned that more rain was expected through Tuesday and urged people to remain on high alert, "
    "while rescue teams searched for three people reported missing after their homes were swept away."
)


def _art(aid: str, hours: float, title: str, text: str = "", outlet: str = "") -> Article:
    return Article(aid, title, T0 + timedelta(hours=hours), text=text, outlet=outlet)


def test_pickups_link_to_the_earliest_original_and_distinct_texts_do_not() -> None:
    d = Deduper(DedupOptions())
    assert d.add(_art("kyodo", 0, "Japan approves extra budget", WIRE, "Kyodo")) is None
    link = d.add(
        _art("jt", 1, "Cabinet OKs 13.9 trillion yen budget", "Japan Times. " + WIRE, "Japan Times")
    )
    assert link is not None and link.original_id == "kyodo" and link.similarity >= 0.7
    trimmed = WIRE.rsplit(" The package", 1)[0]
    second = d.add(_art("nk", 2, "Extra budget approved", trimmed, "Nikkei"))
    assert second is not None and second.original_id == "kyodo"  # via the pickup, to the original
    assert d.add(_art("rain", 3, "Floods in Kyushu", OTHER, "NHK")) is None


def test_title_only_items_fall_back_to_titles() -> None:
    d = Deduper(DedupOptions())
    assert d.add(_art("a", 0, "Pope Francis dies aged 88, Vatican says")) is None
    link = d.add(_art("b", 1, "Pope Francis dies aged 88, Vatican says"))
    assert link is not None and link.original_id == "a"
    assert d.add(_art("c", 2, "Cardinals gather in Rome ahead of the conclave")) is None


def test_window_forgets_old_originals() -> None:
    d = Deduper(DedupOptions(window_days=3))
    d.add(_art("old", 0, "x", WIRE))
    assert len(d) == 1
    assert d.add(_art("new", 24 * 5, "y", WIRE)) is None
    assert len(d) == 1


def test_warm_from_the_last_window_with_stored_links_continues_one_pass() -> None:
    """A later run warms only the last `window_days` before its first article, with the links
    stored for them: its new links are those one pass over everything gives. Without the stored
    link, the pickup of a pickup would name the middle copy, not the earliest original."""
    stream = [
        _art("wire", 0, "Japan approves extra budget", WIRE, "Kyodo"),
        _art("rain", 1, "Rain batters Kyushu", OTHER, "NHK"),
        _art("copy1", 24 * 2, "Budget approved", "TOKYO -- " + WIRE, "Times"),
        _art("rain2", 24 * 3.5, "Kyushu floods", OTHER + " More rain is due.", "Asahi"),
        _art("copy2", 24 * 4.5, "Japan's budget", WIRE + " Parliament meets soon.", "Post"),
        _art("rain3", 24 * 4.6, "Floods in the south", "KYUSHU -- " + OTHER, "Mail"),
    ]
    one = Deduper(DedupOptions())
    links = {a.id: one.add(a) for a in stream}
    assert links["copy2"] is not None and links["copy2"].original_id == "wire"
    earlier, later = stream[:4], stream[4:]
    stored = {a: link.original_id for a, link in links.items() if link is not None}
    two = Deduper(DedupOptions())
    two.warm(earlier, {a.id: stored[a.id] for a in earlier if a.id in stored})
    assert len(two) == 2  # the articles of the last three days before the newest warmed
    assert {a.id: two.add(a) for a in later} == {a.id: links[a.id] for a in later}
    bare = Deduper(DedupOptions())
    bare.warm(earlier, {})
    relinked = bare.add(later[0])
    assert relinked is not None and relinked.original_id == "copy1"


def test_shingles_are_words_or_characters_by_script() -> None:
    assert shingles("A b c d", 2) == {b"a b", b"b c", b"c d"}
    assert len(shingles("日本政府は補正予算を承認した", 2)) > 5
    assert shingles("", 3) == set()


@pytest.mark.slow
def test_dedup_floor_on_built_pickups_of_real_editorials(shared_dir: Path) -> None:
    """Built pickups of real Inquirer editorials (figures and method in docs/clustering.md)."""
    folder = shared_dir / "data" / "inquirer-editorials" / "articles"
    stream = list(build_stream(read_editorials(folder), seed=0))
    assert sum(1 for _, t in stream if t is None) > 300  # originals and roundup negatives
    for seed in (0, 1):
        report = evaluate_dedup(folder, DedupOptions(), seed=seed)
        assert_holds("dedup-editorials", report.as_dict())


def test_eval_dedup_command(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shared_dir / "data" / "inquirer-editorials" / "articles"
    args = ["--db", str(tmp_path / "x.db"), "eval", "dedup", "--editorials", str(folder)]
    assert main([*args, "--format", "json", "--min-f1", "0.95"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pickups"] > 400 and out["precision"] >= 0.98
    assert main([*args, "--min-f1", "1.01"]) != 0
    assert (
        main(
            [
                "--db",
                str(tmp_path / "x.db"),
                "eval",
                "dedup",
                "--editorials",
                str(tmp_path / "none"),
            ]
        )
        != 0
    )


def test_a_pickled_deduper_goes_on_as_if_never_stopped() -> None:
    """The checkpoint and the kept state pickle the window's signatures as one array; the
    restored deduper links the rest of the stream as the uninterrupted one does."""
    import pickle

    from belowthefold.store.checkpoint import dump_state, fingerprint, load_state

    stream = [
        _art("wire", 0, "Japan approves extra budget", WIRE, "Kyodo"),
        _art("rain", 1, "Rain batters Kyushu", OTHER, "NHK"),
        _art("t1", 2, "Kyushu rain: thousands evacuate"),
        _art("copy1", 24 * 2, "Budget approved", "TOKYO -- " + WIRE, "Times"),
        _art("rain2", 24 * 2.5, "Kyushu floods", OTHER + " More rain is due.", "Asahi"),
        _art("t2", 24 * 2.6, "Kyushu rain: thousands evacuate"),
        _art("copy2", 24 * 3, "Japan's budget", WIRE + " Parliament meets soon.", "Post"),
    ]
    one = Deduper(DedupOptions())
    links = [one.add(a) for a in stream]
    two = Deduper(DedupOptions())
    for a in stream[:4]:
        two.add(a)
    assert "_columns" in two.__getstate__()  # the compact form, not the objects
    print_ = fingerprint("dedup")
    restored = load_state(dump_state(two, print_), print_)
    assert isinstance(restored, Deduper) and len(restored) == len(two)
    assert [restored.add(a) for a in stream[4:]] == links[4:]
    assert any(link is not None for link in links[4:])
    assert pickle.loads(pickle.dumps(Deduper(DedupOptions()))).add(stream[0]) is None
