"""Use cases that move work: add, edit, rerank, pull, finish, block, unblock, discard, return.

Each is one transaction through ``change``: the board is locked, the items the change needs
are loaded, the domain decides, and the new state is committed with its events. A refusal
raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import partial

from pullflow.domain import needs
from pullflow.domain.items import ServiceClass
from pullflow.domain.items import parse_attributes as parse_attributes
from pullflow.services.unit import Outcome, change
from pullflow.store import SqlUnitOfWork


def add_item(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    title: str,
    actor: str,
    at: datetime,
    service_class: ServiceClass | None = None,
    due: date | None = None,
    position: int | None = None,
    experiment: int | None = None,
    override: str | None = None,
    attributes: Mapping[str, str] | None = None,
) -> Outcome:
    """Add an item to the options; the first event's ``item`` is its number.

    ``attributes`` are short texts by key (its type, team…); ``parse_attributes`` reads them
    as written on the command line.
    """
    return change(
        uow,
        board,
        lambda b: b.add_item(
            title,
            actor=actor,
            at=at,
            service_class=service_class,
            due=due,
            position=position,
            experiment=experiment,
            override=override,
            attributes=attributes,
        ),
        partial(needs.to_add, service_class=service_class, position=position),
    )


def edit_item(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    item: int,
    actor: str,
    at: datetime,
    title: str | None = None,
    service_class: ServiceClass | None = None,
    due: date | None = None,
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.edit_item(
            item, actor=actor, at=at, title=title, service_class=service_class, due=due
        ),
        partial(needs.to_edit, item=item, service_class=service_class),
    )


def rerank_item(
    uow: SqlUnitOfWork, *, board: str | None, item: int, position: int, actor: str, at: datetime
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.rerank(item, position, actor=actor, at=at),
        partial(needs.to_rerank, item=item),
    )


def pull_item(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    stage: str,
    actor: str,
    at: datetime,
    item: int | None = None,
    override: str | None = None,
) -> Outcome:
    """Pull into ``stage`` the named item, or the next one by policy."""
    return change(
        uow,
        board,
        lambda b: b.pull(stage, actor=actor, at=at, item=item, override=override),
        partial(needs.to_pull, stage=stage, item=item),
    )


def finish_item(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    item: int,
    actor: str,
    at: datetime,
    deliver: bool = False,
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.finish(item, actor=actor, at=at, deliver=deliver),
        partial(needs.to_move, item=item),
    )


def block_item(
    uow: SqlUnitOfWork, *, board: str | None, item: int, reason: str, actor: str, at: datetime
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.block(item, reason=reason, actor=actor, at=at),
        partial(needs.to_move, item=item),
    )


def unblock_item(
    uow: SqlUnitOfWork, *, board: str | None, item: int, actor: str, at: datetime
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.unblock(item, actor=actor, at=at),
        partial(needs.to_move, item=item),
    )


def discard_item(
    uow: SqlUnitOfWork, *, board: str | None, item: int, reason: str, actor: str, at: datetime
) -> Outcome:
    return change(
        uow,
        board,
        lambda b: b.discard(item, reason=reason, actor=actor, at=at),
        partial(needs.to_move, item=item),
    )


def return_item(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    item: int,
    stage: str,
    reason: str,
    actor: str,
    at: datetime,
    override: str | None = None,
) -> Outcome:
    """Send an item back to an earlier stage, with a reason."""
    return change(
        uow,
        board,
        lambda b: b.return_item(item, stage, reason=reason, actor=actor, at=at, override=override),
        partial(needs.to_move, item=item, stage=stage),
    )
