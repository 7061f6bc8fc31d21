"""Recording another tool's history on a board: one use case, one transaction.

An importer reads a file into an ``ImportedHistory``; ``import_history`` records it on a board
as ordinary events through the one write path (``change``): on a new board made from the
history's stages, or on an existing one whose stages carry the same names. Either the whole
history is written, with the board if it is new, or nothing is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pullflow.domain.board import Board, check_board_name
from pullflow.domain.errors import Invalid, NotFound
from pullflow.domain.events import Event, EventType
from pullflow.domain.imported import ImportedHistory
from pullflow.domain.learning import PullSignal
from pullflow.domain.stages import StageSpec
from pullflow.domain.text import squeeze
from pullflow.services.unit import Outcome, change
from pullflow.store import SqlUnitOfWork


def import_history(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    history: ImportedHistory,
    actor: str,
    at: datetime,
    create: bool = True,
    timezone: str = "UTC",
) -> Outcome:
    """Record an imported history on ``board``; the outcome lists every event recorded.

    A board that does not exist yet is created (when ``create``) with the history's stages
    (the first the options, the last done, no WIP limits, pulled by capacity, in ``timezone``),
    dated at the history's first moment. On an existing board each stage of the history must
    be one of the board's, by name whatever the case, in the board's order. Without a board
    name, the history goes onto the only board there is. An item whose id in the source was
    imported onto the board before is left as it is, so importing a file again adds only its
    new items. See ``Board.import_items`` for what is recorded and checked.
    """
    name = check_board_name(board) if board is not None else None

    def new_board() -> Board:
        return _board_for(name or "", history, actor, at, timezone)

    def record(target: Board) -> list[Event]:
        before = imported_before(uow, target.name)
        fresh = [item for item in history.items if item.source_id not in before]
        return target.import_items(
            fresh, stage_map=stage_map(target, history.stages), actor=actor, at=at
        )

    try:
        return change(uow, name, record, create=new_board if create else None)
    except NotFound:
        if name is not None:
            raise
        # Without a name the history goes onto the only board, and there is none.
        raise NotFound(
            "There is no board to import into: name the new board to create with --board."
        ) from None


def imported_before(uow: SqlUnitOfWork, board: str) -> set[str]:
    """The source ids of the items imported onto ``board`` so far (read in the change)."""
    added = uow.events.read(board, types=[EventType.ITEM_ADDED.value])
    origins = (stored.event.data.get("imported") for stored in added)
    return {str(origin["source_id"]) for origin in origins if isinstance(origin, dict)}


def stage_map(board: Board, stages: Sequence[str]) -> list[int]:
    """The board position of each stage of a history, matched by name whatever the case.

    A stage the board lacks, or stages in another order than the board's, are refused with a
    sentence naming the board's stages.
    """
    positions: list[int] = []
    known = {stage.name.lower(): stage for stage in board.stages}
    names = ", ".join(stage.name for stage in board.stages)
    for name in stages:
        stage = known.get(squeeze(name).lower())
        if stage is None:
            raise Invalid(
                f"Stage {name!r} of the import is not on board {board.name}: its stages are "
                f"{names}, so rename the stage in the file or import into a new board."
            )
        if positions and stage.position <= positions[-1]:
            before = board.stages[positions[-1]].name
            raise Invalid(
                f"Stage {stage.name!r} comes after {before!r} in the import but not on board "
                f"{board.name}, whose stages are {names}: put the stages of the file in the "
                "board's order."
            )
        positions.append(stage.position)
    return positions


def _board_for(
    name: str, history: ImportedHistory, actor: str, at: datetime, timezone: str
) -> Board:
    """A new board with the history's stages, created when its history begins."""
    if len(history.stages) < 3:
        raise Invalid(
            f"A board cannot be made from an import with {len(history.stages)} stages: a board "
            "needs the options, at least one working stage and done, so import into an "
            "existing board or give the file more stages."
        )
    return Board.create(
        name,
        [StageSpec(stage) for stage in history.stages],
        actor=actor,
        at=_first_moment(history, at),
        pull_signal=PullSignal.CAPACITY,
        timezone=timezone,
    )


def _first_moment(history: ImportedHistory, at: datetime) -> datetime:
    """The earliest moment of the history (zoned ones only), or ``at`` if it has none."""
    moments = [
        moment
        for item in history.items
        for moment in (item.created_at, *(entry for _, entry in item.entries), item.discarded_at)
        if moment is not None and moment.tzinfo is not None
    ]
    return min([*moments, at])
