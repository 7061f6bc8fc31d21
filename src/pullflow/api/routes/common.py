"""What the route modules share: the server dependency and the problems they may answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from pullflow.api.context import Server, server
from pullflow.api.responses import Problem

Here = Annotated[Server, Depends(server)]


Answers = dict[int | str, dict[str, Any]]


def _problem(status: int, description: str) -> Answers:
    return {status: {"model": Problem, "description": description}}


UNAUTHORISED = _problem(401, "No token, or one that is unknown or revoked.")
FORBIDDEN = _problem(403, "The token's user has no role on the board that allows this.")
NOT_FOUND = _problem(404, "The board, stage, item, experiment or stop is not there.")
REFUSED = _problem(409, "A rule of the board refused the change (WIP limit, andon, …).")
INVALID = _problem(422, "The request is malformed, or names something in a way not taken.")

#: The problems a read of a board may answer.
READ_PROBLEMS: Answers = {
    **UNAUTHORISED,
    **FORBIDDEN,
    **NOT_FOUND,
    **INVALID,
}
#: The problems a change may answer.
CHANGE_PROBLEMS: Answers = {**READ_PROBLEMS, **REFUSED}
