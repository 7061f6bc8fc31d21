"""ActionableAgile CSV: one row per item, one column per stage with the date it entered it.

Columns: ``ID``, an optional ``Link``, ``Name`` (in any order at the start), then one column
per workflow stage in order, then attribute columns. Which columns are stages: the ones the
caller names (``stages``), the first ``stage_count`` ones, or else the run of columns after
Name in which every value is a date. A column called ``Discarded`` (or ``Discarded at``) holds
the date an item was discarded and is neither a stage nor an attribute. Attribute values that
list several things (``a | b`` or ``a; b``) are kept as ``a|b``.

A skipped stage is empty; dates that go backwards across stages keep the first entry (a stage
dated after a later stage takes the later date, as the flow tools do), and the notes count
the items. The writer makes the same layout from a history, dated in its time zone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from pullflow.domain.imported import ImportedHistory
from pullflow.flow.history import Floats, History, Texts
from pullflow.imports.assemble import (
    SERVICE_CLASS_NAMES,
    Draft,
    assemble,
    attribute_key,
    list_value,
)
from pullflow.imports.dates import Moments, looks_like_date
from pullflow.imports.source import BadValue, Row, Table, listing, read_table, refusal

_LEADING = {"id": "id", "link": "link", "url": "link", "name": "name", "title": "name"}
_DISCARD_NAMES = frozenset({"discarded", "discardedat", "discardeddate", "discardedon"})
_SHAPE = (
    "an ActionableAgile CSV starts with the columns ID, Link (optional) and Name, "
    "then one date column per stage"
)


@dataclass(frozen=True)
class _Layout:
    """Which column holds what."""

    id: int
    name: int
    stages: tuple[int, ...]
    discarded: int | None
    attributes: tuple[int, ...]
    found: bool = False


def read_actionable_agile(
    path: Path,
    *,
    timezone: str = "UTC",
    date_order: str | None = None,
    stages: Sequence[str] | None = None,
    stage_count: int | None = None,
) -> ImportedHistory:
    """The items of an ActionableAgile CSV file (see the module for the layout and rules)."""
    moments = Moments(timezone, date_order)
    path = Path(path)
    table = read_table(path)
    layout, notes = _layout(path, table, stages, stage_count)
    header = table.header.cells
    drafts = [_draft(path, row, header, layout, moments) for row in table.rows]
    names = tuple(header[column] for column in layout.stages)
    return assemble(names, drafts, moves=False, notes=notes)


def _layout(
    path: Path, table: Table, stages: Sequence[str] | None, stage_count: int | None
) -> tuple[_Layout, list[str]]:
    header = table.header
    roles: dict[str, int] = {}
    start = 0
    while start < len(header.cells) and header.cells[start].lower() in _LEADING:
        roles.setdefault(_LEADING[header.cells[start].lower()], start)
        start += 1
    if "id" not in roles or "name" not in roles:
        first = header.cells[0]
        raise refusal(path, header.line, f'{_SHAPE}; this header starts with "{first}".')
    notes: list[str] = []
    found = not stages and stage_count is None
    if stages:
        columns = _named_stages(path, header, start, stages)
    elif stage_count is not None:
        columns = _counted_stages(path, header, start, stage_count)
    else:
        columns, notes = _found_stages(path, table, start)
    rest = [c for c in range(start, len(header.cells)) if c not in columns]
    discarded = next((c for c in rest if attribute_key(header.cells[c]) in _DISCARD_NAMES), None)
    attributes = [c for c in rest if c != discarded]
    if "link" in roles:
        attributes.insert(0, roles["link"])
    layout = _Layout(
        roles["id"], roles["name"], tuple(columns), discarded, tuple(attributes), found
    )
    return layout, notes


def _named_stages(path: Path, header: Row, start: int, stages: Sequence[str]) -> list[int]:
    lowered = [name.lower() for name in header.cells]
    columns = []
    for stage in stages:
        wanted = stage.strip().lower()
        if wanted not in lowered[start:]:
            names = ", ".join(header.cells[start:])
            raise refusal(
                path,
                header.line,
                f'there is no column "{stage.strip()}" for that stage after Name; '
                f"the columns there are {names}.",
            )
        columns.append(lowered.index(wanted, start))
    if len(set(columns)) < len(columns):
        raise refusal(path, header.line, "a stage is named twice in stages; name each once.")
    _enough(path, header, columns)
    return columns


def _counted_stages(path: Path, header: Row, start: int, count: int) -> list[int]:
    columns = list(range(start, min(start + count, len(header.cells))))
    if len(columns) < count:
        raise refusal(
            path,
            header.line,
            f"stage_count is {count} but only {len(columns)} columns follow Name; "
            "give the number of stage columns.",
        )
    _enough(path, header, columns)
    return columns


def _found_stages(path: Path, table: Table, start: int) -> tuple[list[int], list[str]]:
    """The run of date columns after Name: columns whose values are dates, most of them at least.

    A stray value in a column of dates is then refused where its row is read, in row order.
    """
    header = table.header
    columns: list[int] = []
    for column in range(start, len(header.cells)):
        if attribute_key(header.cells[column]) in _DISCARD_NAMES:
            break
        values = [value for value in table.column(column) if value]
        dates = sum(looks_like_date(value) for value in values)
        if dates < len(values) and 2 * dates <= len(values):
            break
        columns.append(column)
    _enough(path, header, columns)
    empty = [header.cells[c] for c in columns if not any(table.column(c))]
    notes = []
    if empty:
        one = len(empty) == 1
        notes.append(
            f"The stage {'column' if one else 'columns'} {listing(empty)} "
            f"{'has' if one else 'have'} no dates and {'was' if one else 'were'} read as "
            f"{'a stage' if one else 'stages'}; name the stage columns with the stages option "
            "if that is wrong."
        )
    return columns, notes


def _enough(path: Path, header: Row, columns: list[int]) -> None:
    if len(columns) < 2:
        found = ", ".join(header.cells[c] for c in columns) or "none"
        raise refusal(
            path,
            header.line,
            f"{_SHAPE}, at least two; the stage columns found are: {found}. "
            "Name the stage columns with the stages option.",
        )


def _draft(
    path: Path, row: Row, header: tuple[str, ...], layout: _Layout, moments: Moments
) -> Draft:
    cells = row.cells
    source_id = cells[layout.id]
    if not source_id:
        raise refusal(path, row.line, "the row has no ID; give every item an ID or delete the row.")
    entries = []
    for position, column in enumerate(layout.stages):
        if cells[column]:
            entries.append(
                (_stage_date(path, row, header[column], cells[column], moments, layout), position)
            )
    discarded = None
    if layout.discarded is not None and cells[layout.discarded]:
        column = layout.discarded
        discarded = _moment(path, row, header[column], cells[column], moments)
    attributes = {
        header[column]: list_value(cells[column]) for column in layout.attributes if cells[column]
    }
    return Draft(source_id, cells[layout.name], entries, None, discarded, attributes)


def _stage_date(
    path: Path, row: Row, column: str, text: str, moments: Moments, layout: _Layout
) -> datetime:
    try:
        return moments.parse(text)
    except BadValue:
        if layout.found and not looks_like_date(text):
            raise refusal(
                path,
                row.line,
                f'in the stage column "{column}", "{text}" is not a date; correct it, or name '
                "the stage columns with the stages option.",
            ) from None
    return _moment(path, row, column, text, moments)


def _moment(path: Path, row: Row, column: str, text: str, moments: Moments) -> datetime:
    try:
        return moments.parse(text)
    except BadValue as error:
        raise refusal(path, row.line, f'in the column "{column}", {error}') from None


# -- writing ------------------------------------------------------------------------------------


def write_actionable_agile(history: History) -> str:
    """An ActionableAgile CSV of a history: ID, Name, a date per stage, then attribute columns.

    A stage holds the local date (YYYY-MM-DD in the workflow's time zone) the item reached it;
    a stage the item never entered is left empty, which a reader fills from the next stage as
    the history does. Discarded items get a Discarded date column; a class of service other
    than standard a Class of Service column. Attributes empty for every item are left out.
    """
    catalogue = history.catalogue
    entered = history.entered
    reached = np.where(np.isnan(entered), np.nan, history.reached)
    header = ["ID", "Name", *history.stages]
    columns: list[list[str]] = [list(catalogue.ids), list(catalogue.titles)]
    columns += [list(dates) for dates in _local_dates(history, reached).T]
    if history.is_discarded.any():
        header.append("Discarded")
        columns.append(list(_local_dates(history, history.discarded[:, None])[:, 0]))
    attributes = {key: values for key, values in catalogue.attributes.items() if any(values)}
    named = any(attribute_key(key) in SERVICE_CLASS_NAMES for key in attributes)
    if not named and (catalogue.service_class != "standard").any():
        header.append("Class of Service")
        columns.append(list(catalogue.service_class))
    for key, values in attributes.items():
        header.append(key)
        columns.append(list(values))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue()


def _local_dates(history: History, seconds: Floats) -> Texts:
    """YYYY-MM-DD of each moment in the workflow's time zone; empty text where NaN."""
    days = history.days(seconds)
    known = ~np.isnan(days)
    out = np.full(days.shape, "", dtype=object)
    out[known] = np.datetime_as_string(days[known].astype(np.int64).astype("datetime64[D]"))
    return out
