"""Convert a folder of front-page snapshots to the import JSONL, for people who prefer files.

    python scripts/frontpages_to_jsonl.py ../shared/data/frontpages-bbc-nyt/output -o frontpages.jsonl

The snapshots are `DAY/HH-MM-SS_headlines.json` files, each a list of
{headline, link, source, timestamp}. `belowthefold import` reads such a folder directly; this
script only writes the same records to a file: one per unique (outlet, headline), published at the
first snapshot that showed it, `weight` = days it stayed on the front page. It is a thin wrapper on
`belowthefold.ingest.frontpages.read_frontpages`, so both paths give the same records.
Unreadable snapshots are reported on stderr and skipped; the exit code is 1 if any were.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from belowthefold.ingest.frontpages import read_frontpages
from belowthefold.models import RecordError


def convert(root: Path, out: TextIO, errors: TextIO) -> tuple[int, int]:
    """Write one JSON line per headline; returns (records written, snapshots skipped)."""
    written = skipped = 0
    for _, item in read_frontpages(root):
        if isinstance(item, RecordError):
            print(f"{item.where()}: {item.message}", file=errors)
            skipped += 1
            continue
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
        written += 1
    return written, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "folder", type=Path, help="the snapshots folder (the one holding DAY/ folders)"
    )
    parser.add_argument("-o", "--output", type=Path, help="JSONL file to write (default: stdout)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"not a folder: {args.folder}")
    if args.output is None:
        written, skipped = convert(args.folder, sys.stdout, sys.stderr)
    else:
        with args.output.open("w", encoding="utf-8", newline="\n") as fh:
            written, skipped = convert(args.folder, fh, sys.stderr)
    print(f"{written} headlines written, {skipped} snapshots skipped", file=sys.stderr)
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
