"""Front-page snapshots (`output/DAY/HH-MM-SS_headlines.json`) as import records.

One record per unique (outlet, headline): published is the first snapshot that showed it,
weight is the days it stayed on the front page (each snapshot counts 1/snapshots-that-day), since
news-pressure research counts time on air, not items aired. Links are not trusted (the BBC
scraper misaligns them), so identity is outlet + headline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from belowthefold.models import RecordError

_FILE = re.compile(r"^(\d{2})-(\d{2})-(\d{2})_headlines\.json$")


def _snapshot_time(path: Path) -> datetime | None:
    m = _FILE.match(path.name)
    if not m:
        return None
    try:
        day = datetime.fromisoformat(path.parent.name)
    except ValueError:
        return None
    h, mi, s = (int(g) for g in m.groups())
    return day.replace(hour=h, minute=mi, second=s, tzinfo=UTC)


def _plain(value: Any) -> str:
    """Text or a number as text; a nested value is no headline (and str() of one can recurse)."""
    return str(value) if isinstance(value, (str, int, float)) else ""


def read_frontpages(root: Path) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """Stream snapshot files in time order, then yield one record per unique headline."""
    files = sorted(
        (t, p) for p in root.rglob("*_headlines.json") if (t := _snapshot_time(p)) is not None
    )
    per_day: dict[str, int] = {}
    for when, _ in files:
        per_day[when.date().isoformat()] = per_day.get(when.date().isoformat(), 0) + 1
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for n, (when, path) in enumerate(files, start=1):
        share = 1.0 / per_day[when.date().isoformat()]
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # bad UTF-8, broken JSON, a 5,000-digit number
            yield n, RecordError(str(path), f"unreadable snapshot: {exc}"[:500])
            continue
        except RecursionError:
            yield n, RecordError(str(path), "unreadable snapshot: JSON nested too deeply")
            continue
        if not isinstance(items, list):
            yield n, RecordError(str(path), "snapshot is not a list of headlines")
            continue
        shown: set[tuple[str, str]] = set()
        for pos, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                continue
            title = " ".join(_plain(item.get("headline")).split())
            outlet = _plain(item.get("source")).strip()
            if not title or not outlet:
                continue
            key = (outlet, title)
            if key in shown:  # a headline listed twice on one page counts once per snapshot
                continue
            shown.add(key)
            if key in seen:
                seen[key]["weight"] += share
                seen[key]["best_position"] = min(seen[key]["best_position"], pos)
                seen[key]["last_seen"] = when.isoformat()
            else:
                seen[key] = {
                    "title": title,
                    "outlet": outlet,
                    "published": when.isoformat(),
                    "weight": share,
                    "best_position": pos,
                    "last_seen": when.isoformat(),
                    "category": item.get("category"),
                }
    for n, record in enumerate(seen.values(), start=1):
        record["weight"] = round(record["weight"], 4)
        yield n, record
