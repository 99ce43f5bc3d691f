"""Derived aggregates: per-day pressure points and the coverage model's archive weeks, by stamp.

A week's brief learns the audience's usual treatment from the four weeks before it and compares
its variety with theirs; `pressure` over four weeks aggregates every article in them. Both are
functions of each day's (or week's) placed articles alone, so they are computed once and kept
in the store's `derived` table with the data stamp of their days (`store/derived.py`: triggers
raise a day's version in the writing transaction of any change to it). A reader recomputes only
the days an import, a regrouping or a storyline merge changed since. The values are exactly
what the direct computation gives (`tests/test_aggregates.py`), and deleting them loses nothing.

The stamp also carries a fingerprint of the code that computes the values and of the options,
so a new ranking rule or another `[rank]` setting never reads a value made under the old one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from belowthefold import __version__
from belowthefold.attention import pressure_point
from belowthefold.config import RankOptions
from belowthefold.models import ArchiveWeek, PlacedArticle, PressurePoint, Window
from belowthefold.store import Store

PRESSURE = "pressure-day"
ARCHIVE = "coverage-week"
_CODE: tuple[str, ...] = ("attention.py", "models.py", "aggregates.py", "rank/events.py")
_CODE += ("rank/reach.py", "rank/model.py", "rank/numeric.py", "stories/naming.py")


def code_stamp() -> str:
    """A fingerprint of the modules that compute the aggregates and of the numerical libraries'
    versions under them (numpy, scipy): a change to any is a new stamp."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _CODE:
        try:
            h.update((root / name).read_bytes())
        except OSError:  # installed without sources: the version stands in for them
            h.update(f"{name}:{__version__}".encode())
    for package in ("numpy", "scipy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(metadata.version(package).encode())
    return h.hexdigest()[:16]


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=UTC)
    return start, datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)


def _encode_points(points: Sequence[PressurePoint]) -> str:
    return json.dumps(
        [
            [p.group, p.value, p.concentration, p.articles, p.attention, p.top_storylines]
            for p in points
        ]
    )


def _decode_points(day: date, text: str) -> dict[str, PressurePoint]:
    out: dict[str, PressurePoint] = {}
    for group, value, conc, n, attention, top in json.loads(text):
        out[group] = PressurePoint(day, group, value, conc, n, attention, tuple(top))
    return out


def _day_points(day: date, articles: Sequence[PlacedArticle]) -> list[PressurePoint]:
    """The day's point for each group with articles that day, as `daily_pressure` makes it."""
    cells: dict[str, list[PlacedArticle]] = {}
    for a in articles:
        cells.setdefault(a.group, []).append(a)
    return [pressure_point(day, g, items) for g, items in sorted(cells.items())]


def _day_stamp(versions: Mapping[date, int], day: date, code: str) -> str:
    """What a day's stored pressure points hold for: the day's data version and the code's."""
    return f"{versions.get(day, 0)}|{code}"


def daily_points(store: Store, days: Sequence[date]) -> dict[date, dict[str, PressurePoint]]:
    """Per day, the pressure point of every group with articles that day (stored or computed).

    The stamps are read before the articles: a write in between makes the stored value look
    stale next time (a recomputation), never a stale value look fresh.
    """
    if not days:
        return {}
    code = code_stamp()
    versions = store.derived.day_versions(min(days), max(days))
    stored = store.derived.get(PRESSURE, [d.isoformat() for d in days])
    out: dict[date, dict[str, PressurePoint]] = {}
    fresh: dict[str, tuple[str, str]] = {}
    for d in days:
        key, stamp = d.isoformat(), _day_stamp(versions, d, code)
        found = stored.get(key)
        if found is not None and found[0] == stamp:
            out[d] = _decode_points(d, found[1])
            continue
        points = _day_points(d, store.articles.placed(*_bounds(d, d)))
        out[d] = {p.group: p for p in points}
        fresh[key] = (stamp, _encode_points(points))
    store.derived.put(PRESSURE, fresh)
    return out


