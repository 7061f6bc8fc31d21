"""The web board: server-rendered pages on the same application as the HTTP API.

``mount(app)`` adds every page router of ``web/routes``, the static files at ``/static``, the
answers pages give to failures (HTML, not problem JSON) and the headers every page is sent
with: a Content-Security-Policy that allows no inline script, ``X-Frame-Options: DENY`` and
``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from pullflow.web import failures
from pullflow.web.headers import PageHeaders
from pullflow.web.routes import andon, board, flow, history, items, learning, signing, whatif

STATIC = Path(__file__).parent / "static"

__all__ = ["mount"]


def mount(app: FastAPI) -> None:
    """Add the web board to ``app``: its pages, static files, failure pages and headers."""
    for part in (signing, board, items, learning, flow, whatif, andon, history):
        app.include_router(part.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    failures.install(app)
    app.add_middleware(PageHeaders)
