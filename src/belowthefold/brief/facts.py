"""Key facts and leads from article text, offline and without a model download.

Figures with their unit and a word of context ("a 25% tariff", "$3.4 billion", "2.1% of GDP"),
names sorted into people, organisations and places, and acronyms resolved where a text defines
them ("International Atomic Energy Agency (IAEA)"). Names come from a named-entity model where
the optional `ner` extra is installed (brief/entities.py), else from the pattern extractor here:
capitalised words sorted by the words around them.

A fact is a fact of the story only when the story states it, not one report's aside: it must be
in the report the brief quotes, or in at least two independent reports (two outlets; for a
storyline, two of its stories). "Africa" from one explainer is not a key fact of the pope's death,
and a figure from one headline that joined the storyline by mistake is not one of its figures.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from belowthefold.models import PlacedArticle

_SCALE = r"(?:million|billion|trillion|bn|mn|[mMbBkK])"
_UNIT = (
    r"(?:people|persons|dead|deaths|killed|injured|wounded|homes|houses|"
    r"households|families|children|workers|jobs|residents|refugees|migrants|troops|soldiers|"
    r"tonnes|tons|barrels|litres|liters|gallons|hectares|acres|km|kilometres|kilometers|miles|"
    r"metres|meters|feet|degrees|°C|°F|MW|GW|kW|TWh|GWh|MWh|years|months|weeks|days|hours|"
    r"villages|schools|hospitals|cases|patients|votes|seats|countries|cities|flights|vessels|ships|"
    r"customers|users|subscribers|passengers|voters|members|students|employees|visitors)"
)
_CURRENCY = r"(?:[$€£¥]|US\$|USD\s?|EUR\s?|GBP\s?)"
_NUM = r"\d{1,3}(?:[,\u202f]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PCT = r"(?:%|\s?per\s?cent\b|\s?percent\b)"
_PHRASE = r"\s+(?:of|in|on)\s+(?:the\s+)?[A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*){0,3}"
# Three shapes: money ("$3.4 billion in trade"), shares ("a 25% tariff", "2.1% of GDP") and counts
# with a unit ("1,200 people"); only money and shares take a word of context after them.
_FIGURE = re.compile(
    rf"(?:\b(?:[Aa]n?|[Tt]he)\s+)?(?:"
    rf"{_CURRENCY}(?:{_NUM})(?:\s?{_SCALE}\b)?(?:{_PHRASE})?"
    rf"|\b(?:{_NUM}){_PCT}(?:{_PHRASE}|\s+[a-z][a-z-]{{2,}}(?=[\s,.;:]))?"
    rf"|\b(?:{_NUM})(?:\s?{_SCALE}\b)?\s?{_UNIT}(?!\w))"
)
_STOP_TAIL = {
    "and", "but", "the", "that", "which", "who", "was", "were", "is", "are", "has", "have", "had",
    "for", "from", "with", "after", "before", "since", "while", "said", "says", "to", "by", "as",
    "at", "or", "this", "its", "their", "his", "her", "will", "would", "could", "last", "against",
    "over", "under", "into", "onto", "than", "then", "when", "where", "a", "an", "of", "in", "on",
    "three", "two", "four", "five", "compared", "up", "down",
}  # fmt: skip
# A middle initial stays inside a name ("Harry S. Truman", "James B. Glynn").
_NAME = re.compile(
    r"\b(?:[A-Z][a-zA-Z'’-]+|[A-Z]{2,})(?:[ ](?:(?:of|for|the|de|du|al|von|van)[ ])?"
    r"(?:[A-Z][a-zA-Z'’-]+|[A-Z]{2,}|[A-Z]\.(?=[ ][A-Z][a-z])))*"
)
_ORG_WORDS = {
    "agency", "ministry", "council", "bank", "union", "organization", "organisation", "commission",
    "court", "party", "company", "inc", "ltd", "corp", "corporation", "university", "fund",
    "institute", "authority", "department", "committee", "association", "group", "army", "forces",
    "police", "parliament", "congress", "senate", "government", "office", "board", "federation",
    "nations", "programme", "program", "service", "reserve", "exchange", "network", "foundation",
    "coalition", "alliance", "assembly", "tribunal", "agency's", "unicef", "who", "nato", "house",
    "motors", "energy", "airlines", "airways", "biologics", "pharma", "pharmaceuticals", "holdings",
    "capital", "systems", "technologies", "labs", "industries", "works", "auto", "plc", "llc",
}  # fmt: skip
_TITLES = {
    "president", "minister", "mr", "mrs", "ms", "dr", "prime", "secretary", "chancellor", "king",
    "queen", "pope", "governor", "mayor", "senator", "judge", "general", "chief", "ceo", "director",
    "spokesperson", "spokesman", "spokeswoman", "ambassador", "professor", "sheikh", "prince",
    "admiral", "commissioner", "justice", "lord", "lady", "sir", "captain", "colonel", "envoy",
    "lt", "gen", "maj", "col", "sgt", "cmdr", "adm", "rep", "sen", "gov", "lieutenant",
}  # fmt: skip
_PLACE_ACRONYMS = {"US", "USA", "UK", "UAE", "DRC"}
_PLACE_PREP = {"in", "from", "near", "across", "outside", "off"}
_NOT_NAMES = {
    "The", "A", "An", "On", "In", "At", "It", "He", "She", "They", "We", "I", "But", "And", "This",
    "That", "These", "Those", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday", "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December", "According", "After", "Before", "As", "If",
    "When", "While", "Officials", "Residents", "Local", "Its", "Their", "His", "Her", "There",
    "Reuters", "AP", "AFP", "Read", "More", "Photo", "Video", "Updated", "Breaking", "Live",
}  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """What a reader needs at a glance, each list ordered by how many articles mention it."""

    figures: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    acronyms: tuple[tuple[str, str], ...] = ()

    def lines(self) -> tuple[str, ...]:
        """The facts as short labelled lines for MissedHeadline.facts."""
        out: list[str] = []
        if self.figures:
            out.append("Figures: " + "; ".join(self.figures))
        if self.people:
            out.append("People: " + ", ".join(self.people))
        if self.organisations:
            out.append("Organisations: " + ", ".join(self.organisations))
        if self.places:
            out.append("Places: " + ", ".join(self.places))
        if self.acronyms:
            out.append("Acronyms: " + "; ".join(f"{a} = {b}" for a, b in self.acronyms))
        return tuple(out)


def sentences(text: str, lang: str | None = None) -> list[str]:
    """Split prose into sentences with sentencex (~300 languages, abbreviation lists per language).

    A regex split ends sentences at "U.S.", "Mr." and "Jan.", and a lead then reads "Treasury
    Secretary Scott Bessent met… Bessent said…"; sentencex knows those abbreviations.
    """
    from sentencex import segment

    clean = re.sub(r"\s+", " ", text).strip()
    return [s.strip() for s in segment(lang or "en", clean) if s.strip()] if clean else []


def figures(text: str) -> list[str]:
    """Numbers with their unit and a word of context, trailing function words trimmed."""
    out: list[str] = []
    for m in _FIGURE.finditer(text):
        words = _cut_phrase(m.group(0).strip().split())
        while len(words) > 1 and words[-1].lower().strip(",.;:") in _STOP_TAIL:
            words.pop()
        if len(words) > 1 and words[0].lower() in {"a", "an", "the"}:
            words = words[1:]  # "the 25% tariff" and "25% tariff" are one fact
        fig = " ".join(words).strip(",.;: ")
        if re.fullmatch(rf"(?:(?:an?|the)\s+)?(?:{_NUM})", fig):
            continue  # a bare number (a year, a count of nothing named) is not a figure
        out.append(fig)
    return out


def _cut_phrase(words: list[str]) -> list[str]:
    """ "40% of the region said on Monday" -> "40% of the region": the context after "of", "in"
    or "on" ends at its first function word or date."""
    for i, w in enumerate(words):
        if w in ("of", "in", "on") and i > 0:
            j = i + 2 if i + 1 < len(words) and words[i + 1] == "the" else i + 1
            for k in range(j + 1, len(words)):
                bare = words[k].strip(",.;:")
                if bare.lower() in _STOP_TAIL or bare in _NOT_NAMES:
                    return words[:k]
            break
    return words


def acronyms(text: str) -> list[tuple[str, str]]:
    """`Long Name (LN)` and `LN (Long Name)` definitions whose initials match the acronym."""
    found: list[tuple[str, str]] = []
    for m in re.finditer(
        r"((?:[A-Z][\w’'-]*\s+(?:(?:of|for|and|the|on|de)\s+)*){1,9})\(([A-Z]{2,8})\)", text
    ):
        long, short = m.group(1).strip(), m.group(2)
        words = long.split()
        for start in range(len(words)):
            cand = words[start:]
            initials = "".join(w[0] for w in cand if w[0].isupper())
            if initials == short and cand[0][0].isupper():
                found.append((short, " ".join(cand)))
                break
    for m in re.finditer(r"\b([A-Z]{2,8})\s+\(([A-Z][^()]{5,80})\)", text):
        short, long = m.group(1), m.group(2).strip()
        if "".join(w[0] for w in long.split() if w[0].isupper()) == short:
            found.append((short, long))
    return found


def _kind(name: str, before: str, after: str) -> str:
    words = [re.sub(r"(?:'s|’s)$", "", w.lower()).strip(".’'") for w in name.split()]
    head = [w.lower() for w in before.split()]
    if head and head[-1] == "the":
        head = head[:-1]  # "in the Red Sea"
    prev = head[-1] if head else ""
    if any(w in _ORG_WORDS for w in words):
        return "org"
    speaks = after.lstrip().startswith(("said", "told", "says", "warned"))
    if prev in _TITLES:
        return "person"
    if speaks and len(words) >= 2:
        return "speaker"  # a person only if the text reuses the surname (companies speak too)
    if prev in _PLACE_PREP:
        # "in Asian markets": a demonym is not a place
        return "other" if len(words) == 1 and name.endswith(("ian", "ese", "ish")) else "place"
    return "other"


def clean_name(raw: str) -> tuple[str, bool]:
    """Drop leading stop words and everything up to a person's title; say whether a title was seen."""
    words = raw.strip(" .’'").split()
    titled = False
    for i, w in enumerate(words[:-1]):
        if w.lower() in _TITLES:
            titled, cut = True, i + 1
    if titled:
        words = words[cut:]
    while words and (words[0] in _NOT_NAMES or words[0].islower()):
        words = words[1:]
    name = " ".join(words)
    name = re.split(r"(?:'s|’s) ", name)[-1]  # "Norland's Lindvik" -> "Lindvik"
    name = re.sub(r"(?:'s|’s)$", "", name)
    return name, titled


