"""Hypotheses and experiments: the pull signal, the running limit, Learning Cards."""

from __future__ import annotations

import pytest

from pullflow.domain.board import Board
from pullflow.domain.errors import (
    ExperimentLimitReached,
    Invalid,
    NoPullSignal,
    NotFound,
    StateConflict,
)
from pullflow.domain.events import EventType
from pullflow.domain.items import ServiceClass
from pullflow.domain.learning import Decision, HypothesisStatus, PullSignal, Verdict
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board, pull


def experiment_board(clock: Clock, *, items: int = 3, limit: int | None = 2) -> Board:
    b = board(clock, signal=PullSignal.EXPERIMENT, experiment_limit=limit, items=items)
    b.state_hypothesis(
        belief="teams want a digest",
        test="send a digest to 100 teams",
        metric="open rate",
        criterion="open rate is above 40%",
        actor=ACTOR,
        at=clock(),
    )
    return b


def conclude(b: Board, number: int, clock: Clock, verdict: Verdict = Verdict.VALIDATED) -> None:
    b.conclude(
        number,
        verdict=verdict,
        decision=Decision.PERSEVERE,
        observed="52% opened",
        learned="digests are read",
        next_step="make it weekly",
        actor=ACTOR,
        at=clock(),
    )


def test_a_hypothesis_is_a_test_card(clock: Clock) -> None:
    b = experiment_board(clock)
    [event] = b.pending_events
    assert event.type is EventType.HYPOTHESIS_STATED
    assert event.data == {
        "hypothesis": 1,
        "belief": "teams want a digest",
        "test": "send a digest to 100 teams",
        "metric": "open rate",
        "criterion": "open rate is above 40%",
    }
    assert b.hypothesis(1).status is HypothesisStatus.UNTESTED


def test_every_test_card_field_is_required(clock: Clock) -> None:
    b = board(clock)
    with pytest.raises(Invalid) as refused:
        b.state_hypothesis(belief="x", test="y", metric=" ", criterion="z", actor=ACTOR, at=clock())
    assert str(refused.value) == 'The card needs "And measure": fill it with --measure "…".'


def test_options_leave_only_for_a_running_experiment(clock: Clock) -> None:
    b = experiment_board(clock)
    with pytest.raises(NoPullSignal) as refused:
        b.pull("Build", item=1, actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "Item #1 cannot leave Options: this board pulls work only for a running experiment, "
        "so link it first with pullflow experiment link ID 1."
    )
    with pytest.raises(NoPullSignal, match="no item waiting in Options serves a running"):
        b.pull("Build", actor=ACTOR, at=clock())
    b.start_experiment(1, actor=ACTOR, at=clock())
    b.link(1, 2, actor=ACTOR, at=clock())
    [event] = b.pull("Build", actor=ACTOR, at=clock())
    assert (event.item, event.data["signal"]) == (2, "experiment")


def test_an_expedite_item_needs_no_experiment(clock: Clock) -> None:
    b = experiment_board(clock)
    b.add_item("outage", actor=ACTOR, at=clock(), service_class=ServiceClass.EXPEDITE)
    [event] = b.pull("Build", actor=ACTOR, at=clock())
    assert (event.item, event.data["signal"]) == (4, "expedite")


def test_capacity_boards_need_no_experiment(clock: Clock) -> None:
    b = board(clock, items=1)
    assert pull(b, "Build", clock) == 1


def test_the_running_experiment_limit_holds(clock: Clock) -> None:
    b = experiment_board(clock, limit=1)
    [started] = b.start_experiment(1, actor=ACTOR, at=clock(), title="digest pilot")
    assert (started.experiment, started.data) == (1, {"hypothesis": 1, "title": "digest pilot"})
    with pytest.raises(ExperimentLimitReached) as refused:
        b.start_experiment(1, actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "The board already runs 1 experiments, its limit (1/1): conclude one with pullflow "
        "experiment conclude ID first, or raise the limit with pullflow board set "
        "--experiment-limit N."
    )
    conclude(b, 1, clock)
    b.start_experiment(1, actor=ACTOR, at=clock())
    assert [e.number for e in b.running_experiments] == [2]


