"""Stories: the online clusterer that groups articles into stories (one event) and storylines (a saga).

`StoryClusterer.add` is called once per article in published order; `warm` replays stored
assignments so a later run continues the same stories with the same ids.

The clusterer (and numpy under it) is imported on first use, not with the package: the CLI
names REPRESENTATIONS in its help and must start without loading the numerical stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from belowthefold.stories.ids import story_id_for, storyline_id_for
from belowthefold.stories.represent import REPRESENTATIONS

if TYPE_CHECKING:
    from belowthefold.stories.clusterer import StoryClusterer

_LAZY = ("StoryClusterer",)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from belowthefold.stories import clusterer

        return getattr(clusterer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["REPRESENTATIONS", "StoryClusterer", "story_id_for", "storyline_id_for"]
