"""HTML pages: week, story, sources (with admin forms), search, brief and its downloads."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from belowthefold.errors import WindowError
from belowthefold.models import Brief, Window
from belowthefold.pipeline import parse_window
from belowthefold.web import admin
from belowthefold.web.security import CSP_BRIEF
from belowthefold.web.state import state_of
from belowthefold.web.views import sources_view, sources_window, story_view, week_label, week_view

SEARCH_PAGE = 50


def window_or_404(week: str) -> Window:
    """A week from the URL; one that does not parse or does not exist is a 404, not a crash."""
    try:
        return parse_window(week=week)
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


def home(request: Request) -> Response:
    return _week(request, week_label(state_of(request).options.clock().date()))


def week_page(request: Request) -> Response:
    return _week(request, request.path_params["week"])


def _week(request: Request, week: str) -> Response:
    state = state_of(request)
    brief = load_brief(request, week)
    view = week_view(brief)
    q = {"audience": brief.audience}
    return state.templates.TemplateResponse(
        request,
        "week.html",
        {
            "view": view,
            "brief": brief,
            "week": brief.window.label,
            "query": urlencode(q),
            "admin": state.admin,
            "nav": "week",
        },
    )


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def brief_page(request: Request) -> Response:
    """The brief as the brief stage renders it (its own stylesheet inline, never a script)."""
    from belowthefold.brief import render

    brief = load_brief(request, request.path_params["week"])
    html = render(brief, "html")
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP_BRIEF})


def brief_download(request: Request) -> Response:
    from belowthefold.brief import render

    fmt = request.path_params["fmt"]
    if fmt not in ("md", "json"):
        raise HTTPException(404, f"no brief format {fmt[:20]!r}: use .md or .json")
    brief = load_brief(request, request.path_params["week"])
    body = render(brief, fmt)
    name = _SAFE_NAME.sub("-", f"belowthefold-{brief.window.label}-{brief.audience}")
    media = "text/markdown; charset=utf-8" if fmt == "md" else "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def story_page(request: Request) -> Response:
    state = state_of(request)
    story_id = request.path_params["story_id"]
    with state.store() as store:
        current = store.stories.resolve(story_id)
        if current != story_id:
            return RedirectResponse(f"/stories/{quote(current, safe='')}", status_code=301)
        view = story_view(store, story_id)
    if view is None:
        raise HTTPException(404, f"no story {story_id[:200]!r}")
    return state.templates.TemplateResponse(
        request, "story.html", {"view": view, "admin": state.admin, "nav": "story"}
    )


def sources_page(request: Request) -> Response:
    state = state_of(request)
    with state.store() as store:
        window = sources_window(
            store, request.query_params.get("from"), request.query_params.get("to")
        )
        view = sources_view(store, window)
    return state.templates.TemplateResponse(
        request,
        "sources.html",
        {
            "view": view,
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


def search_page(request: Request) -> Response:
    state = state_of(request)
    q = request.query_params.get("q", "")[:500]
    page = int_param(request.query_params.get("page"), 1, 1, 1000)
    with state.store() as store:
        hits = store.search.search(q, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE)
        total = store.search.count(q)
    return state.templates.TemplateResponse(
        request,
        "search.html",
        {
            "q": q,
            "hits": hits,
            "total": total,
            "page": page,
            "per_page": SEARCH_PAGE,
            "admin": state.admin,
            "nav": "search",
        },
    )


def docs_page(request: Request) -> Response:
    from belowthefold.web.openapi import schema

    state = state_of(request)
    return state.templates.TemplateResponse(
        request, "docs.html", {"schema": schema(), "admin": state.admin, "nav": "api"}
    )


def bounded_int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    """An integer query parameter within the bounds the OpenAPI schema states, else 400 (pages
    clamp instead; an API client should hear that it asked for something else)."""
    if value is None or value == "":
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
        Route("/weeks/{week}", week_page, name="week"),
        Route("/weeks/{week}/brief", brief_page, name="brief"),
        Route("/weeks/{week}/brief.{fmt}", brief_download, name="brief_download"),
        Route("/stories/{story_id:path}", story_page, name="story"),
        Route("/sources", sources_page, name="sources"),
        Route("/sources/add", sources_add, methods=["POST"], name="sources_add"),
        Route("/sources/remove", sources_remove, methods=["POST"], name="sources_remove"),
        Route("/search", search_page, name="search"),
        Route("/api/docs", docs_page, name="docs"),
    ]
