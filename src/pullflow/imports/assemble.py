"""From the raw entries a reader found to the items of an ``ImportedHistory``, with notes.

The rules every reader shares, each stated in a note when it changed something:

- **Duplicate ids** are merged into one item: every stage keeps its earliest date over all the
  records of that id; the title, creation, discard and attributes come from the first record
  that has them.
- **Backwards**: the first entry into each stage is kept. A stage first entered after a later
  stage had been entered takes that later stage's date (as a skipped stage would), so the
  entries never go backwards along the workflow. Items this touched are counted.
- Items with no stage entry that were not discarded are left out (named in a note).
- The class of service comes from an attribute named like "class of service" or "service
  class"; values the board does not know are read as standard (the attribute keeps them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pullflow.domain.imported import ImportedHistory, ImportedItem
from pullflow.domain.items import ServiceClass
from pullflow.imports.source import listing, plural

#: Attribute names (lower case, letters only) that hold the class of service.
SERVICE_CLASS_NAMES = frozenset({"classofservice", "serviceclass", "cos"})


@dataclass
class Draft:
    """An item while it is being read: entries as (moment, stage position) in any order."""

    source_id: str
    title: str = ""
    entries: list[tuple[datetime, int]] = field(default_factory=list)
    created_at: datetime | None = None
    discarded_at: datetime | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    #: The class of service when no attribute names one.
    service_class: str = ServiceClass.STANDARD.value

    def absorb(self, other: Draft) -> None:
        """Take in another record of the same id (the rule for duplicate ids)."""
        self.entries.extend(other.entries)
        self.title = self.title or other.title
        if other.created_at is not None and (
            self.created_at is None or other.created_at < self.created_at
        ):
            self.created_at = other.created_at
        self.discarded_at = self.discarded_at or other.discarded_at
        for key, value in other.attributes.items():
            if value and not self.attributes.get(key):
                self.attributes[key] = value


def attribute_key(name: str) -> str:
    """An attribute name reduced to its letters, lower case, for recognising it."""
    return re.sub(r"[^a-z]", "", name.lower())


def list_value(text: str) -> str:
    """A value that may list several things (``a | b``, ``a; b``), kept as ``a|b``."""
    parts = [part.strip() for part in re.split(r"[|;]", text)]
    return "|".join(part for part in parts if part)


def service_class_of(attributes: Mapping[str, str]) -> str | None:
    """The class of service an attribute names (lower case, words joined by -), or None."""
    for key, value in attributes.items():
        if attribute_key(key) in SERVICE_CLASS_NAMES and value.strip():
            return "-".join(value.strip().lower().replace("_", " ").split())
    return None


def assemble(
    stages: Iterable[str],
    drafts: Iterable[Draft],
    *,
    moves: bool,
    notes: Iterable[str] = (),
    record: str = "row",
) -> ImportedHistory:
    """The imported history of the drafts, in the order their ids first appear.

    ``moves`` says what the entries are: a sequence of moves in time (then an item went
    backwards when it moved to an earlier stage) or one date per stage (then when a stage's
    date is later than a following stage's). ``record`` names a record in the notes.
    """
    merged, duplicates = _merged(drafts)
    items: list[ImportedItem] = []
    backwards, empty, unknown = 0, [], []
    known = {member.value for member in ServiceClass}
    for draft in merged:
        entries, went_back = _settled(draft.entries, moves=moves)
        backwards += went_back
        if not entries and draft.discarded_at is None:
            empty.append(draft.source_id)
            continue
        written = service_class_of(draft.attributes) or draft.service_class
        if written not in known:
            unknown.append(written)
        items.append(
            ImportedItem(
                source_id=draft.source_id,
                title=draft.title or draft.source_id,
                entries=entries,
                created_at=draft.created_at,
                discarded_at=draft.discarded_at,
                service_class=written if written in known else ServiceClass.STANDARD.value,
                attributes=dict(draft.attributes),
            )
        )
    told = [*notes]
    told += _duplicate_note(duplicates, record)
    told += _backwards_note(backwards, moves=moves)
    told += _empty_note(empty)
    told += _class_note(unknown)
    if not items:
        told.append("The file holds no items.")
    return ImportedHistory(tuple(stages), tuple(items), tuple(told))


def _merged(drafts: Iterable[Draft]) -> tuple[list[Draft], list[str]]:
    kept: dict[str, Draft] = {}
    duplicates: dict[str, None] = {}
    for draft in drafts:
        first = kept.get(draft.source_id)
        if first is None:
            kept[draft.source_id] = draft
        else:
            first.absorb(draft)
            duplicates[draft.source_id] = None
    return list(kept.values()), list(duplicates)


def _settled(
    entries: list[tuple[datetime, int]], *, moves: bool
) -> tuple[tuple[tuple[int, datetime], ...], bool]:
    """First entry per stage, in stage order, never going backwards; and whether it went back."""
    first: dict[int, datetime] = {}
    went_back, highest = False, -1
    ordered = sorted(entries, key=lambda entry: entry[0]) if moves else entries
    for moment, stage in ordered:
        if moves and stage < highest:
            went_back = True
        highest = max(highest, stage)
        if stage not in first or moment < first[stage]:
            first[stage] = moment
    settled: list[tuple[int, datetime]] = []
    earliest: datetime | None = None
    for stage in sorted(first, reverse=True):
        moment = first[stage]
        if earliest is not None and earliest < moment:
            went_back = True
            moment = earliest
        earliest = moment
        settled.append((stage, moment))
    return tuple(reversed(settled)), went_back


def _duplicate_note(duplicates: list[str], record: str) -> list[str]:
    if not duplicates:
        return []
    count = len(duplicates)
    return [
        f"{plural(count, 'duplicate id')} ({listing(duplicates)}) "
        f"{'was' if count == 1 else 'were'} merged: each stage kept its earliest date, and the "
        f"title and other fields come from the first {record} that has them."
    ]


def _backwards_note(count: int, *, moves: bool) -> list[str]:
    if not count:
        return []
    if moves:
        return [
            f"{plural(count, 'item')} went backwards; the first entry into each stage was kept "
            "(a stage first entered after a later one takes that later stage's date)."
        ]
    return [
        f"{plural(count, 'item')} {'has' if count == 1 else 'have'} dates that go backwards "
        "across stages; the first entry was kept: a stage dated after a later stage takes the "
        "later stage's date, as a skipped stage does."
    ]


def _empty_note(empty: list[str]) -> list[str]:
    if not empty:
        return []
    count = len(empty)
    return [
        f"{plural(count, 'item')} with no stage date {'was' if count == 1 else 'were'} left "
        f"out ({listing(empty)})."
    ]


def _class_note(unknown: list[str]) -> list[str]:
    if not unknown:
        return []
    names = listing(sorted(set(unknown)))
    count = len(unknown)
    return [
        f"{plural(count, 'item')} {'has' if count == 1 else 'have'} a class of service the "
        f"board does not know ({names}); the board takes {'it' if count == 1 else 'them'} as "
        "standard, flow figures keep the class."
    ]