def _keep_day_points(
    store: Store, lo: date, hi: date, versions: dict[date, int], block: Sequence[PlacedArticle]
) -> None:
    """Store the stale days' pressure points of [lo, hi] from the span's articles, read already.

    A brief's weeks before are its context days too: after an import that touched them, the
    archive weeks read each week and `daily_points` read each of its days again (at 100k, 65,000
    articles read twice, ~0.8 s). `versions` are the days' versions read before `block` was, as
    `daily_points` reads them; each day's articles are the block's of that day, in its order
    (published, id), which is the order a day's own read gives, so the points are the same.
    """
    days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
    code = code_stamp()
    stored = store.derived.get(PRESSURE, [d.isoformat() for d in days])
    stale: dict[date, str] = {}
    for d in days:
        stamp = _day_stamp(versions, d, code)
        found = stored.get(d.isoformat())
        if found is None or found[0] != stamp:
            stale[d] = stamp
    if not stale:
        return
    per_day: dict[date, list[PlacedArticle]] = {d: [] for d in stale}
    for a in block:
        items = per_day.get(a.day)
        if items is not None:
            items.append(a)
    store.derived.put(
        PRESSURE,
        {
            d.isoformat(): (stamp, _encode_points(_day_points(d, per_day[d])))
            for d, stamp in stale.items()
        },
    )


def pressure(
    store: Store, days: Sequence[date], groups: Sequence[str] | None = None
) -> list[PressurePoint]:
    """`attention.daily_pressure` of the days' articles, from the per-day aggregate.

    Same points in the same order: per group (given, else every group with articles on one of
    the days, sorted), per day; a day without the group's articles has its empty point.
    """
    per_day = daily_points(store, days)
    chosen = (
        list(groups)
        if groups is not None
        else sorted({g for points in per_day.values() for g in points})
    )
    return [per_day[d].get(g) or pressure_point(d, g, []) for g in chosen for d in days]


def window_pressure(store: Store, days: Sequence[date], audience: str) -> list[PressurePoint]:
    """The points a brief of these days for `audience` shows, from the per-day aggregate
    (the web's pressure API answers a new window without building a whole brief for it).

    The brief's groups: the audience first, then every other group with articles on one of the
    days, sorted (`brief.build._groups`).
    """
    present = {g for points in daily_points(store, days).values() for g in points}
    groups = [audience, *sorted(present - {audience})]
    return pressure(store, days, groups)


def context_days(window: Window, weeks: int) -> list[date]:
    """The days of the `weeks` weeks before the window, oldest first."""
    return [window.start - timedelta(days=i) for i in range(weeks * 7, 0, -1)]


def _options_stamp(options: RankOptions) -> str:
    return hashlib.sha256(repr(options).encode()).hexdigest()[:16]


def _encode_week(week: ArchiveWeek) -> str:
    return json.dumps({"total": week.total, "rows": [list(r) for r in week.rows]})


def _decode_week(text: str) -> ArchiveWeek:
    data: dict[str, Any] = json.loads(text)
    return ArchiveWeek(data["total"], tuple((float(r[0]), float(r[1])) for r in data["rows"]))


def archive_weeks(
    store: Store, window: Window, audience: str, options: RankOptions, weeks: int
) -> tuple[ArchiveWeek, ...]:
    """The coverage model's weeks before the window for `audience`, most recent first.

    Week k holds the days [start - 7(k+1), start - 7k - 1], as `rank.model` blocks the context.
    """
    from belowthefold.rank.model import archive_week

    spans = [
        (window.start - timedelta(days=7 * (k + 1)), window.start - timedelta(days=7 * k + 1))
        for k in range(weeks)
    ]
    code, opts = code_stamp(), _options_stamp(options)
    keys = [f"{audience}|{lo.isoformat()}|{hi.isoformat()}" for lo, hi in spans]
    stamps = [f"{store.derived.span_stamp(lo, hi)}|{code}|{opts}" for lo, hi in spans]
    stored = store.derived.get(ARCHIVE, keys)
    out: list[ArchiveWeek] = []
    fresh: dict[str, tuple[str, str]] = {}
    for (lo, hi), key, stamp in zip(spans, keys, stamps, strict=True):
        found = stored.get(key)
        if found is not None and found[0] == stamp:
            out.append(_decode_week(found[1]))
            continue
        versions = store.derived.day_versions(lo, hi)  # before the articles, as daily_points
        block = store.articles.placed(*_bounds(lo, hi))
        week = archive_week(block, audience, options)
        _keep_day_points(store, lo, hi, versions, block)  # the same days' pressure, same read
        out.append(week)
        fresh[key] = (stamp, _encode_week(week))
    store.derived.put(ARCHIVE, fresh)
    return tuple(out)
