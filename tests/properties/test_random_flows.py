"""Random sequences of verbs, through the real store on both backends.

Whatever is tried, in whatever order: a stage whose policy is ``block`` never goes over its
limit (only an expedite item may take it past, and that is recorded), a refused verb writes
nothing, and replaying the stored events rebuilds exactly the stored state.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pullflow.domain.board import Board
from pullflow.services import (
    Decision,
    DomainError,
    FiveWhys,
    PullSignal,
    ServiceClass,
    SqlUnitOfWork,
    Store,
    Verdict,
    WipPolicy,
    andon,
    boards,
    flow,
    learning,
)
from pullflow.services.queries import board_history, board_view, event_log
from pullflow.services.views import BoardView
from tests.snapshot import snapshot

STAGES = ["Options", "Build", "Review", "Done"]
START = datetime(2026, 11, 2, 9, tzinfo=UTC)
WHYS = FiveWhys.from_data(
    {
        "problem": "p",
        "whys": [
            {"question": "q", "answer": "a", "countermeasure": "c", "owner": "o", "effort": 1}
        ],
        "root_cause": "r",
    }
)
boards_made = itertools.count()

#: Every run starts with work in the options and an experiment that pulls it.
OPENING: list[tuple[Any, ...]] = [
    *[("add", ServiceClass.STANDARD)] * 5,
    ("hypothesis",),
    ("experiment", 1),
    *[("link", 1, n) for n in range(1, 6)],
]


def pick(known: list[int]) -> st.SearchStrategy[int]:
    """Mostly an item where the verb makes sense, sometimes any number at all."""
    anything = st.integers(min_value=1, max_value=12)
    return (
        st.one_of(st.sampled_from(known), st.sampled_from(known), anything) if known else anything
    )


def command_for(view: BoardView) -> st.SearchStrategy[tuple[Any, ...]]:
    """A verb with arguments drawn from what is on the board now."""
    stages = {stage.name: stage for stage in view.stages}
    ready = {name: [c.number for c in stage.done] for name, stage in stages.items()}
    doing = [c.number for stage in view.stages for c in stage.doing]
    active = [c.number for stage in view.stages[:-1] for c in (*stage.doing, *stage.done)]
    blocked = [
        c.number for stage in view.stages for c in (*stage.doing, *stage.done) if c.blocked_reason
    ]
    later = [c.number for stage in view.stages[2:] for c in (*stage.doing, *stage.done)]
    pulls = [
        st.tuples(st.just("pull"), st.just(name), st.none() | pick(ready[STAGES[i]]))
        for i, name in enumerate(STAGES[1:])
    ]
    finishes = st.tuples(st.just("finish"), pick(doing), st.just(False))
    return st.one_of(
        *pulls,
        *pulls,
        *pulls,
        finishes,
        finishes,
        finishes,
        st.tuples(st.just("finish"), pick(doing), st.just(True)),
        st.tuples(st.just("add"), st.sampled_from(list(ServiceClass))),
        st.tuples(st.just("block"), pick(active)),
        st.tuples(st.just("unblock"), pick(blocked)),
        st.tuples(st.just("discard"), pick(active)),
        st.tuples(st.just("return"), pick(later), st.sampled_from(STAGES[:-1])),
        st.tuples(
            st.just("limit"),
            st.sampled_from(STAGES[1:-1]),
            st.integers(min_value=1, max_value=3),
            st.sampled_from(list(WipPolicy)),
        ),
        st.tuples(st.just("rerank"), pick(ready["Options"]), st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("hypothesis")),
        st.tuples(st.just("experiment"), st.integers(min_value=1, max_value=3)),
        st.tuples(st.just("link"), st.integers(min_value=1, max_value=3), pick(ready["Options"])),
        st.tuples(st.just("conclude"), st.integers(min_value=1, max_value=3)),
        st.tuples(
            st.just("stop"), st.none() | st.sampled_from(STAGES[1:]), st.none() | pick(active)
        ),
        st.tuples(st.just("resume")),
        st.tuples(st.just("resume")),
    )


def apply(
    uow: Callable[[], SqlUnitOfWork], board: str, command: tuple[Any, ...], at: datetime
) -> Any:
    """Run one generated command as the user would, through its use case."""
    verb, *args = command
    common: dict[str, Any] = {"board": board, "actor": "prop", "at": at}
    match verb:
        case "add":
            due = (at + timedelta(days=7)).date() if args[0] is ServiceClass.FIXED_DATE else None
            return flow.add_item(uow(), title="x", service_class=args[0], due=due, **common)
        case "pull":
            return flow.pull_item(uow(), stage=args[0], item=args[1], **common)
        case "finish":
            return flow.finish_item(uow(), item=args[0], deliver=args[1], **common)
        case "block":
            return flow.block_item(uow(), item=args[0], reason="stuck", **common)
        case "unblock":
            return flow.unblock_item(uow(), item=args[0], **common)
        case "discard":
            return flow.discard_item(uow(), item=args[0], reason="dropped", **common)
        case "return":
            return flow.return_item(uow(), item=args[0], stage=args[1], reason="redo", **common)
        case "limit":
            return boards.set_limit(uow(), stage=args[0], limit=args[1], policy=args[2], **common)
        case "rerank":
            return flow.rerank_item(uow(), item=args[0], position=args[1], **common)
        case "hypothesis":
            return learning.state_hypothesis(
                uow(), belief="b", test="t", metric="m", criterion="c", **common
            )
        case "experiment":
            return learning.start_experiment(uow(), hypothesis=args[0], **common)
        case "link":
            return learning.link_item(uow(), experiment=args[0], item=args[1], **common)
        case "conclude":
            return learning.conclude_experiment(
                uow(),
                experiment=args[0],
                verdict=Verdict.VALIDATED,
                decision=Decision.PERSEVERE,
                observed="o",
                learned="l",
                next_step="n",
                **common,
            )
        case "stop":
            return andon.stop_line(uow(), reason="stop", stage=args[0], fix=args[1], **common)
        case "resume":
            return andon.resume_line(uow(), five_whys=WHYS, **common)
    raise AssertionError(f"unknown command {command}")


def limits(view: BoardView) -> dict[str, tuple[int | None, int | None, str]]:
    return {stage.name: (stage.wip, stage.limit, stage.policy) for stage in view.stages}


def check_run(store: Store, data: st.DataObject, steps: int, signal: str) -> None:
    uow = store.unit_of_work
    board = f"b{next(boards_made)}"
    at = START
    boards.create_board(
        uow(),
        name=board,
        stages="Options,Build:2,Review:1:warn,Done",
        pull_signal=PullSignal(signal),
        experiment_limit=2,
        actor="prop",
        at=at,
    )
    for command in OPENING:
        apply(uow, board, command, at)
    view = board_view(uow(), board=board, at=at)
    for _ in range(steps):
        command = data.draw(command_for(view))
        at += timedelta(hours=1)
        logged = len(event_log(uow(), board=board))
        try:
            outcome = apply(uow, board, command, at)
        except DomainError:
            assert len(event_log(uow(), board=board)) == logged, f"{command} was refused but wrote"
            continue
        before, view = limits(view), board_view(uow(), board=board, at=at)
        expedited = {
            e.to_stage
            for e in outcome.events
            if e.type.value == "wip.exceeded" and e.data["policy"] == "expedite"
        }
        for stage, (wip, limit, policy) in limits(view).items():
            if policy != "block" or limit is None or wip is None:
                continue
            if wip > limit and wip > (before[stage][0] or 0):
                assert stage in expedited, f"{command} took {stage} to {wip}/{limit}"
    stored, history = board_history(uow(), board=board)
    assert snapshot(stored) == snapshot(Board.replay(e.event for e in history))


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    steps=st.integers(min_value=10, max_value=60),
    signal=st.sampled_from(["capacity", "experiment"]),
)
def test_random_verbs_keep_limits_and_replay_to_the_stored_state(
    store: Store, data: st.DataObject, steps: int, signal: str
) -> None:
    check_run(store, data, steps, signal)
