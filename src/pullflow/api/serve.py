"""Running the API with uvicorn: ``serve(db_url, host, port, workers)``.

With one worker the application is made here; with several, each worker process makes its
own from ``PULLFLOW_DATABASE_URL`` (set here for them), since a worker cannot be handed an
application object.
"""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from pullflow.api.app import create_app
from pullflow.services import Invalid

URL_VARIABLE = "PULLFLOW_DATABASE_URL"


def serve(db_url: str, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API on ``host:port`` until interrupted; the database must exist already."""
    if not 1 <= workers <= 64:
        raise Invalid(f"{workers} workers were refused: run 1 to 64 worker processes.")
    if not 0 < port < 65536:
        raise Invalid(f"Port {port} was refused: choose a port from 1 to 65535.")
    app = create_app(db_url)  # opens the database now, so a bad URL is said before serving
    if workers == 1:
        uvicorn.run(app, host=host, port=port, proxy_headers=True)
        return
    app.state.server.store.close()  # each worker opens its own
    os.environ[URL_VARIABLE] = db_url
    uvicorn.run(
        "pullflow.api.serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
    )


def app_from_environment() -> FastAPI:
    """The application on the database ``PULLFLOW_DATABASE_URL`` names (for worker processes)."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        raise Invalid(f"{URL_VARIABLE} is not set: name the database the server works on.")
    return create_app(url)
