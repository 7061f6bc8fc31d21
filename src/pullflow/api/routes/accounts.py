"""Accounts: users (site admin), a board's members (its admins), and the caller's tokens.

Passwords and token secrets are never answered, but for a new token's secret, once. Every
change goes through the accounts' service functions, as ``pullflow user`` and ``pullflow
token`` do; the one who asks is the token's user.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import AfterValidator

from pullflow.api import responses
from pullflow.api.auth import Access, Asker, administers
from pullflow.api.changes import REPLAYED, Admin, Changing, Own, site_administering
from pullflow.api.requests import MAX_NAME, MAX_NUMBER, NewToken, NewUser, SetRole, printable
from pullflow.api.routes.common import (
    CHANGE_PROBLEMS,
    READ_PROBLEMS,
    UNAUTHORISED,
    Answers,
    Here,
)
from pullflow.services import NotFound, Refused
from pullflow.services.accounts import (
    Principal,
    TokenView,
    check_user_name,
    create_user,
    grant,
    issue_token,
    members,
    revoke_role,
    revoke_token,
    role_of,
    tokens,
    users,
)

router = APIRouter(tags=["accounts"])

UserName = Annotated[
    str,
    Path(min_length=1, max_length=MAX_NAME, description="The user's name (any case)."),
    AfterValidator(printable),
]
TokenId = Annotated[
    int, Path(alias="id", ge=1, le=MAX_NUMBER, description="The token's number (its id).")
]
AddsUsers = Annotated[Changing, Depends(site_administering("add users"))]
Administered = Annotated[Access, Depends(administers)]

DONE: Answers = {204: {"description": "Done; there is nothing to answer."}}


def _no_content(answer_replayed: bool) -> Response:
    headers = {REPLAYED: "true"} if answer_replayed else {}
    return Response(status_code=204, headers=headers)


# ---------------------------------------------------------------------------------- users


@router.get("/users", response_model=list[responses.UserEntry], responses=READ_PROBLEMS)
def list_users(who: Asker, here: Here) -> list[dict[str, Any]]:
    """Every user with their roles, in the order they were added (site admin)."""
    who.require_site_admin("list the users")
    return [
        {
            "name": view.name,
            "site_admin": view.site_admin,
            "boards": dict(view.roles),
            "created_at": view.created_at.isoformat(),
            "last_login_at": view.last_login_at.isoformat() if view.last_login_at else None,
        }
        for view in users(here.unit_of_work())
    ]


@router.post("/users", status_code=201, response_model=responses.NewUser, responses=CHANGE_PROBLEMS)
def add_user(body: NewUser, response: Response, change: AddsUsers) -> dict[str, Any]:
    """Add a user (site admin); without a password, they use tokens or sign-in links."""
    name = check_user_name(body.name)
    # The password is not kept in the answer, nor hashed into the request's fingerprint.
    seen = body.model_copy(update={"password": None if body.password is None else "(given)"})
    answer = change.run_answering(
        response,
        seen,
        lambda uow, actor, at: create_user(
            uow, name=name, password=body.password, site_admin=body.site_admin, at=at
        ),
        answer={"name": name, "site_admin": body.site_admin},
        status=201,
    )
    return answer.body


# -------------------------------------------------------------------------------- members


@router.get(
    "/boards/{board}/members",
    response_model=list[responses.MemberEntry],
    responses=READ_PROBLEMS,
    tags=["boards"],
)
def list_members(access: Administered, here: Here) -> list[dict[str, Any]]:
    """Every user with a role on the board, and the role (admin of the board)."""
    _, found = members(here.unit_of_work(), board=access.board)
    return [view.to_json() for view in found]


@router.put(
    "/boards/{board}/members/{user}",
    response_model=responses.Membership,
    responses=CHANGE_PROBLEMS,
    tags=["boards"],
)
def set_member(
    user: UserName, body: SetRole, response: Response, change: Admin, here: Here
) -> dict[str, Any]:
    """Give a user a role on the board, replacing the one they had (admin of the board)."""
    board, name, _ = role_of(here.unit_of_work(), board=change.board, user=user)
    answer = change.run_answering(
        response,
        body,
        lambda uow, actor, at: grant(uow, board=board, user=name, role=body.role, at=at, by=actor),
        answer={"board": board, "user": name, "role": body.role.value},
    )
    return answer.body


@router.delete(
    "/boards/{board}/members/{user}",
    status_code=204,
    response_class=Response,
    responses={**DONE, **CHANGE_PROBLEMS},
    tags=["boards"],
)
def remove_member(user: UserName, response: Response, change: Admin) -> Response:
    """Take a user's role on the board away (admin of the board)."""
    answer = change.run_answering(
        response,
        None,
        lambda uow, actor, at: revoke_role(uow, board=change.board, user=user),
        answer={},
        status=204,
    )
    return _no_content(answer.replayed)


