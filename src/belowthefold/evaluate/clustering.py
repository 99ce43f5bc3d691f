"""Story clustering quality on human-labelled data: B-cubed and pairwise precision/recall/F1.

Gold records stream, in published order, through the same `StoryClusterer` the product uses;
the gold label is held back here and never reaches the clusterer.

B-cubed (Bagga & Baldwin 1998) scores every article: precision is the share of its predicted
story that truly belongs with it, recall the share of its gold story that was found with it;
both are averaged over articles, so large stories do not dominate. Pairwise scores count article
pairs put together: precision = correct pairs / predicted pairs, recall = correct / gold pairs;
they punish one wrong merge of two big stories much harder than B-cubed does.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.errors import InputError
from belowthefold.evaluate import GOLD_FORMATS
from belowthefold.ingest import to_article
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer
from belowthefold.stories.represent import Encoder


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class GoldArticle:
    """An article and its gold story label, which the clusterer never sees."""

    article: Article
    story: str


@dataclass(frozen=True)
class ClusteringReport:
    representation: str
    articles: int
    gold_stories: int
    predicted_stories: int
    predicted_storylines: int
    bcubed: PRF
    pairwise: PRF
    seconds: float
    # Pairs of articles in different languages only (None when the gold has one language).
    cross_language: PRF | None = None
    # Each article's predicted story (merges followed), in the gold's order: for splits.
    predicted: tuple[str, ...] = ()

    @property
    def docs_per_s(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "representation": self.representation,
            "articles": self.articles,
            "gold_stories": self.gold_stories,
            "predicted_stories": self.predicted_stories,
            "predicted_storylines": self.predicted_storylines,
            "bcubed": self.bcubed.as_dict(),
            "pairwise": self.pairwise.as_dict(),
            "cross_language": self.cross_language.as_dict() if self.cross_language else None,
            "seconds": round(self.seconds, 3),
            "docs_per_s": round(self.docs_per_s, 1),
        }


# -- metrics ------------------------------------------------------------------------------------


def bcubed(predicted: Sequence[str], gold: Sequence[str]) -> PRF:
    """B-cubed precision and recall, averaged over items."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold labels differ in length")
    if not gold:
        return PRF(0.0, 0.0)
    cell = Counter(zip(predicted, gold, strict=True))
    psize = Counter(predicted)
    gsize = Counter(gold)
    p = sum(n * n / psize[pl] for (pl, _), n in cell.items()) / len(gold)
    r = sum(n * n / gsize[gl] for (_, gl), n in cell.items()) / len(gold)
    return PRF(p, r)


