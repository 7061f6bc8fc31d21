"""Who is asking, and whether they may: bearer tokens and roles on boards.

Every route needs ``Authorization: Bearer pf_…``; ``principal`` turns the token into the
user behind it (``services.accounts.authenticate_token``), or answers 401. Routes on a board
then ask for an action on it, ``read`` for reads, ``change`` for the pull engine's verbs,
``admin`` for limits and settings; a principal without it gets 403, in words that do not say
whether a board of that name exists. The actor of every change is the principal's user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pullflow.api.context import Server, server
from pullflow.api.requests import BoardName
from pullflow.services.accounts import Principal, Unauthorised, authenticate_token

NO_TOKEN = (
    "The request carries no token: send the header Authorization: Bearer followed by a pf_ "
    "token of yours (create one with pullflow token create)."
)
NOT_BEARER = (
    "The Authorization header was not understood: write it as Bearer followed by a pf_ token "
    "of yours."
)

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    bearerFormat="pf_…",
    description="An API token: Authorization: Bearer pf_…",
)


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    at: Annotated[Server, Depends(server)],
) -> Principal:
    """The principal behind the request's bearer token; 401 without a valid one."""
    if credentials is None:
        raise Unauthorised(NOT_BEARER if request.headers.get("authorization") else NO_TOKEN)
    return authenticate_token(at.unit_of_work(), secret=credentials.credentials, at=at.now())


Asker = Annotated[Principal, Depends(principal)]


@dataclass(frozen=True)
class Access:
    """A principal allowed an action on a board: the board as named, and who acts."""

    principal: Principal
    board: str

    @property
    def actor(self) -> str:
        """Who every event of a change names: the token's user, never a name from the body."""
        return self.principal.user


def reads(board: BoardName, who: Asker) -> Access:
    """The board may be read (viewer, member or admin)."""
    who.require(board, "read")
    return Access(who, board)


def changes(board: BoardName, who: Asker) -> Access:
    """Work on the board may be changed (member or admin)."""
    who.require(board, "change")
    return Access(who, board)


def administers(board: BoardName, who: Asker) -> Access:
    """The board's limits and settings may be changed (admin)."""
    who.require(board, "admin")
    return Access(who, board)


Reader = Annotated[Access, Depends(reads)]
