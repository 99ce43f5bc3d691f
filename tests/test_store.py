"""The store on both backends (SQLite and PostgreSQL): forward-only migrations, idempotent
inserts, regrouping, merges; SQLite's own WAL and user_version checks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belowthefold.errors import StoreError
from belowthefold.models import Article, Source
from belowthefold.sources import SourceIndex
from belowthefold.store import Store
from belowthefold.store.migrations import MIGRATIONS
from belowthefold.store.pg_schema import PG_MIGRATIONS

pytestmark = pytest.mark.both_backends


def _article(i: int, url: str | None = None, outlet: str = "Daily Courier") -> Article:
    return Article(
        id=f"a{i}",
        title=f"Title {i}",
        published=datetime(2025, 4, 1, i % 24, tzinfo=UTC),
        url=url,
        outlet=outlet,
    )


def test_new_file_is_wal_and_fully_migrated(store: Store, backend: str) -> None:
    if backend == "sqlite":
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version == max(v for v, _, _ in MIGRATIONS)


def test_both_backends_end_at_the_same_schema_version() -> None:
    """A SQLite migration without its PostgreSQL twin (store/pg_schema.py) fails here."""
    assert max(v for v, _, _ in PG_MIGRATIONS) == max(v for v, _, _ in MIGRATIONS)


def test_newer_schema_is_refused_on_postgresql(db_target: Path | str, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite's user_version: test_newer_schema_is_refused")
    with Store(db_target) as s:
        s.conn.execute("UPDATE schema_version SET version = 999")
    with pytest.raises(StoreError, match="newer"):
        Store(db_target)


def test_newer_schema_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db_path)


def test_reopening_keeps_data(db_target: Path | str) -> None:
    with Store(db_target) as s:
        s.articles.insert_batch([_article(1)], SourceIndex.build([]).resolve, 0)
    with Store(db_target) as s:
        assert s.articles.count() == 1


def test_inserts_are_idempotent_by_id_and_url(store: Store) -> None:
    resolve = SourceIndex.build([]).resolve
    assert store.articles.insert_batch([_article(1, "https://x.example/1")], resolve, 0) == 1
    assert store.articles.insert_batch([_article(1, "https://x.example/1")], resolve, 0) == 0
    # Another id for the same page: one page, one article.
    assert store.articles.insert_batch([_article(2, "https://x.example/1")], resolve, 0) == 0
    assert store.articles.count() == 1


def test_regroup_follows_a_new_sources_file(store: Store) -> None:
    first = [Source("Daily Courier", "mainstream", ("dailycourier.example",))]
    store.sources.replace_all(first, "raw")
    store.articles.insert_batch([_article(1)], SourceIndex.build(first).resolve, 0)
    lo, hi = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert store.articles.placed(lo, hi)[0].group == "mainstream"
    second = [Source("Daily Courier", "tabloid", ())]
    store.sources.replace_all(second, "raw2")
    assert store.articles.regroup(SourceIndex.build(second).resolve) == 1
    assert store.articles.placed(lo, hi)[0].group == "tabloid"
    assert store.sources.raw_file() == "raw2"


def test_failed_batch_leaves_nothing_half_written(store: Store) -> None:
    def broken(a: Article) -> tuple[str | None, str]:
        if a.id == "a3":
            raise RuntimeError("boom")
        return None, "other"

    with pytest.raises(RuntimeError):
        store.articles.insert_batch([_article(1), _article(2), _article(3)], broken, 0)
    assert store.articles.count() == 0


def test_storyline_merges_move_articles_and_leave_a_redirect(store: Store) -> None:
    from belowthefold.models import Assignment

    a1, a2, a3 = _article(1), _article(2), _article(3)
    store.articles.insert_batch([a1, a2, a3], SourceIndex.build([]).resolve, 0)
    store.stories.save(
        [
            (a1, Assignment("a1", "st-1", "sl-old")),
            (a2, Assignment("a2", "st-2", "sl-mid")),
            (a3, Assignment("a3", "st-3", "sl-new")),
        ],
        merges=[("sl-old", "sl-mid"), ("sl-mid", "sl-new")],
    )
    lo, hi = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert {a.storyline_id for a in store.articles.placed(lo, hi)} == {"sl-new"}
    assert store.stories.resolve_storyline("sl-old") == "sl-new"
    assert store.stories.resolve_storyline("sl-new") == "sl-new"
    assert store.stories.resolve("st-1") == "st-1"


def test_unassigned_count_and_span_find_a_backfill_inserted_last(store: Store) -> None:
    """Counted as articles minus assignments and found from the newest rows back: exact even
    when the unassigned articles are older than the archive (a backfill)."""
    from belowthefold.models import Assignment

    resolve = SourceIndex.build([]).resolve
    assert store.articles.count_unassigned() == 0 and store.articles.unassigned_span() is None
    archive = [_article(i) for i in range(10, 20)]
    store.articles.insert_batch(archive, resolve, 0)
    store.stories.save([(a, Assignment(a.id, "st-" + a.id, "sl-" + a.id)) for a in archive[:-1]])
    old = [
        Article(f"b{i}", f"Old {i}", datetime(2025, 3, 1, i, tzinfo=UTC), outlet="X")
        for i in range(3)
    ]
    store.articles.insert_batch(old, resolve, 0)
    assert store.articles.count_unassigned() == 4
    assert store.articles.unassigned_span() == (old[0].published, archive[-1].published)
    since = old[0].published
    assert [a.id for a in store.articles.unassigned(2, since=since)] == ["b0", "b1", "b2", "a19"]
    # Bounded above too: a backfill's walk ends at its own newest article, not the archive's.
    within = store.articles.unassigned(2, since=since, until=old[-1].published)
    assert [a.id for a in within] == ["b0", "b1", "b2"]
    # The warm state is bounded above too: nothing of the archive after `until`.
    until = datetime(2025, 4, 1, 15, tzinfo=UTC)
    assert [a.id for a, _ in store.stories.recent(since, until)] == [f"a{i}" for i in range(10, 15)]


def _row_counts(store: Store) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in store.conn.execute("SELECT name, n FROM row_counts")}


def test_row_counts_stay_exact_through_replaces_and_merges(store: Store) -> None:
    """The counts triggers keep (migration 15) equal COUNT(*) after re-assignments (INSERT OR
    REPLACE: its implicit delete counts) and merges, and every write of assignments moves the
    writes count (the kept clusterer state's marker)."""
    from belowthefold.models import Assignment

    resolve = SourceIndex.build([]).resolve
    arts = [_article(i) for i in range(5)]
    store.articles.insert_batch(arts, resolve, 0)
    store.stories.save([(a, Assignment(a.id, "st-a", "sl-a")) for a in arts[:4]])
    before = _row_counts(store)["assignment_writes"]
    marker = store.stories._marker()
    store.stories.save([(a, Assignment(a.id, "st-b", "sl-b")) for a in arts[:2]])
    assert _row_counts(store)["assignment_writes"] > before
    assert store.stories._marker() != marker
    marker = store.stories._marker()
    store.stories.save([], merges=[("sl-a", "sl-b")])
    assert store.stories._marker() != marker
    counts = _row_counts(store)
    n_articles = store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    n_assigned = store.conn.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
    assert (counts["articles"], counts["assignments"]) == (n_articles, n_assigned) == (5, 4)
    assert store.articles.count_unassigned() == 1


def test_row_counts_start_from_an_existing_archive(db_path: Path) -> None:
    """Migration 15 counts what an archive of schema 14 already holds."""
    from belowthefold.models import Assignment

    with Store(db_path) as s:
        arts = [_article(i) for i in range(3)]
        s.articles.insert_batch(arts, SourceIndex.build([]).resolve, 0)
        s.stories.save([(arts[0], Assignment(arts[0].id, "st-a", "sl-a"))])
        for name in ("article_insert", "article_delete", "assignment_insert"):
            s.conn.execute(f"DROP TRIGGER row_count_{name}")
        for name in ("assignment_update", "assignment_delete"):
            s.conn.execute(f"DROP TRIGGER row_count_{name}")
        s.conn.execute("DROP TABLE row_counts")
        s.conn.execute("PRAGMA user_version = 14")
        old = s.conn.execute("SELECT COUNT(*), MAX(rowid) FROM assignments").fetchone()
        s.conn.execute(  # a kept state's marker as schema 14 wrote it
            "INSERT INTO settings(key, value) VALUES ('cluster_state_marker', ?)",
            (f"{old[0]}:{old[1]}|2025-04-01T00:00:00+00:00",),
        )
    with Store(db_path) as s:
        assert _row_counts(s) == {"articles": 3, "assignments": 1, "assignment_writes": 0}
        assert s.articles.count_unassigned() == 2
        marker = s.conn.execute(
            "SELECT value FROM settings WHERE key = 'cluster_state_marker'"
        ).fetchone()[0]
        assert marker == f"{s.stories._marker()}|2025-04-01T00:00:00+00:00"  # still holds


def test_health_window_counts_each_source_in_one_pass(store: Store) -> None:
    sources = [Source("Courier", "local", ("courier.example",)), Source("Silent", "wire")]
    store.sources.replace_all(sources)
    index = SourceIndex.build(sources)
    days = [datetime(2025, 4, d, 9, tzinfo=UTC) for d in (1, 1, 3, 9)]
    store.articles.insert_batch(
        [
            Article(f"c{i}", f"T {i}", when, url=f"https://courier.example/{i}", outlet="Courier")
            for i, when in enumerate(days)
        ],
        index.resolve,
        0,
    )
    rows = store.health.window(
        datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 4, 8, tzinfo=UTC), 7
    )
    got = {h.source: (h.group, h.articles, h.days_without, h.errors) for h in rows}
    assert got == {"Courier": ("local", 3, 5, 0), "Silent": ("wire", 0, 7, 0)}


