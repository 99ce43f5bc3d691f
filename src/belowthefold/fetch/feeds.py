"""Feed bodies to entries (feedparser: RSS 0.9x/1.0/2.0, Atom, JSON Feed) and entries to Articles.

feedparser never raises on a bad feed: it sets `bozo`. We keep that model: a parse returns what
parsed plus the problem, and the runner decides whether that is a stored feed or an error.
"""

from __future__ import annotations

import calendar
import contextlib
import html
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser

from belowthefold.errors import InputError
from belowthefold.ingest.records import EARLIEST, bounded_id, canonical_url, check_value
from belowthefold.models import Article, Source
from belowthefold.sources import host_of

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
_TAG = re.compile(r"<[^>]+>")
# A published date this far in the future is a publisher's clock error, not news from tomorrow.
FUTURE_SLACK = timedelta(hours=2)
# Character references to UTF-16 surrogates (&#xD800;) crash feedparser's loose parser and can
# never be stored; they become this noncharacter, and an item holding it is dropped as bad.
_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
_BAD_CHAR = "\ufdd0"


@dataclass(frozen=True)
class FeedEntry:
    """One usable feed item: a title and a link or id; the rest is optional."""

    title: str
    link: str | None
    guid: str | None
    published: datetime | None
    summary: str
    lang: str | None


@dataclass(frozen=True)
class ParsedFeed:
    """What feedparser made of a body: entries, how many lacked title or link/id, and any problem."""

    title: str
    version: str
    entries: tuple[FeedEntry, ...]
    skipped: int
    bozo: str | None
    looks_like_html: bool
    dropped: tuple[str, ...] = ()  # bad items left out, each 'item N: why'

    @property
    def usable(self) -> bool:
        """A feed we can store: it yielded entries (usable or not), or parsed as a known format."""
        if self.looks_like_html:
            return bool(self.entries)
        return bool(self.entries) or self.skipped > 0 or bool(self.version)


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def strip_html(fragment: str) -> str:
    """Feed summaries are HTML; keep only their words."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment or "")).split())


def _when(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
    return None


def _holds(value: Any, char: str) -> bool:
    """Whether any text inside a parsed item contains `char`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if char in item:
                return True
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _item_problem(raw: Any, when: datetime | None) -> str | None:
    """Why one parsed item must not be stored (a lone surrogate, absurd nesting, year 1), or None."""
    try:
        check_value(raw, "item")
    except ValueError as exc:
        return str(exc)
    if _holds(raw, _BAD_CHAR):
        return "item holds a character reference to a lone surrogate"
    if when is not None and when < EARLIEST:
        return f"implausible date {when.isoformat()} (before {EARLIEST.year})"
    return None


def _entry(raw: Mapping[str, Any], feed_lang: str | None) -> FeedEntry | None:
    title = strip_html(_text(raw.get("title")))
    link = _text(raw.get("link")) or None
    guid = _text(raw.get("id")) or None
    if not title or not (link or guid):
        return None
    summary = ""
    content = raw.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        summary = strip_html(str(content[0].get("value", "")))
    if not summary:
        summary = strip_html(str(raw.get("summary", "")))
    detail = raw.get("title_detail")
    lang = (detail.get("language") if isinstance(detail, Mapping) else None) or feed_lang
    return FeedEntry(
        title[:2000],
        link,
        guid,
        _when(raw),
        summary[:200_000],
        str(lang).lower()[:20] if lang else None,
    )


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:2048].lstrip().lower()
    return content_type in ("text/html", "application/xhtml+xml") or head.startswith(
        (b"<!doctype html", b"<html")
    )


def _json_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt).astimezone(UTC)


