"""Shared fixtures: a real SQLite file per test (or, in modules marked `both_backends`, a
fresh PostgreSQL schema too), and ../shared when present."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from belowthefold.store import Store
from cli_support import SHARED
from pg_support import fresh_schema, server_url

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests of a module marked `both_backends` that take `backend` run once per backend."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        metafunc.parametrize("backend", BACKENDS)


@pytest.fixture
def shared_dir() -> Path:
    """../shared (real data). Absent on a user's machine: the test is skipped, saying why."""
    if not SHARED.is_dir():
        pytest.skip(f"real data folder {SHARED} is absent (it sits beside the repo in CI only)")
    return SHARED


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def backend() -> str:
    """SQLite, unless the module is marked `both_backends` (then each in turn)."""
    return "sqlite"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The test PostgreSQL server's URL; the test is skipped, saying why, when none answers."""
    url, why = server_url()
    if url is None:
        pytest.skip(why)
    return url


@pytest.fixture
def db_target(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[Path | str]:
    """What `Store(...)` opens: the SQLite file, or a URL of a schema of its own on the server
    (dropped after the test)."""
    if backend == "sqlite":
        yield db_path
        return
    with fresh_schema(request.getfixturevalue("pg_server")) as url:
        yield url


@pytest.fixture
def new_db(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], str]]:
    """Databases of the test's backend by name (a file, or a schema of its own), as --db text:
    the same name gives the same database; the schemas are dropped after the test."""
    made: dict[str, str] = {}
    with ExitStack() as stack:

        def make(name: str) -> str:
            if name not in made:
                made[name] = (
                    str(tmp_path / f"{name}.db")
                    if backend == "sqlite"
                    else stack.enter_context(fresh_schema(request.getfixturevalue("pg_server")))
                )
            return made[name]

        yield make


@pytest.fixture
def store(db_target: Path | str) -> Iterator[Store]:
    s = Store(db_target)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the user's real database or settings from a test."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("BELOWTHEFOLD_DB", raising=False)
    monkeypatch.delenv("BELOWTHEFOLD_CONFIG", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
