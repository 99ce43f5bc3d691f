"""OPML, the format feed readers exchange subscription lists in: import to and export from sources.

Import reads every `<outline xmlUrl=...>` at any depth, with its category: the folder outline
it sits in (or its `category` attribute), as listparser's `categories` and feed readers use them;
export writes one category outline per group, so groups round-trip through other readers and back.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from belowthefold.errors import InputError
from belowthefold.models import Source
from belowthefold.sources import host_of


@dataclass(frozen=True)
class OpmlFeed:
    """One subscription: a name, its feed URL and the site it belongs to."""

    name: str
    feed: str
    site: str | None
    category: str | None = None


def parse_opml(text: str | bytes) -> list[OpmlFeed]:
    """Every outline with an xmlUrl; raises InputError when the file is not OPML at all."""
    if isinstance(text, bytes) and (b"<!ENTITY" in text or b"<!entity" in text):
        raise InputError("OPML with entity declarations is refused (entity expansion attacks)")
    if isinstance(text, str) and "<!ENTITY" in text.upper():
        raise InputError("OPML with entity declarations is refused (entity expansion attacks)")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"not valid OPML (XML error: {exc})") from exc
    if root.tag.lower() != "opml":
        raise InputError(f"not OPML: the root element is <{root.tag}>")
    out: list[OpmlFeed] = []
    seen: set[str] = set()
    body = root.find("body")
    # Depth-first in document order, each outline with the innermost folder above it.
    stack: list[tuple[ET.Element, str | None]] = [
        (n, None) for n in reversed(list(body if body is not None else root))
    ]
    while stack:
        node, folder = stack.pop()
        if node.tag != "outline":
            continue
        feed = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if not feed:
            label = _label(node)
            stack.extend((child, label or folder) for child in reversed(list(node)))
            continue
        if feed in seen:
            continue
        seen.add(feed)
        site = (node.get("htmlUrl") or node.get("htmlurl") or "").strip() or None
        name = _label(node) or host_of(site or feed)
        category = folder or _category_attribute(node.get("category"))
        out.append(OpmlFeed(name=name, feed=feed, site=site, category=category))
    return out


def _label(node: ET.Element) -> str:
    return " ".join((node.get("title") or node.get("text") or "").split())


def _category_attribute(value: str | None) -> str | None:
    """OPML 2.0's `category="/News/World,/Tags/x"`: the last step of the first path."""
    first = (value or "").split(",")[0].strip().strip("/")
    return first.rsplit("/", 1)[-1].strip() or None


def feeds_to_sources(feeds: Iterable[OpmlFeed], group: str | None = None) -> list[Source]:
    """One source per OPML feed, in `group` if given, else in its category; feeds with the same
    name are merged. InputError names the feeds that have neither."""
    feeds = list(feeds)
    loose = [f.name for f in feeds if not group and not f.category]
    if loose:
        shown = ", ".join(loose[:5]) + (", ..." if len(loose) > 5 else "")
        raise InputError(
            f"{len(loose)} feed(s) sit in no category outline ({shown}): give --group G"
        )
    merged: dict[str, Source] = {}
    for f in feeds:
        chosen = group or f.category or ""
        domains = tuple(dict.fromkeys(d for d in (host_of(f.site), host_of(f.feed)) if d))
        if f.name in merged:
            old = merged[f.name]
            merged[f.name] = Source(
                old.name,
                old.group,
                tuple(dict.fromkeys(old.domains + domains)),
                tuple(dict.fromkeys((*old.feeds, f.feed))),
            )
        else:
            merged[f.name] = Source(f.name, chosen, domains, (f.feed,))
    return list(merged.values())


def sources_to_opml(sources: Iterable[Source], title: str = "belowthefold sources") -> str:
    """An OPML 2.0 document: one outline per group, one child per feed."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}
    for s in sorted(sources, key=lambda s: (s.group, s.name)):
        parent = groups.get(s.group)
        if parent is None:
            parent = groups[s.group] = ET.SubElement(body, "outline", text=s.group, title=s.group)
        for feed in s.feeds:
            attrs = {"type": "rss", "text": s.name, "title": s.name, "xmlUrl": feed}
            if s.domains:
                attrs["htmlUrl"] = f"https://{s.domains[0]}/"
            ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
