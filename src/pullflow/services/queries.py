"""Reads: boards, items, hypotheses, experiments, stops and events, as views.

Queries open a read-only transaction and never lock. Ages are counted in calendar days in the
board's time zone, inclusively: an item started today is 1 day old.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pullflow.domain.andon import Stop
from pullflow.domain.board import Board
from pullflow.domain.events import Event
from pullflow.domain.items import Item, ItemState
from pullflow.domain.learning import Experiment, Hypothesis
from pullflow.domain.stages import Lane, Stage
from pullflow.services.views import (
    BoardView,
    CardView,
    ExperimentView,
    HypothesisView,
    StageView,
    StopView,
)
from pullflow.store import SqlUnitOfWork
from pullflow.store.repository import StoredEvent


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def age_in_days(start: datetime, as_of: datetime, timezone: str) -> int:
    """Calendar days from start to as-of, both counted (same day = 1)."""
    return (local_date(as_of, timezone) - local_date(start, timezone)).days + 1


def board_names(uow: SqlUnitOfWork) -> list[str]:
    with uow.reading():
        return uow.boards.names()


def board_view(uow: SqlUnitOfWork, *, board: str | None, at: datetime) -> BoardView:
    """The board as of ``at``: every stage with its cards, and the open stops."""
    with uow.reading():
        loaded = uow.boards.whole(board)
        return _board_view(loaded, at)


def item_view(
    uow: SqlUnitOfWork, *, board: str | None, item: int, at: datetime
) -> tuple[CardView, list[StoredEvent]]:
    """One item's card and its history."""
    with uow.reading():
        loaded = uow.boards.whole(board)
        card = _card(loaded, loaded.item(item), at, _experiments_by_item(loaded))
        return card, uow.events.read(loaded.name, item=item)


def hypotheses_view(uow: SqlUnitOfWork, *, board: str | None) -> list[HypothesisView]:
    with uow.reading():
        loaded = uow.boards.whole(board)
        return [_hypothesis(loaded, hypothesis) for hypothesis in loaded.hypotheses]


def experiments_view(uow: SqlUnitOfWork, *, board: str | None) -> list[ExperimentView]:
    with uow.reading():
        loaded = uow.boards.whole(board)
        return [_experiment(experiment) for experiment in loaded.experiments]


def stops_view(uow: SqlUnitOfWork, *, board: str | None) -> tuple[str, list[StopView]]:
    """The board's name and all its stops, oldest first."""
    with uow.reading():
        loaded = uow.boards.whole(board)
        return loaded.name, [_stop(stop) for stop in loaded.stops]


def event_log(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    item: int | None = None,
    limit: int | None = None,
) -> list[StoredEvent]:
    """The board's events in order; with a limit, the most recent ones (still in order)."""
    with uow.reading():
        name = uow.boards.resolve(board)
        if limit is None:
            return uow.events.read(name, item=item)
        newest = uow.events.read(name, item=item, limit=limit, newest_first=True)
        return list(reversed(newest))


def board_events(uow: SqlUnitOfWork, *, board: str | None) -> tuple[str, list[Event]]:
    """The board's name and all its events, oldest first (what flow figures are made from)."""
    with uow.reading():
        name = uow.boards.resolve(board)
        return name, [stored.event for stored in uow.events.read(name)]


def board_history(uow: SqlUnitOfWork, *, board: str | None) -> tuple[Board, list[StoredEvent]]:
    """The stored board, whole, and every event it recorded (to check one against the other)."""
    with uow.reading():
        loaded = uow.boards.whole(board)
        return loaded, uow.events.read(loaded.name)


def _board_view(board: Board, at: datetime) -> BoardView:
    linked = _experiments_by_item(board)
    stops = tuple(_stop(stop) for stop in board.open_stops)
    return BoardView(
        name=board.name,
        pull_signal=board.pull_signal.value,
        experiment_limit=board.experiment_limit,
        running_experiments=tuple(e.number for e in board.running_experiments),
        timezone=board.timezone,
        commitment=board.commitment_stage.name,
        delivery=board.delivery_stage.name,
        as_of=at,
        stages=tuple(_stage(board, stage, at, linked) for stage in board.stages),
        open_stops=stops,
    )


