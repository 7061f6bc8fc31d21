"""Small histories written by hand: each item a list of moves on (fractional) days from day 0.

Day 0 is 2026-01-05, a Monday, at midnight UTC; ``day(3.5)`` is noon on 2026-01-08.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from pullflow.flow.history import (
    DOING,
    DONE,
    Catalogue,
    History,
    Kind,
    Learning,
    Moves,
    Workflow,
)

ORIGIN = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
ORIGIN_DATE = date(2026, 1, 5)
STAGES = ("Options", "Build", "Test", "Done")


def day(value: float) -> float:
    return ORIGIN + value * 86_400


Move = tuple[str, float] | tuple[str, float, str] | tuple[str, float, str, str]


def history(
    items: Mapping[str, Sequence[Move]],
    *,
    stages: Sequence[str] = STAGES,
    lanes: bool = False,
    timezone: str = "UTC",
    commitment: int = 1,
    delivery: int = -1,
    service_class: Mapping[str, str] | None = None,
    attributes: Mapping[str, Mapping[str, str]] | None = None,
    learning: Learning | None = None,
    as_of: float | None = None,
) -> History:
    """Moves are ("enter", day, stage[, lane]), ("finish", day), ("block", day), ("unblock",
    day) or ("discard", day)."""
    ids = list(items)
    rows: tuple[list[int], list[float], list[int], list[int], list[int]] = ([], [], [], [], [])
    for position, moves in enumerate(items.values()):
        for move in moves:
            kind, when = move[0], move[1]
            stage = stages.index(move[2]) if len(move) > 2 else -1
            lane = DONE if len(move) > 3 and move[3] == "done" else DOING
            rows[0].append(position)
            rows[1].append(day(when))
            rows[2].append(int(Kind[kind.upper()]))
            rows[3].append(stage)
            rows[4].append(lane)
    classes = [(service_class or {}).get(i, "standard") for i in ids]
    attrs = {key: [values.get(i, "") for i in ids] for key, values in (attributes or {}).items()}
    workflow = Workflow(
        tuple(stages), commitment=commitment, delivery=delivery, timezone=timezone, lanes=lanes
    )
    return History(
        workflow,
        Catalogue.of(ids, [f"title {i}" for i in ids], classes, None, attrs),
        Moves.of(*rows),
        learning,
        day(as_of) if as_of is not None else None,
    )


def through(*entries: tuple[str, float]) -> list[Move]:
    """An item entering each (stage, day) in turn."""
    return [("enter", when, stage) for stage, when in entries]


def filtered_ids(source: History, **filters: object) -> list[str]:
    """The ids of the items a filter keeps."""
    from pullflow.flow.filters import select

    return [str(i) for i in select(source, **filters).catalogue.ids]  # type: ignore[arg-type]
