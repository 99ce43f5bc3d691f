"""The Store: one SQLite file in WAL mode (the default) or a PostgreSQL database; migrations
applied on open."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from types import TracebackType

from belowthefold.errors import StoreError
from belowthefold.store.articles import ArticleRepo
from belowthefold.store.briefs import BriefRepo
from belowthefold.store.claims import ClaimRepo
from belowthefold.store.core_tx import Connection, StoreConnection, transaction
from belowthefold.store.derived import DerivedRepo
from belowthefold.store.feeds import FeedRepo
from belowthefold.store.health import HealthRepo
from belowthefold.store.leases import LeaseRepo
from belowthefold.store.migrations import MIGRATIONS
from belowthefold.store.overview import OverviewRepo
from belowthefold.store.pg import PgConnection, is_url, redact
from belowthefold.store.pg_schema import PG_MIGRATIONS
from belowthefold.store.runs import RunRepo
from belowthefold.store.search import SearchRepo
from belowthefold.store.sources import SourceRepo
from belowthefold.store.stories import StoryRepo
from belowthefold.store.vectors import VectorRepo


def connect(path: Path, busy_timeout_s: float = 30.0) -> StoreConnection:
    """Open a connection tuned for one writer and many readers (WAL, busy timeout).

    A writer waits up to `busy_timeout_s` for another one; then, as for every SQLite error at
    run time, the store raises StoreError.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(
            str(path),
            timeout=busy_timeout_s,
            isolation_level=None,
            check_same_thread=False,
            factory=StoreConnection,
        )
        assert isinstance(conn, StoreConnection)
        conn.where = str(path)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # An INSERT OR REPLACE's implicit delete fires delete triggers only with this on: the
        # row counts (migration 15) must see it, or a replaced assignment counts twice.
        conn.execute("PRAGMA recursive_triggers=ON")
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    except (sqlite3.Error, StoreError) as exc:
        cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ else exc
        raise StoreError(f"cannot open database {path}: {cause}") from exc
    return conn


def database_url(target: Path | str) -> str | None:
    """The PostgreSQL URL a --db value names, or None for a SQLite file.

    A URL that went through Path (`postgresql://h/db` becomes `postgresql:/h/db`) gets its
    second slash back.
    """
    if not is_url(target):
        return None
    return re.sub(r"^(postgres(?:ql)?):/(?!/)", r"\1://", str(target))


class Store:
    """The database as repositories: sources, runs, articles, stories, ... and an overview.

    `path` is a SQLite file, or a `postgresql://user@host/dbname` URL (docs/deploy.md).
    """

    def __init__(self, path: Path | str, busy_timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        url = database_url(path)
        self.conn: Connection
        if url is None:
            self.conn = connect(self.path, busy_timeout_s)
        else:
            self.conn = PgConnection(url, redact(url), busy_timeout_s)
        try:
            self.migrate()
        except BaseException:
            self.conn.close()
            raise
        self.sources = SourceRepo(self.conn)
        self.runs = RunRepo(self.conn)
        self.articles = ArticleRepo(self.conn)
        self.stories = StoryRepo(self.conn)
        self.health = HealthRepo(self.conn)
        self.briefs = BriefRepo(self.conn)
        self.feeds = FeedRepo(self.conn)
        self.search = SearchRepo(self.conn)
        self.claims = ClaimRepo(self.conn)
        self.leases = LeaseRepo(self.conn)
        self.vectors = VectorRepo(self.conn)
        self.overview = OverviewRepo(self.conn)
        self.derived = DerivedRepo(self.conn)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.conn.dialect

    @property
    def schema_version(self) -> int:
        if self.backend == "postgresql":
            return self._pg_version()
        row = self.conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _pg_version(self) -> int:
        found = self.conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version' "
            "AND table_schema = current_schema()"
        ).fetchone()
        if found is None:
            return 0
        row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate_pg(self) -> None:
        """PostgreSQL's twin of `migrate`: each newer entry of PG_MIGRATIONS in one transaction
        (the writers' lock held, so two processes opening a new database migrate it once)."""
        latest = max(v for v, _, _ in PG_MIGRATIONS)
        current = self._pg_version()
        if current > latest:
            raise StoreError(
                f"database {self.conn.where} has schema {current}, newer than this "
                f"belowthefold ({latest})"
            )
        if current == latest:  # opening an up-to-date database never waits for a writer
            return
        with transaction(self.conn):
            current = self._pg_version()
            for version, _name, statements in sorted(PG_MIGRATIONS):
                if version <= current:
                    continue
                for statement in statements:
                    self.conn.execute(statement)
                self.conn.execute("DELETE FROM schema_version")
                self.conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))

    def migrate(self) -> None:
        """Apply every migration newer than the file's user_version, each in one transaction."""
        if self.backend == "postgresql":
            self._migrate_pg()
            return
        current = self.schema_version
        latest = max(v for v, _, _ in MIGRATIONS)
        if current > latest:
            raise StoreError(
                f"database {self.path} has schema {current}, newer than this belowthefold ({latest})"
            )
        for version, _name, sql in sorted(MIGRATIONS):
            if version <= current:
                continue
            try:
                with transaction(self.conn):
                    for statement in _statements(sql):
                        self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version = {int(version)}")
            except (sqlite3.Error, StoreError) as exc:
                cause = exc.__cause__ if isinstance(exc, StoreError) and exc.__cause__ else exc
                raise StoreError(f"migration {version} failed on {self.path}: {cause}") from exc


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (executescript would commit on its own)."""
    out: list[str] = []
    buf = ""
    for part in sql.split(";"):
        buf += part
        if sqlite3.complete_statement(buf + ";"):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
        else:
            buf += ";"
    if buf.strip():
        out.append(buf.strip())
    return out
