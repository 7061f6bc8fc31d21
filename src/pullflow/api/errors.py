"""Every failure as an RFC 9457 problem: ``application/problem+json`` with one sentence.

A problem has ``type`` (a URI naming the kind of problem), ``title`` (the kind in a few
words), ``status``, ``detail`` (the sentence the domain wrote: what was refused, why, what to
do) and ``instance`` (the path asked for). Validation problems add ``errors``, one entry per
field.

The domain's errors map to statuses by family: ``Refused`` → 409, ``NotFound`` → 404,
``Invalid`` → 422, ``Unauthorised`` → 401 (with ``WWW-Authenticate: Bearer``), ``Forbidden``
→ 403. A database that cannot be reached, or whose connections are all in use, is 503.
Anything else is a bug: it is logged and answered 500, still as a problem, never as a trace.

The domain's sentences are written for the command line; where one names a flag the API
takes as a field, the field is named instead (``FLAG_FIELDS``): ``pull with --override
"reason"`` reads ``pull with "override": "reason"``. Whole commands (``pullflow board limit
"Build" 3``) are left as they are.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pullflow.services import DomainError

PROBLEM_JSON = "application/problem+json"

#: Where the problem types live: ``urn:pullflow:problem:wip-limit-reached`` and so on.
TYPE_PREFIX = "urn:pullflow:problem:"

log = logging.getLogger("pullflow.api")

#: Status of each family of domain errors, looked up along the error's class hierarchy.
STATUS_OF_FAMILY: Mapping[str, int] = {
    "Unauthorised": 401,
    "Forbidden": 403,
    "StoreUnavailable": 503,
    "NotFound": 404,
    "Refused": 409,
    "Invalid": 422,
}

#: A short title for each kind of problem the domain names (others take their family's).
TITLES: Mapping[str, str] = {
    "Unauthorised": "Not signed in",
    "Forbidden": "Not allowed",
    "NotFound": "Not found",
    "Refused": "Refused by a rule of the board",
    "Invalid": "Invalid request",
    "StoreUnavailable": "Database unavailable",
    "StoreBusy": "Database busy",
    "WipLimitReached": "WIP limit reached",
    "LineStopped": "The line is stopped",
    "NoPullSignal": "No pull signal",
    "NothingToPull": "Nothing to pull",
    "OutOfOrder": "Out of order",
    "ItemBlocked": "Item blocked",
    "ItemClosed": "Item closed",
    "ExpediteTaken": "Expedite lane taken",
    "ExperimentLimitReached": "Experiment limit reached",
    "AlreadyExists": "Already exists",
    "StateConflict": "Not in a state for this",
    "NotInitialised": "Database not initialised",
    "BeyondHorizon": "Forecast too far out",
}

#: The field (or query parameter) of the API for each flag a sentence may name.
FLAG_FIELDS: Mapping[str, str] = {
    "override": "override",
    "reason": "reason",
    "due": "due",
    "verify": "to_verify_that_we_will",
    "measure": "and_measure",
    "right-if": "we_are_right_if",
    "observed": "we_observed",
    "learned": "from_that_we_learned",
    "next": "therefore_we_will",
    "stop": "stop",
    "type": "type",
    "attr": "attributes",
    "deliver": "deliver",
    "wip": "wip",
    "units": "units",
    "reps": "reps",
    "window": "window",
    "from": "from",
    "to": "to",
    "items": "items",
}
#: Flags followed by their value in the sentences (the others are named alone).
VALUED = frozenset(
    {"override", "reason", "due", "verify", "measure", "right-if", "observed", "learned", "next"}
    | {"stop", "attr"}
)
#: Flags that are switches: ``--deliver`` is ``"deliver": true``.
SWITCHES = frozenset({"deliver"})
_FLAG = re.compile(r"""(?<![\w'"-])--([a-z][a-z-]*)(?: ("[^"]*"|[^\s"]+))?""")
#: A command in a sentence, to its clause's end: its flags stay the command line's.
_COMMAND = re.compile(r"(pullflow [a-z][^.;]*)")

UNAVAILABLE = (
    "The database cannot be reached just now, so nothing was read or written: try again in a "
    "moment."
)
PLACES = {"body": "body", "query": "query string", "path": "path", "header": "headers"}


class BodyTooLarge(HTTPException):
    """A request body longer than the server takes.

    It is an HTTP error so that it passes through FastAPI's reading of the body unchanged.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_sentence(limit))
        self.limit = limit


def too_large_sentence(limit: int) -> str:
    return f"The request was refused: its body is longer than {limit:,} bytes; send less."


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response; ``kind`` is the problem's name (its type URI's last part)."""
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{kind}" if kind else "about:blank",
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **(extra or {}),
    }
    return JSONResponse(
        jsonable_encoder(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_JSON,
    )


def install(app: FastAPI) -> None:
    """Answer every error of the app as a problem."""
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(BodyTooLarge, _too_large)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _bug)


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error: that of the nearest family it belongs to."""
    for kind in type(error).__mro__:
        status = STATUS_OF_FAMILY.get(kind.__name__)
        if status is not None:
            return status
    return 422


def kind_of(error: BaseException) -> str:
    """The error's class name in kebab case: ``WipLimitReached`` → ``wip-limit-reached``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(error).__name__).lower()


def title_of(error: DomainError) -> str:
    for kind in type(error).__mro__:
        title = TITLES.get(kind.__name__)
        if title is not None:
            return title
    return "Invalid request"


def for_api(detail: str) -> str:
    """The sentence with each flag the API takes as a field named as that field."""
    parts = _COMMAND.split(detail)
    return "".join(
        part if index % 2 else _FLAG.sub(_as_field, part) for index, part in enumerate(parts)
    )


def _as_field(match: re.Match[str]) -> str:
    flag, value = match.group(1), match.group(2)
    field = FLAG_FIELDS.get(flag)
    if field is None:
        return match.group(0)
    rest = f" {value}" if value is not None else ""
    if flag in SWITCHES:
        return f'"{field}": true{rest}'
    if flag not in VALUED or value is None:
        return f'"{field}"{rest}'
    core, tail = value, ""
    if not value.startswith('"'):
        core = value.rstrip(".,;:)")
        tail = value[len(core) :]
    if flag == "attr" and "=" in core:
        key, _, shown = core.partition("=")
        return f'"{field}": {{"{key}": "{shown}"}}{tail}'
    if flag == "due" and not core.startswith('"'):
        core = f'"{core}"'
    return f'"{field}": {core}{tail}'


def _domain_error(request: Request, error: DomainError) -> JSONResponse:
    status = status_of(error)
    headers: dict[str, str] = {}
    detail = for_api(error.message)
    if status == 401:
        headers["WWW-Authenticate"] = _challenge(request)
    if status == 503:
        log.warning("database unavailable: %s", error.message)
        # The sentence of an unreachable database names its URL: not for the client to see.
        detail = error.message if kind_of(error) == "store-busy" else UNAVAILABLE
        headers["Retry-After"] = "5"
    return problem(
        request, status, detail, kind=kind_of(error), title=title_of(error), headers=headers
    )


def _challenge(request: Request) -> str:
    """``WWW-Authenticate`` for a 401: a bad token is said to be invalid (RFC 6750)."""
    if request.headers.get("authorization"):
        return 'Bearer realm="pullflow", error="invalid_token"'
    return 'Bearer realm="pullflow"'


def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = list(error.errors())
    listed = [
        {"location": _location(entry.get("loc", ())), "message": _message(entry)}
        for entry in errors
    ]
    return problem(
        request,
        422,
        validation_sentence(errors),
        kind="invalid-request",
        title="Invalid request",
        extra={"errors": listed},
    )


def validation_sentence(errors: Sequence[Mapping[str, Any]]) -> str:
    """One sentence for the first thing wrong with a request (the others are listed apart)."""
    if not errors:
        return "The request was refused: it is malformed; check it against /openapi.json."
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    place = PLACES.get(str(loc[0]), "request") if loc else "request"
    field = ".".join(str(part) for part in loc[1:])
    kind = str(first.get("type", ""))
    more = (
        f" ({len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} listed)"
        if len(errors) > 1
        else ""
    )
    if kind == "json_invalid":
        return (
            "The request was refused: its body is not valid JSON; send a JSON object "
            f"(Content-Type: application/json){more}."
        )
    if not field and kind == "missing":
        return f"The request was refused: it needs a JSON body; send one{more}."
    if not field:
        return (
            f"The request was refused: its body must be a JSON object with the fields this "
            f"route takes ({_message(first)}){more}."
        )
    if kind == "missing":
        return f"The request was refused: {field} is missing from the {place}; add it{more}."
    shown = _shown(first.get("input"))
    return (
        f"The request was refused: {field} in the {place} ({shown}) is not accepted: "
        f"{_message(first)}; correct it and send it again{more}."
    )


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _message(entry: Mapping[str, Any]) -> str:
    message = str(entry.get("msg", "not accepted")).removeprefix("Value error, ")
    message = message.removesuffix(".")
    return message[:1].lower() + message[1:]


def _shown(value: Any) -> str:
    """A short, printable glimpse of what was sent."""
    text = repr(value)
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= 40 else text[:37] + "…"


#: What FastAPI says of a body it could not read at all (bytes that are not UTF-8, say).
UNREADABLE_BODY = "There was an error parsing the body"


def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    status = error.status_code
    path = request.url.path
    if status == 400 and error.detail == UNREADABLE_BODY:
        # Answered as any body that is not JSON: 422, as every other bad input.
        unreadable = [{"type": "json_invalid", "loc": ("body",), "msg": "not valid JSON in UTF-8"}]
        return _validation_error(request, RequestValidationError(unreadable))
    if status == 404:
        detail = f"There is nothing at {path[:200]}: see /docs for the routes this server answers."
    elif status == 405:
        detail = (
            f"{request.method} is not allowed on {path[:200]}: see /docs for the methods it takes."
        )
    else:
        detail = str(error.detail) if error.detail else _phrase(status)
    return problem(request, status, detail, headers=error.headers)


def too_large(request: Request, limit: int) -> JSONResponse:
    """The answer to a body longer than ``limit`` bytes."""
    return problem(
        request, 413, too_large_sentence(limit), kind="body-too-large", title="Body too large"
    )


def _too_large(request: Request, error: BodyTooLarge) -> JSONResponse:
    return too_large(request, error.limit)


def _bug(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected failure on %s %s", request.method, request.url.path)
    return problem(
        request,
        500,
        f"The server failed unexpectedly ({type(error).__name__}): look at the board to see "
        "whether the change was made, and report the failure with the time of the request.",
        kind="unexpected-failure",
        title="Unexpected failure",
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
