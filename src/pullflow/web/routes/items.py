"""An item's page and the card verbs: finish, block, unblock, discard, return and rerank.

Each verb is a form POST that answers 303 to the page it came from (the board, or the item's
page); a refusal re-renders that page with the sentence. Reranking is also what dragging a
card in the options sends (with the ``X-CSRF-Token`` header instead of a field).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from pullflow.services.flow import (
    block_item,
    discard_item,
    finish_item,
    rerank_item,
    return_item,
    unblock_item,
)
from pullflow.services.queries import board_view, item_view
from pullflow.web.actions import (
    Here,
    UseCase,
    act,
    back_to,
    board_page,
    board_path,
    required_number,
)
from pullflow.web.panels import CardPanel, board_panel
from pullflow.web.render import page
from pullflow.web.session import SignedIn, Visitor, checked_form

router = APIRouter()

#: A card verb: the item's number and the form's fields → the use case.
Verb = Callable[[str, int, Mapping[str, str]], UseCase]


def item_page(
    request: Request,
    visitor: Visitor,
    at: Here,
    board: str,
    number: int,
    *,
    status: int = 200,
    refusal: str | None = None,
) -> HTMLResponse:
    """The item's card, what may be done with it, and its history."""
    visitor.principal.require(board, "read")
    now = at.now()
    card, history = item_view(at.unit_of_work(), board=board, item=number, at=now)
    view = board_view(at.unit_of_work(), board=board, at=now)
    panel = board_panel(view, can_change=visitor.may(board, "change"))
    found: CardPanel | None = next(
        (
            candidate
            for stage in panel.stages
            for candidate in (*stage.doing, *stage.done)
            if candidate.number == number
        ),
        None,
    )
    return page(
        request,
        visitor,
        "item.html",
        board=view.name,
        status=status,
        refusal=refusal,
        stops=list(view.open_stops),
        card=card,
        panel=found,
        history=history,
    )


@router.get("/b/{board}/items/{n}", response_class=HTMLResponse)
def item(request: Request, board: str, n: int, visitor: SignedIn, at: Here) -> HTMLResponse:
    return item_page(request, visitor, at, board, n)


def _finish(board: str, number: int, fields: Mapping[str, str]) -> UseCase:
    return lambda uow, actor, moment: finish_item(
        uow, board=board, item=number, actor=actor, at=moment
    )


def _block(board: str, number: int, fields: Mapping[str, str]) -> UseCase:
    reason = fields.get("reason", "")
    return lambda uow, actor, moment: block_item(
        uow, board=board, item=number, reason=reason, actor=actor, at=moment
    )


def _unblock(board: str, number: int, fields: Mapping[str, str]) -> UseCase:
    return lambda uow, actor, moment: unblock_item(
        uow, board=board, item=number, actor=actor, at=moment
    )


def _discard(board: str, number: int, fields: Mapping[str, str]) -> UseCase:
    reason = fields.get("reason", "")
    return lambda uow, actor, moment: discard_item(
        uow, board=board, item=number, reason=reason, actor=actor, at=moment
    )


def _return(board: str, number: int, fields: Mapping[str, str]) -> UseCase:
    stage = fields.get("stage", "")
    reason = fields.get("reason", "")
    override = fields.get("override", "").strip() or None
    return lambda uow, actor, moment: return_item(
        uow,
        board=board,
        item=number,
        stage=stage,
        reason=reason,
        override=override,
        actor=actor,
        at=moment,
    )


def _rank(board: str, number: int, fields: Mapping[str, str]) -> UseCase:
    position = required_number(fields.get("position"), "Position")
    return lambda uow, actor, moment: rerank_item(
        uow, board=board, item=number, position=position, actor=actor, at=moment
    )


VERBS: Mapping[str, Verb] = {
    "finish": _finish,
    "block": _block,
    "unblock": _unblock,
    "discard": _discard,
    "return": _return,
    "rank": _rank,
}


async def _card_verb(
    request: Request, board: str, number: int, verb: str, visitor: Visitor, at: Here
) -> Response:
    fields = await checked_form(request, visitor)
    back = back_to(fields, board_path(board))
    from_item_page = back.rstrip("/").endswith(f"/items/{number}")

    def again(sentence: str, status: int) -> Response:
        if from_item_page:
            return item_page(request, visitor, at, board, number, status=status, refusal=sentence)
        return board_page(request, visitor, at, board, status=status, refusal=sentence)

    return await run_in_threadpool(
        act, visitor, at, board, lambda: VERBS[verb](board, number, fields), back=back, again=again
    )


@router.post("/b/{board}/items/{n}/finish", response_model=None)
async def finish(request: Request, board: str, n: int, visitor: SignedIn, at: Here) -> Response:
    return await _card_verb(request, board, n, "finish", visitor, at)


@router.post("/b/{board}/items/{n}/block", response_model=None)
async def block(request: Request, board: str, n: int, visitor: SignedIn, at: Here) -> Response:
    return await _card_verb(request, board, n, "block", visitor, at)


@router.post("/b/{board}/items/{n}/unblock", response_model=None)
async def unblock(request: Request, board: str, n: int, visitor: SignedIn, at: Here) -> Response:
    return await _card_verb(request, board, n, "unblock", visitor, at)


@router.post("/b/{board}/items/{n}/discard", response_model=None)
async def discard(request: Request, board: str, n: int, visitor: SignedIn, at: Here) -> Response:
    return await _card_verb(request, board, n, "discard", visitor, at)


@router.post("/b/{board}/items/{n}/return", response_model=None)
async def send_back(request: Request, board: str, n: int, visitor: SignedIn, at: Here) -> Response:
    return await _card_verb(request, board, n, "return", visitor, at)


@router.post("/b/{board}/items/{n}/rank", response_model=None)
async def rank(request: Request, board: str, n: int, visitor: SignedIn, at: Here) -> Response:
    return await _card_verb(request, board, n, "rank", visitor, at)
