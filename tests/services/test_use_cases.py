"""Use cases through the real unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pullflow.domain.errors import (
    ExperimentLimitReached,
    Invalid,
    LineStopped,
    NoPullSignal,
    WipLimitReached,
)
from pullflow.services import Decision, FiveWhys, ServiceClass, SqlUnitOfWork, Verdict, WipPolicy
from pullflow.services.andon import (
    five_whys_template,
    read_five_whys,
    resume_line,
    stop_line,
)
from pullflow.services.boards import (
    configure_board,
    create_board,
    create_from_template,
    set_limit,
)
from pullflow.services.flow import (
    add_item,
    block_item,
    discard_item,
    edit_item,
    finish_item,
    pull_item,
    rerank_item,
    return_item,
    unblock_item,
)
from pullflow.services.learning import (
    conclude_experiment,
    link_item,
    start_experiment,
    state_hypothesis,
    unlink_item,
)
from pullflow.services.queries import (
    board_view,
    event_log,
    experiments_view,
    hypotheses_view,
    item_view,
    stops_view,
)
from tests.conftest import Clock

UowFactory = Callable[[], SqlUnitOfWork]

FIVE_WHYS = {
    "problem": "builds are red",
    "whys": [
        {
            "question": "Why?",
            "answer": "a flaky test",
            "countermeasure": "quarantine flaky tests",
            "owner": "bo",
            "effort": "3h",
        }
    ],
    "root_cause": "tests depend on the clock",
}


def simple_board(uow: UowFactory, clock: Clock, items: int = 0, stages: str = "") -> None:
    create_board(
        uow(),
        name="main",
        stages=stages or "Options,Build:2,Measure:2,Done",
        actor="ana",
        at=clock(),
    )
    for n in range(1, items + 1):
        add_item(uow(), board=None, title=f"item {n}", actor="ana", at=clock(hours=1))


def types(uow: UowFactory) -> list[str]:
    return [stored.event.type.value for stored in event_log(uow(), board=None)]


def test_the_flow_verbs_commit_state_and_events(uow: UowFactory, clock: Clock) -> None:
    simple_board(uow, clock, items=3)
    pull_item(uow(), board=None, stage="Build", actor="bo", at=clock(hours=1))
    pull_item(uow(), board=None, stage="Build", item=3, actor="bo", at=clock(hours=1))
    finish_item(uow(), board=None, item=1, actor="bo", at=clock(hours=1))
    pull_item(uow(), board=None, stage="Measure", actor="chen", at=clock(hours=1))
    block_item(uow(), board=None, item=3, reason="waiting", actor="bo", at=clock())
    unblock_item(uow(), board=None, item=3, actor="bo", at=clock())
    return_item(uow(), board=None, item=1, stage="Build", reason="redo", actor="chen", at=clock())
    discard_item(uow(), board=None, item=2, reason="dropped", actor="ana", at=clock())
    view = board_view(uow(), board=None, at=clock())
    build = view.stages[1]
    assert [card.number for card in build.doing] == [3, 1]
    assert view.stages[0].done == ()
    assert types(uow)[-8:] == [
        "item.pulled",
        "item.pulled",
        "item.finished",
        "item.pulled",
        "item.blocked",
        "item.unblocked",
        "item.returned",
        "item.discarded",
    ]


def test_wip_limit_holds_through_the_store(uow: UowFactory, clock: Clock) -> None:
    simple_board(uow, clock, items=3)
    for _ in range(2):
        pull_item(uow(), board=None, stage="Build", actor="bo", at=clock())
    with pytest.raises(WipLimitReached, match=r"Build is at its WIP limit \(2/2\)"):
        pull_item(uow(), board=None, stage="Build", actor="bo", at=clock())
    set_limit(
        uow(), board=None, stage="Build", limit=2, policy=WipPolicy.WARN, actor="a", at=clock()
    )
    outcome = pull_item(uow(), board=None, stage="Build", actor="bo", at=clock())
    assert [e.type.value for e in outcome.events] == ["item.pulled", "wip.exceeded"]
    assert board_view(uow(), board=None, at=clock()).stages[1].wip == 3


def test_ranking_editing_and_expedite(uow: UowFactory, clock: Clock) -> None:
    simple_board(uow, clock, items=3)
    rerank_item(uow(), board=None, item=3, position=1, actor="ana", at=clock())
    edit_item(
        uow(), board=None, item=2, service_class=ServiceClass.EXPEDITE, actor="ana", at=clock()
    )
    edit_item(uow(), board=None, item=1, due=date(2026, 12, 24), actor="ana", at=clock())
    options = board_view(uow(), board=None, at=clock()).stages[0].done
    assert [(c.number, c.rank, c.service_class) for c in options] == [
        (3, 1, "standard"),
        (1, 2, "fixed-date"),
        (2, 3, "expedite"),
    ]
    pulled = [
        pull_item(uow(), board=None, stage="Build", actor="bo", at=clock()).events[0].item
        for _ in range(2)
    ]
    assert pulled == [2, 1]


def test_ages_count_calendar_days_in_the_board_time_zone(uow: UowFactory, clock: Clock) -> None:
    simple_board(uow, clock, items=1)
    configure_board(uow(), board=None, timezone="Pacific/Auckland", actor="ana", at=clock())
    clock.now = clock.now.replace(hour=10, minute=0)  # 23:00 in Auckland (UTC+13)
    pull_item(uow(), board=None, stage="Build", actor="bo", at=clock())
    card = board_view(uow(), board=None, at=clock(hours=2)).stages[1].doing[0]
    assert card.age_days == 2  # it is already the next day in Auckland
    card, history = item_view(uow(), board=None, item=1, at=clock(days=3))
    assert card.age_days == 5
    assert [e.event.type.value for e in history] == ["item.added", "item.pulled"]


def test_experiments_pull_work_and_conclude(uow: UowFactory, clock: Clock) -> None:
    create_from_template(
        uow(), template_name="build-measure-learn", name="lab", actor="ana", at=clock()
    )
    for title in ("page", "email"):
        add_item(uow(), board="lab", title=title, actor="ana", at=clock())
    with pytest.raises(NoPullSignal):
        pull_item(uow(), board="lab", stage="Build", actor="bo", at=clock())
    for belief in ("a", "b", "c"):
        state_hypothesis(
            uow(),
            board="lab",
            belief=belief,
            test="t",
            metric="m",
            criterion="c",
            actor="ana",
            at=clock(),
        )
    start_experiment(uow(), board="lab", hypothesis=1, actor="ana", at=clock())
    start_experiment(uow(), board="lab", hypothesis=2, actor="ana", at=clock())
    with pytest.raises(ExperimentLimitReached):
        start_experiment(uow(), board="lab", hypothesis=3, actor="ana", at=clock())
    link_item(uow(), board="lab", experiment=1, item=2, actor="ana", at=clock())
    link_item(uow(), board="lab", experiment=2, item=1, actor="ana", at=clock())
    unlink_item(uow(), board="lab", experiment=2, item=1, actor="ana", at=clock())
    assert pull_item(uow(), board="lab", stage="Build", actor="bo", at=clock()).events[0].item == 2
    conclude_experiment(
        uow(),
        board="lab",
        experiment=1,
        verdict=Verdict.INVALIDATED,
        decision=Decision.PIVOT,
        observed="nobody opened it",
        learned="email is the wrong channel",
        next_step="try in-app",
        actor="ana",
        at=clock(),
    )
    [first, second, third] = hypotheses_view(uow(), board="lab")
    assert (first.status, second.status, third.status) == ("invalidated", "testing", "untested")
    experiments = experiments_view(uow(), board="lab")
    assert [(e.number, e.status, e.items) for e in experiments] == [
        (1, "concluded", (2,)),
        (2, "running", ()),
    ]
    assert experiments[0].to_json()["from_that_we_learned"] == "email is the wrong channel"


def test_the_andon_stops_and_resumes_through_the_store(uow: UowFactory, clock: Clock) -> None:
    simple_board(uow, clock, items=2)
    stop_line(uow(), board=None, reason="red", tags=["ci"], fix=2, people=2, actor="a", at=clock())
    with pytest.raises(LineStopped):
        pull_item(uow(), board=None, stage="Build", item=1, actor="bo", at=clock())
    assert pull_item(uow(), board=None, stage="Build", actor="bo", at=clock()).events[0].item == 2
    outcome = resume_line(
        uow(), board=None, five_whys=FiveWhys.from_data(FIVE_WHYS), actor="a", at=clock(hours=3)
    )
    assert outcome.events[0].data["investment"]["cost_person_hours"] == 6.0
    name, stops = stops_view(uow(), board=None)
    assert name == "main"
    assert stops[0].resumed_at == clock.now
    assert stops[0].five_whys is not None
    assert stops[0].five_whys["root_cause"] == "tests depend on the clock"
    stop_line(uow(), board=None, reason="red again", tags=["ci"], actor="a", at=clock())
    view = board_view(uow(), board=None, at=clock())
    assert [(s.number, s.repeat_of) for s in view.open_stops] == [(2, 1)]
    assert [stage.stopped_by for stage in view.stages] == [None, 2, 2, 2]


def test_five_whys_files_in_yaml_and_json(tmp_path: Path) -> None:
    filled = tmp_path / "whys.yaml"
    filled.write_text(
        "problem: builds are red\n"
        "whys:\n"
        "  - question: Why?\n"
        "    answer: a flaky test\n"
        "    countermeasure: quarantine\n"
        "    owner: bo\n"
        "    effort: 30m\n"
        "root_cause: clock\n"
    )
    assert read_five_whys(filled).planned_hours == 0.5
    as_json = tmp_path / "whys.json"
    as_json.write_text('{"problem": "p", "whys": [], "root_cause": "r"}')
    with pytest.raises(Invalid, match=r"whys\.json: The Five Whys has no whys"):
        read_five_whys(as_json)
    broken = tmp_path / "broken.yaml"
    broken.write_text("problem: [unclosed\n")
    with pytest.raises(Invalid, match=r"broken\.yaml:\d+: not valid YAML"):
        read_five_whys(broken)
    with pytest.raises(Invalid, match=r"Cannot read .*missing\.yaml"):
        read_five_whys(tmp_path / "missing.yaml")


def test_the_template_is_a_five_whys_once_filled(tmp_path: Path) -> None:
    text = five_whys_template("builds are red", "Five Whys for stop #1")
    assert text.startswith("# Five Whys for stop #1\n")
    filled = text.replace('answer: ""', "answer: because").replace(
        'countermeasure: ""', "countermeasure: fix"
    )
    filled = filled.replace('owner: ""', "owner: bo").replace('root_cause: ""', "root_cause: r")
    path = tmp_path / "whys.yaml"
    path.write_text(filled)
    analysis = read_five_whys(path)
    assert (analysis.problem, len(analysis.whys), analysis.planned_hours) == (
        "builds are red",
        5,
        5.0,
    )
    path.write_text(text)
    with pytest.raises(Invalid, match='why 1: "answer" is missing'):
        read_five_whys(path)
