"""Use cases: the one write path (lock, decide, commit state and events) and the reads.

Entry points import from here only; the domain's errors, enumerations and parsers they need
are re-exported below so that no entry point reaches into the domain or the store.
"""

from pullflow.domain.andon import FiveWhys
from pullflow.domain.errors import DomainError, Invalid, NotFound, Refused
from pullflow.domain.events import Event, EventType
from pullflow.domain.items import ServiceClass, parse_service_class
from pullflow.domain.learning import (
    Decision,
    PullSignal,
    Verdict,
    parse_decision,
    parse_pull_signal,
    parse_verdict,
)
from pullflow.domain.stages import WipPolicy, parse_limit, parse_policy
from pullflow.services.unit import Outcome
from pullflow.store import NotInitialised, SqlUnitOfWork, Store, StoreUnavailable
from pullflow.store.repository import StoredEvent

__all__ = [
    "Decision",
    "DomainError",
    "Event",
    "EventType",
    "FiveWhys",
    "Invalid",
    "NotFound",
    "NotInitialised",
    "Outcome",
    "PullSignal",
    "Refused",
    "ServiceClass",
    "SqlUnitOfWork",
    "Store",
    "StoreUnavailable",
    "StoredEvent",
    "Verdict",
    "WipPolicy",
    "parse_decision",
    "parse_limit",
    "parse_policy",
    "parse_pull_signal",
    "parse_service_class",
    "parse_verdict",
]
