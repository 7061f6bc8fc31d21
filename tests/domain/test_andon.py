"""The andon: stopping the line, the fix item, the Five Whys, the cost and repeats."""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.domain.andon import FiveWhys, parse_effort
from pullflow.domain.errors import Invalid, LineStopped, NotFound, StateConflict
from pullflow.domain.events import EventType
from tests.conftest import Clock
from tests.domain.helpers import ACTOR, board, pull


def analysis(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "problem": "deploys fail",
        "whys": [
            {
                "question": "Why did the deploy fail?",
                "answer": "a migration locked a table",
                "countermeasure": "run migrations in a rehearsal first",
                "owner": "bo",
                "effort": "2h",
            },
            {
                "question": "Why was it not rehearsed?",
                "answer": "no staging copy of the data",
                "countermeasure": "nightly anonymised copy",
                "owner": "chen",
                "effort": "1d",
            },
        ],
        "root_cause": "no place to rehearse schema changes",
    }
    data.update(changes)
    return data


def test_stopping_the_line_refuses_every_pull(clock: Clock) -> None:
    b = board(clock, items=2)
    [event] = b.stop_line(reason="prod is down", tags=["Deploy"], people=4, actor="bo", at=clock())
    assert event.type is EventType.LINE_STOPPED
    assert event.reason == "prod is down"
    assert event.data == {
        "stop": 1,
        "stage": None,
        "tags": ["deploy"],
        "fix": None,
        "people": 4,
        "repeat_of": None,
        "repeated_tags": [],
    }
    with pytest.raises(LineStopped) as refused:
        b.pull("Build", actor=ACTOR, at=clock())
    assert str(refused.value) == (
        "The line is stopped (stop #1: prod is down), so nothing is pulled into Build: "
        "resume with pullflow andon resume --five-whys FILE."
    )
    with pytest.raises(LineStopped):
        b.pull("Build", item=1, actor=ACTOR, at=clock())


def test_the_fix_item_may_still_be_pulled(clock: Clock) -> None:
    b = board(clock, items=3)
    b.stop_line(reason="data loss", fix=3, actor=ACTOR, at=clock())
    with pytest.raises(LineStopped, match="so Build pulls only #3, the fix"):
        b.pull("Build", item=1, actor=ACTOR, at=clock())
    assert pull(b, "Build", clock) == 3


def test_a_stage_stop_leaves_other_stages_running(clock: Clock) -> None:
    b = board(clock, items=2)
    pull(b, "Build", clock)
    b.finish(1, actor=ACTOR, at=clock())
    b.stop_line(reason="measurement broken", stage="measure", actor=ACTOR, at=clock())
    with pytest.raises(LineStopped, match="Measure is stopped"):
        b.pull("Measure", actor=ACTOR, at=clock())
    assert pull(b, "Build", clock) == 2


def test_one_open_stop_per_scope(clock: Clock) -> None:
    b = board(clock)
    b.stop_line(reason="a", actor=ACTOR, at=clock())
    with pytest.raises(StateConflict, match="The line is already stopped"):
        b.stop_line(reason="b", actor=ACTOR, at=clock())
    b.stop_line(reason="c", stage="Build", actor=ACTOR, at=clock())
    with pytest.raises(Invalid, match=r"2 stops are open \(#1 \(the line\), #2 \(Build\)\)"):
        b.resume_line(FiveWhys.from_data(analysis()), actor=ACTOR, at=clock())


def test_resume_needs_a_stop_and_records_the_five_whys_and_cost(clock: Clock) -> None:
    b = board(clock, items=1)
    with pytest.raises(StateConflict, match="The line is running"):
        b.resume_line(FiveWhys.from_data(analysis()), actor=ACTOR, at=clock())
    b.stop_line(reason="deploys fail", people=3, actor=ACTOR, at=clock())
    [event] = b.resume_line(FiveWhys.from_data(analysis()), actor="bo", at=clock(hours=2.5))
    assert event.type is EventType.LINE_RESUMED
    assert event.reason == "no place to rehearse schema changes"
    assert event.data["investment"] == {
        "hours_stopped": 2.5,
        "people": 3,
        "cost_person_hours": 7.5,
        "suggested_hours": 7.5,
        "suggested_per_level_hours": 3.75,
        "planned_hours": 10.0,
    }
    assert event.data["five_whys"]["whys"][1]["effort_hours"] == 8.0
    assert b.stop(1).resumed_by == "bo"
    assert pull(b, "Build", clock) == 1


