"""Typed refusals of the domain: each carries one sentence saying what, why and what to do.

Two families matter to the entry points: ``Refused`` (a rule of the board said no; the
request itself was well formed) and ``Invalid`` (the request was malformed or named something
that does not exist). The command line exits 1 for the first and 2 for the second; the API
answers 409 and 422 (404 for ``NotFound``). ``Unauthorised`` (no one known is asking) and
``Forbidden`` (the one asking may not do this) are the API's 401 and 403.
"""


class DomainError(Exception):
    """A change the domain would not make, with the sentence to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(DomainError):
    """A rule refused a well-formed request (WIP limit, andon, pull signal, order of stages)."""


class WipLimitReached(Refused):
    """The receiving stage has no room under its WIP limit and policy."""


class LineStopped(Refused):
    """An andon stop covers the stage and the item is not the named fix."""


class NoPullSignal(Refused):
    """The board pulls work out of the options only for a running experiment."""


class NothingToPull(Refused):
    """No item is ready to be pulled into the stage."""


class OutOfOrder(Refused):
    """The move would skip a stage, go backwards, or take unfinished work."""


class ItemBlocked(Refused):
    """The item is blocked and cannot move until it is unblocked."""


class ItemClosed(Refused):
    """The item has left the flow (delivered or discarded)."""


class ExpediteTaken(Refused):
    """The board already has its one expedite item."""


class ExperimentLimitReached(Refused):
    """The board already runs as many experiments as its limit allows."""


class AlreadyExists(Refused):
    """A name that must be unique is already taken."""


class StateConflict(Refused):
    """The thing is not in a state where the verb applies (already blocked, not stopped…)."""


class Invalid(DomainError):
    """The request is malformed: a missing reason, a bad number, an unknown choice."""


class NotFound(Invalid):
    """The request names a board, stage, item, hypothesis, experiment or stop that is not there."""


class Unauthorised(DomainError):
    """The credentials name no one: a wrong password, an unknown user, a bad or revoked token."""


class Forbidden(DomainError):
    """The one asking is known but their role does not allow the action."""
