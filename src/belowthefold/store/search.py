"""Full-text search over article titles and text (SQLite FTS5, or PostgreSQL's tsvector with a
GIN index), kept in sync by triggers.

The index is a standalone FTS5 table keyed by article id rather than an external-content
table over `articles`: `articles` has a text primary key, so its rowids may change on VACUUM
and an external-content index would silently point at the wrong rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from belowthefold.store.articles import parse_iso
from belowthefold.store.core_tx import Connection, Row

# Snippet markers: control characters news text does not use, so highlighting survives HTML
# escaping (a stray one in the text only shifts the highlight; it never reaches the page raw).
MARK_START = "\x02"
MARK_END = "\x03"
_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16
# Han, kana and Hangul: written without spaces (or with particles glued on), so FTS5's unicode61
# tokenizer makes a whole run one token and `地震` never matched `東京で地震が発生`. Such terms are
# matched as substrings of title and text instead (LIKE: exact, a scan of the filtered rows).
_CJK = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
SNIPPET_CHARS = 60
# BM25 with titles weighted up (the id column is unindexed): the search's order, best first.
_RANK = "bm25(articles_fts, 0.0, 8.0, 1.0)"
# PostgreSQL (store/pg_schema.py): titles are weight A, text B; ts_rank's weights are {D,C,B,A}.
_PG_QUERY = "plainto_tsquery('simple', btf_fold(?))"
_PG_RANK = "ts_rank('{0.1, 0.1, 0.125, 1.0}', f.doc, q.q)"
_PG_HEADLINE = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=16, MinWords=6, MaxFragments=1, "
    "FragmentDelimiter=…"
)


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
    plain words, so no query can raise an FTS5 syntax error. CJK terms are left out: they are
    matched as substrings (`cjk_terms`).
    """
    terms = [t for t in _TOKEN.findall(user_query)[:MAX_TERMS] if not _CJK.search(t)]
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def pg_words(user_query: str) -> str:
    """The words `fts_query` keeps, for PostgreSQL's plainto_tsquery (every one required; no
    operator in user input means anything there either)."""
    return " ".join(t for t in _TOKEN.findall(user_query)[:MAX_TERMS] if not _CJK.search(t))


def cjk_terms(user_query: str) -> list[str]:
    """The query's terms in a script written without spaces (Chinese, Japanese, Korean)."""
    return [t for t in _TOKEN.findall(user_query)[:MAX_TERMS] if _CJK.search(t)]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _substring_sql(terms: list[str]) -> tuple[str, list[str]]:
    """`AND (title LIKE .. OR text LIKE ..)` per term, the term's own wildcards escaped."""
    cond = " AND (a.title LIKE ? ESCAPE '\\' OR a.text LIKE ? ESCAPE '\\')"
    return cond * len(terms), [p for t in terms for p in (_like(t), _like(t))]


