"""Items and their verbs: add, edit, rank, pull, finish, block, unblock, discard, return.

Each verb calls the service function the command line calls; the answer is the events the
change recorded, whose actor is the token's user.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from pullflow.api import responses
from pullflow.api.auth import Reader
from pullflow.api.changes import Member
from pullflow.api.requests import (
    AddItem,
    EditItem,
    Finish,
    ItemNumber,
    Pull,
    Rank,
    Reasoned,
    Return,
)
from pullflow.api.routes.common import CHANGE_PROBLEMS, READ_PROBLEMS, Here
from pullflow.services import Invalid
from pullflow.services.flow import (
    add_item,
    block_item,
    discard_item,
    edit_item,
    finish_item,
    pull_item,
    rerank_item,
    return_item,
    unblock_item,
)
from pullflow.services.queries import item_view
from pullflow.services.views import event_json

router = APIRouter(prefix="/boards/{board}", tags=["items"])


@router.get("/items/{n}", response_model=responses.ItemDetail, responses=READ_PROBLEMS)
def show_item(n: ItemNumber, access: Reader, here: Here) -> dict[str, Any]:
    """One item's card and its history."""
    card, history = item_view(here.unit_of_work(), board=access.board, item=n, at=here.now())
    return {**card.to_json(), "events": [event_json(stored) for stored in history]}


@router.post("/items", status_code=201, response_model=responses.Change, responses=CHANGE_PROBLEMS)
def add(body: AddItem, response: Response, change: Member) -> dict[str, Any]:
    """Add an item to the options; ``Location`` names the new item."""
    attributes = dict(body.attributes or {})
    if body.type is not None:
        attributes["type"] = body.type
    answer = change.run(
        response,
        body,
        lambda uow, actor, at: add_item(
            uow,
            board=change.board,
            title=body.title,
            actor=actor,
            at=at,
            service_class=body.service_class,
            due=body.due,
            position=body.rank,
            experiment=body.experiment,
            override=body.override,
            attributes=attributes,
        ),
        status=201,
    )
    added = next((e["item"] for e in answer["events"] if e["type"] == "item.added"), None)
    if added is not None:
        response.headers["Location"] = f"/boards/{answer['board']}/items/{added}"
    return answer


@router.patch("/items/{n}", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def edit(n: ItemNumber, body: EditItem, response: Response, change: Member) -> dict[str, Any]:
    """Change an item's title, class of service or due date; fields left out stay as they are."""
    if body.title is None and body.service_class is None and body.due is None:
        raise Invalid("Nothing to change was given: send title, service_class or due.")
    return change.run(
        response,
        body,
        lambda uow, actor, at: edit_item(
            uow,
            board=change.board,
            item=n,
            actor=actor,
            at=at,
            title=body.title,
            service_class=body.service_class,
            due=body.due,
        ),
    )


@router.post("/items/{n}/rank", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def rank(n: ItemNumber, body: Rank, response: Response, change: Member) -> dict[str, Any]:
    """Move an item waiting in the options to another place (1 = the next to be pulled)."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: rerank_item(
            uow, board=change.board, item=n, position=body.position, actor=actor, at=at
        ),
    )


@router.post("/pull", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def pull(body: Pull, response: Response, change: Member) -> dict[str, Any]:
    """Pull an item into a stage from the done lane of the stage before it (or the options).

    Without ``item`` the next is taken by policy: expedite first, then fixed-date by due
    date, then the first finished upstream (from the options: by rank).
    """
    return change.run(
        response,
        body,
        lambda uow, actor, at: pull_item(
            uow,
            board=change.board,
            stage=body.stage,
            item=body.item,
            override=body.override,
            actor=actor,
            at=at,
        ),
    )


@router.post("/items/{n}/finish", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def finish(
    n: ItemNumber, response: Response, change: Member, body: Finish | None = None
) -> dict[str, Any]:
    """Move an item from its stage's doing lane to its done lane (or deliver it)."""
    deliver = body.deliver if body is not None else False
    return change.run(
        response,
        body,
        lambda uow, actor, at: finish_item(
            uow, board=change.board, item=n, deliver=deliver, actor=actor, at=at
        ),
    )


@router.post("/items/{n}/block", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def block(n: ItemNumber, body: Reasoned, response: Response, change: Member) -> dict[str, Any]:
    """Flag an item as blocked, with the reason; it still counts against the limit."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: block_item(
            uow, board=change.board, item=n, reason=body.reason, actor=actor, at=at
        ),
    )


@router.post("/items/{n}/unblock", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def unblock(n: ItemNumber, response: Response, change: Member) -> dict[str, Any]:
    """Clear an item's blocked flag."""
    return change.run(
        response,
        None,
        lambda uow, actor, at: unblock_item(uow, board=change.board, item=n, actor=actor, at=at),
    )


@router.post("/items/{n}/discard", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def discard(n: ItemNumber, body: Reasoned, response: Response, change: Member) -> dict[str, Any]:
    """Take an item out of the flow from any stage; it is counted apart from completed work."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: discard_item(
            uow, board=change.board, item=n, reason=body.reason, actor=actor, at=at
        ),
    )


@router.post("/items/{n}/return", response_model=responses.Change, responses=CHANGE_PROBLEMS)
def return_(n: ItemNumber, body: Return, response: Response, change: Member) -> dict[str, Any]:
    """Send an item back to an earlier stage; it counts against that stage's limit."""
    return change.run(
        response,
        body,
        lambda uow, actor, at: return_item(
            uow,
            board=change.board,
            item=n,
            stage=body.stage,
            reason=body.reason,
            override=body.override,
            actor=actor,
            at=at,
        ),
    )
