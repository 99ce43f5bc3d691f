"""The test PostgreSQL server: found once, and a schema of its own for each test.

The server is `BELOWTHEFOLD_TEST_PG` (default postgresql://postgres@127.0.0.1:5432/test, the one
this project's machines run with trust auth); `.ci/run` starts it when it is stopped. A schema
per test (search_path set in the URL) is as isolated as a database and far cheaper to make.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> tuple[str | None, str]:
    """(the server's URL, "") when it answers, else (None, why not)."""
    url = os.environ.get("BELOWTHEFOLD_TEST_PG", DEFAULT_URL)
    try:
        import psycopg
    except ImportError:
        return None, "psycopg is not installed (pip install 'psycopg[binary]')"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"no PostgreSQL server answers at {url} ({first}); .ci/run starts one"
    return url, ""


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new empty schema; yields a URL whose connections use it; drops it after."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_schema(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
