"""The user's sources file and the rules that put each article in a source and group.

An article belongs to the source whose name equals its `outlet`, else whose domain matches
its host (subdomains included). Its group is the record's own `group`, else its source's,
else the first `[[rule]]` it matches (by host suffix, GDELT `sourcecountry` or language), else
the file's `default_group`, else `other`. Rules group thousands of outlets (a GDELT week has
~2,500 domains) without a `[[source]]` for each.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
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


# What a rule can test, each kind also as `not_KIND`. `domains` and `tld` are one test (the
# host ends with one of them, on a dot), so a rule may list both: `.gov` hosts and dvidshub.net.
_HOST_KEYS = ("domains", "tld")
_RULE_KINDS = ("host", "sourcecountry", "lang")


@dataclass(frozen=True)
class RuleTest:
    """One test of a rule: the article's host, sourcecountry or language is (not) one of `values`.

    A negated test passes only when the article has the value at all: a GDELT row without a
    sourcecountry is not "outside the US", it is unknown.
    """

    kind: str
    values: frozenset[str]
    negated: bool = False

    def passes(self, value: str) -> bool:
        if not value:
            return False
        if self.kind == "host":
            hit = any(value == v or value.endswith("." + v) for v in self.values)
        else:
            hit = value in self.values
        return hit != self.negated


@dataclass(frozen=True)
class GroupRule:
    """A `[[rule]]`: an article no source claims goes to `group` when every test passes."""

    group: str
    tests: tuple[RuleTest, ...]

    def matches(self, facts: dict[str, str]) -> bool:
        return all(t.passes(facts[t.kind]) for t in self.tests)


@dataclass(frozen=True)
class GroupRules:
    """The rules of a sources file, in file order (the first that matches wins), and its default."""

    rules: tuple[GroupRule, ...] = ()
    default_group: str | None = None

    def group_for(self, article: Article, host: str) -> str:
        """The group of an article that no source claims."""
        if self.rules:
            country = article.extra.get("sourcecountry")
            facts = {
                "host": host,
                "sourcecountry": country.strip().casefold() if isinstance(country, str) else "",
                "lang": (article.lang or "").lower(),
            }
            for rule in self.rules:
                if rule.matches(facts):
                    return rule.group
        return self.default_group or OTHER_GROUP


NO_RULES = GroupRules()


@dataclass(frozen=True)
class SourcesFile:
    """Everything a sources file says: the named sources, and the rules for the rest."""

    sources: tuple[Source, ...]
    rules: GroupRules = field(default_factory=GroupRules)


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{what} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _norm(kind: str, value: str) -> str:
    if kind == "host":
        return host_of(value.lstrip(".")) or value.lstrip(".").lower()
    return value.casefold() if kind == "sourcecountry" else value.lower()


def _rule_from(entry: Any, n: int, where: str) -> GroupRule:
    what = f"{where}: [[rule]] {n}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{what}: expected a table")
    group = entry.get("group")
    if not isinstance(group, str) or not group.strip():
        raise ConfigError(f"{what} needs a group")
    tests: list[RuleTest] = []
    known = {"group"}
    for negated in (False, True):
        for kind in _RULE_KINDS:
            keys: tuple[str, ...] = _HOST_KEYS if kind == "host" else (kind,)
            keys = tuple(f"not_{k}" for k in keys) if negated else keys
            known.update(keys)
            values = [v for k in keys if k in entry for v in _strings(entry[k], f"{what}: {k}")]
            if values:
                tests.append(RuleTest(kind, frozenset(_norm(kind, v) for v in values), negated))
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(
            f"{what}: unknown key(s) {', '.join(unknown)}; a rule tests "
            "domains, tld, sourcecountry, lang, or not_ any of them"
        )
    if not tests:
        raise ConfigError(f"{what} tests nothing; to group every other article use default_group")
    return GroupRule(group.strip(), tuple(tests))


def parse_sources_file(text: str, where: str = "sources file") -> SourcesFile:
    """Parse `[[source]]`, `[[rule]]` and `default_group`; raises ConfigError saying where."""
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
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{where}: expected [[rule]] tables")
    default = data.get("default_group")
    if default is not None and (not isinstance(default, str) or not default.strip()):
        raise ConfigError(f"{where}: default_group must be a group name")
    rules = tuple(_rule_from(e, i, where) for i, e in enumerate(raw_rules, 1))
    return SourcesFile(tuple(sources), GroupRules(rules, default.strip() if default else None))


def parse_sources(text: str, where: str = "sources file") -> list[Source]:
    """The `[[source]]` entries of a sources file (for catalogs, which carry no rules)."""
    return list(parse_sources_file(text, where).sources)


def load_sources(path: Path) -> tuple[SourcesFile, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc}") from exc
    return parse_sources_file(text, str(path)), text


def _dump_rule(rule: GroupRule) -> dict[str, Any]:
    entry: dict[str, Any] = {"group": rule.group}
    for t in rule.tests:
        key = "domains" if t.kind == "host" else t.kind
        entry[f"not_{key}" if t.negated else key] = sorted(t.values)
    return entry


def merge_sources(existing: Iterable[Source], new: Iterable[Source]) -> list[Source]:
    """`existing` with `new` added: a source of a known name keeps its domains and feeds and
    gains the new ones; its group comes from the new entry, front page and full text from the
    new one where it sets them. Adding never loses a feed, a front page or full-text fetching.
    """
    by_name = {s.name: s for s in existing}
    for s in new:
        old = by_name.get(s.name)
        if old is None:
            by_name[s.name] = s
        else:
            by_name[s.name] = Source(
                old.name,
                s.group,
                tuple(dict.fromkeys(old.domains + s.domains)),
                tuple(dict.fromkeys(old.feeds + s.feeds)),
                s.frontpage or old.frontpage,
                s.fulltext or old.fulltext,
            )
    return list(by_name.values())


def dump_sources(sources: Iterable[Source], rules: GroupRules = NO_RULES) -> str:
    """Write sources (and rules) back in the same TOML shape (for `sources add`, OPML import).

    Countries come back case-folded and `tld` as `domains`: the same tests, not the same text.
    """
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
    doc: dict[str, Any] = {}
    if rules.default_group:
        doc["default_group"] = rules.default_group
    doc["source"] = out
    if rules.rules:
        doc["rule"] = [_dump_rule(r) for r in rules.rules]
    return tomli_w.dumps(doc)


@dataclass(frozen=True)
class SourceIndex:
    """Looks up an article's source and group; built once from the source list."""

    by_name: dict[str, Source]
    by_domain: dict[str, Source]
    rules: GroupRules = NO_RULES

    @classmethod
    def build(cls, sources: Iterable[Source], rules: GroupRules = NO_RULES) -> SourceIndex:
        by_name: dict[str, Source] = {}
        by_domain: dict[str, Source] = {}
        for s in sources:
            by_name[s.name.lower()] = s
            for d in s.domains:
                by_domain[d.lower()] = s
        return cls(by_name, by_domain, rules)

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
        """(source name or None, group): the record's own group, else its source's, else a rule's."""
        host = host_of(article.domain) or host_of(article.url)
        source = self.match(article.outlet, host)
        if article.group:
            group = article.group
        elif source is not None:
            group = source.group
        else:
            group = self.rules.group_for(article, host)
        return (source.name if source else None), group
