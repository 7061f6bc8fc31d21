"""``pullflow andon``: stop the line, print a Five Whys template, resume, see the stops."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pullflow.cli import render
from pullflow.cli.backend import connect
from pullflow.cli.context import Actor, BoardName, Db, Json, Server, item_number, number
from pullflow.services import DomainError, Invalid
from pullflow.services.andon import five_whys_template, read_five_whys

app = typer.Typer(help="Stop the line, and resume it with a Five Whys.", no_args_is_help=True)


@app.command("stop")
def stop(
    reason: Annotated[str, typer.Option(help="What is wrong.")],
    stage: Annotated[
        str | None, typer.Option(help="Stop only this stage (default: the whole line).")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="A tag for the kind of problem; repeatable.")
    ] = None,
    fix: Annotated[
        str | None, typer.Option(help="The one item that may still be pulled: the fix.")
    ] = None,
    people: Annotated[int, typer.Option(help="People held up by the stop.")] = 1,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Stop the line (or one stage): pulls are refused until a Five Whys resumes it."""
    outcome = connect(db, as_, server).stop_line(
        board=board,
        reason=reason,
        stage=stage,
        tags=tag or [],
        fix=item_number(fix) if fix is not None else None,
        people=people,
    )
    render.events(outcome.events)


@app.command("resume")
def resume(
    five_whys: Annotated[Path, typer.Option("--five-whys", help="The Five Whys, as YAML or JSON.")],
    stop_number: Annotated[
        str | None, typer.Option("--stop", help="Which stop, when several are open.")
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Resume a stopped line with a completed Five Whys; shows the suggested investment."""
    analysis = read_five_whys(five_whys)
    outcome = connect(db, as_, server).resume_line(
        board=board,
        five_whys=analysis,
        stop=number(stop_number, "Stop") if stop_number is not None else None,
    )
    render.events(outcome.events)


@app.command("template")
def template(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not the screen.")
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Print a Five Whys to fill in (with the open stop's reason, if the line is stopped)."""
    problem, heading = _open_stop(db, server, board, as_)
    text = five_whys_template(problem, heading)
    if output is None:
        print(text, end="")
        return
    if output.exists():
        raise Invalid(f"{output} already exists: choose another file or remove it first.")
    output.write_text(text, encoding="utf-8")
    render.say(f"Wrote {output}: fill it in, then pullflow andon resume --five-whys {output}.")


def _open_stop(
    db: str | None, server: str | None, board: str | None, as_: str | None
) -> tuple[str | None, str | None]:
    """The open stop's reason and a heading, when a board with one open stop is at hand."""
    try:
        name, stops = connect(db, as_, server).stops_view(board=board)
    except DomainError:
        return None, None
    open_stops = [view for view in stops if view.resumed_at is None]
    if len(open_stops) != 1:
        return None, None
    view = open_stops[0]
    return view.reason, f"Five Whys for stop #{view.number} on {name} ({view.scope})"


@app.command("status")
def status(
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """Show open stops and past ones with their root causes."""
    name, views = connect(db, as_, server).stops_view(board=board)
    if json:
        render.print_json(
            {
                "board": name,
                "stopped": [view.to_json() for view in views if view.resumed_at is None],
                "stops": [view.to_json() for view in views],
            }
        )
    else:
        render.stops(name, views)
