"""``pullflow item``: add, edit, rerank and show items."""

from __future__ import annotations

from typing import Annotated

import typer

from pullflow.cli import render
from pullflow.cli.backend import connect
from pullflow.cli.context import Actor, BoardName, Db, Json, Server, day, item_number, number
from pullflow.services import Invalid, parse_service_class
from pullflow.services.flow import parse_attributes
from pullflow.services.views import event_json

app = typer.Typer(help="Add, edit, rank and inspect items.", no_args_is_help=True)

ServiceClassOption = Annotated[
    str | None,
    typer.Option("--class", help="Class of service: standard, fixed-date or expedite."),
]
DueOption = Annotated[
    str | None, typer.Option(help="Due date, YYYY-MM-DD (makes the item fixed-date).")
]


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(metavar="TITLE", help="Short title of the work.")],
    service_class: ServiceClassOption = None,
    due: DueOption = None,
    experiment: Annotated[
        str | None, typer.Option(help="Running experiment the item serves, such as E1.")
    ] = None,
    rank: Annotated[
        int | None, typer.Option(help="Position in the options (1 = next); default last.")
    ] = None,
    override: Annotated[
        str | None, typer.Option(help="Reason to exceed an options limit with override policy.")
    ] = None,
    item_type: Annotated[
        str | None,
        typer.Option("--type", metavar="TYPE", help='Kind of work, such as bug (the "type").'),
    ] = None,
    attr: Annotated[
        list[str] | None,
        typer.Option(
            "--attr", metavar="KEY=VALUE", help="An attribute, such as team=web (repeatable)."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the new item's id.")
    ] = False,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Add an item to the options."""
    outcome = connect(db, as_, server).add_item(
        board=board,
        title=title,
        service_class=parse_service_class(service_class) if service_class else None,
        due=day(due),
        position=rank,
        experiment=number(experiment, "Experiment", "E") if experiment else None,
        override=override,
        attributes=parse_attributes(attr or [], item_type),
    )
    if quiet:
        print(outcome.events[0].item)
    else:
        render.events(outcome.events)


@app.command("edit")
def edit(
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item id, such as 4.")],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    service_class: ServiceClassOption = None,
    due: DueOption = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Change an item's title, class of service or due date."""
    if title is None and service_class is None and due is None:
        raise Invalid("Nothing to change was given: add --title, --class or --due.")
    outcome = connect(db, as_, server).edit_item(
        board=board,
        item=item_number(item),
        title=title,
        service_class=parse_service_class(service_class) if service_class else None,
        due=day(due),
    )
    render.events(outcome.events)


@app.command("rerank")
def rerank(
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item id, such as 4.")],
    position: Annotated[
        int, typer.Argument(metavar="POSITION", help="New position in the options, 1 = next.")
    ],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Move an item waiting in the options to a new position in line."""
    outcome = connect(db, as_, server).rerank_item(
        board=board, item=item_number(item), position=position
    )
    render.events(outcome.events)


@app.command("show")
def show(
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item id, such as 4.")],
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """Show one item and its history."""
    card, history = connect(db, as_, server).item_view(board=board, item=item_number(item))
    if json:
        render.print_json({**card.to_json(), "events": [event_json(e) for e in history]})
    else:
        render.card(card, history)
