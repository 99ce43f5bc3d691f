"""Full-text search over article titles and text (SQLite FTS5), kept in sync by triggers.

The index is a standalone FTS5 table keyed by article id rather than an external-content
table over `articles`: `articles` has a text primary key, so its rowids may change on VACUUM
and an external-content index would silently point at the wrong rows.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

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

    def search(self, user_query: str, limit: int = 50, offset: int = 0) -> list[SearchHit]:
        """Best matches first (BM25, titles weighted up); empty for a query without words."""
        query = fts_query(user_query)
        if not query:
            return []
        rows = self.conn.execute(
            "SELECT a.id, a.title, a.url, a.outlet, a.grp, a.published, s.story_id, "
            f"snippet(articles_fts, -1, '{MARK_START}', '{MARK_END}', '…', 16) AS snip "
            "FROM articles_fts f JOIN articles a ON a.id = f.article_id "
            "LEFT JOIN assignments s ON s.article_id = a.id "
            "WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts, 0.0, 8.0, 1.0), a.published DESC "
            "LIMIT ? OFFSET ?",
            (query, max(1, min(limit, 500)), max(0, offset)),
        ).fetchall()
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

    def count(self, user_query: str) -> int:
        query = fts_query(user_query)
        if not query:
            return 0
        row = self.conn.execute(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (query,)
        ).fetchone()
        return int(row[0])