def test_story_merges_move_articles_and_counts_and_leave_a_redirect(store: Store) -> None:
    from belowthefold.models import Assignment

    a1, a2, a3 = _article(1), _article(2), _article(3)
    store.articles.insert_batch([a1, a2, a3], SourceIndex.build([]).resolve, 0)
    store.stories.save(
        [
            (a1, Assignment("a1", "st-ko", "sl-ko")),
            (a2, Assignment("a2", "st-en", "sl-en")),
            (a3, Assignment("a3", "st-en", "sl-en")),
        ],
        story_merges=[("st-ko", "st-en")],
    )
    rows = dict(
        store.conn.execute("SELECT article_id, story_id || ' ' || storyline_id FROM assignments")
    )
    assert rows == {"a1": "st-en sl-en", "a2": "st-en sl-en", "a3": "st-en sl-en"}
    counts = dict(store.conn.execute("SELECT id, articles FROM stories"))
    assert counts == {"st-ko": 0, "st-en": 3}
    assert store.stories.resolve("st-ko") == "st-en"
    # Saving the same merge again (a resumed run) changes nothing.
    store.stories.save([], story_merges=[("st-ko", "st-en")])
    assert dict(store.conn.execute("SELECT id, articles FROM stories")) == counts


def test_storyline_recount_since_a_time_leaves_older_storylines_alone(store: Store) -> None:
    from belowthefold.models import Assignment

    old = Article("o1", "Old", datetime(2025, 1, 5, tzinfo=UTC), outlet="X")
    new = Article("n1", "New", datetime(2025, 4, 5, tzinfo=UTC), outlet="X")
    store.articles.insert_batch([old, new], SourceIndex.build([]).resolve, 0)
    store.stories.save(
        [(old, Assignment("o1", "st-o", "sl-o")), (new, Assignment("n1", "st-n", "sl-n"))]
    )

    def counts() -> dict[str, int]:
        rows = store.conn.execute("SELECT id, stories FROM storylines ORDER BY id").fetchall()
        return {r[0]: r[1] for r in rows}

    assert counts() == {"sl-n": 0, "sl-o": 0}  # saving does not count; the run's end does
    store.stories.refresh_storyline_counts(datetime(2025, 4, 1, tzinfo=UTC))
    assert counts() == {"sl-n": 1, "sl-o": 0}
    store.stories.refresh_storyline_counts()
    assert counts() == {"sl-n": 1, "sl-o": 1}