def substring_snippet(title: str, text: str, terms: list[str]) -> str:
    """A snippet around the first term found in the text (else the title), the terms marked."""
    body = next((src for src in (text, title) if any(t in src for t in terms)), text or title)
    at = min((body.find(t) for t in terms if t in body), default=0)
    lo = max(0, at - SNIPPET_CHARS // 2)
    piece = body[lo : lo + SNIPPET_CHARS]
    for t in sorted(terms, key=len, reverse=True):
        piece = piece.replace(t, f"{MARK_START}{t}{MARK_END}")
    return ("…" if lo else "") + piece + ("…" if lo + SNIPPET_CHARS < len(body) else "")


def split_snippet(text: str) -> tuple[tuple[str, bool], ...]:
    """Split an FTS5 snippet with our markers into (text, highlighted) parts."""
    parts: list[tuple[str, bool]] = []
    for i, chunk in enumerate(re.split(f"[{MARK_START}{MARK_END}]", text)):
        if chunk:
            parts.append((chunk, i % 2 == 1))
    return tuple(parts)


class SearchRepo:
    """Queries the FTS5 index; writes happen through the triggers on `articles`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def search(
        self,
        user_query: str,
        limit: int = 50,
        offset: int = 0,
        where: SearchFilter = NO_FILTER,
    ) -> list[SearchHit]:
        """Best matches first (BM25, titles weighted up); with no words, the filter's articles
        newest first; empty when there are neither words nor filters. CJK terms must appear as
        substrings; with only those, title matches come first, then the newest."""
        query, cjk, cond, params = self._plan(user_query, where)
        bounds = (max(1, min(limit, 500)), max(0, offset))
        if query and self.conn.dialect == "postgresql":
            return self._pg_search(user_query, cond, params, bounds)
        if query:
            if not params:  # no filter: rank in the index first, join only the best
                cond, params = self._best_only(query, sum(bounds))
            rows = self.conn.execute(
                "SELECT a.id, a.title, a.url, a.outlet, a.grp, a.published, s.story_id, "
                f"snippet(articles_fts, -1, '{MARK_START}', '{MARK_END}', '…', 16) AS snip "
                "FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                "LEFT JOIN assignments s ON s.article_id = a.id "
                f"WHERE articles_fts MATCH ?{cond} "
                f"ORDER BY {_RANK}, a.published DESC LIMIT ? OFFSET ?",
                (query, *params, *bounds),
            ).fetchall()
            return [self._hit(r, r["snip"] or "") for r in rows]
        if cjk:
            rows = self.conn.execute(
                "SELECT a.id, a.title, a.url, a.outlet, a.grp, a.published, s.story_id, "
                "a.text AS snip FROM articles a "
                f"LEFT JOIN assignments s ON s.article_id = a.id WHERE 1{cond} "
                "ORDER BY (a.title LIKE ? ESCAPE '\\') DESC, a.published DESC, a.id "
                "LIMIT ? OFFSET ?",
                (*params, _like(cjk[0]), *bounds),
            ).fetchall()
            return [self._hit(r, substring_snippet(r["title"], r["snip"] or "", cjk)) for r in rows]
        if not where.empty:
            rows = self.conn.execute(
                "SELECT a.id, a.title, a.url, a.outlet, a.grp, a.published, s.story_id, "
                "substr(a.text, 1, 200) AS snip FROM articles a "
                f"LEFT JOIN assignments s ON s.article_id = a.id WHERE 1{cond} "
                "ORDER BY a.published DESC, a.id LIMIT ? OFFSET ?",
                (*params, *bounds),
            ).fetchall()
            return [self._hit(r, r["snip"] or "") for r in rows]
        return []

    def _pg_search(
        self, user_query: str, cond: str, params: list[str], bounds: tuple[int, int]
    ) -> list[SearchHit]:
        """PostgreSQL: the tsvector index (GIN), titles weighted 8:1 over text as FTS5's BM25
        weights are, best first, then the newest; CJK terms as substrings, as on SQLite. The
        snippet is from the title when it has every word (FTS5 picks the best column too)."""
        rows = self.conn.execute(
            "SELECT a.id, a.title, a.url, a.outlet, a.grp, a.published, s.story_id, "
            "ts_headline('simple', CASE WHEN a.text = '' OR "
            "to_tsvector('simple', btf_fold(a.title)) @@ q.q THEN a.title ELSE a.text END, q.q, ?) "
            f"AS snip FROM (SELECT {_PG_QUERY} AS q) q "
            "JOIN articles_fts f ON f.doc @@ q.q JOIN articles a ON a.id = f.article_id "
            f"LEFT JOIN assignments s ON s.article_id = a.id WHERE 1{cond} "
            f"ORDER BY {_PG_RANK} DESC, a.published DESC LIMIT ? OFFSET ?",
            (_PG_HEADLINE, pg_words(user_query), *params, *bounds),
        ).fetchall()
        return [self._hit(r, r["snip"] or "") for r in rows]

    def _best_only(self, query: str, wanted: int) -> tuple[str, list[str]]:
        """A condition keeping the matches that can be among the first `wanted`: those ranked
        at or above the `wanted`-th best score (its ties included, since the order breaks them
        by date).

        Ranking is in the index alone (a common word: 8.7 ms for 7,600 matches at 100k); joining
        every match with its article to break ties by date was 50 ms of the 80. The same rows
        come out in the same order, joined only for the best few.
        """
        r = self.conn.execute(
            f"SELECT {_RANK} AS r FROM articles_fts WHERE articles_fts MATCH ? "
            "ORDER BY r LIMIT 1 OFFSET ?",
            (query, max(wanted - 1, 0)),
        ).fetchone()
        if r is None:  # fewer matches than wanted: every one is shown
            return "", []
        return (
            # `+`: a filter on the scan, not a rowid lookup per value (FTS5 would run the
            # whole query again for each of them).
            " AND +f.rowid IN (SELECT rowid FROM (SELECT rowid, "
            f"{_RANK} AS r FROM articles_fts WHERE articles_fts MATCH ?) WHERE r <= ?)",
            [query, r[0]],
        )

    @staticmethod
    def _plan(user_query: str, where: SearchFilter) -> tuple[str, list[str], str, list[str]]:
        """The FTS5 query, the CJK terms, and the filter's conditions with the CJK ones."""
        cjk = cjk_terms(user_query)
        cond, params = where.sql()
        sub_cond, sub_params = _substring_sql(cjk)
        return fts_query(user_query), cjk, cond + sub_cond, [*params, *sub_params]

    @staticmethod
    def _hit(r: Row, snippet: str) -> SearchHit:
        return SearchHit(
            article_id=r["id"],
            title=r["title"],
            url=r["url"],
            outlet=r["outlet"],
            group=r["grp"],
            published=parse_iso(r["published"]),
            story_id=r["story_id"],
            snippet=split_snippet(snippet),
        )

    def count(self, user_query: str, where: SearchFilter = NO_FILTER) -> int:
        query, cjk, cond, params = self._plan(user_query, where)
        if query and self.conn.dialect == "postgresql":
            row = self.conn.execute(
                "SELECT COUNT(*) FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                f"WHERE f.doc @@ {_PG_QUERY}{cond}",
                (pg_words(user_query), *params),
            ).fetchone()
        elif query and not params:  # the index keeps one row per article (the triggers)
            row = self.conn.execute(
                "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (query,)
            ).fetchone()
        elif query:
            row = self.conn.execute(
                "SELECT COUNT(*) FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                f"WHERE articles_fts MATCH ?{cond}",
                (query, *params),
            ).fetchone()
        elif cjk or not where.empty:
            row = self.conn.execute(
                f"SELECT COUNT(*) FROM articles a WHERE 1{cond}", params
            ).fetchone()
        else:
            return 0
        return int(row[0])
