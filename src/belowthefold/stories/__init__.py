"""Stories: the online clusterer that groups articles into stories (one event) and storylines (a saga).

`StoryClusterer.add` is called once per article in published order; `warm` replays stored
assignments so a later run continues the same stories with the same ids.
"""

from __future__ import annotations

from belowthefold.stories.clusterer import StoryClusterer, story_id_for, storyline_id_for
from belowthefold.stories.represent import REPRESENTATIONS

__all__ = ["REPRESENTATIONS", "StoryClusterer", "story_id_for", "storyline_id_for"]