def parse_json_feed(body: bytes, url: str) -> ParsedFeed | None:
    """JSON Feed 1.0/1.1 (feedparser 6.0 reads only XML); None when the body is not JSON Feed."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        return None
    lang = data.get("language") if isinstance(data.get("language"), str) else None
    raw_items = data.get("items")
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    entries: list[FeedEntry] = []
    dropped: list[str] = []
    skipped = 0
    for n, raw in enumerate(items, start=1):
        if not isinstance(raw, dict):
            skipped += 1
            continue
        when = _json_date(raw.get("date_published")) or _json_date(raw.get("date_modified"))
        problem = _item_problem(raw, when)
        if problem:
            dropped.append(f"item {n}: {problem}")
            continue
        title = strip_html(_text(raw.get("title")))
        link = _text(raw.get("url") or raw.get("external_url")) or None
        link = urljoin(url, link) if link else None
        guid = _text(raw.get("id")) or None
        if not title or not (link or guid):
            skipped += 1
            continue
        summary = _text(raw.get("content_text")) or strip_html(str(raw.get("content_html") or ""))
        summary = summary or _text(raw.get("summary"))
        item_lang = raw.get("language") if isinstance(raw.get("language"), str) else lang
        entries.append(
            FeedEntry(
                title[:2000],
                link,
                guid,
                when,
                summary[:200_000],
                item_lang.lower()[:20] if item_lang else None,
            )
        )
    version = "json1" + str(data.get("version", "")).rstrip("/").rsplit("/", 1)[-1].replace(".", "")
    title = _text(data.get("title"))
    if _unencodable(title):
        title = ""
    return ParsedFeed(title, version, tuple(entries), skipped, None, False, tuple(dropped))


def _defuse_surrogate(m: re.Match[bytes]) -> bytes:
    ref = m.group(1)
    try:
        code = int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)
    except ValueError:
        return m.group(0)
    return b"&#xFDD0;" if 0xD800 <= code <= 0xDFFF else m.group(0)


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_feed(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse a feed body as served (headers carry the charset); never raises on bad input."""
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        parsed = parse_json_feed(body, url)
        if parsed is not None:
            return parsed
    hdrs.setdefault("content-location", url)
    body = _CHARREF.sub(_defuse_surrogate, body)
    try:
        result = feedparser.parse(io.BytesIO(body), response_headers=hdrs)
    except Exception as exc:  # feedparser promises not to raise; a bug there must not stop a run
        return ParsedFeed("", "", (), 0, f"feedparser crashed: {type(exc).__name__}: {exc}", False)
    feed = result.get("feed", {})
    feed_lang = feed.get("language") if isinstance(feed, Mapping) else None
    entries: list[FeedEntry] = []
    dropped: list[str] = []
    skipped = 0
    for n, raw in enumerate(result.get("entries", []), start=1):
        problem = _item_problem(raw, _when(raw))
        if problem:
            dropped.append(f"item {n}: {problem}")
            continue
        item = _entry(raw, feed_lang)
        if item is None:
            skipped += 1
        else:
            entries.append(item)
    problem = result.get("bozo_exception") if result.get("bozo") else None
    ctype = hdrs.get("content-type", "").split(";")[0].strip().lower()
    title = _text(feed.get("title") if isinstance(feed, Mapping) else "")
    return ParsedFeed(
        title="" if _unencodable(title) or _BAD_CHAR in title else title,
        version=str(result.get("version") or ""),
        entries=tuple(entries),
        skipped=skipped,
        bozo=f"{type(problem).__name__}: {problem}"[:500] if problem is not None else None,
        looks_like_html=not result.get("version") and _looks_like_html(body, ctype),
        dropped=tuple(dropped),
    )


def entry_to_article(
    entry: FeedEntry,
    source: Source,
    feed_url: str,
    seen_at: datetime,
    text: str | None = None,
    title: str | None = None,
    published: datetime | None = None,
    lang: str | None = None,
) -> Article:
    """An Article from a feed entry; the link (canonical) is its identity, else the feed's guid.

    A missing or future date falls back to `seen_at` (first seen) and says so, because a wrong
    date would put the article in the wrong day's news pressure.
    """
    url: str | None = None
    for candidate in (entry.link, entry.guid):
        if candidate and candidate.lower().startswith(("http://", "https://")):
            try:
                url = canonical_url(candidate)
                break
            except InputError:
                continue
    when = entry.published or published
    if when is not None and when < EARLIEST:  # a page's year-1 date is no date at all
        when = None
    estimated = when is None or when > seen_at + FUTURE_SLACK
    extra: dict[str, Any] = {"feed": feed_url}
    if entry.guid:
        extra["guid"] = entry.guid[:1000]
    if estimated:
        extra["date_note"] = (
            "no date in the feed: first-seen time used"
            if when is None
            else f"feed date {when.isoformat()} is in the future: first-seen time used"
        )
        when = seen_at
    assert when is not None
    ident = url or f"guid:{host_of(feed_url)}:{entry.guid or entry.link}"
    return Article(
        id=bounded_id(ident),
        title=(title or entry.title)[:2000],
        published=when,
        url=url,
        text=(text if text is not None else entry.summary),
        outlet=source.name,
        domain=host_of(url) or host_of(feed_url),
        lang=lang or entry.lang,
        weight=1.0,
        extra=extra,
        published_estimated=estimated,
    )


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feeds: list[tuple[str, str]] = []
        self.base: str | None = None
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"]
        elif tag == "link" and "alternate" in a.get("rel", "").lower().split():
            kind = a.get("type", "").lower().split(";")[0].strip()
            if kind in FEED_TYPES and a.get("href"):
                self.feeds.append((kind, a["href"]))
        elif tag == "a" and a.get("href"):
            self.anchors.append(a["href"])


def _decode(body: bytes | str) -> str:
    return body if isinstance(body, str) else body.decode("utf-8", "replace")


def discover_feeds(page: bytes | str, base_url: str) -> list[str]:
    """Feed URLs a page announces with `<link rel="alternate" type="application/rss+xml">` etc."""
    finder = _LinkFinder()
    try:
        finder.feed(_decode(page)[:2_000_000])
    except Exception:  # html.parser can choke on hostile markup; discovery then finds nothing
        return []
    base = urljoin(base_url, finder.base) if finder.base else base_url
    out: list[str] = []
    for _kind, href in finder.feeds:
        absolute = urljoin(base, href.strip())
        if absolute not in out:
            out.append(absolute)
    return out


def page_links(page: bytes | str, base_url: str) -> list[str]:
    """Every `<a href>` on a page, absolute, in page order (used for front-page snapshots)."""
    finder = _LinkFinder()
    with contextlib.suppress(Exception):
        finder.feed(_decode(page)[:5_000_000])
    base = urljoin(base_url, finder.base) if finder.base else base_url
    return [urljoin(base, h.strip()) for h in finder.anchors]
