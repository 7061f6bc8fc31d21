"""Items read from another tool's export, ready to be recorded on a board.

An importer turns a file into an ``ImportedHistory``: the stages of the source workflow in
order and, per item, the first time it entered each stage it reached. A board records them
with ``Board.import_items`` as ordinary events (added, pulled, discarded), marked as imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ImportedItem:
    """One item of an export: its id there, title, and when it first entered each stage.

    ``entries`` holds (stage position, moment) pairs in workflow order with times that never go
    backwards; skipped stages are simply absent. Moments carry a time zone.
    """

    source_id: str
    title: str
    entries: tuple[tuple[int, datetime], ...]
    created_at: datetime | None = None
    discarded_at: datetime | None = None
    service_class: str = "standard"
    due: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportedHistory:
    """What an importer read: the stages in order, the items, and notes on what it repaired."""

    stages: tuple[str, ...]
    items: tuple[ImportedItem, ...]
    notes: tuple[str, ...] = ()
