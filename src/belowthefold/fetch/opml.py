"""OPML, the format feed readers exchange subscription lists in: import to and export from sources.

Import reads every `<outline xmlUrl=...>` at any depth; export writes one category outline per
group so the file round-trips through other readers and back.
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
    for node in root.iter("outline"):
        feed = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if not feed or feed in seen:
            continue
        seen.add(feed)
        site = (node.get("htmlUrl") or node.get("htmlurl") or "").strip() or None
        name = " ".join((node.get("title") or node.get("text") or "").split()) or host_of(
            site or feed
        )
        out.append(OpmlFeed(name=name, feed=feed, site=site))
    return out


def feeds_to_sources(feeds: Iterable[OpmlFeed], group: str) -> list[Source]:
    """One source per OPML feed, in the given group; feeds with the same name are merged."""
    merged: dict[str, Source] = {}
    for f in feeds:
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
            merged[f.name] = Source(f.name, group, domains, (f.feed,))
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
