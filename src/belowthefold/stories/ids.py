"""Story and storyline ids: fixed by what they grew from, so they never change as groups grow."""

from __future__ import annotations

import hashlib


def story_id_for(article_id: str) -> str:
    """A story's id: fixed by its first article, so it never changes as the story grows."""
    return "st-" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:12]


def storyline_id_for(seed: str) -> str:
    """A storyline's id: fixed by its first article (or, for one a regrouping splits off, by
    `regroup_id`'s seed)."""
    return "sl-" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:12]
