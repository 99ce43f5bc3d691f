"""Ingest: read files of news records (JSONL, CSV, GDELT ArtList, front-page snapshots).

Yields validated Articles and RecordErrors in file order; storing them is the caller's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, get_args

from belowthefold.config import ImportOptions
from belowthefold.errors import InputError
from belowthefold.ingest import frontpages, readers
from belowthefold.ingest.records import canonical_url, parse_published, to_article
from belowthefold.language import LanguageIdentifier
from belowthefold.models import Article, RecordError

InputFormat = Literal["auto", "jsonl", "csv", "gdelt", "frontpages"]
FORMATS: tuple[str, ...] = get_args(InputFormat)

__all__ = ["FORMATS", "InputFormat", "canonical_url", "iter_file", "parse_published", "to_article"]


def _raw(path: Path, fmt: str) -> Iterator[readers.Raw]:
    if fmt == "jsonl":
        return readers.read_jsonl(path)
    if fmt == "csv":
        return readers.read_csv(path)
    if fmt == "gdelt":
        return readers.read_gdelt(path)
    if fmt == "frontpages":
        return frontpages.read_frontpages(path)
    raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _preview(item: object) -> str:
    """The start of a bad record for its error row; never fails, whatever the record holds."""
    try:
        return json.dumps(item, ensure_ascii=True, default=str)[:300]
    except (ValueError, TypeError, RecursionError):
        return ""


def iter_file(
    path: Path, options: ImportOptions, languages: LanguageIdentifier | None = None
) -> Iterator[Article | RecordError]:
    """Every record of one file as an Article, or a RecordError saying where and why.

    Every article leaves with a trustworthy `lang` or none: `languages` (built from `options`
    when not passed in) normalises the record's own code and identifies the rest from the text.
    """
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if languages is None:
        languages = LanguageIdentifier(options.language_min_score, detect=options.detect_language)
    fmt = readers.detect_format(path) if options.format == "auto" else options.format
    origin = str(path)
    records = 0
    try:
        for line, item in _raw(path, fmt):
            records += 1
            if isinstance(item, RecordError):
                yield item
                continue
            try:
                article = to_article(item, options.max_field_chars)
            except (ValueError, TypeError, OverflowError, RecursionError, InputError) as exc:
                yield RecordError(origin, str(exc)[:500], line, _preview(item))
                continue
            yield languages.settle(article)
    except (OSError, EOFError) as exc:  # EOFError: a gzip file cut short
        raise InputError(f"cannot read {path}: {exc}") from exc
    if not records:
        raise InputError(
            f"{path}: empty: no records in it"
            + (" under the header" if fmt in ("csv", "gdelt") and path.stat().st_size else "")
        )