def _stage(board: Board, stage: Stage, at: datetime, linked: dict[int, list[int]]) -> StageView:
    cards = [
        _card(board, item, at, linked, position)
        for position, item in enumerate(_ordered(board, stage), start=1)
    ]
    kind = "options" if board.is_options(stage) else "done" if board.is_done(stage) else "work"
    stops = [] if board.is_options(stage) else board.open_stops
    stop = next((s for s in stops if s.covers(stage)), None)
    return StageView(
        name=stage.name,
        kind=kind,
        limit=stage.limit,
        policy=stage.policy.value,
        wip=None if board.is_done(stage) else board.wip(stage),
        doing=tuple(card for card in cards if card.lane == Lane.DOING.value),
        done=tuple(card for card in cards if card.lane == Lane.DONE.value),
        stopped_by=stop.number if stop else None,
    )


def _ordered(board: Board, stage: Stage) -> list[Item]:
    if board.is_options(stage):
        return board.options_queue()
    in_stage = [
        item
        for item in board.items
        if item.stage is stage and item.state is not ItemState.DISCARDED
    ]
    return sorted(in_stage, key=lambda item: (item.entered_at, item.number))


def _card(
    board: Board,
    item: Item,
    at: datetime,
    linked: dict[int, list[int]],
    position: int | None = None,
) -> CardView:
    """An item as a card; ``position`` is its place in line when it waits in the options."""
    in_progress = item.active and item.started_at is not None
    return CardView(
        number=item.number,
        title=item.title,
        service_class=item.service_class.value,
        due=item.due,
        stage=item.stage.name,
        lane=item.lane.value,
        state=item.state.value,
        rank=item.rank if board.is_options(item.stage) and item.active else None,
        position=position if board.is_options(item.stage) and item.active else None,
        blocked_reason=item.blocked_reason,
        blocked_since=item.blocked_since,
        created_at=item.created_at,
        started_at=item.started_at,
        ended_at=item.ended_at,
        age_days=age_in_days(item.started_at, at, board.timezone)
        if in_progress and item.started_at
        else None,
        cycle_days=_cycle_days(board, item),
        experiments=tuple(linked.get(item.number, ())),
        discard_reason=item.discard_reason,
        attributes=dict(item.attributes),
    )


def _cycle_days(board: Board, item: Item) -> int | None:
    """Calendar days from start to delivery, both counted, for a delivered item."""
    if item.state is not ItemState.DONE or item.started_at is None or item.ended_at is None:
        return None
    return age_in_days(item.started_at, item.ended_at, board.timezone)


def _experiments_by_item(board: Board) -> dict[int, list[int]]:
    linked: dict[int, list[int]] = {}
    for experiment in board.experiments:
        for item in experiment.items:
            linked.setdefault(item.number, []).append(experiment.number)
    return linked


def _hypothesis(board: Board, hypothesis: Hypothesis) -> HypothesisView:
    return HypothesisView(
        number=hypothesis.number,
        belief=hypothesis.belief,
        test=hypothesis.test,
        metric=hypothesis.metric,
        criterion=hypothesis.criterion,
        status=hypothesis.status.value,
        stated_at=hypothesis.stated_at,
        stated_by=hypothesis.stated_by,
        experiments=tuple(e.number for e in board.experiments if e.hypothesis is hypothesis),
    )


def _experiment(experiment: Experiment) -> ExperimentView:
    return ExperimentView(
        number=experiment.number,
        hypothesis=experiment.hypothesis.number,
        title=experiment.title,
        status=experiment.status.value,
        started_at=experiment.started_at,
        started_by=experiment.started_by,
        items=tuple(item.number for item in experiment.items),
        concluded_at=experiment.concluded_at,
        verdict=experiment.verdict.value if experiment.verdict else None,
        decision=experiment.decision.value if experiment.decision else None,
        observed=experiment.observed,
        learned=experiment.learned,
        next_step=experiment.next_step,
    )


def _stop(stop: Stop) -> StopView:
    return StopView(
        number=stop.number,
        stage=stop.stage.name if stop.stage else None,
        reason=stop.reason,
        tags=tuple(stop.tags),
        fix_item=stop.fix_item,
        people=stop.people,
        stopped_at=stop.stopped_at,
        stopped_by=stop.stopped_by,
        repeat_of=stop.repeat_of,
        repeated_tags=tuple(stop.repeated_tags),
        resumed_at=stop.resumed_at,
        resumed_by=stop.resumed_by,
        five_whys=stop.five_whys.to_data() if stop.five_whys else None,
    )
