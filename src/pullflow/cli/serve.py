"""``pullflow serve``: the team server's HTTP API and web board (see docs/api.md, docs/web.md).

``--demo`` serves the demo board (as ``pullflow demo`` builds it) from a throw-away SQLite
database, unless --db names one to fill.
"""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from pullflow.api.serve import serve as run_server
from pullflow.cli.context import Actor, BoardName, Db, Server, database_only, database_url
from pullflow.cli.demo import build_demo


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (several need PostgreSQL to scale).")
    ] = 1,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Serve the demo board, on a throw-away SQLite database unless --db names one.",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API and the web board until interrupted.

    API requests need a token (pullflow token create); pages need signing in. A database
    without a site admin gets the user admin and a one-time sign-in link, printed once.
    """
    database_only(db, server, "pullflow serve")
    if not demo:
        run_server(database_url(db), host=host, port=port, workers=workers, announce=_say)
        return
    if db is not None:
        build_demo(db)
        run_server(db, host=host, port=port, workers=workers, announce=_say)
        return
    # Stopping with SIGTERM, as with Ctrl+C, still removes the throw-away database.
    signal.signal(signal.SIGTERM, _stop)
    with tempfile.TemporaryDirectory(prefix="pullflow-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        build_demo(url)
        run_server(url, host=host, port=port, workers=workers, announce=_say)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _say(line: str) -> None:
    typer.echo(line)