def names(text: str) -> list[tuple[str, str]]:
    """Capitalised names with a guessed kind: person, org, place or other."""
    out: list[tuple[str, str]] = []
    defined = dict(acronyms(text))
    for m in _NAME.finditer(text):
        name, titled = clean_name(m.group(0))
        if not name or name in _NOT_NAMES or len(name) < 2 or name.endswith(("-style", "-like")):
            continue
        if " " not in name and name.lower() in _ORG_WORDS:
            continue  # "Party", "Police": a generic noun, not a name
        before, after = text[max(0, m.start() - 25) : m.start()], text[m.end() : m.end() + 12]
        if titled and len(name.split()) >= 2:
            kind = "person"
        elif name.isupper():
            kind = _acronym_kind(name, defined)
        else:
            kind = _kind(name, before, after)
        if kind == "person" and len(name.split()) < 2:
            kind = "other"
        if kind == "place" and m.group(0).endswith(("'s", "’s")):
            kind = "other"  # "from Trump's tariffs": a possessive is rarely a place
        out.append((name, kind))
    return out


def _acronym_kind(name: str, defined: dict[str, str]) -> str:
    """An acronym is an organisation only when the text defines it as one (GW and LNG are not)."""
    if name in _PLACE_ACRONYMS:
        return "place"
    long = defined.get(name)
    if long and any(w.lower() in _ORG_WORDS for w in long.split()):
        return "org"
    return "other"


