"""The Starlette app factory: routes, templates, the one error handler, and per-app state.

All state (options, templates, the brief cache and its lock) lives on the app made here, never
in module globals, so two apps in one process (tests do this) never see each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from belowthefold.brief.view import num, pct
from belowthefold.config import Settings
from belowthefold.errors import BelowTheFoldError, ConfigError, InputError, StoreError, WindowError
from belowthefold.web import api, feeds, pages
from belowthefold.web.security import Resolver, SecurityHeaders, resolve_host, safe_href
from belowthefold.web.state import WebOptions, WebState, state_of, utcnow

HERE = Path(__file__).resolve().parent


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/openapi.json" or path.startswith("/feeds/")


_STATUS = {WindowError: 400, ConfigError: 400, InputError: 400, StoreError: 503}


def _status_for(exc: BelowTheFoldError) -> int:
    for cls, code in _STATUS.items():
        if isinstance(exc, cls):
            return code
    return 500


def error_response(request: Request, status: int, message: str) -> Response:
    """The one place an error becomes a page or a JSON body for people."""
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    state = state_of(request)
    return state.templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "admin": state.admin, "nav": ""},
        status_code=status,
    )


async def _on_ours(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BelowTheFoldError)
    return error_response(request, _status_for(exc), str(exc))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.detail else "error"
    response = error_response(request, exc.status_code, str(message))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_crash(request: Request, exc: Exception) -> Response:
    return error_response(request, 500, "internal error: the server log has the details")


def make_templates() -> Jinja2Templates:
    """Jinja2 with autoescape on for every template, and the link filter pages must use."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
    )
    env.filters["safe_href"] = safe_href
    env.filters["pct"] = pct
    env.filters["num"] = num
    return Jinja2Templates(env=env)


def create_app(
    settings: Settings,
    admin_token: str | None = None,
    allow_private: bool = False,
    *,
    clock: Callable[[], datetime] | None = None,
    resolve: Resolver | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> Starlette:
    """Build the web app over `settings.db`; read-only unless `admin_token` is given.

    `allowed_hosts` limits the Host header (`serve` on loopback passes the loopback names), so
    a web page elsewhere cannot read the API through DNS rebinding.
    """
    options = WebOptions(
        settings=settings,
        admin_token=admin_token or None,
        allow_private=allow_private,
        clock=clock or utcnow,
        resolve=resolve or resolve_host,
    )
    routes: list[Any] = [
        *pages.routes(),
        *api.routes(),
        *feeds.routes(),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            BelowTheFoldError: _on_ours,
            HTTPException: _on_http,
            Exception: _on_crash,
        },
    )
    app.state.web = WebState(options, make_templates())
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeaders)
    return app


__all__ = ["WebOptions", "WebState", "create_app", "error_response"]
