"""Where a flow history comes from: a board in the database, or another tool's export.

Every analytics command takes the same options: ``--board`` (with ``--db`` or ``--server``)
for a board's own events, or ``--csv FILE`` / ``--input FORMAT:FILE`` for a file; then filters
(``--from``, ``--to``, ``--class``, ``--type``, ``--where KEY=VALUE``) and the points that
define started and finished (``--commitment``, ``--delivery``). ``reads_history`` gives a
command all of them at once and hands it a ``Source`` and ``Filters`` instead.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from pullflow.cli.context import (
    Actor,
    BoardName,
    Db,
    Server,
    database_only,
    day,
    now,
    unit_of_work,
)
from pullflow.flow.board_events import history_from_events
from pullflow.flow.filters import parse_filter, select
from pullflow.flow.history import History, Workflow
from pullflow.flow.metrics import Window
from pullflow.imports.files import FORMATS, detect_csv_format, read_history
from pullflow.services import Invalid
from pullflow.services.queries import board_events

CsvFile = Annotated[
    Path | None,
    typer.Option(
        "--csv",
        metavar="FILE",
        help="Analyse an ActionableAgile CSV or an events CSV (item,stage,timestamp) instead of "
        "a board.",
    ),
]
InputFile = Annotated[
    str | None,
    typer.Option(
        "--input",
        metavar="FORMAT:FILE",
        help=f"Analyse another tool's export instead of a board; FORMAT is one of "
        f"{', '.join(FORMATS)}.",
    ),
]
FromDay = Annotated[
    str | None, typer.Option("--from", metavar="DATE", help="First day of the window.")
]
ToDay = Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last day of the window.")]
Classes = Annotated[
    list[str] | None,
    typer.Option("--class", metavar="CLASS", help="Only items of this class of service."),
]
Types = Annotated[
    list[str] | None, typer.Option("--type", metavar="TYPE", help="Only items of this type.")
]
Where = Annotated[
    list[str] | None,
    typer.Option("--where", metavar="KEY=VALUE", help="Only items whose attribute matches."),
]
Commitment = Annotated[
    str | None,
    typer.Option(
        "--commitment",
        metavar="STAGE",
        help="Stage where an item starts [default: the board's setting, else the first stage "
        "after the options].",
    ),
]
Delivery = Annotated[
    str | None,
    typer.Option(
        "--delivery",
        metavar="STAGE",
        help="Stage where an item finishes [default: the board's setting, else the last].",
    ),
]
Timezone = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        metavar="ZONE",
        help="Time zone of a file's dates and of its day-based figures [default: UTC, or the "
        "zone a JSON event log names]; boards use their own.",
    ),
]
DateOrder = Annotated[
    str | None,
    typer.Option(
        "--date-order", metavar="ORDER", help="How a file writes dates like 03/04/2024: mdy or dmy."
    ),
]
MappingFile = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        metavar="FILE",
        help="YAML or JSON sending Jira statuses or Trello lists to stages.",
    ),
]

StageOrder = Annotated[
    str | None,
    typer.Option(
        "--stages",
        metavar="A,B,C",
        help="A file's stages in workflow order: the stage columns of an ActionableAgile CSV, "
        "or the order of an events CSV.",
    ),
]


@dataclass(frozen=True)
class Source:
    """What the options named: a board (in a database) or a file, and how to read it."""

    db: str | None = None
    board: str | None = None
    csv: Path | None = None
    input: str | None = None
    timezone: str | None = None
    date_order: str | None = None
    mapping: Path | None = None
    commitment: str | None = None
    delivery: str | None = None
    stages: str | None = None
    server: str | None = None
    actor: str | None = None
    #: The command being run, as typed (``pullflow forecast backtest``), for sentences.
    command: str = "pullflow"

    @property
    def from_file(self) -> bool:
        return self.csv is not None or self.input is not None

    @property
    def label(self) -> str:
        if self.csv is not None:
            return self.csv.name
        if self.input is not None:
            return self.input.partition(":")[2] or self.input
        return f"board {self.board}" if self.board else "the board"


@dataclass(frozen=True)
class Filters:
    first: str | None = None
    last: str | None = None
    classes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    where: tuple[str, ...] = ()

    @staticmethod
    def of(
        first: str | None,
        last: str | None,
        classes: list[str] | None,
        types: list[str] | None,
        where: list[str] | None,
    ) -> Filters:
        """The filters as the options give them (repeatable options arrive as lists)."""
        return Filters(first, last, tuple(classes or ()), tuple(types or ()), tuple(where or ()))

    def window(self) -> Window:
        return Window(day(self.first, "--from"), day(self.last, "--to"))


Command = Callable[..., None]

#: The options every analytics command takes: (parameter, annotation), each defaulting to None.
SOURCE_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("csv", CsvFile),
    ("input_", InputFile),
    ("commitment", Commitment),
    ("delivery", Delivery),
    ("timezone", Timezone),
    ("date_order", DateOrder),
    ("mapping", MappingFile),
    ("stages", StageOrder),
    ("db", Db),
    ("server", Server),
    ("board", BoardName),
    ("as_", Actor),
)
FILTER_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("service_class", Classes),
    ("item_type", Types),
    ("where", Where),
)
WINDOW_OPTIONS: tuple[tuple[str, Any], ...] = (("from_", FromDay), ("to", ToDay))


def reads_history(*, filters: bool = True, window: bool = True) -> Callable[[Command], Command]:
    """Give a command the source options, the filters and the window, as chosen.

    The command is called with ``source=`` and ``filters=`` built from them; its other
    parameters stay as they are.
    """

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        own = [p for name, p in signature.parameters.items() if name not in {"source", "filters"}]
        added = [
            *SOURCE_OPTIONS,
            *(FILTER_OPTIONS if filters else ()),
            *(WINDOW_OPTIONS if window else ()),
        ]
        options = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
            for name, kind in added
        ]
        context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)

        @functools.wraps(command)
        def run(**given: Any) -> None:
            ctx: typer.Context = given.pop("ctx")
            chosen = {name: given.pop(name, None) for name, _ in added}
            source = Source(
                db=chosen["db"],
                board=chosen["board"],
                csv=chosen["csv"],
                input=chosen["input_"],
                timezone=chosen["timezone"],
                date_order=chosen["date_order"],
                mapping=chosen["mapping"],
                commitment=chosen["commitment"],
                delivery=chosen["delivery"],
                stages=chosen["stages"],
                server=chosen["server"],
                actor=chosen["as_"],
                command=ctx.command_path,
            )
            narrowing = Filters.of(
                chosen.get("from_"),
                chosen.get("to"),
                chosen.get("service_class"),
                chosen.get("item_type"),
                chosen.get("where"),
            )
            command(**given, source=source, filters=narrowing)

        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*own, *options, context]
        )
        return run

    return decorate


def load(source: Source) -> History:
    """The history the options name, with their commitment and delivery points applied."""
    if source.csv is not None and source.input is not None:
        raise Invalid("--csv and --input were both given: name one file to analyse.")
    if source.csv is not None or source.input is not None:
        history = _from_file(source)
    else:
        history = _from_board(source)
    return _with_points(history, source.commitment, source.delivery)


def narrow(history: History, filters: Filters) -> History:
    """The items the filters keep (all of them when none is given)."""
    attributes: dict[str, list[str]] = {}
    for text in filters.where:
        key, value = parse_filter(text)
        attributes.setdefault(key, []).append(value)
    if filters.types:
        attributes.setdefault("type", []).extend(filters.types)
    kept = select(history, service_classes=filters.classes, attributes=attributes)
    if len(kept) == 0 and len(history) > 0:
        given = [f"class {c}" for c in filters.classes]
        given += [f"{key}={value}" for key, values in attributes.items() for value in values]
        raise Invalid(
            f"No item matches {' and '.join(given)}, so there is nothing to measure: loosen the "
            "filters."
        )
    return kept


def _from_board(source: Source) -> History:
    database_only(source.db, source.server, source.command)
    name, events = board_events(unit_of_work(source.db), board=source.board)
    try:
        return history_from_events(events, as_of=now().timestamp())
    except ValueError:
        raise Invalid(
            f"Board {name} has no history to measure: its log does not begin with its creation."
        ) from None


def _from_file(source: Source) -> History:
    if source.csv is not None:
        path, kind = source.csv, detect_csv_format(source.csv)
    else:
        kind, path = _format_and_file(source.input or "")
    return read_history(
        kind,
        path,
        timezone=source.timezone,
        date_order=source.date_order,
        mapping=source.mapping,
        stages=stage_list(source.stages),
    )


def stage_list(text: str | None) -> list[str] | None:
    """``--stages A,B,C`` as a list of names."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if len(names) < 2:
        raise Invalid(f"--stages {text!r} was refused: name at least two stages, as A,B,C.")
    return names


