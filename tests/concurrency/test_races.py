"""Limits hold when many processes act at once, on SQLite and on PostgreSQL.

Sixteen processes, each opening the database on its own, wait at a barrier and then run the
same command through the command line at the same moment. They are forked from a server
process that has already imported pullflow, so each starts in milliseconds and shares nothing
with the test's own connections.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest

from pullflow.services import SqlUnitOfWork
from pullflow.services.boards import create_board
from pullflow.services.flow import add_item, finish_item, pull_item
from pullflow.services.learning import state_hypothesis
from pullflow.services.queries import board_view, event_log
from tests.conftest import Clock

PROCESSES = 16
UowFactory = Callable[[], SqlUnitOfWork]

pytestmark = pytest.mark.slow


def _act(url: str, argv: list[str], barrier: Barrier, results: Any, index: int) -> None:
    """One competitor: open the store, wait for the others, run the command."""
    from pullflow.cli import context
    from pullflow.cli.app import run

    context.unit_of_work(url)  # opens the store (and checks its schema) before the start
    barrier.wait(timeout=120)
    errors = io.StringIO()
    with redirect_stderr(errors), redirect_stdout(io.StringIO()):
        code = run([*argv, "--db", url, "--as", f"racer-{index}"])
    results.put((index, code, errors.getvalue().strip()))


def race(url: str, argv_for: Callable[[int], list[str]]) -> list[tuple[int, int, str]]:
    """Run one command per process, all released at once; return (index, exit code, stderr)."""
    forks = multiprocessing.get_context("forkserver")
    forks.set_forkserver_preload(["pullflow.cli.app", __name__])
    barrier = forks.Barrier(PROCESSES)
    results = forks.Queue()
    racers = [
        forks.Process(target=_act, args=(url, argv_for(i), barrier, results, i))
        for i in range(PROCESSES)
    ]
    for racer in racers:
        racer.start()
    outcomes = [results.get(timeout=180) for _ in racers]
    for racer in racers:
        racer.join(timeout=60)
        assert racer.exitcode == 0
    return sorted(outcomes)


def test_sixteen_pulls_into_a_stage_with_room_for_three(
    db_url: str, uow: UowFactory, clock: Clock
) -> None:
    create_board(uow(), name="main", stages="Options,Prep,Build:3,Done", actor="a", at=clock())
    for n in range(1, PROCESSES + 1):
        add_item(uow(), board=None, title=f"item {n}", actor="a", at=clock())
        pull_item(uow(), board=None, stage="Prep", actor="a", at=clock())
        finish_item(uow(), board=None, item=n, actor="a", at=clock())

    outcomes = race(db_url, lambda i: ["pull", "Build"])

    succeeded = [o for o in outcomes if o[1] == 0]
    refused = [o for o in outcomes if o[1] != 0]
    assert len(succeeded) == 3
    assert len(refused) == 13
    for _, code, message in refused:
        assert code == 1
        assert message.startswith("Build is at its WIP limit (3/3): ")
    pulls = [
        stored.event
        for stored in event_log(uow(), board=None)
        if stored.event.type.value == "item.pulled" and stored.event.to_stage == "Build"
    ]
    assert len(pulls) == 3
    assert len({event.item for event in pulls}) == 3
    assert {event.actor for event in pulls} == {f"racer-{o[0]}" for o in succeeded}
    assert board_view(uow(), board=None, at=clock()).stages[2].wip == 3


def test_sixteen_experiments_started_against_a_limit_of_three(
    db_url: str, uow: UowFactory, clock: Clock
) -> None:
    create_board(uow(), name="main", stages="Options,Build,Done", actor="a", at=clock())
    from pullflow.services.boards import configure_board

    configure_board(uow(), board=None, experiment_limit=3, actor="a", at=clock())
    for n in range(1, PROCESSES + 1):
        state_hypothesis(
            uow(),
            board=None,
            belief=f"belief {n}",
            test="t",
            metric="m",
            criterion="c",
            actor="a",
            at=clock(),
        )

    outcomes = race(db_url, lambda i: ["experiment", "start", f"H{i + 1}"])

    assert [code for _, code, _ in outcomes].count(0) == 3
    refusals = [message for _, code, message in outcomes if code != 0]
    assert len(refusals) == 13
    assert all(
        m.startswith("The board already runs 3 experiments, its limit (3/3)") for m in refusals
    )
    started = [
        stored
        for stored in event_log(uow(), board=None)
        if stored.event.type.value == "experiment.started"
    ]
    assert [s.event.experiment for s in started] == [1, 2, 3]