def test_search_needs_every_word_ranks_titles_first_and_counts_as_it_lists(store: Store) -> None:
    """The same matches on both backends (FTS5, or tsvector with GIN): every word required,
    accents folded, operators in input are words, a title match above a text-only one."""
    from belowthefold.store.search import SearchFilter

    when = datetime(2025, 4, 2, 9, tzinfo=UTC)
    rows = [
        Article("t1", "Ferry strike halts the harbour", when, text="Unions met.", outlet="Courier"),
        Article("t2", "Harbour news", when, text="A ferry strike began at dawn.", outlet="Wire"),
        Article("t3", "Ferry timetable", when, text="No strike today.", outlet="Courier"),
        Article("t4", "Café owners protest", when, text="Rents rose.", outlet="courier"),
    ]
    store.articles.insert_batch(rows, SourceIndex.build([]).resolve, 0)
    hits = store.search.search("ferry strike")
    assert [h.article_id for h in hits][:1] == ["t1"] and {h.article_id for h in hits} == {
        "t1",
        "t2",
        "t3",
    }
    assert store.search.count("ferry strike") == 3
    assert [h.article_id for h in store.search.search("cafe")] == ["t4"]  # diacritics folded
    assert store.search.search('ferry" OR "x') == []  # every word, operators included, required
    only = SearchFilter(outlet="COURIER")  # outlet or source, any case
    assert {h.article_id for h in store.search.search("ferry", where=only)} == {"t1", "t3"}
    assert store.search.count("ferry", only) == 2
    assert any(part for part, marked in hits[0].snippet if marked)  # the words highlighted


