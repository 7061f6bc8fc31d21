"""Running a page's form: check who may, run the one service function, answer 303 or refuse.

Every change a page makes goes through ``act``: the form has passed its CSRF check, the
visitor's role is checked (a viewer gets 403 and nothing is written), the use case runs with
the signed-in user as its actor (never a name from the form) and the server's clock, and the
visitor is sent back (303) to the page the form came from. A domain refusal re-renders that
page with the sentence, with its family's status (409, 422, 404).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pullflow.api.context import Server, server
from pullflow.services import DomainError, Invalid, Outcome, SqlUnitOfWork
from pullflow.services.queries import board_view
from pullflow.web.failures import status_of
from pullflow.web.panels import board_panel
from pullflow.web.render import page, path_part
from pullflow.web.session import Visitor, local_path

Here = Annotated[Server, Depends(server)]

#: A use case as a page runs it: (unit of work, actor, moment) → what it did.
UseCase = Callable[[SqlUnitOfWork, str, datetime], Outcome]
#: Re-render the page a form came from, with a refusal's sentence and status.
Again = Callable[[str, int], Response]

#: The largest whole number a board stores.
MAX_NUMBER = 2**31 - 1


def board_path(board: str) -> str:
    return f"/b/{path_part(board)}"


def whole_number(text: str | None, what: str, *, optional: bool = False) -> int | None:
    """A whole number from a form field (None for an empty optional one), else ``Invalid``."""
    cleaned = (text or "").strip().lstrip("#")
    if not cleaned and optional:
        return None
    if not cleaned.isdigit() or not 0 < int(cleaned) <= MAX_NUMBER:
        raise Invalid(f"{what} {text!r} was refused: give a whole number such as 3.")
    return int(cleaned)


def required_number(text: str | None, what: str) -> int:
    found = whole_number(text, what)
    assert found is not None
    return found


def day(text: str | None, what: str) -> date | None:
    """A date from a form field written as YYYY-MM-DD (None when empty), else ``Invalid``."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise Invalid(f"{what} {text!r} was refused: write it as YYYY-MM-DD.") from None


def back_to(fields: Mapping[str, str], default: str) -> str:
    """The page a form came from (a path on this site), or ``default``."""
    back = fields.get("back")
    return local_path(back) if back else default


def board_page(
    request: Request,
    visitor: Visitor,
    at: Server,
    board: str,
    *,
    template: str = "board.html",
    status: int = 200,
    refusal: str | None = None,
    **context: object,
) -> HTMLResponse:
    """The board page (or its fragment's template) as of now."""
    view = board_view(at.unit_of_work(), board=board, at=at.now())
    panel = board_panel(view, can_change=visitor.may(board, "change"))
    return page(
        request,
        visitor,
        template,
        board=view.name,
        status=status,
        refusal=refusal,
        panel=panel,
        stops=list(view.open_stops),
        **context,
    )


def act(
    visitor: Visitor,
    at: Server,
    board: str,
    make: Callable[[], UseCase],
    *,
    back: str,
    again: Again,
) -> Response:
    """Run a change as the visitor; 303 to ``back``, or the page again with the refusal.

    ``make`` reads the form's fields into the use case (it may refuse them with ``Invalid``);
    the visitor's role is checked first, so a viewer hears about their role, not the fields.
    """
    visitor.principal.require(board, "change")
    try:
        use_case = make()
        use_case(at.unit_of_work(), visitor.user, at.now())
    except DomainError as error:
        status = status_of(error)
        if status == 403:
            raise
        return again(error.message, status)
    return RedirectResponse(back, status_code=303)
