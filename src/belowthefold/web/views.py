"""What each page shows, as frozen data built from the store: shared by HTML pages and the API,
so the two can never disagree."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup

from belowthefold.attention import headline_of, language_of, measured, storyline_headline
from belowthefold.brief.column import coverage_shares
from belowthefold.brief.jsondoc import article_dict
from belowthefold.brief.palette import GroupPalette
from belowthefold.brief.svg import (
    coverage_bar,
    line_chart,
    pressure_series,
    spark_bars,
    stacked_bars,
)
from belowthefold.errors import WindowError
from belowthefold.models import Brief, PlacedArticle, Source, SourceHealth, Window
from belowthefold.pipeline import WindowNames, parse_window, week_label
from belowthefold.store import Store
from belowthefold.store.overview import DayCount, RunRow, StorylineRow, StoryRow
from belowthefold.store.search import SearchFilter
from belowthefold.store.sources import SourceCount

MAX_TIMELINE_DAYS = 120
MAX_WINDOW_DAYS = 366  # a window a page or the API draws day by day
# Window errors in the web's words: URL parameters, not the CLI's flags.
WEB_WINDOW = WindowNames(week="the week", start="the start date (from)", end="the end date (to)")


def neighbour_weeks(window: Window) -> tuple[str, str]:
    """The ISO weeks before and after a window (for the arrows)."""
    return week_label(window.start - timedelta(days=7)), week_label(
        window.start + timedelta(days=7)
    )


@dataclass(frozen=True)
class WeekOption:
    """A week with articles, for the week picker."""

    week: str
    start: date
    articles: int


def week_options(store: Store) -> tuple[WeekOption, ...]:
    """Every ISO week that has articles, newest first, with its article count."""
    per_week: dict[str, list[Any]] = {}
    for day, n in store.overview.day_counts():
        label = week_label(day)
        entry = per_week.setdefault(label, [day - timedelta(days=day.weekday()), 0])
        entry[1] += n
    return tuple(
        WeekOption(w, start, n)
        for w, (start, n) in sorted(per_week.items(), key=lambda kv: kv[1][0], reverse=True)
    )


def landing_week(store: Store, today: date) -> str:
    """The week `/` opens on: the latest with articles up to today, else the calendar's week.

    A database of last year's imports opens on its data, not on an empty week that tells the
    user to import what they already imported.
    """
    return week_label(store.overview.latest_day(until=today) or today)


@dataclass(frozen=True)
class WeekView:
    brief: Brief
    chart: Markup
    prev_week: str
    next_week: str
    audiences: tuple[str, ...]
    has_data: bool
    weeks: tuple[WeekOption, ...] = ()
    gaps: int = 0
    bars: Mapping[str, Markup] = field(default_factory=dict)

    @property
    def nearest(self) -> tuple[WeekOption, ...]:
        """For a week without articles: the closest earlier and later weeks that have some."""
        start = self.brief.window.start
        before = [w for w in self.weeks if w.start < start]
        after = [w for w in self.weeks if w.start > start]
        picked = [max(before, key=lambda w: w.start)] if before else []
        picked += [min(after, key=lambda w: w.start)] if after else []
        return tuple(picked)


def week_view(brief: Brief, palette: GroupPalette, weeks: tuple[WeekOption, ...] = ()) -> WeekView:
    """The week page: the brief plus its pressure chart, navigation and the week picker."""
    series, weak, gaps = pressure_series(brief)
    chart = line_chart(
        brief.window.days(),
        series,
        f"Daily news pressure per group, {brief.window.label}",
        palette,
        weak=weak,
    )
    prev_week, next_week = neighbour_weeks(brief.window)
    audiences = tuple(sorted(set(brief.groups) | {brief.audience}))
    has_data = any(measured(p) for p in brief.pressure) or bool(brief.missed or brief.dominant)
    bars = {}
    for m in brief.missed:
        shares = coverage_shares(m.coverage)
        text = ", ".join(f"{g} {v:.0%}" for g, v in shares)
        bars[m.story_id] = coverage_bar(shares, palette, f"Coverage by group: {text}")
    return WeekView(brief, chart, prev_week, next_week, audiences, has_data, weeks, gaps, bars)


@dataclass(frozen=True)
class OutletRow:
    outlet: str
    group: str
    articles: int
    originals: int
    pickups: int


@dataclass(frozen=True)
class WeekRow:
    week: str
    articles: int
    groups: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Coverage:
    """What a story or storyline page shows about its articles: timeline, outlets, weeks."""

    articles: tuple[PlacedArticle, ...]
    days: tuple[date, ...]
    timeline: dict[str, dict[date, int]]
    chart: Markup
    outlets: tuple[OutletRow, ...]
    originals: int
    pickups: int
    weeks: tuple[WeekRow, ...]


def coverage_of(
    articles: tuple[PlacedArticle, ...], fallback: date, title: str, palette: GroupPalette
) -> Coverage:
    """Articles per day per group (at most MAX_TIMELINE_DAYS), per outlet and per week."""
    first, last = (articles[0].day, articles[-1].day) if articles else (fallback, fallback)
    last = min(last, first + timedelta(days=MAX_TIMELINE_DAYS - 1))
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    timeline: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for a in articles:
        timeline[a.group][a.day] += 1
    plain = {g: dict(v) for g, v in timeline.items()}
    by_outlet: dict[tuple[str, str], list[PlacedArticle]] = defaultdict(list)
    for a in articles:
        by_outlet[(a.outlet_name or "(unknown)", a.group)].append(a)
    outlets = tuple(
        sorted(
            (
                OutletRow(
                    o,
                    g,
                    len(v),
                    sum(1 for a in v if not a.is_pickup),
                    sum(1 for a in v if a.is_pickup),
                )
                for (o, g), v in by_outlet.items()
            ),
            key=lambda r: (-r.articles, r.outlet.lower()),
        )
    )
    per_week: dict[str, Counter[str]] = defaultdict(Counter)
    for a in articles:
        per_week[week_label(a.day)][a.group] += 1
    weeks = tuple(
        WeekRow(w, sum(c.values()), tuple(sorted(c.items()))) for w, c in sorted(per_week.items())
    )
    pickups = sum(1 for a in articles if a.is_pickup)
    return Coverage(
        articles=articles,
        days=days,
        timeline=plain,
        chart=stacked_bars(days, plain, title, palette),
        outlets=outlets,
        originals=len(articles) - pickups,
        pickups=pickups,
        weeks=weeks,
    )


@dataclass(frozen=True)
class StoryView:
    story: StoryRow
    # Names by the one rule (stories/naming.py), not the store's first-article titles.
    headline: str
    storyline_headline: str
    articles: tuple[PlacedArticle, ...]
    days: tuple[date, ...]
    timeline: dict[str, dict[date, int]]
    chart: Markup
    outlets: tuple[OutletRow, ...]
    originals: int
    pickups: int
    weeks: tuple[WeekRow, ...]
    titles: dict[str, str]
    missed: tuple[tuple[str, str, int, float], ...]
    # The week the storyline was named in (`?week=`), which its link passes on ("" for none).
    week: str = ""


def audience_language_of(
    store: Store,
    audience: str,
    articles: Sequence[PlacedArticle],
    window: Window | None = None,
) -> str | None:
    """The audience's language over `window`, or the days the page's articles span: the
    brief's and the CLI's definition (`attention.audience_language`: its group's most common
    language in the window, all outlets' where it has no items there), counted in the store,
    since a story's page loads its own articles, not the window's."""
    if window is not None:
        first, last = window.start, window.end
    elif articles:
        first, last = min(a.day for a in articles), max(a.day for a in articles)
    else:
        return None
    counts = store.articles.languages(first, last, audience)
    return language_of(counts or store.articles.languages(first, last))


def in_window(articles: Sequence[PlacedArticle], window: Window | None) -> list[PlacedArticle]:
    """The articles published in `window` (all of them without one): the pool a page names a
    storyline from when it is asked for a week, as the brief and `stories` name it."""
    if window is None:
        return list(articles)
    return [a for a in articles if window.start <= a.day <= window.end]


def story_view(
    store: Store,
    story_id: str,
    palette: GroupPalette,
    audience: str,
    window: Window | None = None,
) -> StoryView | None:
    """A story with its timeline per group, outlets, originals vs pickups and weeks it ran.
    It and its storyline are named in the audience's language (`audience_language_of`).

    The storyline's name comes from one pool on every surface (`attention.storyline_headline`):
    all its items in a window, every group's. With `window` (`?week=`, which the brief's links
    carry) that is the brief's week, so the page names it as the brief and `stories` do;
    without one, the storyline's whole span (a saga of months is named by its biggest story
    over them). A week in which the storyline has no item names it over its whole span."""
    row = store.overview.story(story_id)
    if row is None:
        return None
    articles = tuple(store.articles.placed_by_story([story_id]))
    stories = store.overview.storyline_stories(row.storyline_id)
    line = store.articles.placed_by_story([s.id for s in stories])
    pool = in_window(line, window) or line
    lang = audience_language_of(store, audience, pool or articles, window)
    headline = headline_of(articles, lang) or row.headline
    c = coverage_of(
        articles,
        row.first_published.date(),
        f"Articles per day per group: {headline}",
        palette,
    )
    return StoryView(
        story=row,
        headline=headline,
        storyline_headline=storyline_headline(pool, lang) or row.storyline_headline,
        articles=articles,
        days=c.days,
        timeline=c.timeline,
        chart=c.chart,
        outlets=c.outlets,
        originals=c.originals,
        pickups=c.pickups,
        weeks=c.weeks,
        titles={a.id: a.title for a in articles},
        missed=tuple(store.overview.missed_weeks(story_id)),
        week=window.label if window is not None else "",
    )


@dataclass(frozen=True)
class StorylineStory:
    """One story of a storyline, as its page lists it."""

    story: StoryRow
    articles: int
    groups: tuple[tuple[str, int], ...]
    name: str


@dataclass(frozen=True)
class StorylineView:
    storyline: StorylineRow
    headline: str
    stories: tuple[StorylineStory, ...]
    coverage: Coverage


def storyline_view(
    store: Store,
    storyline_id: str,
    palette: GroupPalette,
    audience: str,
    window: Window | None = None,
) -> StorylineView | None:
    """A storyline (a flood is many stories): its stories, timeline per group, outlets, weeks.
    It and its stories are named in the audience's language (`audience_language_of`); it is
    named from its items in `window` where given and it has any there, else over its whole
    span (see `story_view`)."""
    overview = store.overview
    row = overview.storyline(storyline_id)
    if row is None:
        return None
    stories = overview.storyline_stories(storyline_id)
    articles = tuple(
        sorted(
            store.articles.placed_by_story([s.id for s in stories]),
            key=lambda a: (a.published, a.id),
        )
    )
    pool = in_window(articles, window) or list(articles)
    lang = audience_language_of(store, audience, pool, window)
    headline = storyline_headline(pool, lang) or row.headline
    per_story: dict[str, Counter[str]] = defaultdict(Counter)
    members: dict[str, list[PlacedArticle]] = defaultdict(list)
    for a in articles:
        if a.story_id:
            per_story[a.story_id][a.group] += 1
            members[a.story_id].append(a)
    listed = tuple(
        StorylineStory(
            s,
            sum(per_story[s.id].values()),
            tuple(sorted(per_story[s.id].items())),
            headline_of(members[s.id], lang) or s.headline,
        )
        for s in stories
    )
    return StorylineView(
        storyline=row,
        headline=headline,
        stories=listed,
        coverage=coverage_of(
            articles,
            row.first_published.date(),
            f"Articles per day per group: {headline}",
            palette,
        ),
    )


def story_dict(view: StoryView) -> dict[str, Any]:
    s = view.story
    return {
        "id": s.id,
        "storyline_id": s.storyline_id,
        "headline": view.headline,
        "storyline_headline": view.storyline_headline,
        "first_published": s.first_published.isoformat(),
        "last_published": s.last_published.isoformat(),
        "originals": view.originals,
        "pickups": view.pickups,
        "timeline": [
            {"date": d.isoformat(), "group": g, "articles": n}
            for g, per_day in sorted(view.timeline.items())
            for d, n in sorted(per_day.items())
        ],
        "outlets": [
            {
                "outlet": o.outlet,
                "group": o.group,
                "articles": o.articles,
                "originals": o.originals,
                "pickups": o.pickups,
            }
            for o in view.outlets
        ],
        "weeks": [
            {"week": w.week, "articles": w.articles, "groups": dict(w.groups)} for w in view.weeks
        ],
        "missed": [
            {"week": w, "audience": aud, "rank": rank, "score": score}
            for w, aud, rank, score in view.missed
        ],
        "articles": [article_dict(a) for a in view.articles],
    }


@dataclass(frozen=True)
class SourceRow:
    name: str
    group: str
    known: bool
    articles: int
    last_day: date | None
    spark: Markup
    feeds: tuple[str, ...]
    health: SourceHealth | None
    last_fetch: datetime | None = None


@dataclass(frozen=True)
class SourcesView:
    window: Window
    groups: tuple[tuple[str, tuple[SourceRow, ...]], ...]
    runs: tuple[RunRow, ...]
    has_health: bool


def web_window(week: str | None, start: str | None, end: str | None) -> Window:
    """A window from URL parameters, refused in the web's words (never a CLI flag) and capped
    at MAX_WINDOW_DAYS, since pages and the API draw every day of it."""
    window = parse_window(week=week or None, start=start or None, end=end or None, names=WEB_WINDOW)
    if (window.end - window.start).days + 1 > MAX_WINDOW_DAYS:
        raise WindowError(f"a window of at most {MAX_WINDOW_DAYS} days, please")
    return window


def _day_param(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise WindowError(f"{name} must be a date like 2025-04-03, not {value[:40]!r}") from exc


def search_filter(params: Mapping[str, str]) -> SearchFilter:
    """Search filters from URL parameters: from/to days, a group, an outlet (all optional)."""
    start = _day_param("the start date (from)", params.get("from"))
    end = _day_param("the end date (to)", params.get("to"))
    if start and end and end < start:
        raise WindowError(f"the end date (to) {end} is before the start date (from) {start}")
    return SearchFilter(
        start=start,
        end=end,
        group=params.get("group", "").strip()[:100] or None,
        outlet=params.get("outlet", "").strip()[:300] or None,
    )


def sources_window(
    store: Store,
    start: str | None,
    end: str | None,
    week: str | None = None,
    weeks: int = 6,
) -> Window:
    """The window the sources page covers: a given week or dates, else the last weeks of data."""
    if week or start or end:
        return web_window(week, start, end)
    last = store.overview.latest_day() or date.today()
    first = last - timedelta(weeks=weeks) + timedelta(days=1)
    return Window(first, last, f"{first.isoformat()}..{last.isoformat()}")


def sources_view(
    store: Store,
    window: Window,
    palette: GroupPalette,
    totals: Sequence[SourceCount] | None = None,
    daily: Sequence[DayCount] | None = None,
) -> SourcesView:
    """Per source group, each source's articles per day, last day seen and fetch health.

    `totals` (`store.sources.counts()`, the whole archive) and `daily` (the window's
    `daily_by_source`) when the caller keeps them; fetch health is always read fresh.
    """
    overview = store.overview
    days = window.days()
    counts: dict[tuple[str | None, str], dict[date, int]] = defaultdict(dict)
    daily = overview.daily_by_source(window.start, window.end) if daily is None else daily
    for c in daily:
        counts[(c.source, c.group)][c.day] = counts[(c.source, c.group)].get(c.day, 0) + c.articles
    totals = store.sources.counts() if totals is None else totals
    last_days = {c.source: c.last_day for c in totals}
    health, last_fetch = _health(store, window)
    sources: list[Source] = store.sources.all()
    rows: dict[str, list[SourceRow]] = defaultdict(list)
    known = {s.name for s in sources}
    for s in sources:
        per_day: dict[date, int] = {}
        for (name, _g), v in counts.items():
            if name == s.name:
                for d, n in v.items():
                    per_day[d] = per_day.get(d, 0) + n
        last = last_days.get(s.name)
        rows[s.group].append(
            SourceRow(
                s.name,
                s.group,
                True,
                sum(per_day.values()),
                date.fromisoformat(last) if last else None,
                spark_bars(days, per_day, f"{s.name}: articles per day", palette.colour(s.group)),
                s.feeds,
                health.get(s.name),
                last_fetch.get(s.name),
            )
        )
    for (name, grp), per_day in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        if name is None or name not in known:
            label = name or "(unmatched outlets)"
            rows[grp].append(
                SourceRow(
                    label,
                    grp,
                    False,
                    sum(per_day.values()),
                    max(per_day) if per_day else None,
                    spark_bars(days, per_day, f"{label}: articles per day", palette.colour(grp)),
                    (),
                    None,
                )
            )
    return SourcesView(
        window=window,
        groups=tuple((g, tuple(v)) for g, v in sorted(rows.items())),
        runs=tuple(overview.recent_runs(5)),
        has_health=bool(last_fetch),
    )


def _health(store: Store, window: Window) -> tuple[dict[str, SourceHealth], dict[str, datetime]]:
    """Fetch health and last successful fetch per source from `store.feeds` (live fetching),
    or nothing when this store has no feeds: imported-only data has no fetches to report."""
    feeds = getattr(store, "feeds", None)
    health: dict[str, SourceHealth] = {}
    last: dict[str, datetime] = {}
    if feeds is None:
        return health, last
    if hasattr(feeds, "source_health"):
        items: Sequence[SourceHealth] = tuple(feeds.source_health(window.start, window.end))
        health = {h.source: h for h in items}
    if hasattr(feeds, "health"):
        for h in feeds.health():
            when = getattr(h, "last_success", None)
            if isinstance(when, datetime):
                last[str(h.source)] = when
    return health, last