def test_placed_articles_carry_their_best_page_place(store: Store) -> None:
    """The naming rule reads where a headline stood: an imported snapshot's `best_position`, a
    fetched front page's best place (the page time table), none for a feed item."""
    from belowthefold.models import Assignment, FetchRecord

    arts = [
        Article(
            id="imported",
            title="Imported lead",
            published=datetime(2025, 4, 1, 8, tzinfo=UTC),
            extra={"best_position": 3, "category": "World"},
        ),
        _article(9, url="https://courier.example/9"),
        _article(10, url="https://courier.example/10"),
    ]
    store.articles.insert_batch(arts, SourceIndex.build([]).resolve, 0)
    at = datetime(2025, 4, 1, 12, tzinfo=UTC)
    page = FetchRecord("Courier", "https://courier.example/", "frontpage", at, status=200)
    store.feeds.save_frontpage(None, page, ["https://courier.example/9"], 6.0)
    store.stories.save([(a, Assignment(a.id, "st-1", "sl-1")) for a in arts])
    placed = store.articles.placed(
        datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 4, 2, tzinfo=UTC)
    )
    by_story = store.articles.placed_by_story(["st-1"])
    for got in (placed, by_story):
        assert {a.id: a.position for a in got} == {"imported": 3, "a9": 1, "a10": None}


def _storyline_rows(store: Store) -> list[tuple[object, ...]]:
    return [
        tuple(r)
        for r in store.conn.execute(
            "SELECT id, stories, first_published, last_published FROM storylines ORDER BY id"
        ).fetchall()
    ]


def test_a_runs_last_save_recounts_what_its_saves_changed(store: Store) -> None:
    """`save(recount=...)` recounts the storylines the run's batches named (the one a saved
    story left, moves, storyline and story merges) and they equal a recount of every
    storyline: the run no longer recounts its whole look-back (0.3 s at 1M)."""
    from belowthefold.models import Assignment

    resolve = SourceIndex.build([]).resolve
    arts = [_article(i) for i in range(8)]
    store.articles.insert_batch(arts, resolve, 0)
    store.stories.save([(a, Assignment(a.id, "st-a", "sl-a")) for a in arts[:3]])
    store.stories.refresh_storyline_counts()  # sl-a counts st-a: stale unless recounted
    saved = store.stories.save(
        [(a, Assignment(a.id, f"st-{a.id}", "sl-b")) for a in arts[3:6]]
        + [(arts[6], Assignment(arts[6].id, "st-a", "sl-c"))]  # st-a leaves sl-a for sl-c
    )
    assert {"sl-a", "sl-b", "sl-c"} <= saved
    folded = store.stories.save([], moves=[("st-a3", "sl-d")], merges=[("sl-b", "sl-e")])
    assert {"sl-b", "sl-d", "sl-e"} <= folded
    store.stories.save(
        [(arts[7], Assignment(arts[7].id, "st-a4", "sl-e"))],
        story_merges=[("st-a5", "st-a4")],
        recount=saved | folded,
    )
    recounted = _storyline_rows(store)
    store.stories.refresh_storyline_counts()
    assert recounted == _storyline_rows(store)
    by_id = {r[0]: r[1] for r in recounted}
    assert [by_id[k] for k in ("sl-a", "sl-b", "sl-c", "sl-d", "sl-e")] == [0, 0, 1, 1, 2]
