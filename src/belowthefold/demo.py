"""The built-in demo corpus: a fictional fortnight in which a tariff war buries other news.

`write_demo_corpus` expands the templates in `data/demo/stories.toml` into an import JSONL with a
seeded `random.Random`, so the same seed always gives the same bytes, and writes the gold labels
beside it (which stories were buried, which were not) so ranking and clustering can be scored on it.
The package ships the output for seed 7; a test checks the generator still reproduces it.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from belowthefold.sources import parse_sources

DEFAULT_SEED = 7
WEEK_1 = (date(2025, 3, 31), date(2025, 4, 6))
WEEK_2 = (date(2025, 4, 7), date(2025, 4, 13))
GOLD_WINDOW = {"start": "2025-04-07", "end": "2025-04-13", "label": "2025-W15"}
AUDIENCE = "mainstream"
DOMINANT_KIND = "dominant"

_CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")


@dataclass(frozen=True)
class DemoFiles:
    """Paths written by `write_demo_corpus`."""

    corpus: Path
    sources: Path
    gold: Path
    gold_stories: Path
    bad_lines: Path


@dataclass(frozen=True)
class _Outlet:
    name: str
    group: str
    domain: str
    tz: timezone = UTC
    zulu: bool = False
    lang: str | None = None
    minutes: bool = False
    date_only: bool = False


@dataclass(frozen=True)
class _Draft:
    """One article before ids are given: ids follow publication order, known only at the end."""

    key: int
    published: datetime
    outlet: _Outlet
    title: str
    text: str
    story: str
    storyline: str
    kind: str
    section: str
    lang: str = "en"
    pickup_of: int | None = None


def shipped_file(name: str) -> bytes:
    """The bytes of a file the package ships under `data/demo/` (for tests and the CLI)."""
    return resources.files("belowthefold").joinpath("data", "demo", name).read_bytes()


def _data_text(name: str) -> str:
    return shipped_file(name).decode("utf-8")


def _tz(spec: str) -> timezone:
    if spec in ("Z", "+00:00", ""):
        return UTC
    sign = -1 if spec.startswith("-") else 1
    hours, minutes = spec[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def _outlets(meta: Mapping[str, Any]) -> dict[str, _Outlet]:
    out: dict[str, _Outlet] = {}
    for s in parse_sources(_data_text("sources.toml"), "demo sources.toml"):
        m = meta.get(s.name, {})
        out[s.name] = _Outlet(
            name=s.name,
            group=s.group,
            domain=s.domains[0],
            tz=_tz(str(m.get("tz", "Z"))),
            zulu=m.get("tz", "Z") == "Z",
            lang=m.get("lang"),
            minutes=bool(m.get("minutes", False)),
            date_only=bool(m.get("date_only", False)),
        )
    return out


def expand(template: str, rng: random.Random) -> str:
    """Resolve every `{a|b|c}` in a template to one alternative."""
    return _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)


def _day_counts(n: int, days: Sequence[date]) -> list[date]:
    """n publication days over `days`, front-loaded (weights k..1) the way news breaks then fades."""
    weights = list(range(len(days), 0, -1))
    total = sum(weights)
    counts = [n * w // total for w in weights]
    for i in range(n - sum(counts)):
        counts[i % len(days)] += 1
    return [d for d, c in zip(days, counts, strict=True) for _ in range(c)]


def _moment(day: date, outlet: _Outlet, rng: random.Random) -> datetime:
    """A time in the outlet's working hours (6:00-22:00 local) that falls on `day` in UTC.

    Days are UTC throughout the pipeline, so the UTC day must be the one the story was planned on.
    """
    offset = int((outlet.tz.utcoffset(None) or timedelta()).total_seconds() // 3600)
    hour = rng.randint(max(0, 6 - offset), min(23, 21 - offset))
    return datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=UTC)


def _story_outlets(
    story: Mapping[str, Any], outlets: Mapping[str, _Outlet], rng: random.Random
) -> list[_Outlet]:
    chosen = [outlets[name] for name in story.get("outlets", [])]
    for group, count in story.get("groups", {}).items():
        pool = [o for o in outlets.values() if o.group == group]
        rng.shuffle(pool)
        chosen.extend(pool[i % len(pool)] for i in range(int(count)))
    return chosen


def _wording(story: Mapping[str, Any], outlet: _Outlet) -> tuple[str, list[str], list[str], str]:
    """(variant, titles, texts, language) for one outlet: its language's wording first, then its
    group's (an official statement reads like one), else the story's own (variant "")."""
    for key, lang in ((outlet.lang, outlet.lang), (outlet.group, "en")):
        if key and key in story:
            return key, list(story[key]["titles"]), list(story[key]["texts"]), lang or "en"
    return "", list(story["titles"]), list(story["texts"]), "en"


def _unique(templates: Sequence[str], used: set[str], rng: random.Random) -> str:
    """An expansion not used yet in this story if one can be found, since outlets word things apart."""
    text = ""
    for _ in range(30):
        text = expand(rng.choice(templates), rng)
        if text not in used:
            break
    used.add(text)
    return text


_SENTENCE_END = re.compile(r"(?<=[.!?'])\s+(?=[A-Z])")
_NEEDS_CONTEXT = ("It ", "He ", "She ", "They ", "Her ", "His ", "Its ", "Each ", "The company ")


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}


def _overlap(text: str, used: Sequence[set[str]]) -> float:
    """Highest Jaccard similarity (5-word shingles) of `text` to any lead already written."""
    grams = _shingles(text)
    return max((len(grams & u) / len(grams | u) for u in used), default=0.0)


def _compose(
    texts: Sequence[str], used: list[set[str]], rng: random.Random, lead: int | None = None
) -> str:
    """A lead: one template's opening sentence and one to three facts from the story's templates.

    Outlets report the same facts in their own words and order; a near-copy would read as
    syndication, which the corpus keeps for its deliberate pickups. So of a few drafts the one
    least like the leads already written wins. `lead` fixes the opening (the first report's).
    """
    best, best_overlap = "", 2.0
    for _ in range(24):
        parts = [_SENTENCE_END.split(expand(t, rng)) for t in texts]
        first = rng.randrange(len(parts)) if lead is None else lead
        pool = [
            x
            for j, p in enumerate(parts)
            for x in (p if j != first else p[1:])
            if not x.startswith(_NEEDS_CONTEXT)
        ]
        facts = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        text = " ".join([parts[first][0], *facts])
        overlap = _overlap(text, used)
        if overlap < best_overlap:
            best, best_overlap = text, overlap
        if overlap < 0.3:
            break
    used.append(_shingles(best))
    return best


def _pickup_text(text: str, wire: _Outlet, rng: random.Random) -> str:
    """Syndicated copy: the wire text verbatim or with a dateline or a trailing credit added."""
    edit = rng.randrange(4)
    if edit == 1:
        return f"({wire.name}) — {text}"
    if edit == 2:
        return f"{text} Reporting by {wire.name} staff."
    if edit == 3:
        return f"{text} This story has been updated."
    return text


def _story_drafts(
    storyline: Mapping[str, Any],
    story: Mapping[str, Any],
    outlets: Mapping[str, _Outlet],
    rng: random.Random,
    next_key: Iterator[int],
) -> list[_Draft]:
    days = [date.fromisoformat(d) for d in story["days"]]
    chosen = _story_outlets(story, outlets, rng)
    when = _day_counts(len(chosen), days)
    if "groups" in story:
        rng.shuffle(when)
    moments = [_moment(day, outlet, rng) for outlet, day in zip(chosen, when, strict=True)]
    if "groups" not in story:
        moments.sort()  # a list of named outlets is in reporting order: the first one broke it
    used_titles: set[str] = set()
    used_texts: list[set[str]] = []
    drafts: list[_Draft] = []
    seen: dict[str, int] = {}
    for moment, outlet in sorted(zip(moments, chosen, strict=True), key=lambda p: p[0]):
        variant, titles, texts, lang = _wording(story, outlet)
        n = seen[variant] = seen.get(variant, -1) + 1
        if variant:  # a statement or a foreign-language piece: the n-th one, title with its text
            title, text = expand(titles[n % len(titles)], rng), expand(texts[n % len(texts)], rng)
        elif n == 0:  # the first report: the story's main headline and opening
            title, text = expand(titles[0], rng), _compose(texts, used_texts, rng, lead=0)
            used_titles.add(title)
        else:
            title, text = _unique(titles, used_titles, rng), _compose(texts, used_texts, rng)
        drafts.append(
            _Draft(
                key=next(next_key),
                published=moment,
                outlet=outlet,
                title=title,
                text=text,
                story=story["id"],
                storyline=storyline["id"],
                kind=storyline["kind"],
                section=story.get("section", "news"),
                lang=lang,
            )
        )
    for pickup in story.get("pickups", []):
        original = next(d for d in drafts if d.outlet.name == pickup["from"])
        for name in pickup["by"]:
            delay = timedelta(minutes=rng.randint(15, 180))
            published = min(
                original.published + delay, original.published.replace(hour=23, minute=59)
            )
            drafts.append(
                replace(
                    original,
                    key=next(next_key),
                    published=published,
                    outlet=outlets[name],
                    text=_pickup_text(original.text, original.outlet, rng),
                    pickup_of=original.key,
                )
            )
    return drafts


def _noise_drafts(
    noise: Sequence[Mapping[str, Any]],
    outlets: Mapping[str, _Outlet],
    rng: random.Random,
    next_key: Iterator[int],
) -> list[_Draft]:
    drafts = []
    for n, item in enumerate(noise, start=1):
        pool = [o for o in outlets.values() if o.group == item.get("group")]
        start, _ = WEEK_1 if item["week"] == 1 else WEEK_2
        day = start + timedelta(days=rng.randrange(7))
        outlet = outlets[item["outlet"]] if "outlet" in item else rng.choice(pool)
        drafts.append(
            _Draft(
                key=next(next_key),
                published=_moment(day, outlet, rng),
                outlet=outlet,
                title=item["title"],
                text=item["text"],
                story=f"noise-{n:02d}",
                storyline=f"noise-{n:02d}",
                kind="noise",
                section=item.get("section", "news"),
                lang=item.get("lang", "en"),
            )
        )
    return drafts


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words[:9]) or "article"


def _url(d: _Draft, seen: set[str], rng: random.Random) -> str:
    p = d.published
    if d.outlet.group == "official":
        path = f"media/{p:%Y-%m-%d}-{_slug(d.title)}"
    else:
        path = f"{d.section}/{p:%Y/%m/%d}/{_slug(d.title)}"
    url = f"https://{d.outlet.domain}/{path}"
    n = 2
    while url in seen:
        url, n = f"https://{d.outlet.domain}/{path}-{n}", n + 1
    seen.add(url)
    # A few feed links carry campaign tags, as real ones do; import strips them.
    return url + "?utm_source=rss&utm_medium=feed" if rng.random() < 0.08 else url


def _published(d: _Draft) -> str:
    if d.outlet.date_only:
        return d.published.date().isoformat()
    local = d.published.astimezone(d.outlet.tz).isoformat(timespec="seconds")
    return local.replace("+00:00", "Z") if d.outlet.zulu else local


def _weight(d: _Draft, rng: random.Random) -> float:
    """Minutes on air for a broadcast item: the flood leads the bulletin, the rest gets a minute or two."""
    low, high = (2.5, 6.0) if d.kind == DOMINANT_KIND else (0.5, 2.5)
    return round(rng.uniform(low, high) * 2) / 2


@dataclass(frozen=True)
class DemoCorpus:
    """The demo in memory: import records, gold labels per article, and the gold file's content."""

    records: tuple[dict[str, Any], ...]
    labels: tuple[dict[str, Any], ...]
    gold: dict[str, Any]


def build_demo_corpus(seed: int = DEFAULT_SEED) -> DemoCorpus:
    """Expand the templates into records, deterministically for a seed."""
    rng = random.Random(seed)
    spec = tomllib.loads(_data_text("stories.toml"))
    outlets = _outlets(spec.get("outlets", {}))
    keys = iter(range(1, 1_000_000))
    drafts: list[_Draft] = []
    for storyline in spec["storyline"]:
        for story in storyline["story"]:
            drafts.extend(_story_drafts(storyline, story, outlets, rng, keys))
    drafts.extend(_noise_drafts(spec.get("noise", []), outlets, rng, keys))
    drafts.sort(key=lambda d: (d.published, d.outlet.name, d.key))
    ids = {d.key: f"demo-{n:04d}" for n, d in enumerate(drafts, start=1)}
    records: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    seen_urls: set[str] = set()
    for d in drafts:
        record: dict[str, Any] = {
            "id": ids[d.key],
            "title": d.title,
            "published": _published(d),
            "url": _url(d, seen_urls, rng),
            "outlet": d.outlet.name,
            "lang": d.lang,
            "text": d.text,
        }
        if d.outlet.minutes:
            record["weight"] = _weight(d, rng)
        records.append(record)
        label: dict[str, Any] = {
            "id": ids[d.key],
            "story": d.story,
            "storyline": d.storyline,
            "kind": d.kind,
            "group": d.outlet.group,
        }
        if d.pickup_of is not None:
            label["pickup_of"] = ids[d.pickup_of]
        labels.append(label)
    return DemoCorpus(tuple(records), tuple(labels), _gold(spec, drafts, ids))


def _gold(
    spec: Mapping[str, Any], drafts: Sequence[_Draft], ids: Mapping[int, str]
) -> dict[str, Any]:
    """The person's judgement for W15, from the design: buried stories are missed, the rest not."""
    start, end = WEEK_2
    in_window = [d for d in drafts if start <= d.published.date() <= end]

    def articles(storyline_id: str) -> list[str]:
        return [ids[d.key] for d in in_window if d.storyline == storyline_id]

    missed, not_missed, dominant = [], [], []
    for sl in spec["storyline"]:
        found = articles(sl["id"])
        if not found:
            continue
        entry = {"label": sl["label"], "storyline": sl["id"], "articles": found}
        if sl["kind"] == "buried":
            missed.append(entry)
        elif sl["kind"] in ("normal", "niche"):
            not_missed.append({**entry, "why": sl["kind"]})
        elif sl["kind"] == DOMINANT_KIND:
            dominant.extend(found)
    return {
        "window": dict(GOLD_WINDOW),
        "audience": AUDIENCE,
        "dominant_label": next(
            sl["label"] for sl in spec["storyline"] if sl["kind"] == DOMINANT_KIND
        ),
        "dominant": dominant,
        "missed": missed,
        "not_missed": not_missed,
    }


def _jsonl(rows: Sequence[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


BAD_LINES = (
    '{"id": "demo-bad-01", "title": "Council publishes budget", "published": "2025-04-08T09:00:00Z", '
    '"outlet": "City Gazette"}\n'
    '{"id": "demo-bad-02", "title": "Broken JSON: the closing brace is missing", '
    '"published": "2025-04-08T10:00:00Z"\n'
    '{"id": "demo-bad-03", "title": "Harbour ferry timetable changes", "published": "2025-04-09T08:30:00Z", '
    '"outlet": "Metro Herald"}\n'
    '{"id": "demo-bad-04", "published": "2025-04-09T11:00:00Z", "outlet": "Daily Courier", '
    '"text": "A record with no title."}\n'
    '{"id": "demo-bad-05", "title": "An impossible date", "published": "2025-02-30T08:00:00Z", '
    '"outlet": "Metro Herald"}\n'
)
"""Five lines for import tests: lines 2 (broken JSON), 4 (no title) and 5 (2025-02-30) are bad."""


def demo_outputs(seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """File name -> bytes for everything `write_demo_corpus` writes."""
    corpus = build_demo_corpus(seed)
    return {
        "corpus.jsonl": _jsonl(corpus.records).encode("utf-8"),
        "sources.toml": shipped_file("sources.toml"),
        "gold.json": (json.dumps(corpus.gold, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        "gold-stories.jsonl": _jsonl(corpus.labels).encode("utf-8"),
        "bad-lines.jsonl": BAD_LINES.encode("utf-8"),
    }


def write_demo_corpus(directory: Path, seed: int = DEFAULT_SEED) -> DemoFiles:
    """Write the demo corpus, its sources file and gold labels into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in demo_outputs(seed).items():
        (directory / name).write_bytes(data)
    return DemoFiles(
        corpus=directory / "corpus.jsonl",
        sources=directory / "sources.toml",
        gold=directory / "gold.json",
        gold_stories=directory / "gold-stories.jsonl",
        bad_lines=directory / "bad-lines.jsonl",
    )
