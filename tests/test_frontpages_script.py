"""scripts/frontpages_to_jsonl.py: snapshot folders to import JSONL, one line per unique headline."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType

from belowthefold.config import ImportOptions
from belowthefold.ingest import iter_file
from belowthefold.models import Article

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "frontpages_to_jsonl.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("frontpages_to_jsonl", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _snapshot(root: Path, day: str, time: str, items: list[dict[str, str]] | str) -> None:
    folder = root / day
    folder.mkdir(parents=True, exist_ok=True)
    body = items if isinstance(items, str) else json.dumps(items)
    (folder / f"{time}_headlines.json").write_text(body, encoding="utf-8")


def test_converts_snapshots_to_importable_jsonl(tmp_path: Path) -> None:
    root = tmp_path / "output"
    a = {"headline": "Storm hits coast", "link": "https://bbc.com/", "source": "BBC News"}
    b = {"headline": "Markets fall", "link": "https://nytimes.com/x", "source": "New York Times"}
    _snapshot(root, "2024-10-02", "08-00-00", [a, b])
    _snapshot(root, "2024-10-02", "20-00-00", [a])
    _snapshot(root, "2024-10-03", "08-00-00", "not json")
    out, err = io.StringIO(), io.StringIO()
    written, skipped = _script().convert(root, out, err)
    assert (written, skipped) == (2, 1)
    assert "unreadable snapshot" in err.getvalue()
    jsonl = tmp_path / "fp.jsonl"
    jsonl.write_text(out.getvalue(), encoding="utf-8")
    articles = [x for x in iter_file(jsonl, ImportOptions()) if isinstance(x, Article)]
    assert {(x.outlet, x.title) for x in articles} == {
        ("BBC News", "Storm hits coast"),
        ("New York Times", "Markets fall"),
    }
    storm = next(x for x in articles if x.title == "Storm hits coast")
    assert storm.weight == 1.0 and storm.published.hour == 8


def test_main_writes_file_and_exit_code(tmp_path: Path) -> None:
    root = tmp_path / "output"
    _snapshot(root, "2024-10-02", "08-00-00", [{"headline": "H", "source": "BBC News"}])
    target = tmp_path / "out.jsonl"
    assert _script().main([str(root), "-o", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["title"] == "H"