def test_people_affected_in_the_five_whys_correct_the_stop(clock: Clock) -> None:
    b = board(clock)
    b.stop_line(reason="x", people=1, actor=ACTOR, at=clock())
    [event] = b.resume_line(
        FiveWhys.from_data(analysis(people_affected=6)), actor=ACTOR, at=clock(hours=1)
    )
    assert event.data["investment"]["cost_person_hours"] == 6.0


def test_a_repeated_tag_is_flagged(clock: Clock) -> None:
    b = board(clock)
    b.stop_line(reason="tests red", tags=["ci", "flaky"], actor=ACTOR, at=clock())
    b.resume_line(FiveWhys.from_data(analysis()), actor=ACTOR, at=clock(hours=1))
    b.stop_line(reason="deploy", tags=["deploy"], actor=ACTOR, at=clock())
    b.resume_line(FiveWhys.from_data(analysis()), actor=ACTOR, at=clock(hours=1))
    [event] = b.stop_line(reason="tests red again", tags=["FLAKY"], actor=ACTOR, at=clock())
    assert (event.data["repeat_of"], event.data["repeated_tags"]) == (1, ["flaky"])
    assert b.stop(3).repeat_of == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"problem": ""}, 'The Five Whys: "problem" is missing: fill it in.'),
        ({"root_cause": None}, 'The Five Whys: "root_cause" is missing: fill it in.'),
        ({"whys": []}, "The Five Whys has no whys"),
        (
            {"whys": [{"question": "q", "answer": "a", "countermeasure": "c", "effort": "1h"}]},
            'why 1: "owner" is missing: fill it in.',
        ),
        (
            {"whys": [{"question": "q", "answer": "a", "owner": "o", "effort": "1h"}]},
            'why 1: "countermeasure" is missing: fill it in.',
        ),
        (
            {
                "whys": [
                    {"question": "q", "answer": "a", "countermeasure": "c", "owner": "o"},
                ]
            },
            "why 1: the effort is missing",
        ),
        ({"people_affected": 0}, "people_affected 0 was refused"),
    ],
)
def test_an_incomplete_five_whys_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(Invalid) as refused:
        FiveWhys.from_data(analysis(**change))
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "hours"),
    [("30m", 0.5), ("2h", 2.0), ("1.5d", 12.0), ("1w", 40.0), (3, 3.0), ("4", 4.0)],
)
def test_efforts_are_read_as_hours(text: object, hours: float) -> None:
    assert parse_effort(text, "why 1") == hours


@pytest.mark.parametrize("text", ["soon", "-1h", 0, "2 days"])
def test_unreadable_efforts_are_refused(text: object) -> None:
    with pytest.raises(Invalid, match="why 1: effort"):
        parse_effort(text, "why 1")


def test_stop_needs_a_reason_and_a_real_fix_item(clock: Clock) -> None:
    b = board(clock)
    with pytest.raises(Invalid, match="To stop the line a reason is required"):
        b.stop_line(reason=" ", actor=ACTOR, at=clock())
    with pytest.raises(NotFound, match="No item #5"):
        b.stop_line(reason="x", fix=5, actor=ACTOR, at=clock())


def test_nothing_is_sent_back_into_a_stopped_stage_but_the_fix(clock: Clock) -> None:
    b = board(clock, items=2)
    for number in (1, 2):
        pull(b, "Build", clock, number)
        b.finish(number, actor=ACTOR, at=clock())
        pull(b, "Measure", clock, number)
    b.stop_line(reason="rework piling up", stage="Build", fix=2, actor=ACTOR, at=clock())
    with pytest.raises(LineStopped, match="Build is stopped"):
        b.return_item(1, "Build", reason="bug", actor=ACTOR, at=clock())
    [event] = b.return_item(2, "Build", reason="the fix", actor=ACTOR, at=clock())
    assert event.to_stage == "Build"
