"""Bursty title terms: what a flood shares when its headlines share little else.

A flood is many stories (a death, tributes, a funeral, a conclave) whose headlines overlap in
one or two words ("Pope"), too few for the centroid link between storylines. Those words are
*bursting*: far more frequent in the last few days than in the weeks before. A new story whose
title carries a strongly bursting term joins the storyline that owns that term, so dominance and
pressure see the flood whole. Ordinary frequent words ("Trump", "says") are as frequent in the
background as now, so they never burst; a new word with no history needs a real volume first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from belowthefold.config import ClusterOptions

DAY = 86400.0


class BurstTracker:
    """Sliding counts of title features over a recent and a background window (no look-ahead)."""

    def __init__(self, options: ClusterOptions) -> None:
        self.recent_s = options.burst_recent_days * DAY
        self.background_s = options.burst_background_days * DAY
        self.min_count = options.burst_min_count
        self.min_share = options.burst_min_share
        self.min_ratio = options.burst_min_ratio
        self.generic_share = options.storyline_generic_share
        self._recent: deque[tuple[float, tuple[int, ...]]] = deque()
        self._background: deque[tuple[float, tuple[int, ...]]] = deque()
        self.recent: dict[int, int] = {}
        self.background: dict[int, int] = {}
        self.first: float | None = None

    def observe(self, features: Iterable[int], when: float) -> None:
        """Count one title's distinct features at time `when` (articles arrive in time order)."""
        item = (when, tuple(set(features)))
        if self.first is None:
            self.first = when
        self._evict(when)
        for window, counts in ((self._recent, self.recent), (self._background, self.background)):
            window.append(item)
            for k in item[1]:
                counts[k] = counts.get(k, 0) + 1

    def _evict(self, now: float) -> None:
        for window, counts, span in (
            (self._recent, self.recent, self.recent_s),
            (self._background, self.background, self.background_s),
        ):
            while window and window[0][0] < now - span:
                _, feats = window.popleft()
                for k in feats:
                    n = counts[k] - 1
                    if n:
                        counts[k] = n
                    else:
                        del counts[k]

    def bursting(self, features: Iterable[int], now: float) -> list[tuple[float, int]]:
        """(ratio, feature) of the given features that burst now, strongest first.

        Nothing bursts until the stream has a background to compare with: half the background
        window must have passed, or every word of the first days would look new.
        """
        if self.first is None or now - self.first < self.background_s / 2:
            return []
        n_recent = len(self._recent)
        n_before = len(self._background) - n_recent
        if n_recent == 0 or n_before <= 0:
            return []
        out = []
        for k in set(features):
            r = self.recent.get(k, 0)
            if r < self.min_count or r / n_recent < self.min_share:
                continue
            before = self.background.get(k, 0) - r
            ratio = (r / n_recent) / ((before + 1) / n_before)
            if ratio >= self.min_ratio:
                out.append((ratio, k))
        return sorted(out, reverse=True)

    def everyday(self, now: float) -> set[int]:
        """Features that are everyday words now: in `generic_share` of the background window's
        titles ("Trump" is in one front-page headline of seven) and not bursting. They say who,
        not what happened, so they never justify a storyline link on their own. A feature needs
        as many titles as a burst does, and the stream a background (as for bursts): in the
        first days of a stream its flood would look everyday.
        """
        if (
            self.generic_share <= 0
            or self.first is None
            or now - self.first < self.background_s / 2
        ):
            return set()
        floor = max(self.min_count, self.generic_share * len(self._background))
        common = [k for k, n in self.background.items() if n >= floor]
        return set(common) - {k for _, k in self.bursting(common, now)}
