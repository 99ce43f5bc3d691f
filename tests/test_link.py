"""The learned link decision (stories/link.py): its margin is the logistic score against its bar."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from belowthefold.config import ClusterOptions
from belowthefold.stories.link import LinkModel

# The fitted weights with the link turned on (off by default: link_dense 0).
ON: dict[str, Any] = {"link_dense": 4.81}


def _model(**kw: Any) -> LinkModel:
    model = LinkModel.of(replace(ClusterOptions(), **{**ON, **kw}))
    assert model is not None
    return model


def test_off_without_a_dense_weight() -> None:
    assert LinkModel.of(ClusterOptions()) is None
    assert LinkModel.of(replace(ClusterOptions(), **ON)) is not None


def test_margin_is_zero_where_the_probability_meets_the_bar() -> None:
    m = _model(link_crowding=0.0)
    # Choose the sparse similarity at which the logistic probability is exactly the bar.
    target = math.log(m.bar / (1 - m.bar))
    s = (target - m.intercept - m.dense * 0.5 - m.shared * math.log1p(4)) / m.sparse
    assert abs(m.margin(s, 0.5, 4, 5)) < 1e-9
    assert m.margin(s + 0.01, 0.5, 4, 5) > 0 > m.margin(s - 0.01, 0.5, 4, 5)


def test_the_bar_rises_with_active_stories_only_above_crowding_from() -> None:
    m = _model()
    assert m.bar_logit(1) == m.bar_logit(int(m.crowding_from))
    assert m.bar_logit(1000) > m.bar_logit(100) > m.bar_logit(int(m.crowding_from))
    assert math.isclose(m.bar_logit(100) - m.bar_logit(10), m.crowding * math.log10(100 / 10))
