"""``pullflow serve``: the team server's HTTP API on a database (see docs/api.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from pullflow.api.serve import serve as run_server
from pullflow.cli.context import Actor, BoardName, Db, database_url


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (several need PostgreSQL to scale).")
    ] = 1,
    db: Db = None,
    board: BoardName = None,
    as_: Actor = None,
) -> None:
    """Serve the HTTP API until interrupted; every request needs a token (pullflow token create)."""
    run_server(database_url(db), host=host, port=port, workers=workers)
