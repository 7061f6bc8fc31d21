"""Events CSV: one row per stage entry, ``item,stage,timestamp[,title]``, rows in any order.

The header names the columns (``item``, ``stage``, ``timestamp`` and optionally ``title``; the
names ``id``, ``status``, ``time``, ``date``, ``name`` … are understood too); further columns
are attributes (an item's first non-empty value). The stage order is the ``stages`` argument
when given (a row naming another stage is refused), otherwise the order in which stages first
appear in the file, stated in a note. A row repeating an earlier one exactly is read once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pullflow.domain.errors import Invalid
from pullflow.domain.imported import ImportedHistory
from pullflow.imports.assemble import Draft, assemble, list_value
from pullflow.imports.dates import Moments
from pullflow.imports.source import BadValue, Row, listing, plural, read_table, refusal

_ROLES = {
    "item": ("item", "id", "item id", "key", "card", "issue"),
    "stage": ("stage", "status", "state", "column", "list"),
    "timestamp": ("timestamp", "time", "date", "at", "datetime", "entered", "when"),
    "title": ("title", "name", "summary"),
}
_REQUIRED = ("item", "stage", "timestamp")


def read_events(
    path: Path,
    *,
    stages: Sequence[str] | None = None,
    timezone: str = "UTC",
    date_order: str | None = None,
) -> ImportedHistory:
    """The items of an events CSV file (see the module for the rules)."""
    moments = Moments(timezone, date_order)
    path = Path(path)
    table = read_table(path)
    header = table.header
    roles = _roles(path, header)
    order: list[str] = [name.strip() for name in stages or ()]
    position = {name.lower(): index for index, name in enumerate(order)}
    if len(position) < len(order):
        raise Invalid(f"the stages given ({', '.join(order)}) name a stage twice; name each once.")
    extra = [c for c in range(len(header.cells)) if c not in roles.values()]
    drafts: dict[str, Draft] = {}
    seen: set[tuple[str, str, str]] = set()
    repeated = 0
    for row in table.rows:
        item, stage, timestamp = (_cell(path, row, header, roles[role]) for role in _REQUIRED)
        key = (item, stage.lower(), timestamp)
        if key in seen:
            repeated += 1
            continue
        seen.add(key)
        moment = _moment(path, row, timestamp, moments)
        place = _stage_position(path, row, stage, position, order, fixed=bool(stages))
        draft = drafts.setdefault(item, Draft(item))
        draft.entries.append((moment, place))
        _describe(draft, row, header, roles.get("title"), extra)
    notes = []
    if not stages:
        notes.append(
            f"The stages are in the order they first appear in the file: {', '.join(order)}; "
            "give the stages in workflow order to set it."
        )
    if repeated:
        notes.append(
            f"{plural(repeated, 'row')} repeating an earlier row exactly "
            f"{'was' if repeated == 1 else 'were'} read once."
        )
    if len(order) < 2:
        raise refusal(
            path,
            header.line,
            f"the file names {len(order)} stage ({listing(order) or 'none'}); "
            "a workflow needs at least two.",
        )
    return assemble(order, drafts.values(), moves=True, notes=notes)


def _stage_position(
    path: Path, row: Row, stage: str, position: dict[str, int], order: list[str], *, fixed: bool
) -> int:
    """The position of a row's stage; a new stage joins the order unless the order is fixed."""
    key = stage.lower()
    if key not in position:
        if fixed:
            raise refusal(
                path,
                row.line,
                f'the stage "{stage}" is not among the stages given ({", ".join(order)}); '
                "add it to them or correct the row.",
            )
        position[key] = len(order)
        order.append(stage)
    return position[key]


def _describe(draft: Draft, row: Row, header: Row, title: int | None, extra: list[int]) -> None:
    """The title and attributes of an item: the first non-empty value of each."""
    if title is not None and not draft.title:
        draft.title = row.cells[title]
    for column in extra:
        if row.cells[column] and not draft.attributes.get(header.cells[column]):
            draft.attributes[header.cells[column]] = list_value(row.cells[column])


def has_event_columns(names: Sequence[str]) -> bool:
    """Whether header names include an item, a stage and a timestamp column."""
    found = _found_roles([name.strip().lower() for name in names])
    return all(role in found for role in _REQUIRED)


def _found_roles(lowered: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for role, names in _ROLES.items():
        found = next((lowered.index(name) for name in names if name in lowered), None)
        if found is not None:
            roles[role] = found
    return roles


def _roles(path: Path, header: Row) -> dict[str, int]:
    roles = _found_roles([name.lower() for name in header.cells])
    missing = [role for role in _REQUIRED if role not in roles]
    if missing:
        raise refusal(
            path,
            header.line,
            f"the header has no {' or '.join(missing)} column; an events CSV has the columns "
            "item, stage, timestamp and optionally title.",
        )
    return roles


def _cell(path: Path, row: Row, header: Row, column: int) -> str:
    value = row.cells[column]
    if not value:
        raise refusal(
            path,
            row.line,
            f"the row has no {header.cells[column]}; give every row an item, a stage and a time.",
        )
    return value


def _moment(path: Path, row: Row, text: str, moments: Moments) -> datetime:
    try:
        return moments.parse(text)
    except BadValue as error:
        raise refusal(path, row.line, f"the timestamp {error}") from None
