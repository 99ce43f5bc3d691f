"""The JSON API: the same data as the pages, from the same view builders."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from belowthefold import aggregates
from belowthefold.brief.points import pressure_dict
from belowthefold.web import admin
from belowthefold.web.pages import STORY, bounded_int, follow_merges, load_brief, searched
from belowthefold.web.state import state_of
from belowthefold.web.views import landing_week, search_filter, story_dict, web_window


def brief_json(request: Request) -> Response:
    from belowthefold.brief import brief_to_dict

    state = state_of(request)
    brief = load_brief(request, request.path_params["week"])
    with state.store() as store:
        body = state.of_brief(
            store, brief, "brief json", lambda: JSONResponse(brief_to_dict(brief)).body
        )
    return Response(body, media_type="application/json")


def story_json(request: Request) -> Response:
    found = follow_merges(request, STORY, prefix="/api/stories")
    return found if isinstance(found, Response) else JSONResponse(story_dict(found))


def pressure_json(request: Request) -> Response:
    """Daily pressure per group over [from, to] or a week (default: the latest week with
    articles); a day without data has value null, never 0."""
    state = state_of(request)
    params = request.query_params
    group = params.get("group")
    with state.store() as store:
        if params.get("from") or params.get("to") or params.get("week"):
            window = web_window(params.get("week"), params.get("from"), params.get("to"))
        else:
            window = web_window(landing_week(store, state.options.clock().date()), None, None)
        # From the per-day aggregate, not a whole brief of the window (a new window built one:
        # 8-30 s at 100k). Articles not clustered yet count once a brief or an import has.
        # Kept by data stamp too: reading the days' stamps and stored points, and the code
        # stamp (file hashes, package versions), cost ~30 ms a request.
        audience = state.settings.rank.audience
        shown = state.view(
            store,
            ("pressure", window.start.isoformat(), window.end.isoformat()),
            lambda: aggregates.window_pressure(store, window.days(), audience),
        )
    points = [p for p in shown if group is None or p.group == group]
    return JSONResponse(
        {
            "from": window.start.isoformat(),
            "to": window.end.isoformat(),
            "group": group,
            "pressure": [pressure_dict(p) for p in points],
        }
    )


def search_json(request: Request) -> Response:
    state = state_of(request)
    q = request.query_params.get("q", "")[:500]
    limit = bounded_int("limit", request.query_params.get("limit"), 20, 1, 200)
    offset = bounded_int("offset", request.query_params.get("offset"), 0, 0, 100_000)
    where = search_filter(request.query_params)
    with state.store() as store:
        hits, total = searched(state, store, q, limit, offset, where)
    return JSONResponse(
        {
            "q": q,
            "from": where.start.isoformat() if where.start else None,
            "to": where.end.isoformat() if where.end else None,
            "group": where.group,
            "outlet": where.outlet,
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
        totals = state.view(store, ("source counts",), store.sources.counts)
        counts = {c.source: c for c in totals if c.source}
    return JSONResponse(
        {
            "admin": state.admin,
            "sources": [
                {
                    "name": s.name,
                    "group": s.group,
                    "domains": list(s.domains),
                    "feeds": list(s.feeds),
                    "articles": counts[s.name].articles if s.name in counts else 0,
                    "last_day": counts[s.name].last_day if s.name in counts else None,
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


def workers_json(request: Request) -> Response:
    """The fetch workers now, as `belowthefold workers --format json` shows them; never cached
    (leases change by the second)."""
    from belowthefold.worker_view import workers_status

    state = state_of(request)
    with state.store() as store:
        data = workers_status(store, state.options.clock().timestamp())
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


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
        Route("/api/workers", workers_json, name="api_workers"),
        Route("/openapi.json", openapi_json, name="openapi"),
    ]
