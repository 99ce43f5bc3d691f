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
    """The URL if it may become a link (http/https with a host), quoted, else None.

    One rule for the brief and the web pages: `javascript:`, `data:`, `vbscript:`, relative
    junk and anything with a control character are shown as text only.
    """
    if not url:
        return None
    stripped = url.strip()
    if any(ord(c) < 0x20 for c in stripped):
        return None
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return quote(stripped, safe=":/?#[]@!$&'*+,;=%~-._")


def page_href(
    web_root: str | None, kind: str, key: str | None, week: str | None = None
) -> str | None:
    """The web UI's page of a story ("stories") or storyline ("storylines"), under `web_root`
    ("" for links relative to the server the brief is served from, as the web's brief page
    does); None where the brief is not for the web (a file opened from disk has no such page)
    or the item has no page (a storyline of one article, "article:ID")."""
    if web_root is None or not key or key.startswith("article:"):
        return None
    href = f"{web_root.rstrip('/')}/{kind}/{quote(key, safe='')}"
    # With the brief's week the page names the storyline from that week's items, as the brief
    # does (`web.views.story_view`).
    return f"{href}?week={quote(week, safe='')}" if week else href


def quote_after(summary: str, lead: str) -> str:
    """The lead to quote under a summary that already opens with its first sentence: the rest
    of it, or nothing ("" where the lead is that one sentence). A column never says it twice."""
    from belowthefold.brief.facts import sentences

    parts = sentences(lead)
    if parts and summary.startswith(parts[0]):
        return " ".join(parts[1:])
    return lead


def facts_heading(brief: Brief) -> str:
    """ "Key facts", saying so where the names are the pattern extractor's guesses."""
    return (
        "Key facts" if brief.entities != "patterns" else "Key facts (names by pattern, see Methods)"
    )


def day_label(d: date) -> str:
    return f"{d.strftime('%a')} {d.strftime('%b')} {d.day}"


def pct(value: float) -> str:
    """A share as people read it, in the brief and on the web alike: 0.237 -> '24%'."""
    return f"{float(value):.0%}"


def num(value: float) -> str:
    """A score or ratio to two places: the `num` template filter of the brief and the web."""
    return f"{float(value):.2f}"


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
    """The outlet a reference names (models.PlacedArticle.outlet_name), else its group."""
    return a.outlet_name or a.group


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


# At most this many sources are tabled in the Markdown appendix; HTML and JSON have them all.
HEALTH_ROWS = 12


@dataclass(frozen=True)
class HealthSummary:
    """The completeness appendix in a few lines: what a reader must check before trusting
    "missed" (the audience's own dead feeds first), then the rest as counts."""

    sources: int
    with_articles: int
    silent: int  # sources with no article at all in the window
    errors: int  # sources with fetch errors
    audience_gaps: tuple[SourceHealth, ...]
    table: tuple[SourceHealth, ...]  # the rows worth a look, most serious first
    more: int  # gaps not in the table

    def sentence(self, audience: str) -> str:
        if not self.sources:
            return "No per-source records for this window."
        text = (
            f"{self.sources} sources; {self.with_articles} had articles in this window, "
            f"{self.silent} had none"
        )
        text += f"; {self.errors} had fetch errors." if self.errors else "."
        if self.audience_gaps:
            names = ", ".join(
                f"{h.source} ({'no articles' if not h.articles else f'{h.days_without} days without'})"
                for h in self.audience_gaps[:5]
            )
            text += f" Gaps in {audience} itself, which the missed list reads: {names}."
        return text


def health_summary(brief: Brief) -> HealthSummary:
    """The audience's gaps and every fetch error are tabled; the outside sources' silent days
    are counted (a sources file lists many that a week's files never mention, and a specialist
    site that posts twice a week is not broken)."""
    gaps = health_gaps(brief.health)
    audience = tuple(h for h in gaps if h.group == brief.audience)
    table = list(audience) + [h for h in gaps if h.errors and h not in audience]
    return HealthSummary(
        sources=len(brief.health),
        with_articles=sum(1 for h in brief.health if h.articles),
        silent=sum(1 for h in brief.health if not h.articles),
        errors=sum(1 for h in brief.health if h.errors),
        audience_gaps=audience,
        table=tuple(table[:HEALTH_ROWS]),
        more=len(gaps) - min(len(table), HEALTH_ROWS),
    )
