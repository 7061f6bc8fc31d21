"""Running one change for a request: who acts, when, and at most once per Idempotency-Key.

A route hands ``Changing.run`` a use case (one of the service functions the command line
calls) as a function of the unit of work, the actor and the moment. Without a key it runs
once; with an ``Idempotency-Key`` header it goes through ``services.idempotency.once``, so a
retry with the same key (same user, method, path and body) gets the first answer back,
marked ``Idempotent-Replayed: true``, and the change is not made again. A change to the
accounts (users, roles, tokens) records no board's events: ``Changing.run_answering`` takes
its answer, known before it runs, and remembers that (``once_answering``).

Every change first lets the server sweep the answers kept too long (``Server.sweep``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel

from pullflow.api.auth import Access, Asker, administers, changes
from pullflow.api.context import Server, server
from pullflow.services import Event, Outcome, SqlUnitOfWork
from pullflow.services.idempotency import MAX_KEY, Answer, Attempt, once, once_answering

#: A use case as a route runs it: (unit of work, actor, moment) → what it did.
UseCase = Callable[[SqlUnitOfWork, str, datetime], Outcome]
#: A change to the accounts as a route runs it: (unit of work, actor, moment) → anything.
AccountChange = Callable[[SqlUnitOfWork, str, datetime], object]

REPLAYED = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=MAX_KEY,
        description="Any unique text, such as a UUID: a retry with the same key returns the "
        "first answer and does not make the change again.",
    ),
]


def event_json(event: Event) -> dict[str, Any]:
    """An event a change recorded, as the log's JSON writes it (it has no number yet)."""
    fields = event.fields()
    return {**fields, "at": event.at.isoformat()}


def change_json(outcome: Outcome) -> dict[str, Any]:
    """What a change answers: its board and the events it recorded, in order."""
    return {"board": outcome.board, "events": [event_json(event) for event in outcome.events]}


def fingerprint(body: BaseModel | None) -> str:
    """A hash of the request's body as understood (the same for the same fields and values)."""
    shown = body.model_dump(mode="json", by_alias=True) if body is not None else None
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Changing:
    """A change a principal may make on a board, ready to run."""

    access: Access
    server: Server
    method: str
    path: str
    key: str | None

    @property
    def board(self) -> str:
        return self.access.board

    def run(
        self,
        response: Response,
        body: BaseModel | None,
        use_case: UseCase,
        *,
        status: int = 200,
    ) -> dict[str, Any]:
        """Run the use case as the principal's user, now; return the answer's body."""
        at = self.server.now()
        actor = self.access.actor

        def respond(outcome: Outcome) -> tuple[int, dict[str, Any]]:
            return status, change_json(outcome)

        if self.key is None:
            answer = Answer(*respond(use_case(self.server.unit_of_work(), actor, at)))
        else:
            attempt = Attempt(actor, self.key, self.method, self.path, fingerprint(body))
            answer = once(
                self.server.store,
                attempt,
                at=at,
                change=lambda uow: use_case(uow, actor, at),
                respond=respond,
            )
        return self._answered(response, answer)

    def run_answering(
        self,
        response: Response,
        body: BaseModel | None,
        account_change: AccountChange,
        *,
        answer: dict[str, Any],
        status: int = 200,
    ) -> Answer:
        """Make a change to the accounts whose answer is known before it runs.

        Returns the answer: ``replayed`` when it is a retry's, and nothing was done again.
        """
        at = self.server.now()
        actor = self.access.actor
        if self.key is None:
            account_change(self.server.unit_of_work(), actor, at)
            given = Answer(status, answer)
        else:
            attempt = Attempt(actor, self.key, self.method, self.path, fingerprint(body))
            given = once_answering(
                self.server.store,
                attempt,
                at=at,
                change=lambda uow: account_change(uow, actor, at),
                answer=(status, answer),
            )
        self._answered(response, given)
        return given

    @staticmethod
    def _answered(response: Response, answer: Answer) -> dict[str, Any]:
        response.status_code = answer.status
        if answer.replayed:
            response.headers[REPLAYED] = "true"
        return answer.body


def _changing(request: Request, access: Access, at: Server, key: str | None) -> Changing:
    at.sweep(at.now())
    return Changing(access, at, request.method, request.url.path, key)


def changing(
    request: Request,
    access: Annotated[Access, Depends(changes)],
    at: Annotated[Server, Depends(server)],
    key: IdempotencyKey = None,
) -> Changing:
    """A change to work on the board (member or admin)."""
    return _changing(request, access, at, key)


def administering(
    request: Request,
    access: Annotated[Access, Depends(administers)],
    at: Annotated[Server, Depends(server)],
    key: IdempotencyKey = None,
) -> Changing:
    """A change to the board's limits or settings (admin)."""
    return _changing(request, access, at, key)


def asking(
    request: Request,
    who: Asker,
    at: Annotated[Server, Depends(server)],
    key: IdempotencyKey = None,
) -> Changing:
    """A change by whoever asks, to something of their own (their tokens); no board."""
    return _changing(request, Access(who, ""), at, key)


def site_administering(doing: str) -> Callable[..., Changing]:
    """A dependency: a change only a site admin may make (``doing``: "create users")."""

    def dependency(
        request: Request,
        who: Asker,
        at: Annotated[Server, Depends(server)],
        key: IdempotencyKey = None,
    ) -> Changing:
        who.require_site_admin(doing)
        return _changing(request, Access(who, ""), at, key)

    return dependency


Member = Annotated[Changing, Depends(changing)]
Admin = Annotated[Changing, Depends(administering)]
Own = Annotated[Changing, Depends(asking)]
