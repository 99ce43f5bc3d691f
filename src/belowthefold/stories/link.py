"""The learned link decision (issue 11): does an article join a candidate story?

A logistic score over three pieces of evidence, each cheap where the clusterer already is: the
decayed sparse average link, the decayed dense average link and log(1 + shared terms). Its
weights were fitted on NeuS probe train on the clusterer's own stream (DAgger: the stories hold
its own mistakes, not the gold's clean ones), and its bar rises with the number of active
stories (the multiple-comparisons problem), the bar and the rise chosen on probe val, undated
and dated in a topical chain. Off by default (`link_dense` 0): it beat the hand-set threshold
on the probe but not on dated real streams. Method and figures: docs/clustering.md ("A learned
link decision").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from belowthefold.config import ClusterOptions


@dataclass(frozen=True)
class LinkModel:
    """Weights of the learned link and its bar (a probability), from ClusterOptions."""

    sparse: float
    dense: float
    shared: float
    intercept: float
    bar: float
    crowding: float
    crowding_from: float

    @classmethod
    def of(cls, o: ClusterOptions) -> LinkModel | None:
        """The model the options describe; None when off (link_dense 0: the hand-set rule)."""
        if o.link_dense <= 0 or o.link_sparse <= 0 or not 0 < o.link_bar < 1:
            return None
        return cls(
            o.link_sparse,
            o.link_dense,
            o.link_shared,
            o.link_intercept,
            o.link_bar,
            o.link_crowding,
            o.link_crowding_from,
        )

    def margin(self, sparse: float, dense: float, shared: int, active: int) -> float:
        """How far a candidate is above the bar, in units of decayed sparse similarity.

        `sparse` and `dense` are already decayed. Positive means join; dividing the logit gap by
        the sparse weight puts the margin on the hand rule's scale, so it can be compared with
        the cross-language link's score (clusterer._best).
        """
        z = (
            self.sparse * sparse
            + self.dense * dense
            + self.shared * math.log1p(shared)
            + self.intercept
        )
        return (z - self.bar_logit(active)) / self.sparse

    def bar_logit(self, active: int) -> float:
        """logit(bar), raised by `crowding` per tenfold of active stories above `crowding_from`."""
        base = math.log(self.bar / (1 - self.bar))
        if self.crowding_from <= 0:
            return base
        return base + self.crowding * math.log10(
            max(active, self.crowding_from) / self.crowding_from
        )
