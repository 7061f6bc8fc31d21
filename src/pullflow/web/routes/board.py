"""The board page: its stages and lanes, pulling work, adding items, and its live updates.

``/b/{board}/fragment`` is the page's ``<div id="board-live">`` alone, which the page's
script fetches and swaps in when ``/b/{board}/live`` says the board changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from pullflow.api.live import Hub, event_stream, hub
from pullflow.services import parse_service_class
from pullflow.services.flow import add_item, pull_item
from pullflow.web.actions import (
    Here,
    UseCase,
    act,
    back_to,
    board_page,
    board_path,
    day,
    whole_number,
)
from pullflow.web.session import SignedIn, checked_form

router = APIRouter()


@router.get("/b/{board}", response_class=HTMLResponse)
def board(request: Request, board: str, visitor: SignedIn, at: Here) -> HTMLResponse:
    visitor.principal.require(board, "read")
    return board_page(request, visitor, at, board)


@router.get("/b/{board}/fragment", response_class=HTMLResponse)
def fragment(request: Request, board: str, visitor: SignedIn, at: Here) -> HTMLResponse:
    """The board's ``<div id="board-live">`` only, for live updates to swap in."""
    visitor.principal.require(board, "read")
    return board_page(request, visitor, at, board, template="_board.html")


@router.get("/b/{board}/live", response_model=None)
def live(
    request: Request, board: str, visitor: SignedIn, found: Annotated[Hub, Depends(hub)]
) -> StreamingResponse:
    """Server-Sent Events: a ``change`` each time the board changes, from any process."""
    visitor.principal.require(board, "read")
    return event_stream(request, found, board)


@router.post("/b/{board}/pull", response_model=None)
async def pull(request: Request, board: str, visitor: SignedIn, at: Here) -> Response:
    fields = await checked_form(request, visitor)
    stage = fields.get("stage", "")

    def make() -> UseCase:
        item = whole_number(fields.get("item"), "Item", optional=True)
        override = fields.get("override", "").strip() or None
        return lambda uow, actor, moment: pull_item(
            uow, board=board, stage=stage, item=item, override=override, actor=actor, at=moment
        )

    def again(sentence: str, status: int) -> Response:
        return board_page(
            request, visitor, at, board, status=status, refusal=sentence, override_stage=stage
        )

    return await run_in_threadpool(
        act, visitor, at, board, make, back=back_to(fields, board_path(board)), again=again
    )


@router.post("/b/{board}/items", response_model=None)
async def add(request: Request, board: str, visitor: SignedIn, at: Here) -> Response:
    fields = await checked_form(request, visitor)

    def make() -> UseCase:
        return _adding(board, fields)

    def again(sentence: str, status: int) -> Response:
        return board_page(
            request, visitor, at, board, status=status, refusal=sentence, adding=fields
        )

    return await run_in_threadpool(
        act, visitor, at, board, make, back=back_to(fields, board_path(board)), again=again
    )


def _adding(board: str, fields: Mapping[str, str]) -> UseCase:
    """The add use case the form's title, class and due date make."""
    title = fields.get("title", "")
    written = fields.get("class", "").strip()
    service_class = parse_service_class(written) if written else None
    due = day(fields.get("due"), "Due date")
    if service_class is not None and service_class.value == "standard" and due is not None:
        service_class = None  # a due date on a standard item makes it fixed-date, as on the CLI
    return lambda uow, actor, moment: add_item(
        uow,
        board=board,
        title=title,
        service_class=service_class,
        due=due,
        actor=actor,
        at=moment,
    )
