"""An Atom feed of missed headlines, so users follow them in the feed reader they already use."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from belowthefold.models import Brief, MissedHeadline
from belowthefold.pipeline import week_label
from belowthefold.web.pages import audience_of, bounded_int, window_or_404
from belowthefold.web.security import safe_href
from belowthefold.web.state import state_of

ATOM = "http://www.w3.org/2005/Atom"
# RFC 4151 tag URIs: an authority (the serving host) and a date, then the entry's own path; the
# date is fixed so an entry keeps its id for as long as it is served from the same host.
TAG_DATE = "2025"
# XML 1.0 forbids most control characters; news text sometimes carries them.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = clean(text)
    return el


def _stamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_updated(brief: Brief, m: MissedHeadline) -> datetime:
    """The newest article of the entry, else the end of its week: stable across rebuilds."""
    if m.articles:
        return max(a.published for a in m.articles)
    return datetime.combine(brief.window.end, time(23, 59, 59), tzinfo=UTC)


def tag_uri(base: str, path: str) -> str:
    """`tag:HOST,2025:PATH` (RFC 4151): globally unique, stable, and not a link to follow."""
    host = (urlsplit(base).hostname or "localhost").lower()
    return f"tag:{host},{TAG_DATE}:{path}"


def feed_updated(briefs: list[Brief]) -> datetime:
    """The feed's `updated`: its newest entry, else the end of its newest week."""
    stamps = [entry_updated(b, m) for b in briefs for m in b.missed]
    if stamps:
        return max(stamps)
    if briefs:
        return datetime.combine(briefs[0].window.end, time(0), tzinfo=UTC)
    return datetime(1970, 1, 1, tzinfo=UTC)


def atom_feed(briefs: list[Brief], base: str, audience: str, self_url: str) -> bytes:
    """Atom 1.0 XML for the missed headlines of several weeks, newest week first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", tag_uri(base, f"missed/{quote(audience, safe='')}"))
    _sub(feed, "title", f"Missed headlines for {audience} (belowthefold)")
    _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=base + "/", type="text/html")
    author = _sub(feed, "author")
    _sub(author, "name", "belowthefold")
    _sub(feed, "generator", "belowthefold")
    entries: list[tuple[Brief, MissedHeadline]] = [(b, m) for b in briefs for m in b.missed]
    stamps = [entry_updated(brief, m) for brief, m in entries]
    _sub(feed, "updated", _stamp(feed_updated(briefs)))
    for (brief, m), updated in zip(entries, stamps, strict=True):
        entry = _sub(feed, "entry")
        _sub(
            entry,
            "id",
            tag_uri(
                base,
                f"missed/{quote(audience, safe='')}/{brief.window.label}/"
                f"{quote(m.story_id, safe='')}",
            ),
        )
        _sub(entry, "title", f"{m.headline}", type="text")
        _sub(entry, "updated", _stamp(updated))
        _sub(
            entry,
            "link",
            rel="alternate",
            href=f"{base}/stories/{quote(m.story_id, safe='')}",
            type="text/html",
        )
        for a in m.articles[:10]:
            href = safe_href(a.url)
            if href:
                _sub(entry, "link", rel="related", href=href, title=f"{a.outlet}: {a.title}"[:300])
        coverage = ", ".join(f"{g} {n}" for g, n in sorted(m.coverage.items()))
        lines = [f"{brief.window.label}, rank {m.rank}, score {m.score:.2f}.", *m.reasons]
        if coverage:
            lines.append(f"Coverage by group: {coverage}.")
        if m.lead:
            lines.append(m.lead)
        _sub(entry, "summary", "\n".join(lines), type="text")
        _sub(entry, "category", term=audience)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def missed_atom(request: Request) -> Response:
    """/feeds/missed.atom?audience=&week=&weeks=: the last `weeks` weeks up to `week`."""
    state = state_of(request)
    weeks = bounded_int("weeks", request.query_params.get("weeks"), 4, 1, 12)
    last = request.query_params.get("week") or week_label(state.options.clock().date())
    window = window_or_404(last)
    briefs: list[Brief] = []
    with state.store() as store:
        audience = audience_of(request, state.known_groups(store), state.settings.rank.audience)
        for i in range(weeks):
            w = window_or_404(week_label(window.start - timedelta(weeks=i)))
            briefs.append(state.brief(store, w, audience))
    base = str(request.base_url).rstrip("/")
    body = atom_feed(briefs, base, audience, str(request.url))
    # Feed readers poll: answer an unchanged feed with 304 and no body (RFC 9110 section 13).
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = feed_updated(briefs).replace(microsecond=0)
    headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)


def not_modified(request: Request, etag: str, modified: datetime) -> bool:
    """If-None-Match decides when sent (weak comparison); else If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as RFC 9110 says
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return modified <= when


def routes() -> list[Route]:
    return [Route("/feeds/missed.atom", missed_atom, name="missed_atom")]
