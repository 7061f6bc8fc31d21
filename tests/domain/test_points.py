"""The commitment and delivery points: where flow figures count work as started and finished."""

from __future__ import annotations

import pytest

from pullflow.domain.board import Board, parse_point
from pullflow.domain.errors import Invalid, NotFound
from pullflow.domain.events import EventType
from pullflow.domain.stages import parse_stages
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board
from tests.snapshot import snapshot

#: The helpers' board: Options, Build:3, Measure:2, Done.


def points(b: Board) -> tuple[str | None, str | None, str, str]:
    """The points as set (None: default) and the stages they stand for."""
    return b.commitment, b.delivery, b.commitment_stage.name, b.delivery_stage.name


def test_by_default_work_starts_after_the_options_and_finishes_in_done(clock: Clock) -> None:
    assert points(board(clock)) == (None, None, "Build", "Done")


def test_setting_a_point_records_its_stage_name_as_the_board_spells_it(clock: Clock) -> None:
    b = board(clock)
    [event] = b.set_flow_points(commitment="  measure ", actor=ACTOR, at=clock())
    assert event.type is EventType.BOARD_CONFIGURED
    assert event.data == {"commitment": "Measure"}
    assert points(b) == ("Measure", None, "Measure", "Done")


def test_both_points_change_in_one_event(clock: Clock) -> None:
    b = board(clock)
    [event] = b.set_flow_points(commitment="Measure", delivery="measure", actor=ACTOR, at=clock())
    # delivery at the commitment point itself is allowed: it is not before it
    assert event.data == {"commitment": "Measure", "delivery": "Measure"}
    assert points(b) == ("Measure", "Measure", "Measure", "Measure")


def test_none_puts_a_point_back_at_its_default(clock: Clock) -> None:
    b = board(clock)
    b.set_flow_points(commitment="Measure", delivery="Measure", actor=ACTOR, at=clock())
    [event] = b.set_flow_points(commitment=None, actor=ACTOR, at=clock())
    assert event.data == {"commitment": None}
    assert points(b) == (None, "Measure", "Build", "Measure")


def test_only_what_changes_is_recorded(clock: Clock) -> None:
    b = board(clock)
    b.set_flow_points(commitment="Measure", actor=ACTOR, at=clock())
    [event] = b.set_flow_points(commitment="Measure", delivery="Done", actor=ACTOR, at=clock())
    assert event.data == {"delivery": "Done"}
    assert b.set_flow_points(commitment="MEASURE", delivery="done", actor=ACTOR, at=clock()) == []
    assert b.set_flow_points(actor=ACTOR, at=clock()) == []
    # naming the default stage is kept as named, apart from the default
    assert points(b) == ("Measure", "Done", "Measure", "Done")


def test_the_word_default_reads_as_the_default_point() -> None:
    assert parse_point(" Default ") is None
    assert parse_point(" Measure  ") == "Measure"


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            {"commitment": "Deploy"},
            NotFound,
            "Commitment point 'Deploy' was refused: board main has no such stage, so choose one "
            "of Options, Build, Measure, Done, or default.",
        ),
        (
            {"delivery": "Deploy"},
            NotFound,
            "Delivery point 'Deploy' was refused: board main has no such stage, so choose one "
            "of Options, Build, Measure, Done, or default.",
        ),
        (
            {"commitment": "options"},
            Invalid,
            "Options cannot be the commitment point: work is committed to only once it leaves "
            "the options, so choose a later stage such as Build.",
        ),
        (
            # the default commitment point is Build, and Options comes before it
            {"delivery": "Options"},
            Invalid,
            "Delivery point Options was refused: it comes before the commitment point Build, "
            "and work is delivered only after it is committed to, so choose Build or a later "
            "stage.",
        ),
        (
            {"commitment": "Done", "delivery": "Measure"},
            Invalid,
            "Delivery point Measure was refused: it comes before the commitment point Done, "
            "and work is delivered only after it is committed to, so choose Done or a later "
            "stage.",
        ),
    ],
)
def test_points_that_cannot_be_are_refused(
    clock: Clock, change: dict[str, str], error: type[Exception], message: str
) -> None:
    b = board(clock)
    with pytest.raises(error) as refused:
        b.set_flow_points(actor=ACTOR, at=clock(), **change)  # type: ignore[arg-type]
    assert str(refused.value) == message
    assert isinstance(refused.value, Invalid)
    assert b.pending_events == []
    assert points(b) == (None, None, "Build", "Done")


def test_moving_the_commitment_past_the_delivery_point_is_refused(clock: Clock) -> None:
    b = board(clock)
    b.set_flow_points(delivery="Build", actor=ACTOR, at=clock())
    with pytest.raises(Invalid, match="Delivery point Build was refused: it comes before the "):
        b.set_flow_points(commitment="Measure", actor=ACTOR, at=clock())
    assert points(b) == (None, "Build", "Build", "Build")


def test_replay_rebuilds_the_points(clock: Clock) -> None:
    b = Board.create(
        "main", parse_stages("Options,Build:3,Measure:2,Done"), actor=ACTOR, at=clock()
    )
    b.set_flow_points(commitment="Measure", delivery="Measure", actor=ACTOR, at=clock())
    b.set_flow_points(delivery=None, actor=ACTOR, at=clock())
    b.set_timezone("Asia/Tokyo", actor=ACTOR, at=clock())
    replayed = Board.replay(b.take_events())
    assert points(replayed) == points(b) == ("Measure", None, "Measure", "Done")
    assert snapshot(replayed) == snapshot(b)
