"""A change that waits for the board lock decides on what the holder committed, not on what
it saw before waiting: a limit lowered or a line stopped meanwhile is respected."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from pullflow.domain.board import Board
from pullflow.domain.errors import DomainError, LineStopped, WipLimitReached
from pullflow.domain.needs import Needs
from pullflow.services import SqlUnitOfWork
from pullflow.services.boards import create_board
from pullflow.services.flow import add_item, pull_item
from tests.conftest import Clock

UowFactory = Callable[[], SqlUnitOfWork]


def everything(board: Board) -> Needs:
    return Needs.of(board.stages, expedite=True, history=True)


def while_locked(
    uow: UowFactory, clock: Clock, change: Callable[[Board], object], waiter: Callable[[], object]
) -> BaseException | None:
    """Hold the board lock, start ``waiter`` in a thread, change the board, commit; return
    what the waiter raised (None if it succeeded)."""
    outcome: list[BaseException | None] = []

    def wait_for_lock() -> None:
        try:
            waiter()
        except DomainError as refused:
            outcome.append(refused)
        else:
            outcome.append(None)

    holder = uow()
    with holder:
        board = holder.boards.lock(None, everything)
        thread = threading.Thread(target=wait_for_lock)
        thread.start()
        time.sleep(0.5)  # the waiter has read the board and is waiting for the lock
        assert thread.is_alive()
        change(board)
        holder.commit()
    thread.join(timeout=30)
    return outcome[0]


@pytest.fixture
def two_in_build(uow: UowFactory, clock: Clock) -> None:
    create_board(uow(), name="main", stages="Options,Build:3,Done", actor="a", at=clock())
    for title in ("a", "b", "c"):
        add_item(uow(), board=None, title=title, actor="a", at=clock())
    for _ in range(2):
        pull_item(uow(), board=None, stage="Build", actor="a", at=clock())


@pytest.mark.usefixtures("two_in_build")
def test_a_limit_lowered_while_a_pull_waits_holds(uow: UowFactory, clock: Clock) -> None:
    refused = while_locked(
        uow,
        clock,
        lambda board: board.set_limit("Build", 2, actor="a", at=clock()),
        lambda: pull_item(uow(), board=None, stage="Build", item=3, actor="b", at=clock()),
    )
    assert isinstance(refused, WipLimitReached)
    assert str(refused).startswith("Build is at its WIP limit (2/2)")


@pytest.mark.usefixtures("two_in_build")
def test_a_line_stopped_while_a_pull_waits_holds(uow: UowFactory, clock: Clock) -> None:
    refused = while_locked(
        uow,
        clock,
        lambda board: board.stop_line(reason="broken", actor="a", at=clock()),
        lambda: pull_item(uow(), board=None, stage="Build", item=3, actor="b", at=clock()),
    )
    assert isinstance(refused, LineStopped)


@pytest.mark.usefixtures("two_in_build")
def test_items_added_while_a_change_waits_keep_their_numbers(uow: UowFactory, clock: Clock) -> None:
    refused = while_locked(
        uow,
        clock,
        lambda board: board.add_item("d", actor="a", at=clock()),
        lambda: add_item(uow(), board=None, title="e", actor="b", at=clock()),
    )
    assert refused is None
    from pullflow.services.queries import board_view

    waiting = board_view(uow(), board=None, at=clock()).stages[0].done
    assert [(card.number, card.title) for card in waiting] == [(3, "c"), (4, "d"), (5, "e")]