# --------------------------------------------------------------------------------- tokens


def _token_entry(view: TokenView) -> dict[str, Any]:
    return {
        "id": view.id,
        "user": view.user,
        "label": view.label,
        "boards": list(view.boards) if view.boards is not None else None,
        "created": view.created_at.isoformat(),
        "last_used": view.last_used_at.isoformat() if view.last_used_at else None,
    }


@router.get("/tokens", response_model=list[responses.TokenEntry], responses=UNAUTHORISED)
def list_tokens(who: Asker, here: Here) -> list[dict[str, Any]]:
    """The caller's tokens that still work, oldest first (never their secrets)."""
    mine = tokens(here.unit_of_work(), user=who.user)
    return [_token_entry(view) for view in mine if view.active]


def _scope(who: Principal, boards: list[str] | None) -> list[str] | None:
    """The boards a new token reaches: those named, each one the caller may read.

    Named none, it reaches what the caller's own token does: every board, or its boards.
    """
    if boards is None:
        return None if who.token_boards is None else sorted(who.token_boards)
    for board in boards:
        who.require(board, "read")
    return boards


@router.post(
    "/tokens", status_code=201, response_model=responses.NewToken, responses=CHANGE_PROBLEMS
)
def add_token(body: NewToken, response: Response, change: Own, here: Here) -> dict[str, Any]:
    """Make a token for the caller; its secret is in this answer only.

    A retry with the same Idempotency-Key makes no second token, and cannot show the first
    one's secret again: it is refused (409), naming the token made.
    """
    who = change.access.principal
    scope = _scope(who, body.boards)
    label = body.label or ""
    made: list[tuple[int, str]] = []
    answer = change.run_answering(
        response,
        body,
        lambda uow, actor, at: made.append(
            issue_token(uow, user=actor, boards=scope, at=at, label=label)
        ),
        answer={"label": label},
        status=201,
    )
    if answer.replayed or not made:
        raise Refused(
            "A token was made already with this Idempotency-Key, and its secret is shown only "
            "once: find it with GET /tokens, revoke it with DELETE /tokens/ID if its secret is "
            "lost, and send a new key to make another."
        )
    number, secret = made[0]
    view = next(view for view in tokens(here.unit_of_work(), user=who.user) if view.id == number)
    entry = _token_entry(view)
    return {"id": number, "token": secret, "label": entry["label"], "boards": entry["boards"]}


@router.delete(
    "/tokens/{id}",
    status_code=204,
    response_class=Response,
    responses={**DONE, **CHANGE_PROBLEMS},
)
def remove_token(token: TokenId, response: Response, change: Own, here: Here) -> Response:
    """Revoke one of the caller's tokens (a site admin: anyone's); it is refused from now on."""
    who = change.access.principal
    mine = {view.id for view in tokens(here.unit_of_work(), user=who.user)}
    anyones = who.site_admin and who.token_boards is None
    if token not in mine and not anyones:
        raise NotFound(f"No token #{token} of yours: see your tokens with GET /tokens.")
    answer = change.run_answering(
        response,
        None,
        lambda uow, actor, at: revoke_token(uow, token=token, by=actor, at=at),
        answer={},
        status=204,
    )
    return _no_content(answer.replayed)
