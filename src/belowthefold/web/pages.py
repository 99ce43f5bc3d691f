"""HTML pages: week, story, storyline, sources (with admin forms), search, brief, downloads."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from belowthefold.brief.palette import GroupPalette, group_palette
from belowthefold.errors import WindowError
from belowthefold.models import Brief, Window
from belowthefold.pipeline import parse_window, window_bounds
from belowthefold.store import Store
from belowthefold.store.search import SearchFilter, SearchHit
from belowthefold.web import admin, exports
from belowthefold.web.security import CSP_BRIEF
from belowthefold.web.state import WebState, state_of
from belowthefold.web.views import (
    WEB_WINDOW,
    WeekOption,
    landing_week,
    search_filter,
    sources_view,
    sources_window,
    story_view,
    storyline_view,
    week_options,
    week_view,
)

SEARCH_PAGE = 50
T = TypeVar("T")


def window_or_404(week: str) -> Window:
    """A week from the URL; one that does not parse or does not exist is a 404, not a crash."""
    try:
        return parse_window(week=week, names=WEB_WINDOW)
    except WindowError as exc:
        raise HTTPException(404, f"no such week: {exc}") from exc


def audience_of(request: Request, known: frozenset[str], default: str) -> str:
    """The ?audience= group, limited to groups that exist (it is written to the brief history)."""
    audience = request.query_params.get("audience", "").strip() or default
    if audience not in known:
        raise HTTPException(404, f"unknown audience group {audience[:100]!r}")
    return audience


def load_brief(request: Request, week: str) -> Brief:
    state = state_of(request)
    window = window_or_404(week)
    with state.store() as store:
        audience = audience_of(request, state.known_groups(store), state.settings.rank.audience)
        brief: Brief = state.brief(store, window, audience)
    return brief


def weeks_of(state: WebState, store: Store) -> tuple[WeekOption, ...]:
    """The week picker's weeks, kept by data stamp (counting every day's articles is a scan
    of the archive's day index on every page otherwise)."""
    return state.view(store, ("week options",), lambda: week_options(store))


def palette_of(state: WebState, store: Store) -> GroupPalette:
    """One colour per group on every page: the palette over all the database's groups."""
    return group_palette(state.known_groups(store))


def home(request: Request) -> Response:
    """The latest week that has articles (not the calendar's week, which may have none)."""
    state = state_of(request)
    with state.store() as store:
        week = landing_week(store, state.options.clock().date())
    return _week(request, week)


def weeks_go(request: Request) -> Response:
    """The week picker's target: /weeks?week=2025-W14 goes to that week's page."""
    window = window_or_404(request.query_params.get("week", "").strip()[:20])
    audience = request.query_params.get("audience", "").strip()[:100]
    query = "?" + urlencode({"audience": audience}) if audience else ""
    return RedirectResponse(f"/weeks/{window.label}{query}", status_code=303)


def week_page(request: Request) -> Response:
    return _week(request, request.path_params["week"])


def _week(request: Request, week: str) -> Response:
    state = state_of(request)
    brief = load_brief(request, week)
    q = {"audience": brief.audience}

    def page() -> str:
        view = week_view(brief, palette, weeks)
        context = {
            "request": request,
            "view": view,
            "brief": brief,
            "week": brief.window.label,
            "query": urlencode(q),
            "admin": state.admin,
            "nav": "week",
        }
        return state.templates.get_template("week.html").render(context)

    with state.store() as store:
        palette, weeks = palette_of(state, store), weeks_of(state, store)
        # The page is a function of the served brief and the data stamp (palette, weeks): kept
        # rendered, since rendering a 100k week's view and template took 0.2-0.3 s.
        body = state.of_brief(store, brief, "week page", page)
    return HTMLResponse(body)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def brief_page(request: Request) -> Response:
    """The brief as the brief stage renders it (its own stylesheet inline, never a script)."""
    from belowthefold.brief import render

    state = state_of(request)
    brief = load_brief(request, request.path_params["week"])

    def page() -> str:
        html = render(brief, "html", web_root="")  # headlines link to their story pages here
        return with_nav(html, state.templates.get_template("_nav.html").render(nav="week"))

    with state.store() as store:
        body = state.of_brief(store, brief, "brief page", page)
    return HTMLResponse(body, headers={"Content-Security-Policy": CSP_BRIEF})


_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)


def with_nav(document: str, nav: str) -> str:
    """The brief's own document with the app's navigation on top, so a reader is never
    stranded on it (its stylesheet stays its own; the bar brings a small one of its own)."""
    link = '<link rel="stylesheet" href="/static/nav.css">'
    document = document.replace("</head>", link + "</head>", 1)
    body = _BODY.search(document)
    if body is None:
        return link + nav + document
    return document[: body.end()] + nav + document[body.end() :]


