"""Sources and their groups, and the sources file they came from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from belowthefold.models import Source
from belowthefold.store.core_tx import Connection, transaction


@dataclass(frozen=True)
class SourceCount:
    """A stored source's (or, with `source` None, an unmatched group's) articles and span."""

    source: str | None
    group: str
    articles: int
    first_day: str | None  # ISO dates, as stored
    last_day: str | None


class SourceRepo:
    """Reads and replaces the user's source list."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def replace_all(self, sources: Sequence[Source], raw: str | None = None) -> None:
        """Replace the stored source list (and the sources file text, when given)."""
        with transaction(self.conn):
            self.conn.execute("DELETE FROM source_domains")
            self.conn.execute("DELETE FROM sources")
            for s in sources:
                self._insert(s)
            if raw is not None:
                self.conn.execute(
                    "INSERT INTO settings(key, value) VALUES('sources_toml', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (raw,),
                )

    def _insert(self, s: Source) -> None:
        self.conn.execute(
            "INSERT INTO sources(name, grp, domains, feeds, frontpage, fulltext) VALUES (?,?,?,?,?,?)",
            (
                s.name,
                s.group,
                json.dumps(list(s.domains)),
                json.dumps(list(s.feeds)),
                s.frontpage,
                int(s.fulltext),
            ),
        )
        for d in s.domains:
            self.conn.execute(
                "INSERT OR REPLACE INTO source_domains(domain, source) VALUES (?, ?)",
                (d.lower(), s.name),
            )

    def all(self) -> list[Source]:
        rows = self.conn.execute("SELECT * FROM sources ORDER BY grp, name").fetchall()
        return [
            Source(
                name=r["name"],
                group=r["grp"],
                domains=tuple(json.loads(r["domains"])),
                feeds=tuple(json.loads(r["feeds"])),
                frontpage=r["frontpage"],
                fulltext=bool(r["fulltext"]),
            )
            for r in rows
        ]

    def raw_file(self) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key='sources_toml'").fetchone()
        return None if row is None else str(row[0])

    def counts(self) -> list[SourceCount]:
        """Every stored source, and every group of articles no source matched, with counts.

        `COUNT(a.day)` (day is NOT NULL: the same count as the article ids) reads the
        (source, grp, day) index alone.
        """
        rows = self.conn.execute(
            "SELECT s.name AS source, s.grp AS grp, COUNT(a.day) AS n, MIN(a.day) AS first, "
            "MAX(a.day) AS last FROM sources s LEFT JOIN articles a ON a.source = s.name "
            "GROUP BY s.name, s.grp "
            "UNION ALL SELECT NULL, a.grp, COUNT(*), MIN(a.day), MAX(a.day) FROM articles a "
            "WHERE a.source IS NULL GROUP BY a.grp ORDER BY 2, 1"
        ).fetchall()
        return [SourceCount(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]
