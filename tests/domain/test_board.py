"""Creating boards, reading stage lists, and rebuilding a board from its events."""

from __future__ import annotations

from datetime import date

import pytest

from pullflow.domain.andon import FiveWhys
from pullflow.domain.board import Board
from pullflow.domain.errors import Invalid
from pullflow.domain.events import EventType
from pullflow.domain.items import ServiceClass
from pullflow.domain.learning import Decision, PullSignal, Verdict
from pullflow.domain.stages import StageSpec, WipPolicy, parse_stages
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board, pull
from tests.snapshot import snapshot


def test_stage_lists_read_limits_and_policies() -> None:
    assert parse_stages("Options, Build:3, Measure:2:warn ,Learn:none,Done") == [
        StageSpec("Options"),
        StageSpec("Build", 3),
        StageSpec("Measure", 2, WipPolicy.WARN),
        StageSpec("Learn"),
        StageSpec("Done"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Options,Build:x,Done", "WIP limit 'x' was refused"),
        ("Options,Build:0,Done", "A WIP limit of 0 was refused"),
        ("Options,Build:2:maybe,Done", "Unknown WIP policy 'maybe'"),
        ("Options,Build:2:warn:x,Done", "write Name, Name:limit or Name:limit:policy"),
    ],
)
def test_bad_stage_lists_are_refused(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_stages(text)


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ("Options,Done", "A board needs at least three stages"),
        ("Options,Build,build,Done", "Stage 'build' appears twice"),
        ("Options,,Done", "Stage name '' was refused"),
        ("Options,Build,Done:3", "Done is where work ends"),
    ],
)
def test_bad_boards_are_refused(clock: Clock, stages: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        Board.create("main", parse_stages(stages), actor=ACTOR, at=clock())


def test_board_time_zone_must_be_known(clock: Clock) -> None:
    with pytest.raises(Invalid, match="Unknown time zone 'Mars/Base'"):
        Board.create(
            "main",
            parse_stages("Options,Build,Done"),
            actor=ACTOR,
            at=clock(),
            timezone="Mars/Base",
        )


def test_the_first_event_holds_the_whole_board(clock: Clock) -> None:
    b = Board.create(
        " Team  board ",
        parse_stages("Options,Build:3,Done"),
        actor=ACTOR,
        at=clock(),
        pull_signal=PullSignal.EXPERIMENT,
        experiment_limit=2,
        timezone="Europe/Berlin",
    )
    [event] = b.pending_events
    assert event.type is EventType.BOARD_CREATED
    assert event.data == {
        "name": "Team board",
        "stages": [
            {"name": "Options", "limit": None, "policy": "block"},
            {"name": "Build", "limit": 3, "policy": "block"},
            {"name": "Done", "limit": None, "policy": "block"},
        ],
        "pull_signal": "experiment",
        "experiment_limit": 2,
        "timezone": "Europe/Berlin",
    }


def test_configuration_changes_are_events(clock: Clock) -> None:
    b = board(clock)
    assert b.set_pull_signal(PullSignal.EXPERIMENT, actor=ACTOR, at=clock())[0].data == {
        "pull_signal": "experiment"
    }
    assert b.set_experiment_limit(3, actor=ACTOR, at=clock())[0].data == {"experiment_limit": 3}
    assert b.set_timezone("Asia/Tokyo", actor=ACTOR, at=clock())[0].data == {
        "timezone": "Asia/Tokyo"
    }
    assert b.set_timezone("Asia/Tokyo", actor=ACTOR, at=clock()) == []


def test_replaying_the_events_rebuilds_the_board(clock: Clock) -> None:
    b = Board.create(
        "main",
        parse_stages("Options,Build:2:warn,Measure:2,Done"),
        actor=ACTOR,
        at=clock(),
        pull_signal=PullSignal.EXPERIMENT,
        experiment_limit=2,
    )
    for title in ("a", "b", "c", "d"):
        b.add_item(title, actor=ACTOR, at=clock(hours=1))
    b.add_item("due", actor=ACTOR, at=clock(), due=date(2026, 12, 1), position=2)
    b.state_hypothesis(belief="b", test="t", metric="m", criterion="c", actor=ACTOR, at=clock())
    b.start_experiment(1, actor=ACTOR, at=clock())
    for n in (1, 2, 3, 5):
        b.link(1, n, actor=ACTOR, at=clock())
    b.add_item("hot", actor=ACTOR, at=clock(), service_class=ServiceClass.EXPEDITE)
    for _ in range(4):
        pull(b, "Build", clock)
    b.finish(1, actor=ACTOR, at=clock())
    pull(b, "Measure", clock)
    b.block(2, reason="waiting", actor=ACTOR, at=clock())
    b.discard(4, reason="dropped", actor=ACTOR, at=clock())
    b.rerank(3, 1, actor=ACTOR, at=clock())
    b.stop_line(reason="broken", tags=["x"], fix=3, actor=ACTOR, at=clock())
    b.resume_line(
        FiveWhys.from_data(
            {
                "problem": "p",
                "whys": [
                    {
                        "question": "q",
                        "answer": "a",
                        "countermeasure": "c",
                        "owner": "o",
                        "effort": 1,
                    }
                ],
                "root_cause": "r",
            }
        ),
        actor=ACTOR,
        at=clock(hours=3),
    )
    b.finish(1, deliver=True, actor=ACTOR, at=clock())
    b.return_item(1, "Build", reason="bug", actor=ACTOR, at=clock())
    b.conclude(
        1,
        verdict=Verdict.VALIDATED,
        decision=Decision.PIVOT,
        observed="o",
        learned="l",
        next_step="n",
        actor=ACTOR,
        at=clock(),
    )
    b.set_limit("Measure", 1, actor=ACTOR, at=clock())
    events = b.take_events()
    assert snapshot(Board.replay(events)) == snapshot(b)


def test_replay_starts_from_board_created(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(ValueError, match=r"starts with board\.created"):
        Board.replay(b.take_events())
