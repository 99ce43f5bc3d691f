"""Turning one raw record (a dict from JSONL, CSV or GDELT) into an Article, or saying why not."""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from belowthefold.errors import InputError
from belowthefold.models import Article
from belowthefold.sources import host_of

KNOWN_FIELDS = (
    "id",
    "title",
    "published",
    "url",
    "text",
    "outlet",
    "domain",
    "lang",
    "group",
    "weight",
)

# Query parameters that identify a campaign or a click on every site, never a page. Names that
# some sites use for content (ref, source, src, share, feature: `?ref=1001` is a page there) stay.
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|gbraid|wbraid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|igshid|yclid|"
    r"_hsenc|_hsmi|mkt_tok|ocid|cmpid|smid|smtyp|ref_src|at_medium|at_campaign|itm_.*|"
    r"ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|guccounter|guce_.*)$",
    re.IGNORECASE,
)
# Ids (and URLs as ids) longer than this are hashed whole: truncating made different ones equal.
MAX_ID_CHARS = 1000
MAX_URL_CHARS = 4000

_GDELT_DT = re.compile(r"^(\d{4})(\d{2})(\d{2})T?(\d{2})(\d{2})(\d{2})Z?$")
_COMPACT_DAY = re.compile(r"^\d{8}$")
_DIGITS = re.compile(r"^[+-]?\d+(\.\d+)?$")
# RFC 2822 (`Thu, 03 Apr 2025 10:00:00 GMT`), as CSVs made from RSS carry it.
_RFC2822 = re.compile(r"^([A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
DATE_FORMS = "ISO 8601 (2025-04-03 or 2025-04-03T10:00:00Z), RFC 2822 or epoch seconds"

# News is dated between these; anything outside is a broken clock or a hostile record, and a
# year before 1000 would not even sort or parse as ISO text downstream.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# A record deeper than this is not a news item; refusing it keeps every later step (repr, JSON,
# the database) clear of recursion limits.
MAX_DEPTH = 32
# Unknown fields are kept, but each capped like title and text, so one record cannot be a
# 200 MB row.
EXTRA_VALUE_CHARS = 10_000
EXTRA_FIELDS = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and tracking parameters removed,
    the other parameters sorted (their order never names a different page)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InputError(f"not a URL: {url[:200]!r}") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url[:200]!r}")
    scheme = parts.scheme.lower()
    host = parts.hostname.lower().rstrip(".")
    port = (
        parts.port
        if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443))
        else None
    )
    netloc = f"{host}:{port}" if port else host
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def plausible(when: datetime, latest: datetime = LATEST) -> datetime:
    """`when` if it lies in [EARLIEST, latest], else ValueError: one rule for every input path."""
    if not EARLIEST <= when <= latest:
        raise ValueError(
            f"implausible date {when.isoformat()} (outside {EARLIEST.year}..{latest.date()})"
        )
    return when


def _parse_when(value: Any) -> tuple[datetime, bool]:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        return datetime.combine(value, time(12, 0), tzinfo=UTC), True
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return datetime.fromtimestamp(float(value), UTC), False
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        m = _GDELT_DT.match(text)
        if m:
            y, mo, d, h, mi, s = (int(g) for g in m.groups())
            return datetime(y, mo, d, h, mi, s, tzinfo=UTC), False
        if _DIGITS.match(text) and not _COMPACT_DAY.match(text):
            raise ValueError(  # ambiguous (seconds? milliseconds? a typo?): say what works
                f"{text!r} looks like epoch seconds written as text: only a JSON number "
                f"(unquoted) is read as epoch seconds; in text write the date as ISO 8601 "
                f"(2025-04-03T10:00:00Z) or RFC 2822"
            )
        if len(text) == 10 or _COMPACT_DAY.match(text):  # a day alone is noon, however written
            return datetime.combine(_iso(date.fromisoformat, text), time(12, 0), tzinfo=UTC), True
        if _RFC2822.match(text):
            try:
                dt = parsedate_to_datetime(text)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{text!r} is not a valid RFC 2822 date") from exc
        else:
            dt = _iso(datetime.fromisoformat, text.replace("Z", "+00:00").replace("z", "+00:00"))
    else:
        raise ValueError(f"no usable date in {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC), False


def _iso(parse: Any, text: str) -> Any:
    """date/datetime.fromisoformat with our message, not Python's "Invalid isoformat string"."""
    try:
        return parse(text)
    except ValueError as exc:
        why = str(exc)
        detail = "" if why.startswith("Invalid isoformat") else f" ({why})"
        raise ValueError(f"not a date{detail}: use {DATE_FORMS}") from exc


def parse_published(value: Any) -> tuple[datetime, bool]:
    """ISO 8601 date or datetime (or GDELT's 20250424T140000Z, RFC 2822, epoch seconds) to UTC.

    Returns (when, date_only). Naive datetimes are taken as UTC; a date alone is noon UTC
    so that it lands on the same calendar day in every time zone near UTC. Every form passes
    the same plausibility check, so no path stores a year-1 date.
    """
    try:
        when, date_only = _parse_when(value)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"date out of range: {exc}") from exc
    return plausible(when), date_only


