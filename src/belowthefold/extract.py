"""Full text of an article page: text, title, date and language, with trafilatura.

Used for sources marked `fulltext = true`; the runner keeps the feed summary when this raises
`ExtractError`, so a page we cannot read never costs us the headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time

from belowthefold.config import FetchOptions
from belowthefold.errors import ExtractError

_LANG = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)


@dataclass(frozen=True)
class Extracted:
    """What a page gave us; any field may be empty except the text."""

    text: str
    title: str | None
    published: datetime | None
    lang: str | None


# htmldate (through trafilatura) writes the time and zone a page states, and midnight without a
# zone when the page gives only a day: that one is a day alone, noon UTC like every other.
DATE_PARAMS = {
    "original_date": True,  # the first publication, not the last edit
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    "extensive_search": True,
}


def _date(value: object) -> datetime | None:
    """A page's date as aware UTC; a day alone (or naive midnight) is noon UTC, which keeps the
    calendar day stable in every zone near UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) <= 10 or (parsed.tzinfo is None and parsed.time() == time(0, 0)):
        return datetime.combine(parsed.date(), time(12, 0), tzinfo=UTC)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _lang(page: bytes | str, found: object) -> str | None:
    if isinstance(found, str) and found:
        return found.lower()[:20]
    head = page[:20_000] if isinstance(page, bytes) else page[:20_000].encode("utf-8", "replace")
    m = _LANG.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def extract_page(
    page: bytes | str, url: str | None, options: FetchOptions | None = None
) -> Extracted:
    """Main text and metadata of one HTML page; raises ExtractError when nothing usable is found."""
    import trafilatura  # heavy import, only paid by runs that extract

    opts = options or FetchOptions()
    try:
        doc = trafilatura.bare_extraction(
            page,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=opts.extract_favor == "precision",
            favor_recall=opts.extract_favor == "recall",
            deduplicate=False,
            date_extraction_params=DATE_PARAMS,
        )
    except Exception as exc:  # trafilatura raises assorted lxml/parser errors on hostile markup
        raise ExtractError(f"extraction crashed: {type(exc).__name__}: {exc}"[:300]) from exc
    if doc is None or isinstance(doc, dict):
        raise ExtractError("no main text found")
    text = (doc.text or "").strip()
    if len(text) < opts.extract_min_chars:
        raise ExtractError(f"main text too short ({len(text)} characters)")
    title = " ".join((doc.title or "").split()) or None
    return Extracted(
        text=text, title=title, published=_date(doc.date), lang=_lang(page, doc.language)
    )
