"""Shared fixtures: a real SQLite file per test, and ../shared when present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from belowthefold.store import Store
from cli_support import SHARED


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
def store(db_path: Path) -> Iterator[Store]:
    s = Store(db_path)
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
