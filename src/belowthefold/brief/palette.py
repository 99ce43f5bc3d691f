"""One colour per source group, the same in the PNG chart, the web week page and the story page.

Colours are Okabe & Ito's colour-blind-safe set. The groups the project's sources files use
have fixed colours, so a group never changes colour between pages, weeks or databases; any
other group prefers a spare colour chosen by its name, so it keeps it whichever other groups a
page shows (the web passes every group of the database, so even a clash resolves the same way on
all its pages).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Fixed colours for the groups the shipped sources files and the demo use.
FIXED: Mapping[str, str] = {
    "mainstream": "#0072B2",  # blue
    "wire": "#D55E00",  # vermillion
    "specialist": "#009E73",  # bluish green
    "official": "#CC79A7",  # reddish purple
    "regional": "#E69F00",  # orange
    "foreign": "#56B4E9",  # sky blue
}
# For every other group, in this order; then the fixed ones again if a database has more.
SPARE = ("#000000", "#8C564B", "#7F7F7F", "#6A3D9A", "#B8860B", "#1B7837")
# Dash patterns (SVG stroke-dasharray) so two lines that coincide stay visible.
DASHES = ("none", "6 3", "2 3", "10 4 2 4")


_ALL = (*FIXED.values(), *SPARE)


@dataclass(frozen=True)
class GroupPalette:
    """Colour per group, and a dash pattern that follows the colour (so it is stable too)."""

    colours: Mapping[str, str] = field(default_factory=dict)

    def colour(self, group: str) -> str:
        return self.colours.get(group) or FIXED.get(group) or SPARE[0]

    def dash(self, group: str) -> str:
        return DASHES[_ALL.index(self.colour(group)) % len(DASHES)]


def group_palette(groups: Iterable[str]) -> GroupPalette:
    """The palette for these groups: fixed colours first; each other group prefers a spare
    colour picked by its name (a stable hash), so it keeps that colour on a page that shows a
    few groups and on one that shows them all; a clash goes to the next free colour, in name
    order."""
    names = sorted(set(groups))
    colours = {g: FIXED[g] for g in names if g in FIXED}
    taken = set(colours.values())
    for g in (g for g in names if g not in FIXED):
        start = zlib.crc32(g.encode("utf-8")) % len(SPARE)
        # Spare colours from the preferred one on; then fixed ones no group here uses.
        order = [SPARE[(start + i) % len(SPARE)] for i in range(len(SPARE))] + list(FIXED.values())
        free = [c for c in order if c not in taken] or order
        colours[g] = free[0]
        taken.add(free[0])
    return GroupPalette(colours=colours)
