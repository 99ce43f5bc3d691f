"""Convert the AllSides roundups file into gold JSONL for `belowthefold eval clustering`.

    .venv/bin/python scripts/allsides_to_gold.py \
        ../shared/clustering-data/allsides-neus-2021/roundups-2021-04-20_2021-07-31.jsonl > allsides-gold.jsonl

One line per article: the import record shape (id, url, title, text, outlet, published) plus the
gold `story` (the roundup id) and `side` (left/center/right, for analysis only). The roundup's
`issue`, `roundup` and `topic` fields are the answer key and are never written. `published` is
the date in the article URL where it has one, else the roundup's day at noon UTC (the roundup's
own timestamp would leak the label). `eval clustering` reads the roundups file directly too
(`--gold-format allsides`, detected automatically); this script is for looking at the data, or
for feeding it to other tools. The text belongs to AllSides and the outlets: do not redistribute.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from belowthefold.evaluate.clustering import allsides_records


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    for record in allsides_records(Path(argv[0])):
        print(json.dumps(record, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
