"""What pages answer when something fails: an HTML page with the sentence, never JSON.

The API answers failures as problems (``application/problem+json``); for the web board's
paths the same failures become pages: a visitor without a session is sent to sign in (303),
a form that failed its CSRF or origin check gets 403, a domain error its family's status
(``Forbidden`` 403, ``NotFound`` 404, ``Refused`` 409, ``Invalid`` 422), an unknown page 404.
A refusal on a board never names that board's contents, so a page refused for want of a
role says the same whether or not the board exists.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from pullflow.services import DomainError
from pullflow.services.accounts import Unauthorised
from pullflow.web.headers import is_page
from pullflow.web.render import page
from pullflow.web.session import FormRefused, SignInNeeded, Visitor, sign_in_url, visitor_of

log = logging.getLogger("pullflow.web")

#: Status of each family of domain errors, looked up along the error's class hierarchy.
STATUS_OF_FAMILY: Mapping[str, int] = {
    "Forbidden": 403,
    "StoreUnavailable": 503,
    "NotFound": 404,
    "Refused": 409,
    "Invalid": 422,
}

UNAVAILABLE = (
    "The database cannot be reached just now, so nothing was read or written: try again in a "
    "moment."
)

#: What each role lets its holder do on a board, for a page refused for want of a role.
ROLE_NOTES: Mapping[str, str] = {
    "viewer": (
        "As a viewer of this board you may read it: the board, its learning, flow, what-if, "
        "andon and history pages; changing work on it takes the member role."
    ),
    "member": (
        "As a member of this board you may read it and change its work (pull, finish, block, "
        "discard, return, stop and resume the line); its settings take the admin role."
    ),
}

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        status = STATUS_OF_FAMILY.get(kind.__name__)
        if status is not None:
            return status
    return 422


def failure_page(
    request: Request, sentence: str, status: int, *, note: str | None = None
) -> Response:
    """A page with the sentence, in the layout but outside any board."""
    return page(
        request,
        visitor_of(request),
        "failure.html",
        board=None,
        status=status,
        refusal=sentence,
        note=note,
        heading=_heading(status),
    )


def _heading(status: int) -> str:
    return {
        403: "Not allowed",
        404: "Not found",
        409: "Refused",
        413: "Too large",
        422: "Not accepted",
        503: "Unavailable",
    }.get(status, "Something went wrong")


def _role_note(request: Request, visitor: Visitor | None) -> str | None:
    board = request.path_params.get("board")
    if visitor is None or not isinstance(board, str):
        return None
    role = visitor.principal.role_on(board)
    return ROLE_NOTES.get(role.value) if role is not None else None


def _sign_in(request: Request, error: SignInNeeded) -> Response:
    return RedirectResponse(sign_in_url(error.next_path), status_code=303)


def _form_refused(request: Request, error: FormRefused) -> Response:
    return failure_page(request, error.sentence, 403)


def _domain_error(request: Request, error: DomainError) -> Response:
    if isinstance(error, Unauthorised):
        return RedirectResponse(sign_in_url(request.url.path), status_code=303)
    status = status_of(error)
    if status == 503:
        log.warning("database unavailable: %s", error.message)
        return failure_page(request, UNAVAILABLE, 503)
    note = _role_note(request, visitor_of(request)) if status == 403 else None
    return failure_page(request, error.message, status, note=note)


def _http_error(request: Request, error: HTTPException) -> Response:
    path = request.url.path[:200]
    if error.status_code == 404:
        sentence = f"There is no page at {path}: go back to the list of boards."
    elif error.status_code == 405:
        sentence = f"{request.method} is not allowed on {path}: use the page's forms and links."
    else:
        sentence = str(error.detail) if error.detail else "The request was refused."
    return failure_page(request, sentence, error.status_code)


def _validation_error(request: Request, error: RequestValidationError) -> Response:
    errors = list(error.errors())
    first = errors[0] if errors else {}
    field = ".".join(str(part) for part in first.get("loc", ())[1:]) or "the request"
    message = str(first.get("msg", "not accepted")).removeprefix("Value error, ").rstrip(".")
    return failure_page(
        request,
        f"The request was refused: {field} was not accepted ({message.lower()}); go back, "
        "correct it and send it again.",
        422,
    )


def _bug(request: Request, error: Exception) -> Response:
    log.exception("unexpected failure on %s %s", request.method, request.url.path)
    return failure_page(
        request,
        f"The server failed unexpectedly ({type(error).__name__}): look at the board to see "
        "whether the change was made, and report the failure with the time it happened.",
        500,
    )


def _for_pages(app: FastAPI, kind: type[Exception], handler: Handler) -> None:
    """Answer ``kind`` with ``handler`` on pages, and as before everywhere else."""
    before = app.exception_handlers.get(kind)

    async def answer(request: Request, error: Any) -> Response:
        chosen = handler if before is None or is_page(request.url.path) else before
        result = chosen(request, error)
        return await result if inspect.isawaitable(result) else result

    app.add_exception_handler(kind, answer)


def install(app: FastAPI) -> None:
    """Answer failures on the web board's paths as pages (see the module)."""
    app.add_exception_handler(SignInNeeded, _sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(FormRefused, _form_refused)  # type: ignore[arg-type]
    _for_pages(app, DomainError, _domain_error)
    _for_pages(app, HTTPException, _http_error)
    _for_pages(app, RequestValidationError, _validation_error)
    _for_pages(app, Exception, _bug)
