"""Turning a headline (and lead) into weighted terms: the sparse features clustering compares.

Headlines come in 11 languages and often without text, so the tokenizer is script-aware
(CJK and Thai become character bigrams, where words are not separated by spaces), drops a small
multilingual stop list, and truncates long words to a prefix: a cheap stemmer that joins
"tariff"/"tariffs" and "retaliate"/"retaliation" in any alphabetic language.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable

# Letters and digits; apostrophes and hyphens split words ("Trump's" -> "trump", "s").
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Scripts without spaces between words: character bigrams stand in for words.
_NO_SPACE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_NUMBER = re.compile(r"^\d+$")

# Function words of the languages GDELT and front pages deliver most; content words pass.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "after",
        "before",
        "than",
        "then",
        "so",
        "not",
        "no",
        "nor",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "has",
        "have",
        "had",
        "having",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "him",
        "we",
        "us",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "mine",
        "who",
        "whom",
        "whose",
        "which",
        "what",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "too",
        "very",
        "just",
        "also",
        "says",
        "say",
        "said",
        "new",
        "s",
        "t",
        "via",
        "up",
        "out",
        "off",
        "again",
        "once",
        "amid",
        "vs",
        "per",
        "de",
        "la",
        "le",
        "les",
        "des",
        "du",
        "un",
        "une",
        "et",
        "en",
        "est",
        "au",
        "aux",
        "pour",
        "par",
        "sur",
        "dans",
        "qui",
        "que",
        "ne",
        "pas",
        "plus",
        "ce",
        "cette",
        "ces",
        "il",
        "elle",
        "ils",
        "elles",
        "son",
        "sa",
        "ses",
        "leur",
        "el",
        "los",
        "las",
        "del",
        "al",
        "y",
        "o",
        "con",
        "por",
        "para",
        "se",
        "su",
        "sus",
        "lo",
        "como",
        "más",
        "pero",
        "es",
        "un",
        "una",
        "unos",
        "unas",
        "que",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einer",
        "eines",
        "und",
        "oder",
        "im",
        "am",
        "zum",
        "zur",
        "von",
        "mit",
        "auf",
        "für",
        "ist",
        "sind",
        "nicht",
        "sich",
        "auch",
        "bei",
        "aus",
        "nach",
        "wie",
        "um",
        "wird",
        "werden",
        "hat",
        "haben",
        "il",
        "lo",
        "gli",
        "i",
        "le",
        "della",
        "delle",
        "dei",
        "degli",
        "nel",
        "nella",
        "per",
        "con",
        "tra",
        "fra",
        "che",
        "è",
        "sono",
        "o",
        "os",
        "as",
        "do",
        "da",
        "dos",
        "das",
        "no",
        "na",
        "nos",
        "nas",
        "em",
        "um",
        "uma",
        "com",
        "por",
        "para",
        "que",
        "é",
        "и",
        "в",
        "во",
        "не",
        "на",
        "с",
        "со",
        "что",
        "как",
        "по",
        "к",
        "ко",
        "из",
        "за",
        "от",
        "у",
        "о",
        "об",
        "это",
        "для",
        "же",
        "то",
        "ve",
        "bir",
        "bu",
        "da",
        "de",
        "ile",
        "için",
        "olarak",
        "dan",
        "yang",
        "di",
        "ke",
        "dari",
        "untuk",
        "dengan",
        "pada",
        "ini",
        "itu",
        "adalah",
    ]
)


def _chunks(word: str) -> Iterable[str]:
    """A word in a space-less script becomes overlapping character bigrams."""
    if len(word) == 1:
        yield word
        return
    for i in range(len(word) - 1):
        yield word[i : i + 2]


def tokens(text: str, prefix: int = 7) -> list[str]:
    """Normalised content tokens of `text`, in order (duplicates kept: term frequency counts)."""
    out: list[str] = []
    for raw in _WORD.findall(text.lower()):
        if _NO_SPACE.search(raw):
            out.extend(_chunks(raw))
            continue
        if raw in STOPWORDS or (len(raw) < 2 and not raw.isdigit()):
            continue
        if _NUMBER.match(raw):
            out.append("#" + raw)
        else:
            out.append(raw[:prefix] if prefix > 0 else raw)
    return out


def char_ngrams(text: str, n: int = 4) -> list[str]:
    """Character n-grams inside word boundaries: robust to inflection and spelling variants."""
    grams: list[str] = []
    for raw in _WORD.findall(text.lower()):
        if raw in STOPWORDS:
            continue
        w = f" {raw} "
        if len(w) <= n:
            grams.append(w)
            continue
        grams.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return grams


def capitalised(title: str) -> list[str]:
    """Capitalised words after the first: names of people, places and organisations in a headline.

    A crude entity finder that needs no model; it lets "Netanyahu" or "Fed" weigh more than
    ordinary words. All-caps headlines carry no signal and yield nothing.
    """
    words = _WORD.findall(title)
    if not words or sum(w.isupper() for w in words) > len(words) // 2:
        return []
    return [w.lower() for w in words[1:] if w[:1].isupper() and w.lower() not in STOPWORDS]


# A trailing "| Site name" or "- Section" segment: what many outlets append to every title.
_SUFFIX = re.compile(r"\s[|\-–—·»]\s([^|\-–—·»]{1,80})$")


class SiteSuffixes:
    """Learns, online, the title suffixes an outlet repeats ("| MigNews - Новости Израиля ...",
    "- NHK", "- Notizie") and strips them: shared boilerplate would otherwise glue an outlet's
    unrelated headlines into one story. A suffix is stripped from its second sighting on.
    """

    def __init__(self, min_seen: int = 2) -> None:
        self.min_seen = min_seen
        self.seen: dict[tuple[str, str], int] = {}

    def clean(self, title: str, source: str) -> str:
        if not source:
            return title
        for _ in range(3):  # "Title | Section | Site"
            m = _SUFFIX.search(title)
            if not m or len(title[: m.start()].split()) < 3:
                break
            key = (source, m[1].strip().lower())
            n = self.seen.get(key, 0) + 1
            self.seen[key] = n
            if n < self.min_seen:
                break
            title = title[: m.start()].rstrip()
        return title


def strip_suffixes(title: str) -> str:
    """`title` without trailing "| Site" / "- Section" segments, learnt or not.

    For the dense encoder, which reads a batch before `SiteSuffixes` has seen the outlet twice:
    a shared suffix alone made two unrelated headlines of one outlet look alike.
    """
    for _ in range(3):
        m = _SUFFIX.search(title)
        if not m or len(title[: m.start()].split()) < 3:
            break
        title = title[: m.start()].rstrip()
    return title


def feature(term: str, n_features: int) -> int:
    """Stable hashed feature index (crc32 does not change between runs, unlike hash())."""
    return zlib.crc32(term.encode("utf-8")) % n_features
