"""A large clustered archive in minutes, by replicating a clustered one (a benchmark tool, not a test).

    .venv/bin/python bench/replicate_archive.py --source arch100k.db --target arch1m.db

`bench_increment.py --archive N` replays the real pool (63,896 titles) cyclically at 5,000 a day
and clusters every article: at 1M that is an hour or more on two loaded cores. The replay's
cycle c is cycle 0 shifted by c × 63,896 positions, so its clustering is cycle 0's, with its
own ids. This script takes the target's articles as inserted (by `bench_increment.py`, killed
once its insert is done, with the sources file stored), forgets any assignment there, and
writes for each article the group, source, assignment, pickup link, story and storyline
of its twin in the source's cycle 0 (found by replay position, from the published time), with
the cycle's suffix on the ids. Triggers keep the day stamps, as any write would.

The archive's stories are then those of a clustered cycle repeated: what a brief or a later
import reads at 1M (table and index sizes, storylines, day stamps) is there, the clustering of
the cycles' seams is not the online clusterer's. docs/performance.md says which figures were
measured on such an archive.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

POOL = 63_896  # len(bench_clustering.load_pool()): the replay's cycle
PER_DAY = 5000
START = "2030-01-01T00:00:00+00:00"


def _pos(col: str) -> str:
    return f"CAST(round((julianday({col}) - julianday('{START}')) * {PER_DAY}) AS INTEGER)"


def _sfx(cycle: str) -> str:
    return f"(CASE WHEN ({cycle}) = 0 THEN '' ELSE '.' || ({cycle}) END)"


def _shift(col: str, cycle: str) -> str:
    days = f"({cycle}) * {POOL}.0 / {PER_DAY}"
    return f"strftime('%Y-%m-%dT%H:%M:%S', julianday({col}) + {days}) || '+00:00'"


def replicate(source: Path, target: Path) -> dict[str, float]:
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
    t = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for table in ("assignments", "duplicates", "stories", "storylines", "dedup_done", "claims"):
        conn.execute(f"DELETE FROM main.{table}")
    conn.execute("DELETE FROM main.settings WHERE key LIKE 'cluster_%'")
    end0 = f"strftime('%Y-%m-%dT%H:%M:%S', julianday('{START}') + {POOL}.0 / {PER_DAY}) || '+00:00'"
    conn.execute(
        "CREATE TEMP TABLE twin AS SELECT " + _pos("a.published") + " AS pos, a.id AS id, "
        "a.source, a.grp, s.story_id, s.storyline_id, s.similarity FROM src.articles a "
        "JOIN src.assignments s ON s.article_id = a.id WHERE a.published < " + end0
    )
    conn.execute("CREATE INDEX temp.twin_pos ON twin(pos)")
    conn.execute(
        "CREATE TEMP TABLE here AS SELECT " + _pos("published") + " AS pos, id FROM main.articles"
    )
    conn.execute("CREATE INDEX temp.here_pos ON here(pos)")
    conn.execute(  # the groups too: regrouping a million rows through the sources file is slow
        "UPDATE main.articles SET source = w.source, grp = w.grp FROM here h "
        f"JOIN twin w ON w.pos = h.pos % {POOL} WHERE main.articles.id = h.id "
        "AND (main.articles.grp IS NOT w.grp OR main.articles.source IS NOT w.source)"
    )
    cycles = int(conn.execute("SELECT MAX(pos) FROM here").fetchone()[0]) // POOL + 1
    conn.execute(
        "INSERT INTO main.assignments(article_id, story_id, storyline_id, similarity) "
        f"SELECT h.id, w.story_id || {_sfx('h.pos / ' + str(POOL))}, "
        f"w.storyline_id || {_sfx('h.pos / ' + str(POOL))}, w.similarity "
        f"FROM here h JOIN twin w ON w.pos = h.pos % {POOL}"
    )
    conn.execute(
        "CREATE TEMP TABLE dup AS SELECT w.pos AS pos, o.pos AS opos, d.similarity "
        "FROM src.duplicates d JOIN twin w ON w.id = d.article_id "
        "JOIN twin o ON o.id = d.original_id"
    )
    conn.execute(
        "INSERT INTO main.duplicates(article_id, original_id, similarity) "
        "SELECT h.id, g.id, d.similarity FROM here h "
        f"JOIN dup d ON d.pos = h.pos % {POOL} "
        f"JOIN here g ON g.pos = h.pos - h.pos % {POOL} + d.opos"
    )
    conn.execute("CREATE TEMP TABLE cycle(c INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO cycle VALUES (?)", [(c,) for c in range(cycles)])
    conn.execute(
        "INSERT INTO main.stories(id, storyline_id, headline, first_published, last_published, "
        f"articles, merged_into) SELECT s.id || {_sfx('c.c')}, s.storyline_id || {_sfx('c.c')}, "
        f"s.headline, {_shift('s.first_published', 'c.c')}, {_shift('s.last_published', 'c.c')}, "
        f"0, s.merged_into || {_sfx('c.c')} FROM src.stories s, cycle c "
        f"WHERE s.first_published < {end0}"
    )
    conn.execute(
        "INSERT INTO main.storylines(id, headline, first_published, last_published, stories, "
        f"merged_into) SELECT s.id || {_sfx('c.c')}, s.headline, "
        f"{_shift('s.first_published', 'c.c')}, {_shift('s.last_published', 'c.c')}, 0, "
        f"s.merged_into || {_sfx('c.c')} FROM src.storylines s, cycle c "
        f"WHERE s.first_published < {end0}"
    )
    of = "FROM main.assignments x JOIN main.articles a ON a.id = x.article_id WHERE x.story_id = stories.id"
    conn.execute(
        f"UPDATE main.stories SET articles = (SELECT COUNT(*) {of}), "
        f"first_published = COALESCE((SELECT MIN(a.published) {of}), first_published), "
        f"last_published = COALESCE((SELECT MAX(a.published) {of}), last_published)"
    )
    line = "FROM main.stories s WHERE s.storyline_id = storylines.id"
    conn.execute(
        f"UPDATE main.storylines SET stories = (SELECT COUNT(*) {line}), "
        f"first_published = COALESCE((SELECT MIN(s.first_published) {line}), first_published), "
        f"last_published = COALESCE((SELECT MAX(s.last_published) {line}), last_published)"
    )
    conn.execute(  # storylines the source named after its cycle 0 (a later regrouping's)
        "INSERT INTO main.storylines(id, headline, first_published, last_published, stories) "
        "SELECT x.storyline_id, MIN(a.title), MIN(a.published), MAX(a.published), "
        "COUNT(DISTINCT x.story_id) FROM main.assignments x "
        "JOIN main.articles a ON a.id = x.article_id "
        "WHERE x.storyline_id NOT IN (SELECT id FROM main.storylines) GROUP BY x.storyline_id"
    )
    conn.execute("DELETE FROM main.derived")
    conn.execute("COMMIT")
    out = {"seconds": round(time.perf_counter() - t, 1), "cycles": cycles}
    for table in ("articles", "assignments", "duplicates", "stories", "storylines"):
        out[table] = int(conn.execute(f"SELECT COUNT(*) FROM main.{table}").fetchone()[0])
    conn.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="a clustered archive of >= 1 cycle")
    ap.add_argument("--target", type=Path, required=True, help="the same replay, inserted")
    args = ap.parse_args()
    print(replicate(args.source, args.target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
