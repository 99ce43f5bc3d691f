"""The JSON API: the same data as the pages, from the same view builders."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from belowthefold.errors import WindowError
from belowthefold.pipeline import parse_window
from belowthefold.web import admin
from belowthefold.web.pages import bounded_int, load_brief
from belowthefold.web.state import state_of
from belowthefold.web.views import story_dict, story_view, week_label

MAX_PRESSURE_DAYS = 366


def brief_json(request: Request) -> Response:
    from belowthefold.brief import brief_to_dict

    brief = load_brief(request, request.path_params["week"])
    return JSONResponse(brief_to_dict(brief))


def story_json(request: Request) -> Response:
    state = state_of(request)
    story_id = request.path_params["story_id"]
    with state.store() as store:
        current = store.stories.resolve(story_id)
        if current != story_id:
            return RedirectResponse(f"/api/stories/{quote(current, safe='')}", status_code=301)
        view = story_view(store, story_id)
    if view is None:
        raise HTTPException(404, f"no story {story_id[:200]!r}")
    return JSONResponse(story_dict(view))


def pressure_json(request: Request) -> Response:
    """Daily pressure per group over [from, to] (default: the current week)."""
    state = state_of(request)
    start, end = request.query_params.get("from"), request.query_params.get("to")
    group = request.query_params.get("group")
    if start or end:
        window = parse_window(start=start, end=end)
    else:
        window = parse_window(week=week_label(state.options.clock().date()))
    if (window.end - window.start).days + 1 > MAX_PRESSURE_DAYS:
        raise WindowError(f"at most {MAX_PRESSURE_DAYS} days at once")
    with state.store() as store:
        brief = state.brief(store, window, state.settings.rank.audience)
    points = [p for p in brief.pressure if group is None or p.group == group]
    return JSONResponse(
        {
            "from": window.start.isoformat(),
            "to": window.end.isoformat(),
            "group": group,
            "pressure": [
                {
                    "date": p.day.isoformat(),
                    "group": p.group,
                    "value": p.value,
                    "concentration": p.concentration,
                    "articles": p.articles,
                    "attention": p.attention,
                    "top_storylines": list(p.top_storylines),
                }
                for p in points
            ],
        }
    )


def search_json(request: Request) -> Response:
    state = state_of(request)
    if "q" not in request.query_params:
        raise HTTPException(400, "q is required: the words to find")
    q = request.query_params["q"][:500]
    limit = bounded_int("limit", request.query_params.get("limit"), 20, 1, 200)
    offset = bounded_int("offset", request.query_params.get("offset"), 0, 0, 100_000)
    with state.store() as store:
        hits = store.search.search(q, limit=limit, offset=offset)
        total = store.search.count(q)
    return JSONResponse(
        {
            "q": q,
            "total": total,
            "limit": limit,
            "offset": offset,
            "results": [
                {
                    "id": h.article_id,
                    "title": h.title,
                    "url": h.url,
                    "outlet": h.outlet,
                    "group": h.group,
                    "published": h.published.isoformat(),
                    "story_id": h.story_id,
                    "snippet": "".join(t for t, _ in h.snippet),
                    "highlights": [t for t, hit in h.snippet if hit],
                }
                for h in hits
            ],
        }
    )


def sources_json(request: Request) -> Response:
    state = state_of(request)
    with state.store() as store:
        sources = store.sources.all()
        counts = {name: (n, last) for name, _g, n, _f, last in store.sources.counts() if name}
    return JSONResponse(
        {
            "admin": state.admin,
            "sources": [
                {
                    "name": s.name,
                    "group": s.group,
                    "domains": list(s.domains),
                    "feeds": list(s.feeds),
                    "articles": counts.get(s.name, (0, None))[0],
                    "last_day": counts.get(s.name, (0, None))[1],
                }
                for s in sources
            ],
        }
    )


async def sources_add_json(request: Request) -> Response:
    state = state_of(request)
    fields = await admin.json_fields(state, request)
    source = admin.source_from_fields(fields)
    await run_in_threadpool(admin.add_source, state, source)
    return JSONResponse({"added": source.name}, status_code=201)


async def sources_endpoint(request: Request) -> Response:
    if request.method == "POST":
        return await sources_add_json(request)
    return sources_json(request)


async def sources_remove_json(request: Request) -> Response:
    state = state_of(request)
    admin.require_token(state, request.headers.get("x-admin-token"))
    name = request.path_params["name"]
    if not await run_in_threadpool(admin.remove_source, state, name):
        raise HTTPException(404, f"no source named {name[:200]!r}")
    return JSONResponse({"removed": name})


def openapi_json(request: Request) -> Response:
    from belowthefold.web.openapi import schema

    return JSONResponse(schema())


def routes() -> list[Route]:
    return [
        Route("/api/weeks/{week}/brief", brief_json, name="api_brief"),
        Route("/api/stories/{story_id:path}", story_json, name="api_story"),
        Route("/api/pressure", pressure_json, name="api_pressure"),
        Route("/api/search", search_json, name="api_search"),
        # one route, so a 405 there lists both methods in Allow
        Route("/api/sources", sources_endpoint, methods=["GET", "POST"], name="api_sources"),
        Route(
            "/api/sources/{name:path}",
            sources_remove_json,
            methods=["DELETE"],
            name="api_sources_remove",
        ),
        Route("/openapi.json", openapi_json, name="openapi"),
    ]
