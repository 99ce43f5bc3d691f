"""The user's sources file and the rule that puts each article in a source and group.

An article belongs to the source whose name equals its `outlet`, else whose domain matches
its host (subdomains included); a record's own `group` wins; the rest go to `other`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from belowthefold.errors import ConfigError
from belowthefold.models import OTHER_GROUP, Article, Source


def host_of(url: str | None) -> str:
    """Lower-case host of a URL without a leading 'www.'; empty when there is none."""
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _source_from(entry: dict[str, Any], where: str) -> Source:
    name = entry.get("name")
    group = entry.get("group")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: every [[source]] needs a name")
    if not isinstance(group, str) or not group.strip():
        raise ConfigError(f"{where}: source {name!r} needs a group")
    domains = entry.get("domains", [])
    feeds = entry.get("feeds", [])
    if isinstance(domains, str):
        domains = [domains]
    if isinstance(feeds, str):
        feeds = [feeds]
    if not all(isinstance(d, str) for d in domains) or not all(isinstance(f, str) for f in feeds):
        raise ConfigError(f"{where}: source {name!r}: domains and feeds must be lists of strings")
    frontpage = entry.get("frontpage")
    return Source(
        name=name.strip(),
        group=group.strip(),
        domains=tuple(host_of(d) or d.lower() for d in domains),
        feeds=tuple(feeds),
        frontpage=frontpage if isinstance(frontpage, str) else None,
        fulltext=bool(entry.get("fulltext", False)),
    )


def parse_sources(text: str, where: str = "sources file") -> list[Source]:
    """Parse the `[[source]]` TOML shape; raises ConfigError with the problem and place."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from exc
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: expected [[source]] tables")
    sources = [_source_from(e, where) for e in entries]
    names = [s.name for s in sources]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"{where}: duplicate source name(s): {', '.join(sorted(dupes))}")
    return sources


def load_sources(path: Path) -> tuple[list[Source], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc}") from exc
    return parse_sources(text, str(path)), text


def dump_sources(sources: Iterable[Source]) -> str:
    """Write sources back in the same TOML shape (for `sources add` and OPML import)."""
    out = []
    for s in sources:
        entry: dict[str, Any] = {"name": s.name, "group": s.group, "domains": list(s.domains)}
        if s.feeds:
            entry["feeds"] = list(s.feeds)
        if s.frontpage:
            entry["frontpage"] = s.frontpage
        if s.fulltext:
            entry["fulltext"] = True
        out.append(entry)
    return tomli_w.dumps({"source": out})


@dataclass(frozen=True)
class SourceIndex:
    """Looks up an article's source and group; built once from the source list."""

    by_name: dict[str, Source]
    by_domain: dict[str, Source]

    @classmethod
    def build(cls, sources: Iterable[Source]) -> SourceIndex:
        by_name: dict[str, Source] = {}
        by_domain: dict[str, Source] = {}
        for s in sources:
            by_name[s.name.lower()] = s
            for d in s.domains:
                by_domain[d.lower()] = s
        return cls(by_name, by_domain)

    def match(self, outlet: str, host: str) -> Source | None:
        if outlet and outlet.strip().lower() in self.by_name:
            return self.by_name[outlet.strip().lower()]
        host = host.lower()
        while host:
            if host in self.by_domain:
                return self.by_domain[host]
            _, _, host = host.partition(".")
        return None

    def resolve(self, article: Article) -> tuple[str | None, str]:
        """(source name or None, group) for an article; the record's own group wins."""
        host = host_of(article.domain) or host_of(article.url)
        source = self.match(article.outlet, host)
        group = article.group or (source.group if source else OTHER_GROUP)
        return (source.name if source else None), group
