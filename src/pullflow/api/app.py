"""The HTTP API as a FastAPI application: ``create_app(db_url)``.

The application opens the store once, reads the clock for every request, and answers every
failure as a problem (see ``errors``). Its OpenAPI 3 description is at ``/openapi.json`` and
a reference page made from it at ``/docs``; that page needs no network (Swagger UI and ReDoc,
which load their scripts from a CDN, are not served).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pullflow import __version__, web
from pullflow.api import errors
from pullflow.api.context import Server, system_clock
from pullflow.api.docs import docs_page
from pullflow.api.live import Hub
from pullflow.api.routes import (
    accounts,
    analytics,
    andon,
    boards,
    items,
    learning,
    live,
    simulations,
)
from pullflow.services.unit import open_store

#: The longest request body taken, in bytes.
MAX_BODY = 1_000_000

DESCRIPTION = (
    "A pull system for lean product teams: WIP limits that hold, experiments as the pull "
    "signal, and an andon that stops the line until a Five Whys finds the root cause. Every "
    "request carries Authorization: Bearer pf_…; every change is recorded with the token's "
    "user as its actor. Changes take an Idempotency-Key header: a retry with the same key "
    "answers as the first request did and changes nothing more. Errors are RFC 9457 problems "
    "(application/problem+json) whose detail says what was refused, why, and what to do."
)


def create_app(
    db_url: str,
    *,
    clock: Callable[[], datetime] | None = None,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """The API on the pullflow database at ``db_url`` (it must exist: ``pullflow init``).

    ``clock`` gives the current moment (default: the system's, in UTC); tests fix it.
    """
    store = open_store(db_url)
    changes = Hub(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        changes.close()
        store.close()

    app = FastAPI(
        title="pullflow",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.server = Server(store, clock or system_clock)
    app.state.hub = changes
    for part in (boards, items, learning, andon, analytics, live, accounts, simulations):
        app.include_router(part.router)
    errors.install(app)
    web.mount(app)
    app.add_middleware(BodyLimit, limit=max_body)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_page(app.openapi()))

    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with problems as application/problem+json (made once)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    for item in document.get("paths", {}).values():
        for operation in item.values():
            answers = operation.setdefault("responses", {})
            answers.setdefault(
                "500",
                {
                    "description": "An unexpected failure (a bug), as a problem.",
                    "content": {"application/json": {"schema": _problem_ref()}},
                },
            )
            for status, answer in answers.items():
                content = answer.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[errors.PROBLEM_JSON] = content.pop("application/json")
    app.openapi_schema = document
    return document


def _problem_ref() -> dict[str, str]:
    return {"$ref": "#/components/schemas/Problem"}


class BodyLimit:
    """Refuse request bodies longer than ``limit`` bytes (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            request = Request(scope)
            refusal = errors.too_large(request, self.limit)
            await refusal(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise errors.BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)