def _top(counter: Counter[str], n: int) -> tuple[str, ...]:
    return tuple(k for k, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


_SPEAKS = re.compile(
    r"\b([A-Z][a-z]+)(?:'s|’s)?\s+(?:says|said|told|warns|warned|vows|administration|government)\b"
)
_TITLED = re.compile(
    r"\b(?:President|Mr|Mrs|Ms|Dr|Pope|King|Queen|Prince|Chancellor|Minister|Senator)\s+([A-Z][a-z]+)"
)


def _people_words(articles: Sequence[PlacedArticle]) -> set[str]:
    """Single names the story's texts use for people ("Trump says", "President Trump")."""
    out: set[str] = set()
    for a in articles:
        body = f"{a.title}. {a.text}"
        out.update(_SPEAKS.findall(body))
        out.update(_TITLED.findall(body))
    return out


NameFinder = Callable[[str, str | None], list[tuple[str, str]]]
"""(text, language) -> [(name, kind)], kind one of person, org, place, speaker, other."""


def pattern_names(text: str, lang: str | None = None) -> list[tuple[str, str]]:
    """The pattern extractor as a NameFinder (the fallback where no NER model is installed)."""
    return names(text)


# A fact must be stated by the quoted report or by this many independent reports.
MIN_SUPPORT = 2
# Facts are read from at most this many reports (reading order): a flood of 2,000 headlines
# says nothing its first 150 do not, and the brief must stay quick.
MAX_ARTICLES = 150
# The part of a report that is about the story: its headline and its opening sentences. Later
# paragraphs carry the asides ("Related: ...", background on other countries).
CORE_SENTENCES = 3


def opening(a: PlacedArticle) -> str:
    """The first CORE_SENTENCES sentences of a report's text ("" without text)."""
    return " ".join(sentences(a.text, a.lang)[:CORE_SENTENCES]) if a.text else ""


def core_text(a: PlacedArticle) -> str:
    """The headline and the opening of a report."""
    lead = opening(a)
    return f"{a.title}. {lead}" if lead else a.title


def _support_units(articles: Sequence[PlacedArticle]) -> Callable[[PlacedArticle], str]:
    """What counts as an independent report: a story of a storyline; else an outlet; else an
    article (a single outlet's front page is one outlet, but its headlines are separate calls)."""
    if len({a.story_id for a in articles}) > 1:
        return lambda a: f"story:{a.story_id}"
    if len({a.outlet_key for a in articles}) > 1:
        return lambda a: f"outlet:{a.outlet_key}"
    return lambda a: f"article:{a.id}"


def figure_key(fig: str) -> str:
    """The amount a figure states, whatever its wording: "$60M" and "$60 million in losses" are
    one fact, and so are "40% of the region" and "40% of regional trade"."""
    m = re.search(rf"({_CURRENCY})?\s?({_NUM})\s?({_SCALE}\b|{_PCT})?", fig)
    if m is None:
        return fig.lower()
    currency = (m.group(1) or "").strip().replace("US$", "$").replace("USD", "$")
    number = m.group(2).replace(",", "").replace("\u202f", "")
    scale = (m.group(3) or "").strip().lower()
    scale = {"m": "million", "mn": "million", "b": "billion", "bn": "billion", "k": "thousand"}.get(
        scale, scale
    )
    if "per" in scale or scale == "%":
        scale = "%"
    rest = fig[m.end() :].strip().lower()
    unit = "" if currency or scale == "%" else rest.split()[0] if rest else ""
    return " ".join(x for x in (f"{currency}{number}", scale, unit) if x)


def extract_facts(
    articles: Sequence[PlacedArticle],
    limit: int = 5,
    lang: str | None = None,
    find_names: NameFinder = pattern_names,
    quoted: Sequence[PlacedArticle] | None = None,
) -> Facts:
    """Facts the story states: in what the brief quotes (quoted_reports of `quoted`, by default
    of `articles`) or in MIN_SUPPORT independent reports, ranked by how many reports state them."""
    ordered = reading_order(articles, lang)[:MAX_ARTICLES]
    if not ordered:
        return Facts()
    unit_of = _support_units(ordered)
    core_ids = {a.id for a in quoted_reports(ordered if quoted is None else quoted, lang)}
    core_unit = "core"
    fig_units: dict[str, set[str]] = {}
    fig_words: dict[str, Counter[str]] = {}
    name_units: dict[str, dict[str, set[str]]] = {"person": {}, "org": {}, "place": {}}
    acro: dict[str, str] = {}
    acro_units: dict[str, set[str]] = {}
    for a in ordered:
        if a.is_pickup and any(o.id == a.original_id for o in ordered):
            continue  # a copy restates its original: not a second report
        body = core_text(a)
        units = {unit_of(a)} | ({core_unit} if a.id in core_ids else set())
        for fig in set(figures(body)):
            key = figure_key(fig)
            fig_units.setdefault(key, set()).update(units)
            fig_words.setdefault(key, Counter())[fig] += 1
        for short, long in acronyms(body):
            acro.setdefault(short, long)
            acro_units.setdefault(short, set()).update(units)
        # Headlines by the patterns, sentences by the finder: a model trained on prose reads
        # title case as names ("Aston Villa" a person, "Easter Sunday" a place).
        lead = opening(a)
        found = set(names(a.title)) | (set(find_names(lead, a.lang)) if lead else set())
        for name, kind in found:
            if kind == "speaker":
                last = name.split()[-1]
                kind = (
                    "person" if len(re.findall(rf"\b{re.escape(last)}\b", body)) >= 2 else "other"
                )
            if kind in name_units:
                name_units[kind].setdefault(name, set()).update(units)

    def stated(units: set[str]) -> bool:
        return core_unit in units or len(units - {core_unit}) >= MIN_SUPPORT

    kinds = {
        kind: Counter({n: len(u - {core_unit}) for n, u in found.items() if stated(u)})
        for kind, found in name_units.items()
    }
    for name in {n for c in kinds.values() for n in c}:
        held = [k for k in kinds if name in kinds[k]]
        best = max(held, key=lambda k: (kinds[k][name], -list(kinds).index(k)))
        for k in held:
            if k != best:
                del kinds[k][name]  # one kind per name: the one most reports give it
    acro = {short: long for short, long in acro.items() if stated(acro_units[short])}
    for short, long in acro.items():
        if any(w.lower() in _ORG_WORDS for w in long.split()):
            # The defined long form names the organisation; the bare acronym folds in.
            kinds["org"][long] += kinds["org"].pop(short, 0) + 1
    for counter in kinds.values():
        for name in list(counter):
            if any(name != o and re.search(rf"\b{re.escape(name)}\b", o) for o in counter):
                del counter[name]  # "Jiuquan" beside "Jiuquan Satellite Launch Center"
    outlets = {a.outlet_key for a in articles}
    for counter in kinds.values():
        for name in list(counter):
            if name.lower() in outlets:
                del counter[name]  # an outlet's own name is not a fact about the story
    surnames = {p.split()[-1] for p in kinds["person"]}
    for name in list(kinds["org"]):
        if name in surnames:
            del kinds["org"][name]  # "Bessent said", read as a company: the person's surname
    surnames |= _people_words(ordered)
    for name in list(kinds["place"]):
        if name in surnames or name in kinds["person"]:
            del kinds["place"][name]  # "in Reinholt's plan", "in Trump heartland": a person
    figs = Counter(
        {
            _best_wording(fig_words[k]): len(u - {core_unit})
            for k, u in fig_units.items()
            if stated(u)
        }
    )
    return Facts(
        figures=_figures_first_with_context(figs, limit),
        people=_top(kinds["person"], limit),
        organisations=_top(kinds["org"], limit),
        places=_top(kinds["place"], limit),
        acronyms=tuple(sorted(acro.items()))[:limit],
    )


def _best_wording(words: Counter[str]) -> str:
    """Of the wordings of one figure, the most used; then the one that says what it counts."""
    return min(words, key=lambda w: (-words[w], " " not in w, -len(w), w))


def _figures_first_with_context(counter: Counter[str], n: int) -> tuple[str, ...]:
    """Figures that say what they count ("a 25% tariff") before bare ones ("10%")."""
    ranked = sorted(counter.items(), key=lambda kv: (" " not in kv[0], -kv[1], kv[0]))
    return tuple(k for k, _ in ranked[:n])


def lead_source(articles: Sequence[PlacedArticle], lang: str | None = None) -> PlacedArticle | None:
    """The report the brief quotes: the first in reading order with a sentence of text."""
    for a in reading_order(articles, lang):
        if any(len(s) > 25 for s in sentences(a.text, a.lang)):
            return a
    return None


def quoted_reports(
    articles: Sequence[PlacedArticle], lang: str | None = None
) -> list[PlacedArticle]:
    """What lead_of quotes: the lead source, or where no report has text, the first two headlines."""
    source = lead_source(articles, lang)
    if source is not None:
        return [source]
    out: list[PlacedArticle] = []
    seen: set[str] = set()
    for a in reading_order(articles, lang):
        key = a.title.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(a)
    return out[:QUOTED_TITLES]


QUOTED_TITLES = 2


def lead_of(
    articles: Sequence[PlacedArticle],
    max_sentences: int = 3,
    max_chars: int = 420,
    lang: str | None = None,
) -> str:
    """Two or three sentences from the earliest original report that has text; else the titles.

    Reports in `lang` (the audience's language) come first: an English column quotes the English
    report of an event before the Chinese one, whichever was earlier.
    """
    source = lead_source(articles, lang)
    if source is not None:
        sents = [s for s in sentences(source.text, source.lang) if len(s) > 25]
        return _clip(sents, max_sentences, max_chars)
    titles = [a.title.strip() for a in quoted_reports(articles, lang)]
    return _clip([t if t.endswith((".", "?", "!")) else t + "." for t in titles], 2, max_chars)


def reading_order(articles: Sequence[PlacedArticle], lang: str | None) -> list[PlacedArticle]:
    """Originals before pickups, the reader's language first, then earliest first."""
    return sorted(
        articles, key=lambda a: (a.is_pickup, bool(lang) and a.lang != lang, a.published, a.id)
    )


def _clip(sents: Sequence[str], n: int, max_chars: int) -> str:
    out: list[str] = []
    for s in sents[:n]:
        if out and len(" ".join([*out, s])) > max_chars:
            break
        out.append(s)
    return " ".join(out)
