"""An imported history as a flow ``History``: workflow, catalogue and moves in columns.

Each stage entry becomes an ENTER move (doing lane: an import records no lanes), each discard
a DISCARD move. An item was created at its ``created_at``, else at its first entry. Attributes
go into the catalogue (empty text where an item has none); the class of service is the value
of an attribute named like "class of service" or "service class", else the item's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from pullflow.domain.errors import Invalid
from pullflow.domain.imported import ImportedHistory, ImportedItem
from pullflow.flow.history import DOING, Catalogue, History, Kind, Moves, Workflow
from pullflow.imports.assemble import SERVICE_CLASS_NAMES, attribute_key, service_class_of
from pullflow.imports.dates import zone_of


def to_history(
    imported: ImportedHistory,
    *,
    commitment: str | int | None = None,
    delivery: str | int | None = None,
    timezone: str = "UTC",
    waiting: Sequence[str] = (),
) -> History:
    """The flow history of an import.

    ``commitment`` and ``delivery`` name stages (any case) or give positions; by default the
    second stage and the last. ``waiting`` names stages whose time is not active work.
    """
    return History(
        workflow_of(imported.stages, commitment, delivery, timezone, waiting),
        *_columns(imported),
        notes=imported.notes,
    )


def workflow_of(
    stages: Sequence[str],
    commitment: str | int | None,
    delivery: str | int | None,
    timezone: str,
    waiting: Sequence[str],
    *,
    lanes: bool = False,
) -> Workflow:
    """The workflow of stages with points and waiting stages named by the caller, checked."""
    names = tuple(stages)
    if len(names) < 2:
        raise Invalid(
            f"a workflow needs at least two stages and this history has {len(names)} "
            f"({', '.join(names) or 'none'}); give a file with more stages."
        )
    if len({name.lower() for name in names}) < len(names):
        raise Invalid(f"the stages ({', '.join(names)}) name a stage twice; name each stage once.")
    zone_of(timezone)
    start = _position(names, commitment, 1, "commitment point")
    end = _position(names, delivery, len(names) - 1, "delivery point")
    if start > end:
        raise Invalid(
            f'the commitment point "{names[start]}" comes after the delivery point '
            f'"{names[end]}"; choose a commitment point at or before the delivery point.'
        )
    paused = frozenset(_position(names, name, 0, "waiting stage") for name in waiting)
    return Workflow(names, start, end, timezone.strip(), lanes=lanes, waiting=paused)


def _position(stages: tuple[str, ...], given: str | int | None, default: int, role: str) -> int:
    if given is None:
        return default
    if isinstance(given, int):
        if -len(stages) <= given < len(stages):
            return given % len(stages)
        raise Invalid(
            f"there is no stage at position {given} for the {role}; the stages are "
            f"{', '.join(stages)} (positions 0 to {len(stages) - 1})."
        )
    wanted = given.strip().lower()
    for index, stage in enumerate(stages):
        if stage.lower() == wanted:
            return index
    raise Invalid(
        f'there is no stage "{given}" for the {role}; the stages are {", ".join(stages)}.'
    )


def _columns(imported: ImportedHistory) -> tuple[Catalogue, Moves]:
    items = imported.items
    count = len(items)
    keys = list(dict.fromkeys(chain.from_iterable(item.attributes for item in items)))
    attributes = {key: [item.attributes.get(key, "") for item in items] for key in keys}
    named = next((key for key in keys if attribute_key(key) in SERVICE_CLASS_NAMES), None)
    classes = [_service_class(item, named) for item in items]
    catalogue = Catalogue.of(
        [item.source_id for item in items],
        [item.title for item in items],
        classes,
        [_created(item) for item in items],
        attributes,
    )
    sizes = np.fromiter((len(item.entries) for item in items), dtype=np.int64, count=count)
    total = int(sizes.sum())
    entry_item = np.repeat(np.arange(count, dtype=np.int64), sizes)
    entry_stage = np.fromiter(
        (stage for item in items for stage, _ in item.entries), dtype=np.int64, count=total
    )
    entry_at = np.fromiter(
        (moment.timestamp() for item in items for _, moment in item.entries),
        dtype=np.float64,
        count=total,
    )
    if total and (entry_stage.min() < 0 or entry_stage.max() >= len(imported.stages)):
        raise Invalid("an imported item enters a stage the history does not have.")
    gone = [
        (row, item.discarded_at.timestamp()) for row, item in enumerate(items) if item.discarded_at
    ]
    gone_item = np.array([row for row, _ in gone], dtype=np.int64)
    gone_at = np.array([at for _, at in gone], dtype=np.float64)
    moves = Moves.of(
        np.r_[entry_item, gone_item],
        np.r_[entry_at, gone_at],
        np.r_[np.full(total, Kind.ENTER, np.int8), np.full(len(gone), Kind.DISCARD, np.int8)],
        np.r_[entry_stage, np.full(len(gone), -1, np.int64)],
        np.full(total + len(gone), DOING, np.int8),
    )
    return catalogue, moves


def _service_class(item: ImportedItem, named: str | None) -> str:
    written = item.attributes.get(named, "") if named else ""
    return service_class_of({"class of service": written}) or item.service_class


def _created(item: ImportedItem) -> float:
    if item.created_at is not None:
        return item.created_at.timestamp()
    if item.entries:
        return item.entries[0][1].timestamp()
    return item.discarded_at.timestamp() if item.discarded_at else float("nan")
