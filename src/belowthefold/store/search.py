"""Full-text search over article titles and text (SQLite FTS5), kept in sync by triggers.

The index is a standalone FTS5 table keyed by article id rather than an external-content
table over `articles`: `articles` has a text primary key, so its rowids may change on VACUUM
and an external-content index would silently point at the wrong rows.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from belowthefold.store.articles import parse_iso

# Snippet markers: control characters news text does not use, so highlighting survives HTML
# escaping (a stray one in the text only shifts the highlight; it never reaches the page raw).
MARK_START = "\x02"
MARK_END = "\x03"
_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16


@dataclass(frozen=True)
class SearchHit:
    """One matching article, with a snippet split into (text, highlighted) parts."""

    article_id: str
    title: str
    url: str | None
    outlet: str
    group: str
    published: datetime
    story_id: str | None
    snippet: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class SearchFilter:
    """Narrow a search to UTC days [start, end], one source group, one outlet (any may be None).

    With filters and no words, the matching articles are listed newest first, so a reader can
    browse one outlet's week without guessing a word it used.
    """

    start: date | None = None
    end: date | None = None
    group: str | None = None
    outlet: str | None = None

    def sql(self) -> tuple[str, list[str]]:
        """The `AND ...` conditions on `articles a`, with their parameters (never interpolated)."""
        conds: list[str] = []
        params: list[str] = []
        if self.start is not None:
            conds.append("a.day >= ?")
            params.append(self.start.isoformat())
        if self.end is not None:
            conds.append("a.day <= ?")
            params.append(self.end.isoformat())
        if self.group:
            conds.append("a.grp = ?")
            params.append(self.group)
        if self.outlet:
            conds.append("(a.outlet = ? COLLATE NOCASE OR a.source = ? COLLATE NOCASE)")
            params.extend([self.outlet, self.outlet])
        return "".join(f" AND {c}" for c in conds), params

    @property
    def empty(self) -> bool:
        return not self.sql()[1]


NO_FILTER = SearchFilter()


def fts_query(user_query: str) -> str:
    """Turn free text into a safe FTS5 query: every word quoted, all required.

    Quoting every term means operators, column filters and stray quotes in user input are
    plain words, so no query can raise an FTS5 syntax error.
    """
    terms = _TOKEN.findall(user_query)[:MAX_TERMS]
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def split_snippet(text: str) -> tuple[tuple[str, bool], ...]:
    """Split an FTS5 snippet with our markers into (text, highlighted) parts."""
    parts: list[tuple[str, bool]] = []
    for i, chunk in enumerate(re.split(f"[{MARK_START}{MARK_END}]", text)):
        if chunk:
            parts.append((chunk, i % 2 == 1))
    return tuple(parts)


class SearchRepo:
    """Queries the FTS5 index; writes happen through the triggers on `articles`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def search(
        self,
        user_query: str,
        limit: int = 50,
        offset: int = 0,
        where: SearchFilter = NO_FILTER,
    ) -> list[SearchHit]:
        """Best matches first (BM25, titles weighted up); with no words, the filter's articles
        newest first; empty when there are neither words nor filters."""
        query = fts_query(user_query)
        cond, params = where.sql()
        bounds = (max(1, min(limit, 500)), max(0, offset))
        if query:
            rows = self.conn.execute(
                "SELECT a.id, a.title, a.url, a.outlet, a.grp, a.published, s.story_id, "
                f"snippet(articles_fts, -1, '{MARK_START}', '{MARK_END}', '…', 16) AS snip "
                "FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                "LEFT JOIN assignments s ON s.article_id = a.id "
                f"WHERE articles_fts MATCH ?{cond} "
                "ORDER BY bm25(articles_fts, 0.0, 8.0, 1.0), a.published DESC LIMIT ? OFFSET ?",
                (query, *params, *bounds),
            ).fetchall()
        elif not where.empty:
            rows = self.conn.execute(
                "SELECT a.id, a.title, a.url, a.outlet, a.grp, a.published, s.story_id, "
                "substr(a.text, 1, 200) AS snip FROM articles a "
                f"LEFT JOIN assignments s ON s.article_id = a.id WHERE 1{cond} "
                "ORDER BY a.published DESC, a.id LIMIT ? OFFSET ?",
                (*params, *bounds),
            ).fetchall()
        else:
            return []
        return [
            SearchHit(
                article_id=r["id"],
                title=r["title"],
                url=r["url"],
                outlet=r["outlet"],
                group=r["grp"],
                published=parse_iso(r["published"]),
                story_id=r["story_id"],
                snippet=split_snippet(r["snip"] or ""),
            )
            for r in rows
        ]

    def count(self, user_query: str, where: SearchFilter = NO_FILTER) -> int:
        query = fts_query(user_query)
        cond, params = where.sql()
        if query:
            row = self.conn.execute(
                "SELECT COUNT(*) FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                f"WHERE articles_fts MATCH ?{cond}",
                (query, *params),
            ).fetchone()
        elif not where.empty:
            row = self.conn.execute(
                f"SELECT COUNT(*) FROM articles a WHERE 1{cond}", params
            ).fetchone()
        else:
            return 0
        return int(row[0])