def _text(record: dict[str, Any], key: str, limit: int) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError(f"field {key!r} must be text, not {type(value).__name__}")
    return str(value).strip()[:limit]


def _weight(value: Any) -> float:
    if value is None or value == "":
        return 1.0
    if isinstance(value, (dict, list, bool)):
        raise ValueError(f"weight must be a number, not {type(value).__name__}")
    try:
        w = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"weight must be a finite number >= 0, not {str(value)[:50]!r}") from exc
    if not math.isfinite(w) or w < 0:
        raise ValueError(f"weight must be a finite number >= 0, not {value!r}")
    return w


def check_value(value: Any, where: str = "record") -> None:
    """ValueError if a parsed value nests deeper than MAX_DEPTH or holds a lone surrogate.

    A lone surrogate ("\\ud800" in JSON) is valid Python text but cannot be stored as UTF-8;
    it would fail the whole batch at insert time, so it is refused here, record by record.
    Iterative, so the check itself cannot hit the recursion limit.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{where} nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise ValueError(f"{where} holds a lone surrogate (not encodable as UTF-8)")
        elif isinstance(item, dict):
            for k, v in item.items():
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _extra(record: dict[str, Any]) -> dict[str, Any]:
    """Unknown fields, each capped at EXTRA_VALUE_CHARS of JSON (a longer one is kept as a prefix)."""
    out: dict[str, Any] = {}
    for k, v in record.items():
        if k in KNOWN_FIELDS:
            continue
        if len(out) >= EXTRA_FIELDS:
            break
        key = str(k)[:200]
        if isinstance(v, str):
            out[key] = v[:EXTRA_VALUE_CHARS]
            continue
        encoded = json.dumps(v, ensure_ascii=False, default=str)
        out[key] = v if len(encoded) <= EXTRA_VALUE_CHARS else encoded[:EXTRA_VALUE_CHARS]
    return out


def bounded_id(ident: str) -> str:
    """An id as given when it fits the column, else a hash of all of it (never a prefix)."""
    if len(ident) <= MAX_ID_CHARS:
        return ident
    return "h:" + hashlib.sha256(ident.encode("utf-8")).hexdigest()


def article_id(
    record_id: str, url: str | None, outlet: str, title: str, published: datetime
) -> str:
    """The record's own id, else the canonical URL, else a hash of outlet + title + published."""
    if record_id:
        return bounded_id(record_id)
    if url:
        return bounded_id(url)
    key = f"{outlet.strip().lower()}\n{title.strip()}\n{published.isoformat()}"
    return "h:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def to_article(record: dict[str, Any], limit: int = 200_000) -> Article:
    """Validate one record; raises ValueError (or InputError) with a message for people."""
    if not isinstance(record, dict):
        raise ValueError(f"record must be an object, not {type(record).__name__}")
    check_value(record)
    title = " ".join(_text(record, "title", 2000).split())
    if not title:
        raise ValueError("no title")
    if record.get("published") in (None, ""):
        raise ValueError("no published date")
    try:
        published, _ = parse_published(record["published"])
    except ValueError as exc:
        raise ValueError(f"impossible date {str(record['published'])[:100]!r}: {exc}") from exc
    raw_url = _text(record, "url", MAX_URL_CHARS + 1)
    if len(raw_url) > MAX_URL_CHARS:  # cut, two long URLs would become one article
        raise ValueError(f"url longer than {MAX_URL_CHARS} characters")
    url = canonical_url(raw_url) if raw_url else None
    outlet = _text(record, "outlet", 300)
    domain = host_of(_text(record, "domain", 300)) or host_of(url)
    outlet = outlet or domain
    extra = _extra(record)
    return Article(
        id=article_id(_text(record, "id", 100_000), url, outlet, title, published),
        title=title,
        published=published,
        url=url,
        text=_text(record, "text", limit),
        outlet=outlet,
        domain=domain,
        lang=_text(record, "lang", 20).lower() or None,
        group=_text(record, "group", 100) or None,
        weight=_weight(record.get("weight")),
        extra=extra,
    )
