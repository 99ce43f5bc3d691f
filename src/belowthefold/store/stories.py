"""Story and storyline assignments, and the recent state the online clusterer warms up from."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from belowthefold.models import Article, Assignment, DupLink
from belowthefold.store.articles import iso, parse_iso, row_to_article
from belowthefold.store.core_tx import Connection, rows_in, transaction

_OF_LINE = "FROM stories s WHERE s.storyline_id = storylines.id"
# A storyline's story count and span, from its stories; the caller adds the WHERE.
_RECOUNT_LINES = (
    f"UPDATE storylines SET stories = (SELECT COUNT(*) {_OF_LINE}), "
    f"first_published = COALESCE((SELECT MIN(s.first_published) {_OF_LINE}), first_published), "
    f"last_published = COALESCE((SELECT MAX(s.last_published) {_OF_LINE}), last_published) "
)


class StoryRepo:
    """assignments (article -> story, storyline), stories, storylines, duplicates."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _put_bytes(self, key: str, value: bytes) -> None:
        """Set a settings key to bytes (PostgreSQL keeps them in a column of their own)."""
        col = "value" if self.conn.dialect == "sqlite" else "blob"
        self.conn.execute(
            f"INSERT INTO settings(key, {col}) VALUES(?, ?) "
            f"ON CONFLICT(key) DO UPDATE SET {col} = excluded.{col}",
            (key, value),
        )

    def _settings(self, *keys: str) -> dict[str, str | bytes]:
        """These settings keys' values, text or bytes as they were stored."""
        marks = ",".join("?" * len(keys))
        if self.conn.dialect == "sqlite":
            rows = self.conn.execute(
                f"SELECT key, value FROM settings WHERE key IN ({marks})", keys
            ).fetchall()
            return {r[0]: r[1] for r in rows}
        rows = self.conn.execute(
            f"SELECT key, value, blob FROM settings WHERE key IN ({marks})", keys
        ).fetchall()
        return {r[0]: r[1] if r[2] is None else bytes(r[2]) for r in rows}

    def save(
        self,
        pairs: Sequence[tuple[Article, Assignment]],
        dups: Sequence[DupLink] = (),
        merges: Sequence[tuple[str, str]] = (),
        checkpoint: bytes | None = None,
        done: bool = False,
        story_merges: Sequence[tuple[str, str]] = (),
        kept: tuple[bytes, datetime] | None = None,
        moves: Sequence[tuple[str, str]] = (),
        recount: Collection[str] | None = None,
    ) -> set[str]:
        """Store one batch of assignments, pickup links and merges in one transaction; return
        the storylines whose stories (members or spans) it changed. With `recount` (the
        storylines the run's earlier batches changed, as returned), the transaction ends by
        recounting those and this batch's own (a run's last batch: its counts commit with it).

        `moves` (story -> storyline, the clusterer's daily regrouping) come first after the
        assignments: a regrouping only names storylines live when it ran, so a merge later in
        the batch still carries a moved story along. Storyline merges are applied next, in order,
        so a chain a -> b -> c ends
        with every article of a and b in c; the old storylines stay as redirects. Story merges
        come last: a merged story's articles move to the surviving story and its storyline as
        it stands then, and the old story id redirects (`resolve`). `checkpoint`
        (the clusterer's state after this batch) commits with it, so kill -9 can resume exactly;
        `done` deletes it with the run's last batch. `kept` (the state after the run's last
        batch and its newest article) is kept for the next run to go on from (`kept_state`).
        """
        with transaction(self.conn):
            if checkpoint is not None:
                self._put_bytes("cluster_checkpoint", checkpoint)
            if done:
                self.conn.execute("DELETE FROM settings WHERE key = 'cluster_checkpoint'")
            self.conn.executemany(
                "INSERT OR REPLACE INTO duplicates(article_id, original_id, similarity) VALUES (?,?,?)",
                [(d.article_id, d.original_id, d.similarity) for d in dups],
            )
            touched = self._stories_of([article.id for article, _ in pairs])
            # A saved story may leave the storyline it was in, and a moved one does.
            lines = self._lines_of([a.story_id for _, a in pairs] + [s for s, _ in moves])
            for article, a in pairs:
                self._save_one(article, a)
                touched.add(a.story_id)
                lines.add(a.storyline_id)
            for story_id, storyline_id in moves:
                self._move_story(story_id, storyline_id)
                lines.add(storyline_id)
            for old, new in merges:
                self._merge_storyline(old, new)
                lines.update((old, new))
            for old, new in story_merges:
                self._merge_story(old, new)
                touched.update((old, new))
            # The surviving story's span may grow: its storyline's (as it stands now) with it.
            lines.update(self._lines_of([new for _, new in story_merges]))
            self._recount(touched)
            if recount is not None:
                self._recount_lines(lines.union(recount))
            if kept is not None:
                self._keep(*kept)
        return lines

    def _marker(self) -> str:
        """What any later write of assignments changes: the count of writes (insert, update or
        delete) that triggers keep, where a COUNT(*) of the archive took 0.16 s at 1M."""
        r = self.conn.execute(
            "SELECT n FROM row_counts WHERE name = 'assignment_writes'"
        ).fetchone()
        return f"w{r[0]}"

    def _keep(self, state: bytes, newest: datetime) -> None:
        """Keep a finished run's state, unless an assigned article is newer than its newest (a
        backfill before the archive ends with a state of its own weeks, not the archive's)."""
        self.conn.execute(
            "DELETE FROM settings WHERE key IN ('cluster_state', 'cluster_state_marker')"
        )
        newer = self.conn.execute(
            "SELECT 1 FROM articles a JOIN assignments s ON s.article_id = a.id "
            "WHERE a.published > ? LIMIT 1",
            (iso(newest),),
        ).fetchone()
        if newer is not None:
            return
        self._put_bytes("cluster_state", state)
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES('cluster_state_marker', ?)",
            (f"{self._marker()}|{iso(newest)}",),
        )

    def kept_marker(self) -> tuple[str, datetime] | None:
        """What names the kept state while it is valid (`kept_state` would return it), and its
        newest article, read without its tens of megabytes: a process holding that state in
        memory goes on from it."""
        marker = self._settings("cluster_state_marker").get("cluster_state_marker")
        if not isinstance(marker, str) or "|" not in marker:
            return None
        written, newest = marker.split("|", 1)
        return (marker, parse_iso(newest)) if written == self._marker() else None

    def kept_state(self) -> tuple[bytes, datetime] | None:
        """The last finished run's state and its newest article, while no assignment has been
        written since; a later run goes on from it instead of re-warming from the archive."""
        found = self.kept_marker()
        state = None if found is None else self._settings("cluster_state").get("cluster_state")
        return None if found is None or not isinstance(state, bytes) else (state, found[1])

    def _stories_of(self, article_ids: Sequence[str]) -> set[str]:
        """The stories these articles are in now (a re-assignment leaves them one fewer)."""
        sql = "SELECT story_id FROM assignments WHERE article_id IN ({marks})"
        return {r[0] for r in rows_in(self.conn, sql, article_ids)}

    def _lines_of(self, story_ids: Sequence[str]) -> set[str]:
        """The storylines these stories are in now (stories not stored yet have none)."""
        sql = "SELECT storyline_id FROM stories WHERE id IN ({marks})"
        return {r[0] for r in rows_in(self.conn, sql, sorted(set(story_ids)))}

    def _recount_lines(self, storyline_ids: set[str]) -> None:
        """These storylines' story counts and spans from their stories (see `_RECOUNT_LINES`)."""
        ids = sorted(storyline_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            self.conn.execute(_RECOUNT_LINES + f"WHERE id IN ({','.join('?' * len(chunk))})", chunk)

    def _recount(self, story_ids: set[str]) -> None:
        """Stories' article counts derived from assignments in the saving transaction itself, so
        no interleaving of writers can make them disagree."""
        ids = sorted(story_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            self.conn.execute(
                "UPDATE stories SET articles = (SELECT COUNT(*) FROM assignments a "
                f"WHERE a.story_id = stories.id) WHERE id IN ({marks})",
                chunk,
            )

    def _merge_storyline(self, old: str, new: str) -> None:
        """Fold storyline `old` into `new`. Either may be one the store never held: the
        clusterer's own storyline of a story it showed in another (regroup.claim_new). Into
        such a storyline, its row is made from the old one's; from one, nothing moves."""
        self.conn.execute(
            "INSERT INTO storylines(id, headline, first_published, last_published, stories) "
            "SELECT ?, headline, first_published, last_published, 0 FROM storylines WHERE id=? "
            "ON CONFLICT(id) DO NOTHING",
            (new, old),
        )
        self.conn.execute("UPDATE assignments SET storyline_id=? WHERE storyline_id=?", (new, old))
        self.conn.execute("UPDATE stories SET storyline_id=? WHERE storyline_id=?", (new, old))
        self.conn.execute(
            "UPDATE storylines SET first_published = MIN(first_published, "
            "COALESCE((SELECT first_published FROM storylines WHERE id=?), first_published)) "
            "WHERE id=?",
            (old, new),
        )
        self.conn.execute("UPDATE storylines SET merged_into=? WHERE id=?", (new, old))

    def _move_story(self, story_id: str, storyline_id: str) -> None:
        """Put a story and its articles in another storyline (created from the story if new)."""
        self.conn.execute(
            "INSERT INTO storylines(id, headline, first_published, last_published, stories) "
            "SELECT ?, headline, first_published, last_published, 0 FROM stories WHERE id=? "
            "ON CONFLICT(id) DO UPDATE SET "
            "first_published = MIN(storylines.first_published, excluded.first_published), "
            "last_published = MAX(storylines.last_published, excluded.last_published)",
            (storyline_id, story_id),
        )
        self.conn.execute("UPDATE stories SET storyline_id=? WHERE id=?", (storyline_id, story_id))
        self.conn.execute(
            "UPDATE assignments SET storyline_id=? WHERE story_id=?", (storyline_id, story_id)
        )

    def _merge_story(self, old: str, new: str) -> None:
        self.conn.execute(
            "UPDATE assignments SET story_id = ?, storyline_id = COALESCE("
            "(SELECT storyline_id FROM stories WHERE id = ?), storyline_id) WHERE story_id = ?",
            (new, new, old),
        )
        self.conn.execute(
            "UPDATE stories SET "
            "first_published = MIN(first_published, (SELECT first_published FROM stories WHERE id=?)), "
            "last_published = MAX(last_published, (SELECT last_published FROM stories WHERE id=?)) "
            "WHERE id=?",
            (old, old, new),
        )
        self.conn.execute("UPDATE stories SET merged_into=? WHERE id=?", (new, old))

    def resolve_storyline(self, storyline_id: str) -> str:
        """Follow storyline merge redirects to the storyline's current id."""
        return self._follow("storylines", storyline_id)

    def _save_one(self, article: Article, a: Assignment) -> None:
        when = iso(article.published)
        self.conn.execute(
            "INSERT OR REPLACE INTO assignments(article_id, story_id, storyline_id, similarity) "
            "VALUES (?,?,?,?)",
            (a.article_id, a.story_id, a.storyline_id, a.similarity),
        )
        self.conn.execute(
            "INSERT INTO stories(id, storyline_id, headline, first_published, last_published, articles) "
            "VALUES (?,?,?,?,?,1) ON CONFLICT(id) DO UPDATE SET articles = stories.articles + 1, "
            "storyline_id = excluded.storyline_id, "
            "first_published = MIN(stories.first_published, excluded.first_published), "
            "last_published = MAX(stories.last_published, excluded.last_published)",
            (a.story_id, a.storyline_id, article.title, when, when),
        )
        self.conn.execute(
            "INSERT INTO storylines(id, headline, first_published, last_published, stories) "
            "VALUES (?,?,?,?,0) ON CONFLICT(id) DO UPDATE SET "
            "first_published = MIN(storylines.first_published, excluded.first_published), "
            "last_published = MAX(storylines.last_published, excluded.last_published)",
            (a.storyline_id, article.title, when, when),
        )

    def checkpoint(self) -> bytes | None:
        """The state an interrupted clustering run committed last, if one was interrupted."""
        value = self._settings("cluster_checkpoint").get("cluster_checkpoint")
        return value if isinstance(value, bytes) else None

    def refresh_storyline_counts(self, since: datetime | None = None) -> None:
        """Recount storylines' stories: those last fed at `since` or later, or all of them.

        A storyline's span is taken from its stories again too, since the daily regrouping
        moves stories out of storylines. A clustering run recounts the storylines it changed
        in its last save instead (`save(recount=...)`); a resumed one calls this for all.
        """
        cond, params = ("WHERE last_published >= ?", [iso(since)]) if since else ("", [])
        with transaction(self.conn):
            self.conn.execute(_RECOUNT_LINES + cond, params)

    def recent(
        self, since: datetime, until: datetime | None = None
    ) -> list[tuple[Article, Assignment]]:
        """Assigned articles published in [since, until), in order: the clusterer's warm state.

        `until` bounds a backfill before the archive to the backfill's own weeks (without it,
        15k old articles warmed from the whole of a 1M archive: 213 s, 1.9 GB).
        """
        params: list[str] = [iso(since)]
        cond = "a.published >= ?"
        if until is not None:
            cond += " AND a.published < ?"
            params.append(iso(until))
        rows = self.conn.execute(
            "SELECT a.*, s.story_id, s.storyline_id, s.similarity FROM articles a "
            f"JOIN assignments s ON s.article_id = a.id WHERE {cond} ORDER BY a.published, a.id",
            params,
        ).fetchall()
        return [
            (
                row_to_article(r),
                Assignment(r["id"], r["story_id"], r["storyline_id"], r["similarity"]),
            )
            for r in rows
        ]

    def originals(self, since: datetime, until: datetime) -> dict[str, str]:
        """Stored pickup links of articles published in [since, until]: article -> original."""
        rows = self.conn.execute(
            "SELECT d.article_id, d.original_id FROM articles a "
            "JOIN duplicates d ON d.article_id = a.id WHERE a.published >= ? AND a.published <= ?",
            (iso(since), iso(until)),
        )
        return {r[0]: r[1] for r in rows}

    def resolve(self, story_id: str) -> str:
        """Follow story merge redirects to the story's current id."""
        return self._follow("stories", story_id)

    def _follow(self, table: str, gid: str) -> str:
        """Walk `merged_into` links (stories or storylines) to the end; a cycle stops the walk."""
        seen = set()
        while gid not in seen:
            seen.add(gid)
            r = self.conn.execute(f"SELECT merged_into FROM {table} WHERE id=?", (gid,)).fetchone()
            if r is None or r[0] is None:
                return gid
            gid = r[0]
        return gid

    def headline(self, story_id: str) -> str | None:
        r = self.conn.execute("SELECT headline FROM stories WHERE id=?", (story_id,)).fetchone()
        return None if r is None else str(r[0])

    def storyline_headline(self, storyline_id: str) -> str | None:
        r = self.conn.execute(
            "SELECT headline FROM storylines WHERE id=?", (storyline_id,)
        ).fetchone()
        return None if r is None else str(r[0])

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])