def _format_and_file(text: str) -> tuple[str, Path]:
    kind, sep, name = text.partition(":")
    if not sep or not kind.strip() or not name.strip():
        raise Invalid(
            f"--input {text!r} was refused: write FORMAT:FILE, such as jira:issues.json "
            f"(formats: {', '.join(FORMATS)})."
        )
    return kind.strip().lower(), Path(name.strip())


def _with_points(history: History, commitment: str | None, delivery: str | None) -> History:
    if commitment is None and delivery is None:
        return history
    workflow = history.workflow
    start = _stage_position(workflow, commitment, "--commitment", workflow.commitment)
    finish = _stage_position(workflow, delivery, "--delivery", workflow.delivery)
    if start > finish:
        raise Invalid(
            f"The commitment point {workflow.stages[start]} comes after the delivery point "
            f"{workflow.stages[finish]}: choose a commitment stage at or before delivery."
        )
    changed = Workflow(
        workflow.stages,
        commitment=start,
        delivery=finish,
        timezone=workflow.timezone,
        lanes=workflow.lanes,
        waiting=workflow.waiting,
    )
    return history.with_workflow(changed)


def _stage_position(workflow: Workflow, name: str | None, flag: str, default: int) -> int:
    if name is None:
        return default
    position = workflow.position(name)
    if position is None:
        raise Invalid(
            f"{flag} {name!r} was refused: there is no such stage; the stages are "
            f"{', '.join(workflow.stages)}."
        )
    return position
