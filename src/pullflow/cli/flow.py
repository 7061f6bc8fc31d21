"""The verbs that move work: pull, finish, block, unblock, discard, return."""

from __future__ import annotations

from typing import Annotated

import typer

from pullflow.cli import render
from pullflow.cli.backend import connect
from pullflow.cli.context import Actor, BoardName, Db, Server, item_number

ItemArgument = Annotated[str, typer.Argument(metavar="ITEM", help="Item id, such as 4.")]
Reason = Annotated[str, typer.Option(help="Why (required).")]
Override = Annotated[
    str | None,
    typer.Option(help="Reason to go past a WIP limit whose policy is override (recorded)."),
]


def pull(
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="Stage that pulls.")],
    item: Annotated[
        str | None,
        typer.Argument(metavar="ITEM", help="Item to pull; default: the next one by policy."),
    ] = None,
    override: Override = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Pull an item into STAGE from the done lane of the stage before it (or the options).

    Without ITEM the next is taken by policy: expedite first, then fixed-date by due date,
    then the first finished upstream (from the options: by rank).
    """
    outcome = connect(db, as_, server).pull_item(
        board=board,
        stage=stage,
        item=item_number(item) if item is not None else None,
        override=override,
    )
    render.events(outcome.events)


def finish(
    item: ItemArgument,
    deliver: Annotated[
        bool,
        typer.Option(help="In the last stage before done, deliver it into done at once."),
    ] = False,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Move an item from its stage's doing lane to its done lane, ready to be pulled on."""
    outcome = connect(db, as_, server).finish_item(
        board=board,
        item=item_number(item),
        deliver=deliver,
    )
    render.events(outcome.events)


def block(
    item: ItemArgument,
    reason: Reason,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Flag an item as blocked, with the reason; it still counts against the limit."""
    outcome = connect(db, as_, server).block_item(
        board=board,
        item=item_number(item),
        reason=reason,
    )
    render.events(outcome.events)


def unblock(
    item: ItemArgument,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Clear an item's blocked flag."""
    outcome = connect(db, as_, server).unblock_item(board=board, item=item_number(item))
    render.events(outcome.events)


def discard(
    item: ItemArgument,
    reason: Reason,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Take an item out of the flow from any stage; it is counted apart from completed work."""
    outcome = connect(db, as_, server).discard_item(
        board=board,
        item=item_number(item),
        reason=reason,
    )
    render.events(outcome.events)


def return_(
    item: ItemArgument,
    stage: Annotated[
        str, typer.Argument(metavar="STAGE", help="Earlier stage to send it back to.")
    ],
    reason: Reason,
    override: Override = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Send an item back to an earlier stage; it counts against that stage's limit."""
    outcome = connect(db, as_, server).return_item(
        board=board,
        item=item_number(item),
        stage=stage,
        reason=reason,
        override=override,
    )
    render.events(outcome.events)
