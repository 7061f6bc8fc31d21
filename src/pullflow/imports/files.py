"""One entry point for every format: read a file as an import, or as a flow history.

Formats: ``actionable-agile`` (alias ``aa``), ``jira``, ``trello``, ``events`` (alias
``events-csv``) and ``json`` (pullflow's own event log; aliases ``pullflow``, ``event-log``).
``csv`` alone is refused as ambiguous: both ActionableAgile and events files are CSV.

Options: ``timezone`` is the zone of dates written without one; ``date_order`` ("mdy" or
"dmy") reads slash dates; ``mapping`` (Jira, Trello) sends statuses or lists to stages;
``stages`` gives the stage order of an events file or names the stage columns of an
ActionableAgile file. An option the format has no use for is refused, so that nothing is
silently ignored.

``export_text`` writes a history as an ActionableAgile CSV or as pullflow's event log, and
``detect_csv_format`` tells the two CSV formats apart by their header.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

from pullflow.domain.errors import Invalid
from pullflow.domain.imported import ImportedHistory
from pullflow.flow.history import History
from pullflow.imports.actionable_agile import read_actionable_agile, write_actionable_agile
from pullflow.imports.convert import to_history, workflow_of
from pullflow.imports.event_log import imported_of, read_event_log, write_event_log
from pullflow.imports.events import has_event_columns, read_events
from pullflow.imports.jira import read_jira
from pullflow.imports.source import read_text, sniff_delimiter
from pullflow.imports.trello import read_trello

FORMATS = ("actionable-agile", "jira", "trello", "events", "json")
#: The formats that are CSV files, which ``detect_csv_format`` tells apart by their header.
CSV_FORMATS = ("actionable-agile", "events")
#: The formats a history can be written in.
EXPORTS = ("actionable-agile", "json")

#: Other names a format may be given by.
ALIASES = {
    "aa": "actionable-agile",
    "actionableagile": "actionable-agile",
    "actionable_agile": "actionable-agile",
    "events-csv": "events",
    "pullflow": "json",
    "event-log": "json",
}

_OPTIONS = {
    "actionable-agile": {"stages"},
    "jira": {"mapping"},
    "trello": {"mapping"},
    "events": {"stages"},
    "json": set[str](),
}


def format_of(name: str) -> str:
    """The format a name stands for (any case, aliases allowed); Invalid if none."""
    wanted = name.strip().lower()
    if wanted in FORMATS:
        return wanted
    if wanted in ALIASES:
        return ALIASES[wanted]
    if wanted == "csv":
        raise Invalid(
            'The format "csv" could be either CSV format; say "actionable-agile" (a date column '
            'per stage) or "events" (one row per stage entry).'
        )
    raise Invalid(f'"{name}" is not an import format; choose one of {", ".join(FORMATS)}.')


def detect_csv_format(path: Path) -> str:
    """Which CSV format a file is, from its header: events or ActionableAgile."""
    path = Path(path)
    text = read_text(path)
    delimiter = sniff_delimiter(text)
    first = next(line for line in text.splitlines() if line.strip())
    names = [name.strip().lower() for name in next(csv.reader([first], delimiter=delimiter))]
    if has_event_columns(names):
        return "events"
    if names and names[0] in ("id", "link", "name", "title"):
        return "actionable-agile"
    raise Invalid(
        f"{path} is neither an ActionableAgile CSV (ID, Name, a date per stage) nor an events "
        "CSV (item, stage, timestamp); check its header, or give its format with --input."
    )


def export_text(format: str, history: History) -> str:
    """A history written in one of the ``EXPORTS`` formats."""
    chosen = ALIASES.get(format.strip().lower(), format.strip().lower())
    if chosen == "actionable-agile":
        return write_actionable_agile(history)
    if chosen == "json":
        return write_event_log(history)
    raise Invalid(f'"{format}" is not an export format; choose one of {", ".join(EXPORTS)}.')


def read_file(
    format: str,
    path: Path,
    *,
    timezone: str = "UTC",
    date_order: str | None = None,
    mapping: Path | None = None,
    stages: Sequence[str] | None = None,
) -> ImportedHistory:
    """The items a file of the given format holds, with notes on what was repaired."""
    chosen = format_of(format)
    _check_options(chosen, mapping=mapping, stages=stages)
    path = Path(path)
    readers: dict[str, Callable[[], ImportedHistory]] = {
        "actionable-agile": lambda: read_actionable_agile(
            path, timezone=timezone, date_order=date_order, stages=stages
        ),
        "jira": lambda: read_jira(path, mapping=mapping, timezone=timezone, date_order=date_order),
        "trello": lambda: read_trello(
            path, mapping=mapping, timezone=timezone, date_order=date_order
        ),
        "events": lambda: read_events(
            path, stages=stages, timezone=timezone, date_order=date_order
        ),
        "json": lambda: imported_of(read_event_log(path)),
    }
    return readers[chosen]()


def read_history(
    format: str,
    path: Path,
    *,
    timezone: str | None = None,
    date_order: str | None = None,
    mapping: Path | None = None,
    stages: Sequence[str] | None = None,
    commitment: str | int | None = None,
    delivery: str | int | None = None,
    waiting: Sequence[str] = (),
) -> History:
    """The flow history of a file: read it, then measure it with the points given.

    ``timezone`` is the zone of the file's dates without one and of day-based figures (UTC
    when None). A pullflow event log is read exactly, lanes, finishes and blocks included;
    it keeps its own zone, points and waiting stages unless they are given here.
    """
    chosen = format_of(format)
    if chosen != "json":
        imported = read_file(
            chosen,
            path,
            timezone=timezone or "UTC",
            date_order=date_order,
            mapping=mapping,
            stages=stages,
        )
        return to_history(
            imported,
            commitment=commitment,
            delivery=delivery,
            timezone=timezone or "UTC",
            waiting=waiting,
        )
    _check_options(chosen, mapping=mapping, stages=stages)
    history = read_event_log(Path(path))
    if timezone is None and commitment is None and delivery is None and not waiting:
        return history
    own = history.workflow
    workflow = workflow_of(
        own.stages,
        own.commitment if commitment is None else commitment,
        own.delivery if delivery is None else delivery,
        timezone or own.timezone,
        waiting or [own.stages[stage] for stage in sorted(own.waiting)],
        lanes=own.lanes,
    )
    return history.with_workflow(workflow)


def _check_options(chosen: str, *, mapping: Path | None, stages: Sequence[str] | None) -> None:
    allowed = _OPTIONS[chosen]
    if mapping is not None and "mapping" not in allowed:
        raise Invalid(
            f"A mapping file is for jira and trello files, not {chosen}; "
            + ("give the stages instead." if "stages" in allowed else "leave it out.")
        )
    if stages and "stages" not in allowed:
        raise Invalid(
            f"Stages are given for actionable-agile and events files, not {chosen}; "
            + ("give a mapping file instead." if "mapping" in allowed else "leave them out.")
        )
