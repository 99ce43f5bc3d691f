"""Checks of the cross-language story link (issue 11) that the eval command does not make.

`split`: devweek-2025w17's cross-language pair precision and recall on two halves of its
stories (sorted by the SHA-1 of the story key, alternating: "fit" and "report"), for one
or more `[cluster]` settings given as JSON. Knobs are chosen on "fit"; "report" is the held-out
figure. A predicted pair counts against a half's precision when either article is in it.

`why`: per language pair and half, devweek's gold pairs across languages found, and for each
missed one which rule kept the later article out of its partner's story (the story had left the
window; the dense link alone, decayed or not, under its bar; the sparse average diluted by
members in other languages; the sparse link decayed under the bar).

`gdelt`: the GDELT ArtList week (no labels). Clusters it with the settings, prints how many
articles joined a story mostly in another language, the share of pope headlines (a
multilingual pattern, not labels) in the largest pope storyline per language, how many
stories hold both traditional and simplified Chinese titles, and a seeded
random sample of those cross-language joins, to be judged by hand (docs/clustering.md says how
many were right).

Usage:
  python scripts/cross_language_check.py split '[{}, {"dense_alone_threshold": 0.4}]'
  python scripts/cross_language_check.py why '{}'
  python scripts/cross_language_check.py gdelt '{}' [SAMPLE [SEED]]
Run from the repository root with PYTHONPATH=src; ../shared must sit beside the repository.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from belowthefold.config import ClusterOptions, ImportOptions
from belowthefold.evaluate.clustering import (
    bcubed,
    follow,
    half_pair_counts,
    read_gold,
    story_halves,
)
from belowthefold.ingest import iter_file
from belowthefold.models import Article
from belowthefold.stories import StoryClusterer
from belowthefold.stories.text import ChineseFold

SHARED = Path("../shared")
DEVWEEK = SHARED / "data" / "devweek-2025w17"
GDELT = SHARED / "data" / "gdelt-artlist-2025-04-21" / "analysis_gdelt_chunks" / "chunks"
POPE = re.compile(
    r"\bpope|\bpapa\b|\bpape\b|\bpapst|pontefice|pontífice|教皇|教宗|교황|البابا|\bпап[аыуе]\b"
    r"|vatican|vaticano|vatikan|バチカン|梵蒂冈|梵蒂岡|바티칸|الفاتيكان|conclave|cónclave"
    r"|konklave|конклав|franziskus|フランシスコ|프란치스코|方济各|方濟各|فرنسيس",
    re.IGNORECASE,
)


def cluster(articles: list[Article], options: ClusterOptions, vectors: Any, encoder: Any) -> Any:
    """Stream `articles` through one clusterer; (clusterer, assignments, story and line redirects)."""
    c = StoryClusterer(options, encoder=encoder)
    stories: dict[str, str] = {}
    lines: dict[str, str] = {}
    out = []
    for i, a in enumerate(articles):
        out.append(c.add(a, None if vectors is None else vectors[i]))
        stories.update(c.take_story_merges())
        lines.update(c.take_merges())
    return c, out, stories, lines


def split(grid: list[dict[str, Any]]) -> None:
    gold = read_gold(DEVWEEK)
    part = story_halves(g.story for g in gold)
    labels = [g.story for g in gold]
    langs = [g.article.lang or "" for g in gold]
    first = StoryClusterer(ClusterOptions())
    vectors = first.encode([g.article for g in gold])
    for kw in grid:
        _, assigned, redirects, _ = cluster(
            [g.article for g in gold], replace(ClusterOptions(), **kw), vectors, first.encoder
        )
        predicted = [follow(redirects, a.story_id) for a in assigned]
        cells = [json.dumps(kw)]
        for half in ("fit", "report", None):
            tp, pp, gp = half_pair_counts(predicted, labels, langs, part, half)
            p = tp / pp if pp else 1.0
            cells.append(f"{half or 'all'} P {p:.3f} R {tp / gp:.3f} ({tp}/{pp}/{gp})")
        cells.append(f"B3 F1 {bcubed(predicted, [g.story for g in gold]).f1:.3f}")
        print(" | ".join(cells), flush=True)


def why(kw: dict[str, Any]) -> None:
    """Per language pair and half: devweek's gold pairs across languages found, and for each
    missed one why, judged when its later article was placed against the story holding the
    earlier one (the article's own TF-IDF vector and dense row against that story's sums)."""
    gold = read_gold(DEVWEEK)
    part = story_halves(g.story for g in gold)
    o = replace(ClusterOptions(), **kw)
    first = StoryClusterer(o)
    vectors = first.encode([g.article for g in gold])
    c = StoryClusterer(o, encoder=first.encoder)
    story_of: list[str] = []
    found: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    reasons: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for i, g in enumerate(gold):
        a = g.article
        bars = (o.dense_story_threshold + c._crowding(), o.dense_alone_threshold + c._crowding())
        before = {gid: _state(grp) for gid, grp in c.stories.groups.items()}
        story_of.append(c.add(a, vectors[i]).story_id)
        vec = c.tfidf.vector(c.tfidf.counts(a))
        for j in range(i):
            b = gold[j].article
            if gold[j].story != g.story or b.lang == a.lang:
                continue
            key = (part[g.story], "-".join(sorted([a.lang or "?", b.lang or "?"])))
            total[key] += 1
            if story_of[i] == story_of[j]:
                found[key] += 1
            elif story_of[j] not in before:
                reasons[key]["story gone from the window"] += 1
            else:
                reasons[key][_reason(o, bars, before[story_of[j]], a, vec, vectors[i])] += 1
    for key in sorted(total):
        missed = "; ".join(f"{w} {n}" for w, n in reasons[key].most_common())
        print(f"{key[0]:6} {key[1]:6} {found[key]:2}/{total[key]:2}  {missed}")


def _state(g: Any) -> tuple[int, float, dict[str, int], Any, dict[int, float]]:
    return g.size, g.tsum, dict(g.langs), g.dense.copy(), dict(g.centroid)


def _reason(
    o: ClusterOptions, bars: tuple[float, float], state: Any, a: Article, vec: Any, dense: Any
) -> str:
    """Which rule kept an article out of the story holding its gold partner."""
    size, tsum, langs, dsum, centroid = state
    dot = sum(v * centroid.get(k, 0.0) for k, v in vec.items())
    other = sum(n for lang, n in langs.items() if lang != a.lang)
    within = dot / (size - other) if 0 < other < size else dot / size
    gap = (a.published.timestamp() - tsum / size) / 86400
    fast = 0.5 ** (gap / o.half_life_days)
    slow = 0.5 ** (gap / o.dense_alone_half_life_days)
    dn = float(dsum @ dense) / size
    bar, dense_bar = bars
    if 2 * langs.get(a.lang or "", 0) < size:  # the dense link alone may place it
        if dn >= dense_bar > dn * slow:
            return "foreign: dense link decayed under its bar"
        if dn < dense_bar:
            return "foreign: dense link under its bar"
    if dot / size * fast < bar <= within * fast:
        return "sparse average diluted by other-language members"
    if within * fast < bar <= within:
        return "sparse link decayed under the bar"
    return "sparse link under the bar" if within < bar else "joined a closer story"


def gdelt_articles() -> list[Article]:
    seen: set[str] = set()
    out: list[Article] = []
    for path in sorted(GDELT.glob("*.csv")):
        for a in iter_file(path, ImportOptions(format="gdelt")):
            if isinstance(a, Article) and a.id not in seen:
                seen.add(a.id)
                out.append(a)
    return sorted(out, key=lambda a: (a.published, a.id))


def gdelt(kw: dict[str, Any], sample: int, seed: int = 0) -> None:
    articles = gdelt_articles()
    options = replace(ClusterOptions(), **kw)
    first = StoryClusterer(options)
    vectors = first.encode(articles)
    c = StoryClusterer(options, encoder=first.encoder)
    members: dict[str, list[int]] = defaultdict(list)
    joins: list[tuple[int, list[int]]] = []
    lines: dict[str, str] = {}
    line_of_story: dict[str, str] = {}
    story_to: dict[str, str] = {}
    assigned = []
    for i, a in enumerate(articles):
        asg = c.add(a, None if vectors is None else vectors[i])
        line_of_story[asg.story_id] = asg.storyline_id
        line_of_story.update(c.take_moves())  # the daily regrouping's
        lines.update(c.take_merges())
        for old, new in c.take_story_merges():
            members[new] += members.pop(old, [])
            story_to[old] = new
        prior = members[asg.story_id]
        if prior and a.lang:
            same = sum(articles[j].lang == a.lang for j in prior)
            if 2 * same < len(prior):
                joins.append((i, list(prior)))
        prior.append(i)
        assigned.append(asg)
    storyline = [follow(lines, line_of_story[follow(story_to, x.story_id)]) for x in assigned]
    pope = [i for i, a in enumerate(articles) if POPE.search(a.title)]
    top = Counter(storyline[i] for i in pope).most_common(1)[0][0]
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in pope:
        cell = per[articles[i].lang or "?"]
        cell[0] += storyline[i] == top
        cell[1] += 1
    inside = sum(v[0] for v in per.values())
    print(json.dumps(kw), f"{len(articles)} articles, {len(joins)} joins across languages")
    print(
        f"pope headlines in the largest pope storyline: {inside}/{len(pope)} "
        f"({inside / len(pope):.2f}), over {len({storyline[i] for i in pope})} storylines"
    )
    print("  " + " ".join(f"{k}:{v[0]}/{v[1]}" for k, v in sorted(per.items())))
    fold = ChineseFold()  # a Chinese title that folding changes is in traditional characters
    trad = {i: fold(a.title, "zh") != a.title for i, a in enumerate(articles) if a.lang == "zh"}
    mixed = [m for m in members.values() if len({trad[i] for i in m if i in trad}) == 2]
    print(f"stories holding traditional and simplified Chinese: {len(mixed)}")
    for i, prior in random.Random(seed).sample(joins, min(sample, len(joins))):
        print(f"== [{articles[i].lang}] {articles[i].title[:110]}")
        for j in prior[:4]:
            print(f"     [{articles[j].lang}] {articles[j].title[:100]}")


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "split":
        split(json.loads(argv[1]) if len(argv) > 1 else [{}])
        return 0
    if len(argv) >= 1 and argv[0] == "why":
        why(json.loads(argv[1]) if len(argv) > 1 else {})
        return 0
    if len(argv) >= 1 and argv[0] == "gdelt":
        kw = json.loads(argv[1]) if len(argv) > 1 else {}
        gdelt(kw, int(argv[2]) if len(argv) > 2 else 25, int(argv[3]) if len(argv) > 3 else 0)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
