"""A board's own events become a flow history: stages, lanes, blocks, learning records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from pullflow.domain.board import Board
from pullflow.domain.learning import Decision, PullSignal, Verdict
from pullflow.domain.stages import parse_stages
from pullflow.flow.board_events import history_from_events
from pullflow.flow.metrics import measure
from tests.flow.helpers import filtered_ids

MONDAY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return MONDAY + timedelta(days=days)


def worked_board() -> Board:
    """#1 goes through Build (blocked half a day) and Measure to Done; #2 is still in Build;
    #3 is discarded from the options; H1 is tested by E1, which pulled #1 and concluded."""
    board = Board.create(
        "main",
        parse_stages("Options,Build:3,Measure:2,Done"),
        actor="ana",
        at=at(0),
        pull_signal=PullSignal.CAPACITY,
        timezone="Europe/Berlin",
    )
    for title in ("signup page", "digest mail", "old idea"):
        board.add_item(title, actor="ana", at=at(0))
    board.state_hypothesis(
        belief="readers want a digest",
        test="a signup page",
        metric="signups",
        criterion="5% sign up",
        actor="ana",
        at=at(0),
    )
    board.start_experiment(1, actor="ana", at=at(0.5))
    board.link(1, 1, actor="ana", at=at(0.5))
    board.pull("Build", item=1, actor="ana", at=at(1))
    board.block(1, reason="waiting for copy", actor="ana", at=at(1.25))
    board.unblock(1, actor="ana", at=at(1.75))
    board.finish(1, actor="ana", at=at(2))
    board.pull("Measure", item=1, actor="ana", at=at(3))
    board.finish(1, actor="ana", at=at(4), deliver=True)
    board.pull("Build", item=2, actor="bo", at=at(4))
    board.discard(3, reason="no longer wanted", actor="ana", at=at(5))
    board.conclude(
        1,
        verdict=Verdict.VALIDATED,
        decision=Decision.PERSEVERE,
        observed="7% signed up",
        learned="they want it",
        next_step="build the digest",
        actor="ana",
        at=at(6),
    )
    return board


@pytest.fixture
def board_history():  # type: ignore[no-untyped-def]
    board = worked_board()
    return history_from_events(board.take_events())


def test_the_workflow_comes_from_the_boards_creation(board_history) -> None:  # type: ignore[no-untyped-def]
    workflow = board_history.workflow
    assert workflow.stages == ("Options", "Build", "Measure", "Done")
    assert (workflow.commitment, workflow.delivery) == (1, 3)
    assert workflow.timezone == "Europe/Berlin"
    assert workflow.lanes is True
    assert list(board_history.catalogue.ids) == ["1", "2", "3"]
    assert board_history.catalogue.titles[1] == "digest mail"


def test_moves_give_start_finish_and_discard(board_history) -> None:  # type: ignore[no-untyped-def]
    assert board_history.started[0] == at(1).timestamp()
    assert board_history.finished[0] == at(4).timestamp()
    assert np.isnan(board_history.finished[1])
    assert board_history.is_discarded.tolist() == [False, False, True]
    # The history ends at the last event: the conclusion on day 6.
    assert board_history.as_of == at(6).timestamp()


def test_doing_lanes_unblocked_are_the_active_time(board_history) -> None:  # type: ignore[no-untyped-def]
    # #1: Build doing day 1–2 less half a day blocked, done lane 2–3, Measure doing 3–4.
    day = 86_400
    assert board_history.active_seconds[0] == pytest.approx(1.5 * day)
    assert board_history.blocked_seconds[0] == pytest.approx(0.5 * day)
    metrics = measure(board_history).to_json()
    assert metrics["flow_efficiency"] == pytest.approx(1.5 / 3)
    assert metrics["cycle_time"]["max"] == 4  # 6 → 9 January in Berlin, both counted


def test_learning_records_follow_the_experiments(board_history) -> None:  # type: ignore[no-untyped-def]
    (hypothesis,) = board_history.learning.hypotheses
    assert hypothesis.status == "validated"
    assert hypothesis.verdict_at == at(6).timestamp()
    (experiment,) = board_history.learning.experiments
    assert experiment.items == (0,)
    assert (experiment.verdict, experiment.decision) == ("validated", "persevere")
    learning = measure(board_history).to_json()["learning"]
    assert learning["time_to_verdict"]["p50"] == 7  # stated 5 January, verdict 11 January
    assert learning["completed_serving_concluded_share"] == 1.0


def test_events_that_do_not_start_with_a_board_are_refused() -> None:
    board = worked_board()
    events = board.take_events()[1:]
    with pytest.raises(ValueError, match="board's creation"):
        history_from_events(events)


def test_a_filter_keeps_the_matching_items(board_history) -> None:  # type: ignore[no-untyped-def]
    assert filtered_ids(board_history, service_classes=["standard"]) == ["1", "2", "3"]
    assert filtered_ids(board_history, service_classes=["expedite"]) == []


def test_measured_later_a_board_still_forecasts_from_its_last_event() -> None:
    from pullflow.flow.forecast import daily_throughput

    board = worked_board()
    later = history_from_events(board.take_events(), as_of=at(20).timestamp())
    # Ages run to day 20, but the throughput window ends with the last event, on day 6.
    assert later.as_of == at(20).timestamp()
    assert daily_throughput(later).last.isoformat() == "2026-01-11"
    assert measure(later).to_json()["window"]["last"] == "2026-01-25"