def export_list(request: Request) -> Response:
    """A week's missed, stories or pressure list as CSV or JSON, as a download."""
    kind, fmt = request.path_params["kind"], request.path_params["fmt"]
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise HTTPException(
            404, "lists are missed, stories or pressure, as .csv or .json (e.g. missed.csv)"
        )
    state = state_of(request)
    brief = load_brief(request, request.path_params["week"])
    with state.store() as store:

        def table() -> exports.Table:
            if kind == "missed":
                return exports.missed_table(brief)
            if kind == "pressure":
                return exports.pressure_table(brief)
            return exports.stories_table(
                store.articles.placed(*window_bounds(brief.window)), brief.groups, brief.audience
            )

        def download() -> str:
            if fmt == "csv":
                return exports.to_csv(table())
            return exports.to_json(
                table(), {"week": brief.window.label, "audience": brief.audience}
            )

        # Kept with the served brief and the data stamp: the stories list of a 100k week is
        # 34,900 rows, 8-13 s to read and write out under load.
        body = state.of_brief(store, brief, f"export {kind}.{fmt}", download)
    name = _SAFE_NAME.sub("-", f"belowthefold-{brief.window.label}-{brief.audience}-{kind}")
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def brief_download(request: Request) -> Response:
    from belowthefold.brief import render

    fmt = request.path_params["fmt"]
    if fmt not in ("md", "json"):
        raise HTTPException(404, f"no brief format {fmt[:20]!r}: use .md or .json")
    brief = load_brief(request, request.path_params["week"])
    body = render(brief, fmt, web_root=str(request.base_url))  # a saved file links back here
    name = _SAFE_NAME.sub("-", f"belowthefold-{brief.window.label}-{brief.audience}")
    media = "text/markdown; charset=utf-8" if fmt == "md" else "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@dataclass(frozen=True)
class Merged(Generic[T]):
    """How a story or a storyline is looked up: its URL parameter and prefix, the walk along
    merge redirects, and the view built for it."""

    param: str
    prefix: str
    resolve: Callable[[Store], Callable[[str], str]]
    # (store, id, palette, audience, window): named in the configured audience's language,
    # the storyline from its items in the window (`?week=`) where one is asked for.
    build: Callable[[Store, str, GroupPalette, str, Window | None], T | None]
    what: str


STORY = Merged("story_id", "/stories", lambda s: s.stories.resolve, story_view, "story")
STORYLINE = Merged(
    "storyline_id",
    "/storylines",
    lambda s: s.stories.resolve_storyline,
    storyline_view,
    "storyline",
)


def follow_merges(request: Request, kind: Merged[T], prefix: str = "") -> T | Response:
    """The view of a story or storyline, a 301 to where a merged one went, or a 404. With
    `?week=W` its storyline is named from its items in that week, as the brief of W names it
    (the brief's links carry it)."""
    state = state_of(request)
    asked = request.path_params[kind.param]
    week = request.query_params.get("week", "").strip()
    window = window_or_404(week) if week else None
    with state.store() as store:
        current = kind.resolve(store)(asked)
        if current != asked:
            where = f"{prefix or kind.prefix}/{quote(current, safe='')}"
            if week:
                where += "?" + urlencode({"week": week})
            return RedirectResponse(where, status_code=301)
        palette = palette_of(state, store)
        audience = state.settings.rank.audience
        view = state.view(
            store,
            (kind.what, asked, window.label if window else ""),
            lambda: kind.build(store, asked, palette, audience, window),
        )
    if view is None:
        raise HTTPException(404, f"no {kind.what} {asked[:200]!r}")
    return view


def _merged_page(request: Request, kind: Merged[T], template: str) -> Response:
    found = follow_merges(request, kind)
    if isinstance(found, Response):
        return found
    state = state_of(request)
    return state.templates.TemplateResponse(
        request, template, {"view": found, "admin": state.admin, "nav": "story"}
    )


def story_page(request: Request) -> Response:
    return _merged_page(request, STORY, "story.html")


def storyline_page(request: Request) -> Response:
    """A storyline: all its stories over time (a flood is many stories, seen whole here)."""
    return _merged_page(request, STORYLINE, "storyline.html")


def sources_page(request: Request) -> Response:
    state = state_of(request)
    with state.store() as store:
        window = sources_window(
            store,
            request.query_params.get("from"),
            request.query_params.get("to"),
            request.query_params.get("week"),
        )
        totals = state.view(store, ("source counts",), store.sources.counts)
        daily = state.view(
            store,
            ("daily by source", window.start.isoformat(), window.end.isoformat()),
            lambda: store.overview.daily_by_source(window.start, window.end),
        )
        view = sources_view(store, window, palette_of(state, store), totals, daily)
        weeks = weeks_of(state, store)
    return state.templates.TemplateResponse(
        request,
        "sources.html",
        {
            "view": view,
            "weeks": weeks,
            "admin": state.admin,
            "nav": "sources",
            "message": request.query_params.get("message", "")[:300],
        },
    )