def pairwise(predicted: Sequence[str], gold: Sequence[str]) -> PRF:
    """Precision and recall over pairs of items put in the same cluster."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold labels differ in length")

    def pairs(counts: Iterable[int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts)

    tp = pairs(Counter(zip(predicted, gold, strict=True)).values())
    pp = pairs(Counter(predicted).values())
    gp = pairs(Counter(gold).values())
    return PRF(tp / pp if pp else 1.0, tp / gp if gp else 1.0)


def cross_language_pairs(
    predicted: Sequence[str], gold: Sequence[str], langs: Sequence[str]
) -> PRF | None:
    """Pairwise precision and recall over pairs of articles in different languages.

    What a monolingual clusterer cannot do: a Japanese and an English report of one event share
    no term. None when no gold story holds two languages (nothing to measure).
    """

    def pairs(keys: Sequence[tuple[str, ...]]) -> int:
        """Pairs with equal key but different language: all pairs minus same-language ones."""
        total = Counter(k[:-1] for k in keys)
        same = Counter(keys)
        return sum(n * (n - 1) // 2 for n in total.values()) - sum(
            n * (n - 1) // 2 for n in same.values()
        )

    both = list(zip(predicted, gold, langs, strict=True))
    gp = pairs([(g, lang) for _, g, lang in both])
    if gp == 0:
        return None
    pp = pairs([(p, lang) for p, _, lang in both])
    tp = pairs([(p, g, lang) for p, g, lang in both])
    return PRF(tp / pp if pp else 1.0, tp / gp)


def story_halves(stories: Iterable[str]) -> dict[str, str]:
    """Story key -> "fit" or "report": alternate over the keys sorted by their SHA-1.

    Knobs are chosen on "fit" and figures reported on "report", so that a small labelled set
    (devweek-2025w17's twelve stories) still gives a figure the choice never saw.
    """
    keys = sorted(set(stories), key=lambda k: hashlib.sha1(k.encode()).hexdigest())
    return {k: ("fit" if i % 2 == 0 else "report") for i, k in enumerate(keys)}


def cross_language_half(
    predicted: Sequence[str],
    gold: Sequence[str],
    langs: Sequence[str],
    half_of: Mapping[str, str],
    half: str | None,
) -> PRF | None:
    """`cross_language_pairs` over the gold stories of one half (`story_halves`; None: all).

    Recall counts the half's gold pairs; a predicted pair counts against its precision when
    either article is in the half (a wrong join with the other half's story is this half's too).
    None when the half has no pair across languages.
    """
    tp, pp, gp = half_pair_counts(predicted, gold, langs, half_of, half)
    if gp == 0:
        return None
    return PRF(tp / pp if pp else 1.0, tp / gp)


def half_pair_counts(
    predicted: Sequence[str],
    gold: Sequence[str],
    langs: Sequence[str],
    half_of: Mapping[str, str],
    half: str | None,
) -> tuple[int, int, int]:
    """(true, predicted, gold) pairs across languages touching `half`, as `cross_language_half`."""
    tp = pp = gp = 0
    items = list(zip(predicted, gold, langs, strict=True))
    for i, (p, g, lang) in enumerate(items):
        for q, h, other in items[i + 1 :]:
            if lang == other:
                continue
            a = half is None or half_of[g] == half
            b = half is None or half_of[h] == half
            if g == h and a and b:
                gp += 1
                tp += p == q
            pp += p == q and (a or b)
    return tp, pp, gp


# -- gold readers -------------------------------------------------------------------------------

_URL_DATE = (
    re.compile(r"/(20\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$)"),
    re.compile(r"[/_-](20\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:\D|$)"),
    re.compile(r"/(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:\D|$)"),
)


def url_date(url: str) -> datetime | None:
    """The publication day written in an article URL (/2021/05/12/, -2021-05-12, /20210512), noon UTC."""
    for pattern in _URL_DATE:
        m = pattern.search(url)
        if m:
            try:
                return datetime(int(m[1]), int(m[2]), int(m[3]), 12, tzinfo=UTC)
            except ValueError:
                continue
    return None


def _tiebreak(a: GoldArticle) -> tuple[datetime, str]:
    """Published order, then a hash: articles of one gold story must not arrive side by side on purpose."""
    return a.article.published, hashlib.sha1(a.article.id.encode("utf-8")).hexdigest()


def read_jsonl_gold(path: Path) -> Iterator[GoldArticle]:
    """Import-shaped JSONL records with a gold `story` field (removed before validation)."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if "story" not in rec:
                raise InputError(f"{path}:{n}: gold record without a 'story' field")
            story = str(rec.pop("story"))
            yield GoldArticle(to_article(rec), story)


def allsides_records(path: Path) -> Iterator[dict[str, Any]]:
    """AllSides roundups as import records with a gold `story`; answer-key fields are dropped.

    The date is the one in the article URL where it has one, else the roundup's day at noon UTC:
    the roundup's own timestamp would leak the label (all its articles would share it).
    """
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            roundup = json.loads(line)
            day = str(roundup.get("date", ""))[:10]
            for side, item in sorted((roundup.get("news") or {}).items()):
                title = (item.get("newsTitle") or "").strip()
                url = (item.get("newsLink") or "").strip()
                if not title or not url:
                    continue
                when = url_date(url)
                published = when.isoformat() if when else f"{day}T12:00:00+00:00"
                yield {
                    "id": url,
                    "url": url,
                    "title": title,
                    "text": " ".join(item.get("newBody") or []),
                    "outlet": item.get("newsSource") or "",
                    "published": published,
                    "story": f"allsides-{roundup['id']}",
                    "side": side,
                }


def read_allsides_gold(path: Path) -> Iterator[GoldArticle]:
    for rec in allsides_records(path):
        story = str(rec.pop("story"))
        rec.pop("side", None)
        yield GoldArticle(to_article(rec), story)


def read_labelled_gold(folder: Path) -> Iterator[GoldArticle]:
    """A folder of `articles.jsonl` (import records) and `labels.json` (`articles`: id -> story).

    The shape of `../shared/data/devweek-2025w17`: real articles in seven languages, labelled
    by story; unlabelled articles are left out.
    """
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))["articles"]
    with (folder / "articles.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            story = labels.get(str(rec.get("id")))
            if story is not None:
                yield GoldArticle(to_article(rec), str(story))


_PROBE_ITEM = re.compile(r"TITLE=>\s*(.*?)\s*ARTICLE=>\s*(.*)", re.DOTALL)


def read_probe_gold(path: Path, start: datetime | None = None) -> Iterator[GoldArticle]:
    """NeuS probe lines (`TITLE=> .. ARTICLE=> .. [SEP] ..`, one story a line), undated.

    The probe has no dates, so every article gets the same day (plus one second each, in a
    hash order): a batch check where time cannot help and every story stays a candidate.
    """
    base = start or datetime(2021, 1, 1, tzinfo=UTC)
    items: list[tuple[str, str, str, str]] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            for k, part in enumerate(line.strip().split("[SEP]")):
                m = _PROBE_ITEM.search(part)
                if not m:
                    continue
                title = m[1].rstrip(". ").strip()
                aid = f"{path.stem}-{n}-{k}"
                key = hashlib.sha1(aid.encode("utf-8")).hexdigest()
                items.append((key, aid, title, m[2].strip()))
    items.sort()
    for i, (_, aid, title, text) in enumerate(items):
        art = Article(
            id=aid, title=title or text[:80], published=base + timedelta(seconds=i), text=text
        )
        yield GoldArticle(art, aid.rsplit("-", 1)[0])


def read_gold(path: Path, fmt: str = "auto") -> list[GoldArticle]:
    """Gold articles of `path` in the order the clusterer gets them (published, then hash)."""
    if fmt == "auto" and path.is_dir():
        fmt = "labelled"
    if fmt == "auto":
        fmt = "probe" if path.suffix in (".source", ".target") else "jsonl"
        if fmt == "jsonl" and path.exists():
            with path.open(encoding="utf-8") as fh:
                first = fh.readline()
            if '"roundup"' in first and '"news"' in first:
                fmt = "allsides"
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if fmt == "jsonl":
        items = list(read_jsonl_gold(path))
    elif fmt == "allsides":
        items = list(read_allsides_gold(path))
    elif fmt == "labelled":
        items = list(read_labelled_gold(path))
    elif fmt == "probe":
        return list(read_probe_gold(path))
    else:
        raise InputError(f"unknown gold format {fmt!r}; use one of auto, {', '.join(GOLD_FORMATS)}")
    return sorted(items, key=_tiebreak)


# -- running ------------------------------------------------------------------------------------


def evaluate(
    gold: Sequence[GoldArticle],
    options: ClusterOptions,
    encoder: Encoder | None = None,
    vectors: Any = None,
) -> ClusteringReport:
    """Stream `gold` through a fresh StoryClusterer and score its stories against the labels.

    `vectors` (the rows `StoryClusterer.encode` made for `gold`) saves encoding again when many
    option variants are scored on one set; without an encoder they are ignored.
    """
    clusterer = StoryClusterer(options, encoder=encoder)
    t0 = time.perf_counter()
    if vectors is None or clusterer.encoder is None:
        vectors = clusterer.encode([g.article for g in gold])
    assignments = []
    story_to: dict[str, str] = {}
    line_to: dict[str, str] = {}
    line_of: dict[str, str] = {}
    for i, g in enumerate(gold):
        a = clusterer.add(g.article, None if vectors is None else vectors[i])
        assignments.append(a)
        line_of[a.story_id] = a.storyline_id
        line_of.update(clusterer.take_moves())
        story_to.update(clusterer.take_story_merges())
        line_to.update(clusterer.take_merges())
    seconds = time.perf_counter() - t0
    predicted = [follow(story_to, a.story_id) for a in assignments]
    labels = [g.story for g in gold]
    langs = [g.article.lang or "" for g in gold]
    return ClusteringReport(
        representation=options.representation,
        articles=len(gold),
        gold_stories=len(set(labels)),
        predicted_stories=len(set(predicted)),
        predicted_storylines=len({follow(line_to, line) for line in line_of.values()}),
        bcubed=bcubed(predicted, labels),
        pairwise=pairwise(predicted, labels),
        seconds=seconds,
        cross_language=cross_language_pairs(predicted, labels, langs),
        predicted=tuple(predicted),
    )


def follow(redirects: Mapping[str, str], gid: str) -> str:
    """Where a merged story or storyline id ends, following redirects (a cycle stops)."""
    seen = set()
    while gid in redirects and gid not in seen:
        seen.add(gid)
        gid = redirects[gid]
    return gid
