"""``pullflow import`` and ``pullflow export``: other tools' histories in, a board's history out.

An import records the file's items on a board as ordinary events (added, pulled, discarded),
in one transaction: either every item is recorded or, at the first bad row, none is. An export
writes a board's (or a file's) history as an ActionableAgile CSV or as pullflow's JSON event
log; reading either back gives the same metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pullflow.cli import render
from pullflow.cli.context import (
    Actor,
    BoardName,
    Db,
    Server,
    actor,
    database_only,
    now,
    unit_of_work,
)
from pullflow.cli.sources import (
    DateOrder,
    Filters,
    MappingFile,
    Source,
    Timezone,
    load,
    reads_history,
    stage_list,
)
from pullflow.imports.files import EXPORTS, FORMATS, export_text, read_file
from pullflow.services import Invalid
from pullflow.services.imports import import_history


def import_(
    kind: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of {', '.join(FORMATS)}.")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The export to read.")],
    stages: Annotated[
        str | None,
        typer.Option(
            metavar="A,B,C",
            help="A file's stages in workflow order: the stage columns of an ActionableAgile "
            "CSV, or the order of an events CSV [default: as they first appear].",
        ),
    ] = None,
    timezone: Timezone = None,
    date_order: DateOrder = None,
    mapping: MappingFile = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Record another tool's history on a board (created with the file's stages if new)."""
    database_only(db, server, "pullflow import")
    if board is None:
        raise Invalid(
            "No board was named for the import: add --board NAME (a new name creates a board "
            "with the file's stages)."
        )
    imported = read_file(
        kind.strip().lower(),
        file,
        timezone=timezone or "UTC",
        date_order=date_order,
        mapping=mapping,
        stages=stage_list(stages),
    )
    outcome = import_history(
        unit_of_work(db),
        board=board,
        history=imported,
        actor=actor(as_),
        at=now(),
        timezone=timezone or "UTC",
    )
    added = sum(1 for event in outcome.events if event.type.value == "item.added")
    render.say(
        f"Imported {added} items from {file.name} into board {outcome.board} "
        f"({len(outcome.events)} events)."
    )
    known = len(imported.items) - added
    if known:
        render.say(
            f"Left {known} items as they were: the board had them from an earlier import "
            "(same ids)."
        )
    for note in imported.notes:
        render.say(f"Note: {note}")


@reads_history(filters=False, window=False)
def export(
    kind: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of {', '.join(EXPORTS)}.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="File to write.")],
    *,
    source: Source,
    filters: Filters,
) -> None:
    """Write a board's history (or a file's) as an ActionableAgile CSV or a JSON event log."""
    text = export_text(kind.strip().lower(), load(source))
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise Invalid(
            f"{output} could not be written ({error.strerror or error}): choose a folder you "
            "can write to."
        ) from None
    render.say(f"Wrote {output} ({kind}).")