async def sources_add(request: Request) -> Response:
    state = state_of(request)
    fields = await admin.form_fields(state, request)
    source = admin.source_from_fields(fields)
    await run_in_threadpool(admin.add_source, state, source)
    return _back(f"added {source.name}")


async def sources_remove(request: Request) -> Response:
    state = state_of(request)
    fields = await admin.form_fields(state, request)
    name = fields.get("name", "").strip()
    removed = await run_in_threadpool(admin.remove_source, state, name)
    if not removed:
        raise HTTPException(404, f"no source named {name[:200]!r}")
    return _back(f"removed {name}")


def _back(message: str) -> Response:
    return RedirectResponse("/sources?" + urlencode({"message": message}), status_code=303)


def workers_page(request: Request) -> Response:
    """What the fetch workers sharing this database are doing now (`belowthefold workers`)."""
    from belowthefold.worker_view import workers_status

    state = state_of(request)
    with state.store() as store:
        data = workers_status(store, state.options.clock().timestamp())
    response = state.templates.TemplateResponse(
        request, "workers.html", {"view": data, "nav": "workers"}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def search_page(request: Request) -> Response:
    state = state_of(request)
    q = request.query_params.get("q", "")[:500]
    page = int_param(request.query_params.get("page"), 1, 1, 1000)
    where = search_filter(request.query_params)
    with state.store() as store:
        hits, total = searched(state, store, q, SEARCH_PAGE, (page - 1) * SEARCH_PAGE, where)
        groups = sorted(state.known_groups(store))
        outlets = sorted({s.name for s in store.sources.all()})
    more = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return state.templates.TemplateResponse(
        request,
        "search.html",
        {
            "q": q,
            "hits": hits,
            "total": total,
            "page": page,
            "per_page": SEARCH_PAGE,
            "filters": where,
            "groups": groups,
            "outlets": outlets,
            "more": urlencode({**more, "page": page + 1}),
            "admin": state.admin,
            "nav": "search",
        },
    )


def searched(
    state: WebState, store: Store, q: str, limit: int, offset: int, where: SearchFilter
) -> tuple[list[SearchHit], int]:
    """A page of hits and the total, kept by data stamp: a common word's search and count cost
    25-50 ms at 100k, and the same few searches come again and again."""
    key = ("search", q, str(limit), str(offset), repr(where))
    return state.view(
        store,
        key,
        lambda: (
            store.search.search(q, limit=limit, offset=offset, where=where),
            store.search.count(q, where),
        ),
    )


def docs_page(request: Request) -> Response:
    from belowthefold.web.openapi import schema

    state = state_of(request)
    return state.templates.TemplateResponse(
        request, "docs.html", {"schema": schema(), "admin": state.admin, "nav": "api"}
    )


def bounded_int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    """An integer query parameter within the bounds the OpenAPI schema states, else 400 (pages
    clamp instead; an API client should hear that it asked for something else). An empty
    value is not an integer either: only a parameter left out takes the default."""
    if value is None:
        return default
    try:
        n = int(value)
    except ValueError as exc:
        raise HTTPException(400, f"{name} must be an integer") from exc
    if not low <= n <= high:
        raise HTTPException(400, f"{name} must be between {low} and {high}")
    return n


def int_param(value: str | None, default: int, low: int, high: int) -> int:
    try:
        n = int(value) if value else default
    except ValueError:
        return default
    return max(low, min(high, n))


def routes() -> list[Route]:
    return [
        Route("/", home, name="home"),
        Route("/weeks", weeks_go, name="weeks_go"),
        Route("/weeks/{week}", week_page, name="week"),
        Route("/weeks/{week}/brief", brief_page, name="brief"),
        Route("/weeks/{week}/brief.{fmt}", brief_download, name="brief_download"),
        Route("/weeks/{week}/export/{kind}.{fmt}", export_list, name="export"),
        Route("/stories/{story_id:path}", story_page, name="story"),
        Route("/storylines/{storyline_id:path}", storyline_page, name="storyline"),
        Route("/sources", sources_page, name="sources"),
        Route("/sources/add", sources_add, methods=["POST"], name="sources_add"),
        Route("/sources/remove", sources_remove, methods=["POST"], name="sources_remove"),
        Route("/workers", workers_page, name="workers"),
        Route("/search", search_page, name="search"),
        Route("/api/docs", docs_page, name="docs"),
    ]
