"""Changes made at most once per idempotency key: a retry gets the first answer back.

A client that sends a change with a key it chose, and never learns the answer (the
connection dropped, a proxy timed out), sends it again with the same key. ``once`` then
answers what the first request answered, without making the change a second time.

The answer is written in the transaction that makes the change (see ``_Remembering``), so
either both are stored or neither is: a crash in between cannot leave a change without its
answer. Two requests with the same key at the same moment both try; the board's lock lets one
commit, and the other's answer row then collides with the first one's, so it is rolled back
and answers what the first one stored.

Only changes that were made are remembered. A request the board refused, or one that was
malformed, changed nothing; its retry is simply tried again. A key belongs to one user and
one request (method, path and body): sending it with another request is refused.

A change that touches no board (adding a user, granting a role, making a token) knows its
answer before it runs, and goes through ``once_answering`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from pullflow.domain.errors import DomainError, Invalid, Refused, Unauthorised
from pullflow.services.unit import Outcome
from pullflow.store import SqlUnitOfWork, Store
from pullflow.store.accounts import StoredResponse

#: The longest key taken (the column's width).
MAX_KEY = 255


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request that carries a key: who sent it, the key, and what it asks for.

    ``fingerprint`` identifies the request's body (a hash of it); two requests with the
    same key must have the same method, path and fingerprint.
    """

    user: str
    key: str
    method: str
    path: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What a change answered: an HTTP status and a JSON body; ``replayed`` on a retry."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


#: Turns what a change did into its answer (status, body).
Respond = Callable[[Outcome], tuple[int, dict[str, Any]]]


def check_key(key: str) -> str:
    """The key if it is 1 to 255 visible ASCII characters, else a refusal saying so."""
    if not 0 < len(key) <= MAX_KEY or not all("!" <= char <= "~" for char in key):
        raise Invalid(
            f"The Idempotency-Key was refused: write 1 to {MAX_KEY} visible ASCII characters "
            "(letters, digits, punctuation; no spaces), such as a UUID."
        )
    return key


def once(
    store: Store,
    attempt: Attempt,
    *,
    at: datetime,
    change: Callable[[SqlUnitOfWork], Outcome],
    respond: Respond,
) -> Answer:
    """Make the change unless the key was used before; answer as the first time did.

    ``change`` runs a use case on the unit of work it is given; ``respond`` makes the answer
    from the outcome, and that answer is remembered with the change.
    """

    def run(uow: _Remembering) -> Answer:
        outcome = change(uow)
        return uow.answer if uow.answer is not None else Answer(*respond(outcome))

    return _once(store, attempt, lambda: _Remembering(store, attempt, at, respond), run)


def once_answering(
    store: Store,
    attempt: Attempt,
    *,
    at: datetime,
    change: Callable[[SqlUnitOfWork], object],
    answer: tuple[int, dict[str, Any]],
) -> Answer:
    """Make a change that records no board's events (accounts) at most once per key.

    Its ``answer`` is known before it runs; it is remembered in the change's transaction.
    """
    fixed = Answer(*answer)

    def run(uow: _Remembering) -> Answer:
        change(uow)
        return uow.answer if uow.answer is not None else fixed

    return _once(
        store, attempt, lambda: _Remembering(store, attempt, at, lambda _: answer, fixed), run
    )


def _once(
    store: Store,
    attempt: Attempt,
    unit: Callable[[], _Remembering],
    run: Callable[[_Remembering], Answer],
) -> Answer:
    """Answer as before if the key was used, else run the change in a remembering unit.

    A change refused because the same request made at the same moment got there first (the
    user it adds exists now, the stage it pulls into is full) answers as that request did.
    """
    check_key(attempt.key)
    earlier = recall(store.unit_of_work(), attempt)
    if earlier is not None:
        return earlier
    try:
        return run(unit())
    except _KeyTaken:
        earlier = recall(store.unit_of_work(), attempt)
        if earlier is None:
            raise Refused(
                "The change collided with another sent with the same Idempotency-Key and was "
                "not saved: send it again."
            ) from None
        return earlier
    except DomainError:
        earlier = recall(store.unit_of_work(), attempt)
        if earlier is None:
            raise
        return earlier


def recall(uow: SqlUnitOfWork, attempt: Attempt) -> Answer | None:
    """The answer remembered for the attempt's user and key, if the key was used before.

    Refuses a key that was first used for another request.
    """
    with uow.reading():
        user = uow.accounts.user(attempt.user)
        if user is None:
            return None
        row = uow.accounts.remembered(user_id=user.id, key=attempt.key)
    if row is None:
        return None
    return _replayed(row, attempt)


def _replayed(row: StoredResponse, attempt: Attempt) -> Answer:
    stored = row.body if isinstance(row.body, dict) else {}
    same = (row.method, row.path, stored.get("request")) == (
        attempt.method,
        attempt.path,
        attempt.fingerprint,
    )
    if not same:
        raise Invalid(
            f"The Idempotency-Key {attempt.key[:40]!r} was refused: it was first sent with "
            f"another request ({row.method} {row.path[:200]}); send a new key with each new "
            "change."
        )
    response = stored.get("response")
    return Answer(row.status, response if isinstance(response, dict) else {}, replayed=True)


class _KeyTaken(Exception):
    """Another request with the same user and key was stored first."""


class _Remembering(SqlUnitOfWork):
    """A unit of work that stores the change's answer in the transaction that commits it."""

    def __init__(
        self,
        store: Store,
        attempt: Attempt,
        at: datetime,
        respond: Respond,
        fixed: Answer | None = None,
    ) -> None:
        super().__init__(store)
        self.attempt = attempt
        self.at = at
        self.respond = respond
        #: The answer of a change known before it runs (one that touches no board).
        self.fixed = fixed
        self.answer: Answer | None = None

    def commit(self) -> None:
        if self.fixed is not None:
            status, body = self.fixed.status, self.fixed.body
        else:
            status, body = self.respond(self._outcome())
        user = self.accounts.user(self.attempt.user)
        if user is None:
            raise Unauthorised("The signed-in user is not known any more: sign in again.")
        try:
            self.accounts.remember(
                user_id=user.id,
                key=self.attempt.key,
                method=self.attempt.method,
                path=self.attempt.path,
                status=status,
                body={"request": self.attempt.fingerprint, "response": body},
                at=self.at,
            )
        except IntegrityError:
            raise _KeyTaken from None
        super().commit()
        self.answer = Answer(status, body)

    def _outcome(self) -> Outcome:
        """What the change is about to store: its board and its events, as ``change`` returns."""
        boards = self.boards.seen
        if not boards:
            raise RuntimeError("an idempotent change must go through one board")
        board = next((b for b in boards if b.pending_events), boards[-1])
        return Outcome(board.name, list(board.pending_events))
