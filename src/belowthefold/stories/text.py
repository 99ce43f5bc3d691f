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
from dataclasses import dataclass
from typing import Any

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


# What the encoder should not read (issue 11): outlet packaging around the headline.
# A trailing segment after a separator; a pipe ("|", "｜", the Chinese "丨") needs no spaces.
_TRAIL = re.compile(r"(?:\s([\-–—·»])\s|\s*[|｜丨]\s*)[^|\-–—·»｜丨]{1,80}$")
# A leading segment before a pipe, or before any separator when it names the outlet.
_LEAD_PIPE = re.compile(r"^([^|｜丨]{1,40}?)\s*[|｜丨]\s*")
_LEAD_SEP = re.compile(r"^([^|\-–—·»:｜丨]{1,40}?)\s*(?:\s[|\-–—·»:]\s|[｜丨])\s*")
# A leading segment an outlet may repeat: before a spaced dash, pipe, colon or "»", a colon
# after a word ("Tchad: …"), or a full-width colon or pipe. Not "·", a list in Korean ("미 · 일").
_LEAD_ANY = re.compile(r"^([^|\-–—·»:｜丨：]{1,40}?)\s*(?:\s[|\-–—»:]\s|:\s|[｜丨：])\s*")
# A short rubric or credit in brackets at either end: "[속보]", "【速報】", "〈社説〉",
# "(LEAD)", "（共同）", "( فيديو )". Not 《》 or 「」: those quote a work's or a person's words.
_OPEN = "[【〔〖〈(（<"
_CLOSE = "]】〕〗〉)）>"
_LEAD_TAG = re.compile(
    rf"^\s*[{re.escape(_OPEN)}][^{re.escape(_OPEN + _CLOSE)}]{{1,24}}[{re.escape(_CLOSE)}]\s*"
)
_TRAIL_TAG = re.compile(
    rf"\s*[{re.escape(_OPEN)}][^{re.escape(_OPEN + _CLOSE)}]{{1,24}}[{re.escape(_CLOSE)}]\s*$"
)
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Packaging:
    """Leading title segments outlets repeat, learnt from a batch of titles (`learn_packaging`):
    (outlet, segment in lower case), such as ("bokra.net", "موقع بكرا"). Empty: only the rules that
    need no history apply."""

    lead: frozenset[tuple[str, str]] = frozenset()


def _trail(title: str) -> re.Match[str] | None:
    """The trailing segment after the last separator; a "»" that closes a "«" quote is none."""
    m = _TRAIL.search(title)
    if m is None or (m[1] == "»" and title[: m.start()].count("«") > title[: m.start()].count("»")):
        return None
    return m


def _lead(title: str) -> re.Match[str] | None:
    """The leading segment an outlet may repeat; a "»" that closes a "«" quote ends none."""
    m = _LEAD_ANY.match(title)
    return None if m is None or m[1].count("«") > m[1].count("»") else m


def learn_packaging(
    titles: Iterable[tuple[str, str]], min_seen: int = 2, lead_share: float = 0.5
) -> Packaging:
    """The leading segments each outlet repeats in `titles` ((title, outlet) pairs, one batch).

    A segment is packaging when it leads at least `min_seen` of the outlet's titles (before
    different headlines: one report filed twice teaches nothing) and at least `lead_share` of
    them: an outlet's name leads all of them ("جو 24 : …" 25 of 25 on the GDELT week), a rubric
    that is content only some ("Papa: …" 2 of ANSA's 153, "Afrique : …" 17 of 79).
    """
    total: dict[str, int] = {}
    lead: dict[tuple[str, str], set[str]] = {}
    for title, outlet in titles:
        if not outlet:
            continue
        total[outlet] = total.get(outlet, 0) + 1
        m = _lead(title)
        if m:
            lead.setdefault((outlet, m[1].strip().lower()), set()).add(title[m.end() :])
    return Packaging(
        frozenset(
            k for k, v in lead.items() if len(v) >= min_seen and len(v) >= lead_share * total[k[0]]
        )
    )


