"""Changing sources from the web: only with the admin token, never to a private feed address."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException

from belowthefold.models import Source
from belowthefold.pipeline import source_index
from belowthefold.sources import host_of
from belowthefold.web.security import feed_url_problem, token_matches

if TYPE_CHECKING:
    from belowthefold.web.state import WebState

MAX_FIELD = 300


def require_token(state: WebState, given: str | None) -> None:
    """403 unless the app was started with a token and this request carries it."""
    if not state.admin:
        raise HTTPException(
            403, "read-only: start `belowthefold serve` with --admin-token to edit sources"
        )
    if not token_matches(state.options.admin_token, given):
        raise HTTPException(403, "wrong or missing admin token")


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
    """Check every feed URL, store the source and regroup articles by the new list."""
    for feed in source.feeds:
        problem = feed_url_problem(feed, state.options.allow_private, state.options.resolve)
        if problem:
            raise HTTPException(400, f"feed refused: {problem}")
    with state.store() as store:
        store.sources.upsert(source)
        store.articles.regroup(source_index(store).resolve)
    state.forget_briefs()


def remove_source(state: WebState, name: str) -> bool:
    with state.store() as store:
        removed = store.sources.remove(name)
        if removed:
            store.articles.regroup(source_index(store).resolve)
    state.forget_briefs()
    return removed
