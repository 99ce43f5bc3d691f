"""Streaming readers: each yields (line, raw record) or (line, RecordError), never the whole file.

Memory stays bounded by one line (JSONL) or one row (CSV), so a 2 GB dump streams.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from belowthefold.errors import InputError
from belowthefold.ingest.csvrows import csv_records
from belowthefold.language import gdelt_language
from belowthefold.models import RecordError

Raw = tuple[int, dict[str, Any] | RecordError]


csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _preview(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:300]


# What a CSV of records needs, and what a GDELT ArtList file always carries.
CSV_REQUIRED = ("title", "published")
GDELT_REQUIRED = ("url", "title", "seendate")


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped on the fly for `.gz` (a `.jsonl.gz` dump streams as well)."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def base_suffix(path: Path) -> str:
    """The suffix that names the format: `.csv` for both `x.csv` and `x.csv.gz`."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def read_jsonl(path: Path) -> Iterator[Raw]:
    origin = str(path)
    with open_binary(path) as fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
            except UnicodeDecodeError as exc:
                yield (
                    n,
                    RecordError(
                        origin, f"not UTF-8: {exc.reason} at byte {exc.start}", n, _preview(raw)
                    ),
                )
                continue
            except json.JSONDecodeError as exc:
                yield (
                    n,
                    RecordError(
                        origin, f"broken JSON: {exc.msg} (column {exc.colno})", n, _preview(raw)
                    ),
                )
                continue
            except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
                yield n, RecordError(origin, f"unusable JSON: {exc}"[:300], n, _preview(raw))
                continue
            except RecursionError:
                yield n, RecordError(origin, "JSON nested too deeply", n, _preview(raw))
                continue
            if not isinstance(record, dict):
                yield (
                    n,
                    RecordError(
                        origin,
                        f"expected a JSON object, got {type(record).__name__}",
                        n,
                        _preview(raw),
                    ),
                )
                continue
            yield n, record


def check_header(path: Path, header: list[str], required: tuple[str, ...], kind: str) -> None:
    """InputError naming the columns found and those needed, before any row is read: a
    semicolon CSV or a missing `published` column used to skip every row, one error each."""
    found = [h.strip() for h in header]
    missing = [c for c in required if c not in found]
    if not missing:
        return
    shown = ", ".join(repr(h) for h in found[:12]) + (", ..." if len(found) > 12 else "")
    hint = ""
    if len(found) == 1 and ";" in found[0]:
        hint = "; it looks separated by semicolons: save it with commas"
    elif len(found) == 1 and "\t" in found[0]:
        hint = "; it looks separated by tabs: save it with commas"
    raise InputError(
        f"{path}: not a {kind} file: its header has {shown}; it needs "
        f"{', '.join(required)} (missing {', '.join(missing)}){hint}"
    )


def _csv_rows(
    path: Path, required: tuple[str, ...] = CSV_REQUIRED, kind: str = "CSV"
) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """Rows as dicts keyed by the header, each numbered by the line it starts on."""
    origin = str(path)
    header: list[str] | None = None
    with open_binary(path) as binary:
        for line, fields in csv_records(binary, origin):
            if isinstance(fields, RecordError):
                yield line, fields
            elif not fields:
                continue  # a blank line, as csv.DictReader skips it
            elif header is None:
                check_header(path, fields, required, kind)
                header = [h.strip() for h in fields]
            elif len(fields) > len(header):
                extra = ",".join(fields[len(header) :])
                yield (
                    line,
                    RecordError(origin, "more fields than the header names", line, extra[:300]),
                )
            else:
                yield (
                    line,
                    {k: (fields[i] if i < len(fields) else None) for i, k in enumerate(header)},
                )


def read_csv(path: Path) -> Iterator[Raw]:
    yield from _csv_rows(path)


def gdelt_record(row: dict[str, Any]) -> dict[str, Any]:
    """Map a GDELT DOC API ArtList row to the import record."""
    lang = str(row.get("language") or "").strip()
    record: dict[str, Any] = {
        "url": row.get("url"),
        "title": row.get("title"),
        "published": row.get("seendate"),
        "domain": row.get("domain"),
        "outlet": row.get("domain"),
        "lang": gdelt_language(lang) or "",
    }
    for key in ("sourcecountry", "language", "theme_id", "keyword", "socialimage"):
        if row.get(key):
            record[key] = row[key]
    return record


def read_gdelt(path: Path) -> Iterator[Raw]:
    for line, row in _csv_rows(path, GDELT_REQUIRED, "GDELT ArtList"):
        yield line, row if isinstance(row, RecordError) else gdelt_record(row)


def detect_format(path: Path) -> str:
    """jsonl, csv, gdelt or frontpages, from the extension and the first line."""
    if path.is_dir():
        return "frontpages"
    suffix = base_suffix(path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    with open_binary(path) as fh:
        head = fh.readline(65536).decode("utf-8-sig", "replace").strip().lower()
    if head.startswith("{"):
        return "jsonl"
    columns = {c.strip().strip('"') for c in head.split(",")}
    if {"url", "title", "seendate"} <= columns:
        return "gdelt"
    return "csv"