def _substantial(text: str) -> bool:
    """Enough headline left to stand alone: three words, or six characters of a script without
    spaces (a Japanese or Chinese headline is one "word" to `split`)."""
    return len(text.split()) >= 3 or len(_NO_SPACE.findall(text)) >= 6


def _names_outlet(segment: str, outlets: tuple[str, ...]) -> bool:
    """Whether `segment` spells an outlet's name or domain ("Bangkok Post" / bangkokpost.com)."""
    seg = "".join(_LETTERS.findall(segment.lower()))
    if len(seg) < 4:
        return False
    for outlet in outlets:
        host = outlet.lower().removeprefix("www.")
        forms = {"".join(_LETTERS.findall(host)), "".join(_LETTERS.findall(host.split(".")[0]))}
        if seg in forms:
            return True
    return False


def strip_packaging(title: str, *outlets: str, learnt: Packaging | None = None) -> str:
    """`title` without what outlets wrap every headline in, for the dense encoder only.

    First a leading segment that `learnt` says the outlet (the first non-empty of `outlets`)
    repeats ("صحيفة الشرق الأوسط - …"): stripped after the trailing rule, it was what that rule
    left of the title, so an outlet's English and Arabic titles read the same. Then trailing
    "| Site" / "- Section" segments, a leading "Site |" segment shorter than the rest ("جريدة
    الرياض | …"), a leading segment before any separator that names one of `outlets` (a name or
    domain: "Bangkok Post - …"), and short bracketed rubrics and credits at either end ("[ 속보 ]",
    "[단독]", "（共同）"). Shared packaging alone made two unrelated headlines of one outlet look
    alike to the encoder. Nothing is stripped that would leave less than `_substantial` text.
    TF-IDF keeps its own, learnt, suffix rule (`SiteSuffixes`).
    """
    outlet = next(filter(None, outlets), "")  # the key `learn_packaging` was given
    m = _lead(title) if learnt else None
    if (
        m
        and learnt
        and (outlet, m[1].strip().lower()) in learnt.lead
        and _substantial(title[m.end() :])
    ):
        title = title[m.end() :]
    for _ in range(3):  # "Title | Section | Site"
        t = _trail(title)
        if not t or not _substantial(title[: t.start()]):
            break
        title = title[: t.start()].rstrip()
    m = _LEAD_PIPE.match(title)
    rest = title[m.end() :] if m else ""
    if m and _substantial(rest) and len(m[1]) < len(rest):
        title = rest
    m = _LEAD_SEP.match(title)
    if m and _names_outlet(m[1], outlets) and _substantial(title[m.end() :]):
        title = title[m.end() :]
    for tag in (_LEAD_TAG, _TRAIL_TAG, _LEAD_TAG):  # "[속보] [단독] …": two rubrics at most
        m = tag.search(title)
        if m and _substantial(title[: m.start()] + title[m.end() :]):
            title = (title[: m.start()] + " " + title[m.end() :]).strip()
    return title


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class ChineseFold:
    """Traditional Chinese folded to simplified, for matching only (titles are shown as written).

    Taiwanese and Hong Kong outlets write 神舟二十號 where mainland ones write 神舟二十号, and
    character bigrams differ wherever one character does, so two reports of one event shared
    few terms. OpenCC's "t2s" phrase and character tables (`opencc-python-reimplemented`, pure
    Python, about 0.2 ms a headline). Only text whose language is Chinese is folded: Japanese
    kanji have forms of their own. The converter is built on first use and not pickled.
    """

    def __init__(self) -> None:
        self._cc: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"_cc": None}

    def __call__(self, text: str, lang: str | None) -> str:
        if lang != "zh" or not _HAN.search(text):
            return text
        if self._cc is None:
            from opencc import OpenCC  # here, not at the top: the CLI starts without it

            self._cc = OpenCC("t2s")
        return str(self._cc.convert(text))


def feature(term: str, n_features: int) -> int:
    """Stable hashed feature index (crc32 does not change between runs, unlike hash())."""
    return zlib.crc32(term.encode("utf-8")) % n_features
