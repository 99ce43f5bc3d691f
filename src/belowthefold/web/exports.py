"""The lists people take to a spreadsheet (missed, stories, pressure) as CSV or JSON rows.

One row builder per list feeds both formats, so a CSV and a JSON download never disagree. A
day without data is an empty cell (CSV) or null (JSON), never 0. CSV cells that a spreadsheet
would run as a formula (=, +, -, @ first) are prefixed with an apostrophe: headlines are
untrusted text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from belowthefold.attention import audience_language, story_coverage
from belowthefold.brief.points import pressure_dict
from belowthefold.models import Brief, PlacedArticle

Cell = str | int | float | None
KINDS = ("missed", "stories", "pressure")
FORMATS = ("csv", "json")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """Named columns and rows of plain cells, for one list of one week."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def dicts(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def missed_table(brief: Brief) -> Table:
    """The week's missed headlines with their coverage per group (0 is "no article", a count)."""
    groups = tuple(brief.groups)
    rows = tuple(
        (
            m.rank,
            m.story_id,
            m.headline,
            round(m.score, 4),
            m.crowded_out_by or None,
            m.weeks_missed,
            len(m.articles),
            *(int(m.coverage.get(g, 0)) for g in groups),
        )
        for m in brief.missed
    )
    columns = (
        "rank",
        "story_id",
        "headline",
        "score",
        "crowded_out_by",
        "weeks_missed",
        "articles",
        *groups,
    )
    return Table("missed", columns, rows)


def stories_table(articles: Sequence[PlacedArticle], groups: Sequence[str], audience: str) -> Table:
    """The window's stories, largest first, with articles per group, named in the audience's
    language (`audience_language`)."""
    lang = audience_language(articles, audience)
    rows = tuple(
        (
            s.story_id,
            s.storyline_id,
            s.headline,
            s.outlets,
            len(s.articles),
            s.originals,
            s.pickups,
            s.days[0].isoformat() if s.days else None,
            s.days[-1].isoformat() if s.days else None,
            *(s.by_group[g].articles if g in s.by_group else 0 for g in groups),
        )
        for s in story_coverage(articles, lang=lang)
    )
    columns = (
        "story_id",
        "storyline_id",
        "headline",
        "outlets",
        "articles",
        "originals",
        "pickups",
        "first_day",
        "last_day",
        *groups,
    )
    return Table("stories", columns, rows)


def pressure_table(brief: Brief) -> Table:
    """Daily pressure per group, in the brief JSON's shape; a day without data has no value."""
    columns = ("date", "group", "value", "concentration", "articles", "attention")
    rows = tuple(
        tuple(pressure_dict(p)[c] for c in columns)
        for p in sorted(brief.pressure, key=lambda p: (p.group, p.day))
    )
    return Table("pressure", columns, rows)


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA):
        return "'" + text
    return text


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    return buf.getvalue()


def to_json(table: Table, meta: dict[str, Any]) -> str:
    return json.dumps(
        {**meta, "list": table.name, "columns": list(table.columns), "rows": table.dicts()},
        ensure_ascii=False,
        indent=2,
    )
