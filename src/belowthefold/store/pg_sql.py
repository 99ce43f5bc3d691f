"""The store's SQL written for SQLite, rewritten for PostgreSQL: one pure function.

The repositories keep one text per statement (SQLite's, so the embedded default runs exactly
the SQL it always ran) and the PostgreSQL connection rewrites it once per distinct text: `?`
placeholders, `INSERT OR IGNORE` / `INSERT OR REPLACE` (as `ON CONFLICT` upserts on the table's
key), two-argument MIN/MAX (LEAST/GREATEST), `group_concat`, `COLLATE NOCASE`, `WHERE 1`, and
`RETURNING id` where the caller reads `lastrowid`. What this cannot rewrite (FTS5 queries, the
settings' mixed text and bytes) the repositories branch on explicitly.
"""

from __future__ import annotations

import re

# Each table's conflict key, for INSERT OR REPLACE (SQLite replaces the row with that key).
UPSERT_KEYS: dict[str, tuple[str, ...]] = {
    "assignments": ("article_id",),
    "duplicates": ("article_id",),
    "missed_history": ("week_start", "week_end", "audience", "story_id"),
    "article_vectors": ("article_id", "encoder"),
    "source_domains": ("domain",),
    "claims": ("name",),
    "settings": ("key",),
    "articles": ("id",),
    "stories": ("id",),
    "storylines": ("id",),
    "sources": ("name",),
    "feeds": ("url",),
    "sightings": ("article_id", "feed"),
    "frontpage_time": ("article_id", "source"),
    "dedup_done": ("article_id",),
    "day_stamps": ("day",),
    "derived": ("kind", "key"),
}
# Tables with a `rowid` column standing in for SQLite's (readers take MAX(rowid) as a change
# marker): a replaced row takes a new one, as SQLite's REPLACE gives it.
ROWID_TABLES = frozenset({"articles", "assignments", "duplicates"})
# Tables whose integer `id` is generated: a single-row INSERT returns it (`lastrowid`).
SERIAL_TABLES = frozenset({"runs", "record_errors", "fetches", "frontpage_snapshots"})

_INSERT_OR = re.compile(
    r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE
)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\b", re.IGNORECASE)
_NOCASE = re.compile(r"([\w.]+)\s*=\s*\?\s+COLLATE\s+NOCASE", re.IGNORECASE)
_WHERE_ONE = re.compile(r"\bWHERE 1(?=\s|$)")
_MINMAX = re.compile(r"\b(MIN|MAX)\(", re.IGNORECASE)


def _outside_quotes(sql: str) -> list[tuple[str, bool]]:
    """The text split into (piece, quoted) runs: single-quoted literals are left alone."""
    parts: list[tuple[str, bool]] = []
    buf, quoted = "", False
    for ch in sql:
        if ch == "'":
            if quoted:
                buf += ch
                parts.append((buf, True))
                buf, quoted = "", False
                continue
            parts.append((buf, False))
            buf, quoted = ch, True
            continue
        buf += ch
    parts.append((buf, quoted))
    return parts


def _placeholders(sql: str) -> str:
    """`?` -> `%s` outside literals; every `%` doubled (psycopg reads them everywhere)."""
    out = []
    for piece, quoted in _outside_quotes(sql):
        piece = piece.replace("%", "%%")
        out.append(piece if quoted else piece.replace("?", "%s"))
    return "".join(out)


def _least_greatest(sql: str) -> str:
    """Scalar MIN(a, b) / MAX(a, b) (two arguments at top level) -> LEAST / GREATEST."""
    out, at = [], 0
    for m in _MINMAX.finditer(sql):
        if m.start() < at:
            continue
        depth, i, comma = 1, m.end(), False
        while i < len(sql) and depth:
            c = sql[i]
            depth += (c == "(") - (c == ")")
            comma = comma or (c == "," and depth == 1)
            i += 1
        if comma:
            name = "LEAST" if m.group(1).upper() == "MIN" else "GREATEST"
            inner = _least_greatest(sql[m.end() : i - 1])
            out.append(sql[at : m.start()] + f"{name}({inner})")
            at = i
    out.append(sql[at:])
    return "".join(out)


def _upsert(sql: str) -> str:
    m = _INSERT_OR.match(sql)
    if m is None:
        return sql
    verb, table, cols_text = m.group(1).upper(), m.group(2), m.group(3)
    head = f"INSERT INTO {table}({cols_text})" + sql[m.end() :]
    if verb == "IGNORE":
        return head + " ON CONFLICT DO NOTHING"
    key = UPSERT_KEYS.get(table)
    if key is None:
        raise ValueError(f"INSERT OR REPLACE INTO {table}: its key is not in UPSERT_KEYS")
    cols = [c.strip() for c in cols_text.split(",")]
    sets = [f"{c} = excluded.{c}" for c in cols if c not in key]
    if table in ROWID_TABLES:
        sets.append("rowid = DEFAULT")
    action = "DO UPDATE SET " + ", ".join(sets) if sets else "DO NOTHING"
    return head + f" ON CONFLICT ({', '.join(key)}) {action}"


def returns_id(sql: str) -> bool:
    """Whether a single-row INSERT should return its generated id (`lastrowid`)."""
    m = _INSERT_INTO.match(sql)
    return m is not None and m.group(1) in SERIAL_TABLES and "RETURNING" not in sql.upper()


def to_postgres(sql: str, single: bool = True) -> str:
    """SQLite statement text -> PostgreSQL (pure; the connection caches it per text)."""
    if sql.strip().upper() == "BEGIN IMMEDIATE":
        return "BEGIN"
    out = _upsert(sql)
    out = _NOCASE.sub(r"lower(\1) = lower(?)", out)
    out = _WHERE_ONE.sub("WHERE TRUE", out)
    out = re.sub(r"\bgroup_concat\(", "string_agg(", out, flags=re.IGNORECASE)
    out = _least_greatest(out)
    if single and returns_id(out):
        out += " RETURNING id"
    return _placeholders(out)
