"""Stories: the online clusterer that groups articles into stories (one event) and storylines (a saga).

`StoryClusterer.add` is called once per article in published order; `warm` replays stored
assignments so a later run continues the same stories with the same ids.

The clusterer (and numpy under it) is imported on first use, not with the package: the CLI
names REPRESENTATIONS in its help and must start without loading the numerical stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from belowthefold.lazy import lazy_getattr
from belowthefold.stories.ids import story_id_for, storyline_id_for
from belowthefold.stories.represent import REPRESENTATIONS

if TYPE_CHECKING:
    from belowthefold.stories.clusterer import StoryClusterer

_LAZY = {"StoryClusterer": "clusterer"}

__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = ["REPRESENTATIONS", "StoryClusterer", "story_id_for", "storyline_id_for"]
