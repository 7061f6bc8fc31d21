"""Builders for domain tests: a board with stages and items, moved by a test clock."""

from __future__ import annotations

from pullflow.domain.board import Board
from pullflow.domain.learning import PullSignal
from pullflow.domain.stages import parse_stages
from tests.conftest import Clock

ACTOR = "ana"


def board(
    clock: Clock,
    stages: str = "Options,Build:3,Measure:2,Done",
    *,
    signal: PullSignal = PullSignal.CAPACITY,
    experiment_limit: int | None = None,
    items: int = 0,
) -> Board:
    made = Board.create(
        "main",
        parse_stages(stages),
        actor=ACTOR,
        at=clock(),
        pull_signal=signal,
        experiment_limit=experiment_limit,
    )
    for n in range(1, items + 1):
        made.add_item(f"item {n}", actor=ACTOR, at=clock(hours=1))
    made.take_events()
    return made


def where(b: Board, number: int) -> tuple[str, str]:
    item = b.item(number)
    return item.stage.name, item.lane.value


def pull(b: Board, stage: str, clock: Clock, item: int | None = None, **kwargs: object) -> int:
    """Pull and return the number of the item that moved."""
    events = b.pull(stage, actor=ACTOR, at=clock(hours=1), item=item, **kwargs)  # type: ignore[arg-type]
    moved = events[0].item
    assert moved is not None
    return moved
