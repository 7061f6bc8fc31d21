"""Properties every flow history keeps, on random histories.

Each item enters some of the stages Options → Build → Test → Done in order on random days
(skipping some), may be discarded, and may still be open. Whatever the history:

- throughput adds up to the items completed, and WIP is the CFD's commitment line less its
  delivery line;
- the CFD never goes down over days, nor up along the workflow;
- percentiles are observed values, in order;
- when every started item has finished inside the window, Little's Law holds exactly on the
  days-counted convention: Σ WIP(d) = Σ (cycle time − 1).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pullflow.flow.metrics import measure
from tests.flow.helpers import STAGES, Move, history


@st.composite
def item_moves(draw: st.DrawFn, *, finish_all: bool = False) -> list[Move]:
    start = draw(st.integers(0, 20))
    reached = draw(st.integers(1, 3) if not finish_all else st.just(3))
    stages = [0, *sorted(draw(st.sets(st.integers(1, reached), min_size=1))), reached]
    moves: list[Move] = []
    when = float(start)
    for stage in sorted(set(stages)):
        moves.append(("enter", when, STAGES[stage]))
        when += draw(st.floats(0, 4, allow_nan=False)) + 0.01
    if not finish_all and draw(st.booleans()) and reached < 3 and draw(st.integers(0, 4)) == 0:
        moves.append(("discard", when))
    return moves


histories = st.dictionaries(
    st.text("ABCDEFGHJK", min_size=1, max_size=3), item_moves(), min_size=1, max_size=25
)
finished_histories = st.dictionaries(
    st.text("ABCDEFGHJK", min_size=1, max_size=3),
    item_moves(finish_all=True),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(histories)
def test_counts_add_up_and_the_cfd_only_rises(items: dict[str, list[Move]]) -> None:
    metrics = measure(history(items))
    assert int(metrics.throughput.sum()) == metrics.completed.rows.size
    cfd = metrics.cfd
    assert (np.diff(cfd, axis=0) >= 0).all()
    assert (np.diff(cfd, axis=1) <= 0).all()
    assert np.array_equal(metrics.wip, cfd[:, 1] - cfd[:, 3])
    assert int(metrics.wip[-1]) == metrics.in_progress


@settings(max_examples=150, deadline=None)
@given(histories)
def test_percentiles_are_observed_values_in_order(items: dict[str, list[Move]]) -> None:
    cycle = measure(history(items)).cycle_time
    if cycle.count == 0:
        return
    levels = [cycle.percentiles[level] for level in (50, 70, 85, 95)]
    assert levels == sorted(levels)
    assert cycle.min is not None
    assert cycle.max is not None
    assert cycle.min <= levels[0]
    assert levels[-1] <= cycle.max
    values = set(measure(history(items)).completed.values.tolist())
    assert set(levels) <= values


@settings(max_examples=150, deadline=None)
@given(finished_histories)
def test_littles_law_holds_exactly_when_all_started_work_finishes(
    items: dict[str, list[Move]],
) -> None:
    metrics = measure(history(items))
    little = metrics.littles_law
    assert int(metrics.wip.sum()) == int((metrics.completed.values - 1).sum())
    assert little.counting_both_days is not None
    assert little.measured_cycle_time is not None
    assert abs(little.counting_both_days - little.measured_cycle_time) < 1e-9