def test_concluding_records_a_learning_card_and_sets_the_hypothesis(clock: Clock) -> None:
    b = experiment_board(clock)
    b.start_experiment(1, actor=ACTOR, at=clock())
    assert b.hypothesis(1).status is HypothesisStatus.TESTING
    b.link(1, 1, actor=ACTOR, at=clock())
    conclude(b, 1, clock, Verdict.INVALIDATED)
    event = b.pending_events[-1]
    assert event.type is EventType.EXPERIMENT_CONCLUDED
    assert event.data == {
        "hypothesis": 1,
        "verdict": "invalidated",
        "decision": "persevere",
        "observed": "52% opened",
        "learned": "digests are read",
        "next_step": "make it weekly",
        "items": [1],
    }
    assert b.hypothesis(1).status is HypothesisStatus.INVALIDATED
    with pytest.raises(StateConflict, match="already concluded"):
        conclude(b, 1, clock)


def test_a_hypothesis_stays_under_test_while_another_experiment_runs(clock: Clock) -> None:
    b = experiment_board(clock)
    b.start_experiment(1, actor=ACTOR, at=clock())
    b.start_experiment(1, actor=ACTOR, at=clock())
    conclude(b, 1, clock, Verdict.INCONCLUSIVE)
    assert b.hypothesis(1).status is HypothesisStatus.TESTING
    conclude(b, 2, clock, Verdict.VALIDATED)
    assert b.hypothesis(1).status is HypothesisStatus.VALIDATED


def test_concluded_experiments_pull_nothing_and_take_no_links(clock: Clock) -> None:
    b = experiment_board(clock)
    b.start_experiment(1, actor=ACTOR, at=clock())
    b.link(1, 1, actor=ACTOR, at=clock())
    conclude(b, 1, clock)
    with pytest.raises(NoPullSignal):
        b.pull("Build", item=1, actor=ACTOR, at=clock())
    with pytest.raises(StateConflict, match="E1 is concluded"):
        b.link(1, 2, actor=ACTOR, at=clock())


def test_linking_twice_changes_nothing_and_unlink_needs_a_link(clock: Clock) -> None:
    b = experiment_board(clock)
    b.start_experiment(1, actor=ACTOR, at=clock())
    assert len(b.link(1, 1, actor=ACTOR, at=clock())) == 1
    assert b.link(1, 1, actor=ACTOR, at=clock()) == []
    [event] = b.unlink(1, 1, actor=ACTOR, at=clock())
    assert event.type is EventType.EXPERIMENT_UNLINKED
    with pytest.raises(StateConflict, match="does not serve E1"):
        b.unlink(1, 1, actor=ACTOR, at=clock())


def test_adding_an_item_for_an_experiment_links_it(clock: Clock) -> None:
    b = experiment_board(clock, items=0)
    b.start_experiment(1, actor=ACTOR, at=clock())
    events = b.add_item("landing page", actor=ACTOR, at=clock(), experiment=1)
    assert [e.type for e in events] == [EventType.ITEM_ADDED, EventType.EXPERIMENT_LINKED]
    assert pull(b, "Build", clock) == 1


def test_unknown_hypothesis_and_experiment(clock: Clock) -> None:
    b = board(clock)
    with pytest.raises(NotFound, match="No hypothesis H4 on board main"):
        b.start_experiment(4, actor=ACTOR, at=clock())
    with pytest.raises(NotFound, match="No experiment E2 on board main"):
        b.link(2, 1, actor=ACTOR, at=clock())


def test_a_concluded_experiment_keeps_its_items(clock: Clock) -> None:
    b = experiment_board(clock)
    b.start_experiment(1, actor=ACTOR, at=clock())
    b.link(1, 1, actor=ACTOR, at=clock())
    conclude(b, 1, clock)
    with pytest.raises(StateConflict, match="its Learning Card keeps the items it had"):
        b.unlink(1, 1, actor=ACTOR, at=clock())
