"""Settings from the per-user file too, and `belowthefold config` saying where each came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from belowthefold.cli.app import main
from belowthefold.config import describe_settings, load_settings, user_config_path


def _config_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main([*args, "config", "--format", "json"]) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def test_per_user_settings_file_is_read_outside_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # as cron and systemd run: no ./belowthefold.toml here
    user = user_config_path({"XDG_CONFIG_HOME": str(tmp_path / "xdg-config")})
    assert user == tmp_path / "xdg-config" / "belowthefold" / "belowthefold.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[rank]\ntop_n = 7\n", encoding="utf-8")
    assert load_settings().rank.top_n == 7
    (tmp_path / "belowthefold.toml").write_text("[rank]\ntop_n = 3\n", encoding="utf-8")
    assert load_settings().rank.top_n == 3  # the project's own file wins over the user's


def test_config_prints_every_setting_with_its_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = tmp_path / "s.toml"
    settings.write_text("[rank]\ntop_n = 7\n[fetch]\nretries = 1\n", encoding="utf-8")
    monkeypatch.setenv("BELOWTHEFOLD_FETCH__RETRIES", "4")
    doc = _config_json(capsys, "--config", str(settings), "--db", str(tmp_path / "x.db"))
    rows = {r["name"]: r for r in doc["settings"]}  # type: ignore[attr-defined]
    assert doc["settings_file"] == str(settings)
    assert rows["rank.top_n"] == {"name": "rank.top_n", "value": 7, "from": str(settings)}
    assert rows["fetch.retries"]["value"] == 4
    assert rows["fetch.retries"]["from"] == "env BELOWTHEFOLD_FETCH__RETRIES"
    assert rows["db"] == {"name": "db", "value": str(tmp_path / "x.db"), "from": "--db"}
    assert rows["cluster.story_threshold"]["from"] == "default"
    # every field of every options object is listed, none twice
    names = [r[0] for r in describe_settings(env={"XDG_CONFIG_HOME": str(tmp_path)})]
    assert len(names) == len(set(names)) and len(rows) == len(names)
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "rank.top_n" in out and "default" in out
