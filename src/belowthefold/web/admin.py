"""Changing sources from the web: only with the admin token, never to a private feed address."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request

from belowthefold import pipeline
from belowthefold.ingest.records import check_value
from belowthefold.models import Source
from belowthefold.sources import host_of
from belowthefold.web.security import feed_url_problem, token_matches

if TYPE_CHECKING:
    from belowthefold.web.state import WebState

MAX_FIELD = 300
# A source is a few short fields; a bigger body is refused before it is read (413).
MAX_BODY = 64 * 1024


def require_token(state: WebState, given: str | None) -> None:
    """403 unless the app was started with a token and this request carries it."""
    if not state.admin:
        raise HTTPException(
            403, "read-only: start `belowthefold serve` with --admin-token to edit sources"
        )
    if not token_matches(state.options.admin_token, given):
        raise HTTPException(403, "wrong or missing admin token")


async def read_body(request: Request, cap: int = MAX_BODY) -> bytes:
    """The request body, refused with 413 as soon as it passes `cap` (never read whole)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise HTTPException(413, f"body larger than {cap} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise HTTPException(413, f"body larger than {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def form_fields(state: WebState, request: Request) -> dict[str, str]:
    """An admin form's fields, the token checked before the body is read where it can be.

    A read-only server, or a wrong X-Admin-Token header, answers 403 without reading a byte;
    a token sent as a form field is checked once the (capped) body is in.
    """
    header = request.headers.get("x-admin-token")
    if not state.admin or header is not None:
        require_token(state, header)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("", "application/x-www-form-urlencoded"):
        raise HTTPException(415, "send the form as application/x-www-form-urlencoded")
    body = await read_body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, f"unreadable form: {exc}") from exc
    fields = dict(pairs)
    if header is None:
        require_token(state, fields.get("token"))
    return fields


async def json_fields(state: WebState, request: Request) -> dict[str, str]:
    """An admin JSON body as source fields: token first, body capped, and 400 (never 500) for
    what is not a JSON object of the documented types (null, numbers, deep nesting, surrogates).
    """
    require_token(state, request.headers.get("x-admin-token"))
    raw = await read_body(request)
    try:
        body: Any = json.loads(raw or b"{}")
        check_value(body, "body")
    except RecursionError as exc:
        raise HTTPException(400, "body is not JSON: nested too deeply") from exc
    except ValueError as exc:
        raise HTTPException(400, f"body is not JSON: {exc}"[:300]) from exc
    if not isinstance(body, dict):
        raise HTTPException(400, "body must be a JSON object")
    fields: dict[str, str] = {}
    for key in ("name", "group", "feed"):
        if key in body:
            if not isinstance(body[key], str):
                raise HTTPException(400, f"{key} must be a string")
            fields[key] = body[key]
    domains = body.get("domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise HTTPException(400, "domains must be a list of strings")
    fields["domains"] = ",".join(domains)
    return fields


def source_from_fields(fields: Mapping[str, str]) -> Source:
    """A Source from form or JSON fields; 400 on anything missing or too long."""
    name = fields.get("name", "").strip()
    group = fields.get("group", "").strip()
    feed = fields.get("feed", "").strip()
    raw_domains = fields.get("domains", "")
    if not name or not group:
        raise HTTPException(400, "a source needs a name and a group")
    if len(name) > MAX_FIELD or len(group) > 100 or len(feed) > 2000 or len(raw_domains) > 2000:
        raise HTTPException(400, "field too long")
    domains = tuple(
        d for d in (host_of(p.strip()) or p.strip().lower() for p in raw_domains.split(",")) if d
    )
    return Source(name=name, group=group, domains=domains, feeds=(feed,) if feed else ())


def add_source(state: WebState, source: Source) -> None:
    """Check every feed URL, then save the source the way every edge does (merged by name into
    the stored list, which is regrouped): `pipeline.save_sources`."""
    for feed in source.feeds:
        problem = feed_url_problem(feed, state.options.allow_private, state.options.resolve)
        if problem:
            raise HTTPException(400, f"feed refused: {problem}")
    with state.store() as store:
        pipeline.save_sources(store, [source])
    state.forget_briefs()


def remove_source(state: WebState, name: str) -> bool:
    with state.store() as store:
        removed = pipeline.remove_source(store, name)
    state.forget_briefs()
    return removed
