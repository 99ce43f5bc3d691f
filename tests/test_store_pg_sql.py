"""SQLite's SQL rewritten for PostgreSQL (store/pg_sql.py): the rewrites the store relies on."""

from __future__ import annotations

from belowthefold.store.pg_sql import to_postgres


def test_placeholders_become_psycopg_ones_and_percent_signs_are_doubled() -> None:
    assert to_postgres("SELECT id FROM t WHERE a = ? AND b LIKE '%?%'") == (
        "SELECT id FROM t WHERE a = %s AND b LIKE '%%?%%'"
    )


def test_insert_or_ignore_does_nothing_on_any_conflict() -> None:
    assert to_postgres("INSERT OR IGNORE INTO articles(id, url) VALUES (?,?)", single=False) == (
        "INSERT INTO articles(id, url) VALUES (%s,%s) ON CONFLICT DO NOTHING"
    )


def test_insert_or_replace_updates_on_the_tables_key_and_takes_a_new_rowid() -> None:
    sql = "INSERT OR REPLACE INTO assignments(article_id, story_id) VALUES (?,?)"
    assert to_postgres(sql) == (
        "INSERT INTO assignments(article_id, story_id) VALUES (%s,%s) ON CONFLICT (article_id) "
        "DO UPDATE SET story_id = excluded.story_id, rowid = DEFAULT"
    )


def test_scalar_min_and_max_become_least_and_greatest_aggregates_stay() -> None:
    sql = "SET a = MIN(t.a, (SELECT MIN(b) FROM u)), c = MAX(MAX(c, 1), d)"
    assert to_postgres(sql) == (
        "SET a = LEAST(t.a, (SELECT MIN(b) FROM u)), c = GREATEST(GREATEST(c, 1), d)"
    )


def test_nocase_where_1_and_group_concat() -> None:
    assert to_postgres("SELECT group_concat(x, ';') FROM t WHERE 1 AND a.o = ? COLLATE NOCASE") == (
        "SELECT string_agg(x, ';') FROM t WHERE TRUE AND lower(a.o) = lower(%s)"
    )


def test_a_single_insert_into_a_serial_table_returns_its_id() -> None:
    assert to_postgres("INSERT INTO runs(kind) VALUES (?)").endswith(" RETURNING id")
    assert not to_postgres("INSERT INTO runs(kind) VALUES (?)", single=False).endswith("id")
    assert to_postgres("BEGIN IMMEDIATE") == "BEGIN"
