"""The twin of a board: its stage times from a history written by hand, and its limits.

Histories come from tests/flow/helpers.py: stages Options, Build, Test, Done, committed at
Build and delivered at Done, without lanes (an item's whole stay in a stage is its time).
"""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.sim.scenario import BadScenario
from pullflow.sim.twin import stage_capacity, stage_samples, twin
from tests.flow.helpers import history, through

#: Six items, one a day: 2 days in Build, 1 in Test.
STEADY = history(
    {
        f"i{k}": through(("Options", k), ("Build", k + 1), ("Test", k + 3), ("Done", k + 4))
        for k in range(6)
    }
)

#: Six items in pairs worked at once: each pair 2 days in Build, then 1 in Test.
PAIRS = history(
    {
        f"i{2 * k + m}": through(("Build", 2 * k), ("Test", 2 * k + 2), ("Done", 2 * k + 3))
        for k in range(3)
        for m in range(2)
    }
)


def _mean(data: dict[str, Any], limits: str, figure: str) -> float:
    value: float = data[limits][figure]["mean"]
    return value


def test_the_twin_draws_each_stage_from_the_days_items_spent_there() -> None:
    samples = stage_samples(STEADY)
    assert list(samples) == ["Build", "Test"]
    assert samples["Build"].tolist() == [2.0] * 6
    assert samples["Test"].tolist() == [1.0] * 6
    result = twin(STEADY, current={}, proposed={"Build": 1}, units=30, reps=2)
    assert result.samples == {"Build": 6, "Test": 6}
    scenario = result.current.scenario
    assert [station.service.mean for station in scenario.stations] == [2.0, 1.0]
    assert result.notes == ()


def test_a_stage_works_on_as_many_items_as_it_held_on_average() -> None:
    # STEADY runs from day 0 to day 9: Build held 6 × 2 = 12 item-days → 12 / 9 ≈ 1.3 → 1;
    # Test 6 / 9 → 1 (at least 1). PAIRS runs from day 0 to day 7: Build 12 / 7 ≈ 1.7 → 2,
    # Test 6 / 7 → 1.
    assert stage_capacity(STEADY) == {"Build": 1, "Test": 1}
    assert stage_capacity(PAIRS) == {"Build": 2, "Test": 1}


def test_the_twin_of_a_steady_board_gives_its_flow_by_hand() -> None:
    # One card in Build and in Test: an item is let into Build when the last leaves it;
    # Build takes 2 days, Test 1 (free by then): 1 item every 2 days, 3 days each.
    data = twin(
        STEADY, current={"Build": 1, "Test": 1}, proposed={}, units=30, reps=2, seed=1
    ).to_json()
    assert _mean(data, "current", "throughput_steady") == 0.5
    assert _mean(data, "current", "cycle_time_steady") == 3.0
    assert data["current"] == data["proposed"]
    assert data["stages"] == [
        {"stage": "Build", "samples": 6, "works_on": 1, "current_limit": 1, "proposed_limit": 1},
        {"stage": "Test", "samples": 6, "works_on": 1, "current_limit": 1, "proposed_limit": 1},
    ]
    assert (data["reps"], data["seed"], data["time_unit"]) == (2, 1, "days")


def test_a_second_card_where_two_are_worked_at_once_doubles_the_flow() -> None:
    # PAIRS: Build works on 2 at once. With one card it holds one: 1 item per 2 days, 3 days
    # each. With two: both done at 2, one goes to Test (2-3), the other waits for Test's card
    # until 3 (3-4); their Build cards let the next two in at 2 and 3, done at 4 and 5, in
    # Test 4-5 and 5-6, and so on: 1 item a day, each 3 days from Build to done.
    data = twin(
        PAIRS, current={"Build": 1, "Test": 1}, proposed={"Build": 2}, units=40, reps=2, seed=1
    ).to_json()
    assert _mean(data, "current", "throughput_steady") == 0.5
    assert _mean(data, "proposed", "throughput_steady") == 1.0
    assert _mean(data, "proposed", "cycle_time_steady") == 3.0
    assert data["engine"] == "event-driven"


def test_raising_a_limit_never_lowers_the_throughput() -> None:
    # Items take 1-4 days in Build and ½-2 days in Test; more cards in Build (up to none at
    # all) let no fewer items through, on the same draws.
    items = {
        f"i{k}": through(
            ("Build", k),
            ("Test", k + 1 + (1, 2, 3, 4)[k % 4]),
            ("Done", k + 1 + (1, 2, 3, 4)[k % 4] + (1, 0.5, 2)[k % 3]),
        )
        for k in range(12)
    }
    varied = history(items)
    flows = []
    for limit in (1, 2, 3, 5, None):
        data = twin(
            varied,
            current={"Build": 1, "Test": 1},
            proposed={"Build": limit, "Test": 2},
            units=60,
            reps=3,
            seed=2,
        ).to_json()
        flows.append(_mean(data, "proposed", "throughput_steady"))
        assert flows[-1] >= _mean(data, "current", "throughput_steady") - 1e-9
    assert flows == sorted(flows)
    assert flows[-1] > flows[0]


def test_a_limit_on_a_stage_that_is_not_worked_in_is_refused() -> None:
    for stage in ("Options", "Done", "Review"):
        with pytest.raises(BadScenario, match=f"--wip names '{stage}', which is not a working"):
            twin(STEADY, current={}, proposed={stage: 2}, units=20, reps=1)


def test_a_limit_names_its_stage_in_any_case() -> None:
    result = twin(STEADY, current={"test": 1}, proposed={"build": 2}, units=20, reps=1)
    assert result.current_limits == {"Build": None, "Test": 1}
    assert result.proposed_limits == {"Build": 2, "Test": 1}


def test_a_history_with_no_finished_item_is_refused() -> None:
    open_items = history({f"i{k}": through(("Build", k), ("Test", k + 2)) for k in range(3)})
    with pytest.raises(BadScenario, match="No finished item has a time in Build, Test"):
        twin(open_items, current={}, proposed={"Build": 1}, units=20, reps=1)


def test_a_thin_history_is_noted() -> None:
    # Two finished items: fewer than five, so the times are said to be thin.
    few = history(
        {f"i{k}": through(("Build", k), ("Test", k + 1), ("Done", k + 2)) for k in range(2)}
    )
    notes = twin(few, current={}, proposed={"Build": 1}, units=20, reps=1).to_json()["notes"]
    assert any(note.startswith("Build: times from only 2") for note in notes)
    assert any(note.startswith("Test: times from only 2") for note in notes)
