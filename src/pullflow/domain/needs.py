"""What part of a board a change must see before it can decide.

A board can hold thousands of waiting and delivered items, yet a change touches few: a pull
into Measure needs the items of Build and Measure, a block needs one item. Each use case says
what it needs with one of the functions here (they read the board's stages and settings,
never its items), and the store loads exactly that. The board refuses to answer a question
about items it was not given (see ``Board.restrict_to``), so a missing need fails loudly in
the tests instead of deciding on half the picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from pullflow.domain.errors import NotFound
from pullflow.domain.items import ServiceClass
from pullflow.domain.stages import Stage


@dataclass(frozen=True, slots=True)
class Needs:
    """What to load besides the stages and the open stops.

    ``stages``: positions of stages whose items in the flow are needed; ``items``: items by
    number, whatever their state; ``expedite``: the board's expedite item; ``history``: every
    stop, resumed ones too.
    """

    stages: frozenset[int] = field(default_factory=frozenset)
    items: frozenset[int] = field(default_factory=frozenset)
    expedite: bool = False
    history: bool = False

    @classmethod
    def of(
        cls,
        stages: Iterable[Stage] = (),
        items: Iterable[int | None] = (),
        *,
        expedite: bool = False,
        history: bool = False,
    ) -> Needs:
        return cls(
            frozenset(stage.position for stage in stages),
            frozenset(number for number in items if number is not None),
            expedite,
            history,
        )


class Layout(Protocol):
    """What planning a load may look at: the stages (a ``Board`` is a layout)."""

    stages: list[Stage]

    def stage(self, name: str) -> Stage: ...


def _stage_or_none(board: Layout, name: str) -> Stage | None:
    """The stage, or None so that the change itself reports the unknown name."""
    try:
        return board.stage(name)
    except NotFound:
        return None


def to_pull(board: Layout, stage: str, item: int | None) -> Needs:
    """The receiving stage (for its limit) and the named item, or else every candidate.

    Pulling the next item by policy compares all the items waiting in the stage before.
    """
    target = _stage_or_none(board, stage)
    if target is None or target.position == 0:
        return Needs.of(items=[item])
    if item is not None:
        return Needs.of([target], [item])
    return Needs.of([target, board.stages[target.position - 1]])


def to_move(board: Layout, item: int | None, stage: str | None = None) -> Needs:
    """One item, and the stage it enters (for its WIP limit)."""
    target = _stage_or_none(board, stage) if stage is not None else None
    return Needs.of([target] if target else [], [item])


def to_add(board: Layout, service_class: ServiceClass | None, position: int | None) -> Needs:
    """The options when a position or their limit matters; the expedite item for expedite."""
    options = board.stages[0]
    needs_options = position is not None or options.limit is not None
    return Needs.of(
        [options] if needs_options else [], expedite=service_class is ServiceClass.EXPEDITE
    )


def to_edit(board: Layout, item: int, service_class: ServiceClass | None) -> Needs:
    return Needs.of(items=[item], expedite=service_class is ServiceClass.EXPEDITE)


def to_rerank(board: Layout, item: int) -> Needs:
    return Needs.of([board.stages[0]], [item])


def to_limit(board: Layout, stage: str) -> Needs:
    """The stage whose limit changes, to record its WIP at that moment."""
    return to_move(board, None, stage)


def to_stop(board: Layout, fix: int | None) -> Needs:
    """The fix item, and every earlier stop to tell whether this one repeats a tag."""
    return Needs.of(items=[fix], history=True)


def to_resume(board: Layout) -> Needs:
    """Every stop: resuming may name one, or must find the only open one."""
    return Needs.of(history=True)


def nothing(board: Layout) -> Needs:
    """Changes that read no items: settings, hypotheses, experiments."""
    return Needs()
