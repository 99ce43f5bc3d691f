"""What both prose renderers show, computed once: safe links, timelines, references, tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlsplit

from belowthefold.attention import peak_point
from belowthefold.models import Brief, PlacedArticle, PressurePoint, SourceHealth


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links; `javascript:`, `data:` and the like are shown as text or dropped."""
    if not url:
        return None
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return quote(stripped, safe=":/?#[]@!$&'*+,;=%~-._")


def day_label(d: date) -> str:
    return f"{d.strftime('%a')} {d.strftime('%b')} {d.day}"


@dataclass(frozen=True)
class TimelineDay:
    day: date
    articles: int
    outlets: int
    first_title: str
    first_outlet: str


@dataclass(frozen=True)
class Reference:
    outlet: str
    title: str
    day: date
    url: str | None
    group: str
    pickup: bool


def timeline(articles: Sequence[PlacedArticle]) -> list[TimelineDay]:
    """Per day: how many articles and outlets, and the first report of the day."""
    per_day: dict[date, list[PlacedArticle]] = defaultdict(list)
    for a in articles:
        per_day[a.day].append(a)
    out = []
    for d in sorted(per_day):
        items = sorted(per_day[d], key=lambda a: (a.is_pickup, a.published, a.id))
        out.append(
            TimelineDay(
                d, len(items), len({a.outlet_key for a in items}), items[0].title, _outlet(items[0])
            )
        )
    return out


def references(articles: Sequence[PlacedArticle], limit: int = 12) -> list[Reference]:
    """Originals first, then pickups, each in time order; one line per article."""
    items = sorted(articles, key=lambda a: (a.is_pickup, a.published, a.id))[:limit]
    return [
        Reference(_outlet(a), a.title, a.day, safe_url(a.url), a.group, a.is_pickup) for a in items
    ]


def _outlet(a: PlacedArticle) -> str:
    return a.outlet or a.source or a.group


def pressure_table(
    brief: Brief,
) -> tuple[list[date], list[str], dict[tuple[str, date], PressurePoint]]:
    """Days, groups (audience first) and the point for each cell."""
    cells = {(p.group, p.day): p for p in brief.pressure}
    days = sorted({p.day for p in brief.pressure})
    return days, list(brief.groups), cells


def peak_of(brief: Brief, group: str) -> PressurePoint | None:
    """The group's highest pressure on a day with enough articles for the share to mean something."""
    return peak_point([p for p in brief.pressure if p.group == group])


def week_title(brief: Brief) -> str:
    w = brief.window
    span = (
        f"{w.start.strftime('%b')} {w.start.day} – {w.end.strftime('%b')} {w.end.day}, {w.end.year}"
    )
    return f"{w.label} ({span})" if w.label and ".." not in w.label else span


def health_sorted(health: Sequence[SourceHealth]) -> list[SourceHealth]:
    """Sources with gaps first (errors, then days without articles), then by name."""
    return sorted(health, key=lambda h: (-h.errors, -h.days_without, h.source.lower()))


def health_gaps(health: Sequence[SourceHealth]) -> list[SourceHealth]:
    """The sources a reader should check before trusting "missed": errors or silent days."""
    return [h for h in health_sorted(health) if h.errors or h.days_without]
