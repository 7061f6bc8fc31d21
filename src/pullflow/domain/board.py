"""The board: the aggregate whose verbs enforce the rules of a pull system.

Every verb checks the rules, then records its events through ``evolve`` and keeps them in
``pending_events`` for the store to write in the same transaction as the new state. A verb
that refuses raises a ``DomainError`` before recording anything, so a refused change leaves
the board as it was. Time is always passed in (``at``); the domain never reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pullflow.domain.andon import MAX_PEOPLE, FiveWhys, Stop, clean_tags
from pullflow.domain.errors import (
    ExpediteTaken,
    ExperimentLimitReached,
    Invalid,
    ItemBlocked,
    ItemClosed,
    LineStopped,
    NoPullSignal,
    NotFound,
    NothingToPull,
    OutOfOrder,
    StateConflict,
    WipLimitReached,
)
from pullflow.domain.events import Event, EventType
from pullflow.domain.evolve import evolve
from pullflow.domain.imported import ImportedItem
from pullflow.domain.items import (
    MAX_TITLE,
    PULL_ORDER,
    Item,
    ItemState,
    ServiceClass,
    check_attributes,
    check_reason,
    check_title,
    parse_service_class,
)
from pullflow.domain.learning import (
    Decision,
    Experiment,
    Hypothesis,
    PullSignal,
    Verdict,
    required_text,
)
from pullflow.domain.needs import Needs
from pullflow.domain.stages import Lane, Stage, StageSpec, WipPolicy, check_limit
from pullflow.domain.text import squeeze

MAX_NAME = 60

#: The most items one import records.
MAX_IMPORT = 200_000

#: What a flow point is set to in order to go back to its default.
DEFAULT_POINT = "default"


class Keep:
    """The type of ``KEEP``: a setting left as it is."""

    def __repr__(self) -> str:
        return "KEEP"


#: Passed for a flow point that stays as it is.
KEEP = Keep()


def parse_point(text: str) -> str | None:
    """Read a flow point: a stage name, or ``default`` (None) for the default point."""
    cleaned = squeeze(text)
    return None if cleaned.lower() == DEFAULT_POINT else cleaned


def check_board_name(name: str) -> str:
    """Return a cleaned board name, refusing an empty or overlong one."""
    cleaned = squeeze(name)
    if not cleaned:
        raise Invalid("An empty board name was refused: give the board a short name.")
    if len(cleaned) > MAX_NAME:
        raise Invalid(
            f"Board name {cleaned[:20]!r}… was refused: keep it under {MAX_NAME} characters."
        )
    return cleaned


def check_timezone(name: str) -> str:
    """Return an IANA time zone name if it is known, else refuse it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Invalid(
            f"Unknown time zone {name!r}: use an IANA name such as UTC or Europe/Berlin."
        ) from None
    return name


def _check_stage_specs(specs: Sequence[StageSpec]) -> list[StageSpec]:
    if len(specs) < 3:
        raise Invalid(
            "A board needs at least three stages: the options, one or more working stages, "
            'and done, as in "Options,Build:3,Done".'
        )
    seen: set[str] = set()
    cleaned: list[StageSpec] = []
    for spec in specs:
        name = squeeze(spec.name)
        if not name or len(name) > 40:
            raise Invalid(
                f"Stage name {spec.name!r} was refused: give each stage a name of 1 to 40 "
                "characters."
            )
        if name.lower() in seen:
            raise Invalid(f"Stage {name!r} appears twice: give each stage its own name.")
        seen.add(name.lower())
        cleaned.append(StageSpec(name, check_limit(spec.limit), spec.policy))
    if cleaned[-1].limit is not None:
        raise Invalid(f"{cleaned[-1].name} is where work ends: the last stage takes no WIP limit.")
    return cleaned


class Board:
    """Ordered stages, the items in them, the experiments that pull work, and the andon."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.created_at: datetime | None = None
        self.pull_signal = PullSignal.CAPACITY
        self.experiment_limit: int | None = None
        self.timezone = "UTC"
        self.commitment: str | None = None
        self.delivery: str | None = None
        self.stages: list[Stage] = []
        self.items: list[Item] = []
        self.hypotheses: list[Hypothesis] = []
        self.experiments: list[Experiment] = []
        self.stops: list[Stop] = []
        self.item_seq = 0
        self.hypothesis_seq = 0
        self.experiment_seq = 0
        self.stop_seq = 0
        self.rank_seq = 0

    # ----------------------------------------------------------------- creation and replay

    @classmethod
    def create(
        cls,
        name: str,
        stages: Sequence[StageSpec],
        *,
        actor: str,
        at: datetime,
        pull_signal: PullSignal = PullSignal.CAPACITY,
        experiment_limit: int | None = None,
        timezone: str = "UTC",
    ) -> Board:
        """A new board; its first event, ``board.created``, holds everything it was made with."""
        board = cls(check_board_name(name))
        specs = _check_stage_specs(stages)
        board._record(
            Event(
                EventType.BOARD_CREATED,
                actor,
                at,
                data={
                    "name": board.name,
                    "stages": [
                        {"name": s.name, "limit": s.limit, "policy": s.policy.value} for s in specs
                    ],
                    "pull_signal": pull_signal.value,
                    "experiment_limit": check_limit(experiment_limit),
                    "timezone": check_timezone(timezone),
                },
            )
        )
        return board

    @classmethod
    def replay(cls, events: Iterable[Event]) -> Board:
        """Rebuild a board from its events, in the order they were recorded."""
        stream = iter(events)
        first = next(stream, None)
        if first is None or first.type is not EventType.BOARD_CREATED:
            raise ValueError("a board's history starts with board.created")
        board = cls(first.data["name"])
        evolve(board, first)
        for event in stream:
            evolve(board, event)
        return board

    def restrict_to(self, needs: Needs) -> None:
        """Declare that ``items`` holds only what ``needs`` asked for (the store's partial load).

        Questions about the items of any other stage then raise instead of answering from
        half the board.
        """
        self.__dict__["_loaded"] = needs

    def _require(
        self, stage: Stage | None = None, *, expedite: bool = False, history: bool = False
    ) -> None:
        loaded: Needs | None = self.__dict__.get("_loaded")
        if loaded is None:
            return
        if history and not loaded.history:
            raise RuntimeError(f"board {self.name} was loaded without its past stops")
        if stage is not None and stage.position not in loaded.stages:
            raise RuntimeError(f"board {self.name} was loaded without the items of {stage.name}")
        if expedite and not loaded.expedite:
            raise RuntimeError(f"board {self.name} was loaded without its expedite item")

    @property
    def pending_events(self) -> list[Event]:
        """Events recorded since the board was created or loaded, not yet stored."""
        pending: list[Event] = self.__dict__.setdefault("_pending_events", [])
        return pending

    def take_events(self) -> list[Event]:
        """Hand over the pending events and forget them."""
        events = list(self.pending_events)
        self.pending_events.clear()
        return events

    def _record(self, *events: Event) -> list[Event]:
        for event in events:
            evolve(self, event)
            self.pending_events.append(event)
        return list(events)

    # -------------------------------------------------------------------------- lookups

    @property
    def options(self) -> Stage:
        return self.stages[0]

    @property
    def done(self) -> Stage:
        return self.stages[-1]

    def is_options(self, stage: Stage) -> bool:
        return stage is self.stages[0]

    def is_done(self, stage: Stage) -> bool:
        return stage is self.stages[-1]

    @property
    def commitment_stage(self) -> Stage:
        """Where work is committed to: the set point, or the first stage after the options."""
        return self._point(self.commitment, self.stages[1])

    @property
    def delivery_stage(self) -> Stage:
        """Where work counts as delivered (it has finished): the set point, or done."""
        return self._point(self.delivery, self.done)

    def _point(self, name: str | None, default: Stage) -> Stage:
        if name is None:
            return default
        wanted = name.lower()
        return next((stage for stage in self.stages if stage.name.lower() == wanted), default)

    def stage(self, name: str) -> Stage:
        """The stage called ``name`` (any case), or a refusal naming the stages there are."""
        wanted = squeeze(name).lower()
        for stage in self.stages:
            if stage.name.lower() == wanted:
                return stage
        names = ", ".join(stage.name for stage in self.stages)
        raise NotFound(f"No stage named {name!r} on board {self.name}: choose one of {names}.")

    def stage_before(self, stage: Stage) -> Stage:
        return self.stages[self.stages.index(stage) - 1]

    def stage_after(self, stage: Stage) -> Stage:
        return self.stages[self.stages.index(stage) + 1]

    def item(self, number: int) -> Item:
        found = self._items_by_number().get(number)
        if found is not None:
            return found
        raise NotFound(
            f"No item #{number} on board {self.name}: see the items with pullflow board show."
        )

    def _items_by_number(self) -> dict[int, Item]:
        """The items held, by number, kept up to date as items are added.

        ``items`` only grows while it is the same list (the store may hand the board another
        one), so the index takes in the items appended since it last looked.
        """
        index: _ItemIndex | None = self.__dict__.get("_item_index")
        items = self.items
        if index is None or index.items is not items:
            index = _ItemIndex(items)
            self.__dict__["_item_index"] = index
        index.catch_up()
        return index.by_number

    def items_in(self, stage: Stage, lane: Lane | None = None) -> list[Item]:
        """Items in a stage (and lane); delivered items only if they were loaded."""
        self._require(stage)
        return [
            item
            for item in self.items
            if item.stage is stage
            and (lane is None or item.lane is lane)
            and item.state is not ItemState.DISCARDED
        ]

    def wip(self, stage: Stage) -> int:
        """Items in the stage's lanes, blocked ones included."""
        self._require(stage)
        return sum(1 for item in self.items if item.stage is stage and item.active)

    def options_queue(self) -> list[Item]:
        """The items waiting in the options, in rank order."""
        self._require(self.options)
        waiting = [item for item in self.items if item.active and self.is_options(item.stage)]
        return sorted(waiting, key=lambda item: (item.rank or 0, item.number))

    def hypothesis(self, number: int) -> Hypothesis:
        for hypothesis in self.hypotheses:
            if hypothesis.number == number:
                return hypothesis
        raise NotFound(
            f"No hypothesis H{number} on board {self.name}: "
            "list them with pullflow hypothesis list."
        )

    def experiment(self, number: int) -> Experiment:
        for experiment in self.experiments:
            if experiment.number == number:
                return experiment
        raise NotFound(
            f"No experiment E{number} on board {self.name}: "
            "list them with pullflow experiment list."
        )

    def stop(self, number: int) -> Stop:
        self._require(history=True)
        for stop in self.stops:
            if stop.number == number:
                return stop
        raise NotFound(
            f"No stop #{number} on board {self.name}: see them with pullflow andon status."
        )

    @property
    def running_experiments(self) -> list[Experiment]:
        return [experiment for experiment in self.experiments if experiment.running]

    @property
    def open_stops(self) -> list[Stop]:
        return [stop for stop in self.stops if stop.open]

    def expedite_item(self) -> Item | None:
        """The one active expedite item, if there is one."""
        self._require(expedite=True)
        for item in self.items:
            if item.active and item.service_class is ServiceClass.EXPEDITE:
                return item
        return None

    def serves_running_experiment(self, item: Item) -> bool:
        return any(item in experiment.items for experiment in self.running_experiments)

    # --------------------------------------------------------------------- configuration

    def set_limit(
        self,
        stage_name: str,
        limit: int | None,
        *,
        actor: str,
        at: datetime,
        policy: WipPolicy | None = None,
    ) -> list[Event]:
        """Change a stage's WIP limit (and policy). Lowering a limit evicts nothing."""
        stage = self.stage(stage_name)
        if self.is_done(stage):
            raise Invalid(f"{stage.name} is where work ends: it takes no WIP limit.")
        limit = check_limit(limit)
        policy = policy or stage.policy
        if limit == stage.limit and policy is stage.policy:
            return []
        return self._record(
            Event(
                EventType.LIMIT_CHANGED,
                actor,
                at,
                to_stage=stage.name,
                data={
                    "limit": limit,
                    "policy": policy.value,
                    "previous_limit": stage.limit,
                    "previous_policy": stage.policy.value,
                    "wip": self.wip(stage),
                },
            )
        )

    def set_pull_signal(self, signal: PullSignal, *, actor: str, at: datetime) -> list[Event]:
        if signal is self.pull_signal:
            return []
        return self._configure({"pull_signal": signal.value}, actor, at)

    def set_experiment_limit(self, limit: int | None, *, actor: str, at: datetime) -> list[Event]:
        if check_limit(limit) == self.experiment_limit:
            return []
        return self._configure({"experiment_limit": limit}, actor, at)

    def set_timezone(self, timezone: str, *, actor: str, at: datetime) -> list[Event]:
        if check_timezone(timezone) == self.timezone:
            return []
        return self._configure({"timezone": timezone}, actor, at)

    def set_flow_points(
        self,
        *,
        actor: str,
        at: datetime,
        commitment: str | Keep | None = KEEP,
        delivery: str | Keep | None = KEEP,
    ) -> list[Event]:
        """Move the commitment and delivery points (a stage name, or None for the default).

        Flow figures count an item as started once it reaches the commitment point and as
        finished once it reaches the delivery point. The commitment point lies past the
        options, and the delivery point at or after the commitment point.
        """
        wanted = {
            "commitment": self.commitment
            if isinstance(commitment, Keep)
            else self._point_named(commitment, "Commitment"),
            "delivery": self.delivery
            if isinstance(delivery, Keep)
            else self._point_named(delivery, "Delivery"),
        }
        start = self._point(wanted["commitment"], self.stages[1])
        finish = self._point(wanted["delivery"], self.done)
        if self.is_options(start):
            raise Invalid(
                f"{start.name} cannot be the commitment point: work is committed to only once "
                f"it leaves the options, so choose a later stage such as {self.stages[1].name}."
            )
        if finish.position < start.position:
            raise Invalid(
                f"Delivery point {finish.name} was refused: it comes before the commitment "
                f"point {start.name}, and work is delivered only after it is committed to, so "
                f"choose {start.name} or a later stage."
            )
        current = {"commitment": self.commitment, "delivery": self.delivery}
        change = {key: value for key, value in wanted.items() if value != current[key]}
        if not change:
            return []
        return self._configure(change, actor, at)

    def _point_named(self, name: str | None, which: str) -> str | None:
        """The stage's name as the board spells it, or None for the default point."""
        if name is None:
            return None
        wanted = squeeze(name).lower()
        for stage in self.stages:
            if stage.name.lower() == wanted:
                return stage.name
        names = ", ".join(stage.name for stage in self.stages)
        raise NotFound(
            f"{which} point {name!r} was refused: board {self.name} has no such stage, so "
            f"choose one of {names}, or {DEFAULT_POINT}."
        )

    def _configure(self, change: dict[str, Any], actor: str, at: datetime) -> list[Event]:
        return self._record(Event(EventType.BOARD_CONFIGURED, actor, at, data=change))

    # ------------------------------------------------------------------------ items

    def add_item(
        self,
        title: str,
        *,
        actor: str,
        at: datetime,
        service_class: ServiceClass | None = None,
        due: date | None = None,
        position: int | None = None,
        experiment: int | None = None,
        override: str | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> list[Event]:
        """Put a new item into the options, last or at a 1-based ``position``."""
        title = check_title(title)
        cleaned = check_attributes(attributes or {})
        service_class = self._class_for(service_class, due)
        if service_class is ServiceClass.EXPEDITE:
            self._check_expedite_free(None)
        if position is not None:
            self._check_position(position, len(self.options_queue()) + 1)
        linked = self._running_experiment(experiment) if experiment is not None else None
        number = self.item_seq + 1
        exceeded = self._room_for(number, service_class, self.options, override, actor, at)
        events = [
            Event(
                EventType.ITEM_ADDED,
                actor,
                at,
                item=number,
                to_stage=self.options.name,
                to_lane=Lane.DONE.value,
                data={
                    "title": title,
                    "service_class": service_class.value,
                    "due": due.isoformat() if due else None,
                    "position": position,
                    **({"attributes": cleaned} if cleaned else {}),
                },
            )
        ]
        if exceeded:
            events.append(exceeded)
        if linked:
            events.append(self._link_event(linked, number, actor, at))
        return self._record(*events)

    def import_items(
        self,
        items: Sequence[ImportedItem],
        *,
        stage_map: Sequence[int],
        actor: str,
        at: datetime,
    ) -> list[Event]:
        """Record items another tool tracked, with the history they had there.

        ``stage_map`` sends each stage position of the source to a position on this board, in
        increasing order. Each item is added at its creation (or else its first stage date, or
        else its discard), pulled into each stage it entered, in turn, at the moment it entered
        it (entering the options needs no pull), and discarded if it was discarded there (even
        after it reached done, as the source says). Its events say it was imported:
        ``item.added`` holds its id in the source and when the import ran (``at``), the pulls
        and the discard hold ``"imported": true``. Items are numbered on from the board's last
        number, and the events of all of them are recorded in the order they happened (items
        in the order given when at the same moment), so that the log reads as history.

        History already happened: WIP limits, the pull signal, the andon and the one expedite
        item do not apply to it, and an import may leave a stage over its limit. What is
        checked is that it can be true: each item's stages in workflow order, with dates that
        never go backwards and none after ``at``; a title (one too long is cut to the limit);
        at most ``MAX_IMPORT`` items. A class of service that is not known, or fixed-date
        without a due date, becomes standard. Nothing is recorded unless every item passes.
        """
        if len(items) > MAX_IMPORT:
            raise Invalid(
                f"An import of {len(items)} items was refused: an import takes at most "
                f"{MAX_IMPORT} items, so split it into smaller ones."
            )
        targets = self._import_targets(stage_map)
        events: list[Event] = []
        for offset, imported in enumerate(items, start=1):
            number = self.item_seq + offset
            events += _imported_history(self, imported, number, targets, actor, at)
        events.sort(key=_moment_of)
        return self._record(*events)

    def _import_targets(self, stage_map: Sequence[int]) -> list[Stage]:
        """The board stage each source stage maps to, refusing a map out of order."""
        positions = list(stage_map)
        within = all(0 <= position < len(self.stages) for position in positions)
        increasing = all(a < b for a, b in pairwise(positions))
        if not within or not increasing:
            raise Invalid(
                f"The stage map {positions} was refused: it must send each stage of the import "
                f"to a stage of board {self.name} (0 to {len(self.stages) - 1}), in increasing "
                "order."
            )
        return [self.stages[position] for position in positions]

    def edit_item(
        self,
        number: int,
        *,
        actor: str,
        at: datetime,
        title: str | None = None,
        service_class: ServiceClass | None = None,
        due: date | None = None,
    ) -> list[Event]:
        """Change an item's title, class of service or due date."""
        item = self._active_item(number)
        change: dict[str, Any] = {}
        if title is not None and check_title(title) != item.title:
            change["title"] = check_title(title)
        new_class = service_class or item.service_class
        new_due = due if due is not None else item.due
        if (
            service_class is None
            and due is not None
            and item.service_class is ServiceClass.STANDARD
        ):
            new_class = ServiceClass.FIXED_DATE
        if new_class is ServiceClass.FIXED_DATE and new_due is None:
            raise Invalid(
                f"Item #{number} cannot be fixed-date without a due date: add --due YYYY-MM-DD."
            )
        if new_class is ServiceClass.EXPEDITE and item.service_class is not ServiceClass.EXPEDITE:
            self._check_expedite_free(item)
        if new_class is not item.service_class:
            change["service_class"] = new_class.value
        if new_due != item.due:
            change["due"] = new_due.isoformat() if new_due else None
        if not change:
            return []
        return self._record(Event(EventType.ITEM_EDITED, actor, at, item=number, data=change))

    def rerank(self, number: int, position: int, *, actor: str, at: datetime) -> list[Event]:
        """Move an item waiting in the options to a 1-based position in their order."""
        item = self._active_item(number)
        if not self.is_options(item.stage):
            raise StateConflict(
                f"Item #{number} has left {self.options.name}: only waiting options are ranked."
            )
        queue = self.options_queue()
        self._check_position(position, len(queue))
        if queue.index(item) + 1 == position:
            return []
        return self._record(
            Event(
                EventType.ITEM_RERANKED,
                actor,
                at,
                item=number,
                data={"position": position, "previous_position": queue.index(item) + 1},
            )
        )

    def pull(
        self,
        stage_name: str,
        *,
        actor: str,
        at: datetime,
        item: int | None = None,
        override: str | None = None,
    ) -> list[Event]:
        """Pull an item into a stage: the named one, or the next one by policy."""
        target = self.stage(stage_name)
        if self.is_options(target):
            raise OutOfOrder(
                f"Nothing is pulled into {target.name}: new work enters it with pullflow item add."
            )
        source = self.stage_before(target)
        stop = self._stop_covering(target)
        chosen = (
            self._named_pull(item, source, target, stop)
            if item is not None
            else self._next_pull(source, target, stop)
        )
        exceeded = self._room_for(chosen.number, chosen.service_class, target, override, actor, at)
        lane = Lane.DONE if self.is_done(target) else Lane.DOING
        moved = Event(
            EventType.ITEM_PULLED,
            actor,
            at,
            item=chosen.number,
            from_stage=source.name,
            from_lane=chosen.lane.value,
            to_stage=target.name,
            to_lane=lane.value,
            data=self._pull_data(chosen, source, target, stop),
        )
        return self._record(moved, *([exceeded] if exceeded else []))

    def finish(
        self, number: int, *, actor: str, at: datetime, deliver: bool = False
    ) -> list[Event]:
        """Move an item from its stage's doing lane to its done lane (and on into done)."""
        item = self._active_item(number)
        stage = item.stage
        if self.is_options(stage):
            raise OutOfOrder(
                f"Item #{number} waits in {stage.name}: pull it into "
                f"{self.stage_after(stage).name} to start it."
            )
        if item.lane is Lane.DONE:
            raise StateConflict(
                f"Item #{number} is already finished in {stage.name}: it waits to be pulled "
                f"into {self.stage_after(stage).name}."
            )
        self._check_unblocked(item)
        if deliver:
            self._check_deliverable(item)
        finished = Event(
            EventType.ITEM_FINISHED,
            actor,
            at,
            item=number,
            from_stage=stage.name,
            from_lane=Lane.DOING.value,
            to_stage=stage.name,
            to_lane=Lane.DONE.value,
        )
        events = self._record(finished)
        if deliver:
            events += self.pull(self.done.name, actor=actor, at=at, item=number)
        return events

    def block(self, number: int, *, reason: str, actor: str, at: datetime) -> list[Event]:
        reason = check_reason(reason, "block")
        item = self._active_item(number)
        if item.blocked:
            raise StateConflict(
                f"Item #{number} is already blocked ({item.blocked_reason}): "
                f"unblock it first to give another reason."
            )
        return self._record(self._item_event(EventType.ITEM_BLOCKED, item, actor, at, reason))

    def unblock(self, number: int, *, actor: str, at: datetime) -> list[Event]:
        item = self._active_item(number)
        if not item.blocked:
            raise StateConflict(f"Item #{number} is not blocked: there is nothing to unblock.")
        return self._record(
            self._item_event(
                EventType.ITEM_UNBLOCKED,
                item,
                actor,
                at,
                None,
                data={"blocked_since": _iso(item.blocked_since), "was": item.blocked_reason},
            )
        )

    def discard(self, number: int, *, reason: str, actor: str, at: datetime) -> list[Event]:
        """Take an item out of the flow from any stage; it counts apart from completed work."""
        reason = check_reason(reason, "discard")
        item = self._active_item(number)
        return self._record(self._item_event(EventType.ITEM_DISCARDED, item, actor, at, reason))

    def return_item(
        self,
        number: int,
        stage_name: str,
        *,
        reason: str,
        actor: str,
        at: datetime,
        override: str | None = None,
    ) -> list[Event]:
        """Send an item back to an earlier stage; it counts against that stage's limit."""
        reason = check_reason(reason, "return")
        item = self.item(number)
        if item.state is ItemState.DISCARDED:
            raise ItemClosed(f"Item #{number} was discarded: add it again as a new item.")
        target = self.stage(stage_name)
        if target.position >= item.stage.position:
            raise OutOfOrder(
                f"Item #{number} is in {item.stage.name}, and return only sends work back to "
                f"an earlier stage: to move it forward, pull it into the next stage."
            )
        stop = self._stop_covering(target)
        if stop is not None and stop.fix_item != number:
            raise LineStopped(self._stopped_message(stop, target))
        exceeded = self._room_for(item.number, item.service_class, target, override, actor, at)
        lane = Lane.DONE if self.is_options(target) else Lane.DOING
        returned = Event(
            EventType.ITEM_RETURNED,
            actor,
            at,
            item=number,
            from_stage=item.stage.name,
            from_lane=item.lane.value,
            to_stage=target.name,
            to_lane=lane.value,
            reason=reason,
        )
        return self._record(returned, *([exceeded] if exceeded else []))

    # ------------------------------------------------------------ hypotheses, experiments

    def state_hypothesis(
        self,
        *,
        belief: str,
        test: str,
        metric: str,
        criterion: str,
        actor: str,
        at: datetime,
    ) -> list[Event]:
        """Write a Test Card: believe, verify, measure, and the criterion for being right."""
        number = self.hypothesis_seq + 1
        data = {
            "hypothesis": number,
            "belief": required_text(belief, "We believe that", "give it as the first argument"),
            "test": required_text(test, "To verify that, we will", 'fill it with --verify "…"'),
            "metric": required_text(metric, "And measure", 'fill it with --measure "…"'),
            "criterion": required_text(criterion, "We are right if", 'fill it with --right-if "…"'),
        }
        return self._record(Event(EventType.HYPOTHESIS_STATED, actor, at, data=data))

    def start_experiment(
        self, hypothesis: int, *, actor: str, at: datetime, title: str | None = None
    ) -> list[Event]:
        """Start testing a hypothesis, within the board's limit on running experiments."""
        tested = self.hypothesis(hypothesis)
        running = len(self.running_experiments)
        if self.experiment_limit is not None and running >= self.experiment_limit:
            raise ExperimentLimitReached(
                f"The board already runs {running} experiments, its limit "
                f"({running}/{self.experiment_limit}): conclude one with "
                "pullflow experiment conclude ID first, or raise the limit with "
                "pullflow board set --experiment-limit N."
            )
        number = self.experiment_seq + 1
        name = squeeze(title) or tested.belief[:120]
        return self._record(
            Event(
                EventType.EXPERIMENT_STARTED,
                actor,
                at,
                experiment=number,
                data={"hypothesis": tested.number, "title": name},
            )
        )

    def link(self, experiment: int, number: int, *, actor: str, at: datetime) -> list[Event]:
        """Let an item serve a running experiment, which lets it leave experiment-pulled options."""
        running = self._running_experiment(experiment)
        item = self._active_item(number)
        if item in running.items:
            return []
        return self._record(self._link_event(running, number, actor, at))

    def unlink(self, experiment: int, number: int, *, actor: str, at: datetime) -> list[Event]:
        linked = self.experiment(experiment)
        if not linked.running:
            raise StateConflict(
                f"E{experiment} is concluded: its Learning Card keeps the items it had."
            )
        item = self.item(number)
        if item not in linked.items:
            raise StateConflict(
                f"Item #{number} does not serve E{experiment}: there is no link to remove."
            )
        return self._record(
            Event(
                EventType.EXPERIMENT_UNLINKED,
                actor,
                at,
                item=number,
                experiment=experiment,
            )
        )

    def conclude(
        self,
        experiment: int,
        *,
        verdict: Verdict,
        decision: Decision,
        observed: str,
        learned: str,
        next_step: str,
        actor: str,
        at: datetime,
    ) -> list[Event]:
        """Close an experiment with its Learning Card; its verdict becomes the hypothesis status."""
        concluded = self.experiment(experiment)
        if not concluded.running:
            raise StateConflict(
                f"E{experiment} was already concluded ({concluded.verdict}): start a new "
                "experiment to test the hypothesis again."
            )
        data = {
            "hypothesis": concluded.hypothesis.number,
            "verdict": verdict.value,
            "decision": decision.value,
            "observed": required_text(observed, "We observed", 'fill it with --observed "…"'),
            "learned": required_text(learned, "From that we learned", 'fill it with --learned "…"'),
            "next_step": required_text(next_step, "Therefore we will", 'fill it with --next "…"'),
            "items": sorted(item.number for item in concluded.items),
        }
        return self._record(
            Event(EventType.EXPERIMENT_CONCLUDED, actor, at, experiment=experiment, data=data)
        )

    # ------------------------------------------------------------------------ andon

    def stop_line(
        self,
        *,
        reason: str,
        actor: str,
        at: datetime,
        stage: str | None = None,
        tags: Sequence[str] = (),
        fix: int | None = None,
        people: int = 1,
    ) -> list[Event]:
        """Pull the andon cord for the whole board or one stage."""
        reason = squeeze(reason)
        if not reason:
            raise Invalid('To stop the line a reason is required: add --reason "what is wrong".')
        scope = self.stage(stage) if stage is not None else None
        if not 1 <= people <= MAX_PEOPLE:
            raise Invalid(
                f"{people} people affected was refused: give a number from 1 to {MAX_PEOPLE}."
            )
        for open_stop in self.open_stops:
            if open_stop.stage is scope:
                raise StateConflict(
                    f"{open_stop.scope[0].upper()}{open_stop.scope[1:]} is already stopped "
                    f"(stop #{open_stop.number}: {open_stop.reason}): resume it with "
                    "pullflow andon resume first."
                )
        if fix is not None:
            self._active_item(fix)
        cleaned = clean_tags(tags)
        repeat = self._earlier_stop_sharing(cleaned)
        data = {
            "stop": self.stop_seq + 1,
            "stage": scope.name if scope else None,
            "tags": cleaned,
            "fix": fix,
            "people": people,
            "repeat_of": repeat.number if repeat else None,
            "repeated_tags": [tag for tag in cleaned if repeat and tag in repeat.tags],
        }
        return self._record(
            Event(
                EventType.LINE_STOPPED,
                actor,
                at,
                to_stage=scope.name if scope else None,
                reason=reason,
                data=data,
            )
        )

    def resume_line(
        self, five_whys: FiveWhys, *, actor: str, at: datetime, stop: int | None = None
    ) -> list[Event]:
        """Resume a stopped line once a Five Whys has found the root cause."""
        resumed = self._stop_to_resume(stop)
        investment = resumed.investment(five_whys, at)
        return self._record(
            Event(
                EventType.LINE_RESUMED,
                actor,
                at,
                to_stage=resumed.stage.name if resumed.stage else None,
                reason=five_whys.root_cause,
                data={
                    "stop": resumed.number,
                    "five_whys": five_whys.to_data(),
                    "investment": investment.to_data(),
                    "repeat_of": resumed.repeat_of,
                },
            )
        )

    # ------------------------------------------------------------------------ rules

    def _active_item(self, number: int) -> Item:
        item = self.item(number)
        if item.state is ItemState.DONE:
            raise ItemClosed(
                f"Item #{number} is done: send it back with pullflow return {number} STAGE "
                '--reason "why" to work on it again.'
            )
        if item.state is ItemState.DISCARDED:
            raise ItemClosed(f"Item #{number} was discarded: add it again as a new item.")
        return item

    def _check_position(self, position: int, last: int) -> None:
        if not 1 <= position <= last:
            raise Invalid(
                f"Position {position} was refused: the positions in {self.options.name} run "
                f"from 1 to {last}."
            )

    def _class_for(self, service_class: ServiceClass | None, due: date | None) -> ServiceClass:
        if service_class is None:
            return ServiceClass.FIXED_DATE if due else ServiceClass.STANDARD
        if service_class is ServiceClass.FIXED_DATE and due is None:
            raise Invalid("A fixed-date item needs a due date: add --due YYYY-MM-DD.")
        return service_class

    def _check_expedite_free(self, item: Item | None) -> None:
        current = self.expedite_item()
        if current is not None and current is not item:
            raise ExpediteTaken(
                f"Item #{current.number} is already expedite, and a board takes one expedite "
                f"item at a time: finish #{current.number} or change its class first."
            )

    def _check_unblocked(self, item: Item) -> None:
        if item.blocked:
            raise ItemBlocked(
                f"Item #{item.number} is blocked ({item.blocked_reason}): "
                f"unblock it first with pullflow unblock {item.number}."
            )

    def _check_deliverable(self, item: Item) -> None:
        if self.stage_after(item.stage) is not self.done:
            raise OutOfOrder(
                f"Item #{item.number} is in {item.stage.name}, and only finishing in the last "
                f"stage before {self.done.name} delivers: finish it without --deliver."
            )
        stop = self._stop_covering(self.done)
        if stop is not None and stop.fix_item != item.number:
            raise LineStopped(self._stopped_message(stop, self.done))

    def _running_experiment(self, number: int) -> Experiment:
        experiment = self.experiment(number)
        if not experiment.running:
            raise StateConflict(
                f"E{number} is concluded: link work to a running experiment "
                "(see pullflow experiment list)."
            )
        return experiment

    def _link_event(self, experiment: Experiment, number: int, actor: str, at: datetime) -> Event:
        return Event(
            EventType.EXPERIMENT_LINKED,
            actor,
            at,
            item=number,
            experiment=experiment.number,
            data={"hypothesis": experiment.hypothesis.number},
        )

    def _item_event(
        self,
        kind: EventType,
        item: Item,
        actor: str,
        at: datetime,
        reason: str | None,
        data: dict[str, Any] | None = None,
    ) -> Event:
        return Event(
            kind,
            actor,
            at,
            item=item.number,
            from_stage=item.stage.name,
            from_lane=item.lane.value,
            reason=reason,
            data=data or {},
        )

    def _stop_covering(self, stage: Stage) -> Stop | None:
        covering = [stop for stop in self.open_stops if stop.covers(stage)]
        return covering[0] if covering else None

    def _stopped_message(self, stop: Stop, stage: Stage) -> str:
        scope = "The line" if stop.stage is None else stop.stage.name
        allowed = (
            f"{stage.name} pulls only #{stop.fix_item}, the fix"
            if stop.fix_item is not None
            else f"nothing is pulled into {stage.name}"
        )
        return (
            f"{scope} is stopped (stop #{stop.number}: {stop.reason}), so {allowed}: "
            "resume with pullflow andon resume --five-whys FILE."
        )

    def _named_pull(self, number: int, source: Stage, target: Stage, stop: Stop | None) -> Item:
        item = self._active_item(number)
        if item.stage is target:
            raise StateConflict(f"Item #{number} is already in {target.name}.")
        if item.stage.position > target.position:
            raise OutOfOrder(
                f"Item #{number} is already in {item.stage.name}, past {target.name}: to send "
                f'it back, use pullflow return {number} "{target.name}" --reason "why".'
            )
        if item.stage is not source:
            raise OutOfOrder(
                f"Item #{number} is in {item.stage.name}, and {target.name} pulls only from "
                f"{source.name}: pull it into {self.stage_after(item.stage).name} first."
            )
        if item.lane is Lane.DOING:
            raise OutOfOrder(
                f"Item #{number} is still being worked in {source.name}: finish it first "
                f"with pullflow finish {number}."
            )
        if stop is not None and stop.fix_item != number:
            raise LineStopped(self._stopped_message(stop, target))
        self._check_unblocked(item)
        if self._needs_experiment(item, source, stop):
            raise NoPullSignal(
                f"Item #{number} cannot leave {source.name}: this board pulls work only for a "
                f"running experiment, so link it first with pullflow experiment link ID {number}."
            )
        return item

    def _next_pull(self, source: Stage, target: Stage, stop: Stop | None) -> Item:
        if stop is not None and stop.fix_item is None:
            raise LineStopped(self._stopped_message(stop, target))
        waiting = [
            item
            for item in self.items_in(source, Lane.DONE)
            if stop is None or item.number == stop.fix_item
        ]
        ready = [item for item in waiting if not item.blocked]
        signalled = [item for item in ready if not self._needs_experiment(item, source, stop)]
        if signalled:
            return min(signalled, key=lambda item: self._pull_order(item, source))
        raise self._nothing_ready(source, target, stop, waiting, ready)

    def _nothing_ready(
        self,
        source: Stage,
        target: Stage,
        stop: Stop | None,
        waiting: list[Item],
        ready: list[Item],
    ) -> DomainErrorType:
        if stop is not None:
            return LineStopped(self._stopped_message(stop, target))
        if not waiting:
            where = source.name if self.is_options(source) else f"{source.name}'s done lane"
            advice = (
                "add an item with pullflow item add"
                if self.is_options(source)
                else f"finish an item in {source.name} first"
            )
            return NothingToPull(
                f"{target.name} has nothing to pull: {where} is empty, so {advice}."
            )
        if not ready:
            return NothingToPull(
                f"{target.name} has nothing to pull: every item waiting in {source.name} is "
                "blocked, so unblock one first."
            )
        return NoPullSignal(
            f"{target.name} has nothing to pull: no item waiting in {source.name} serves a "
            "running experiment, so link one with pullflow experiment link ID ITEM."
        )

    def _pull_order(self, item: Item, source: Stage) -> tuple[int, date, float, int]:
        due = item.due if item.service_class is ServiceClass.FIXED_DATE and item.due else date.max
        from_options = self.is_options(source)
        order = float(item.rank or 0) if from_options else item.entered_at.timestamp()
        return (PULL_ORDER[item.service_class], due, order, item.number)

    def _pull_data(
        self, item: Item, source: Stage, target: Stage, stop: Stop | None
    ) -> dict[str, Any]:
        """The WIP the pull leaves in the target, and what let the item leave the options."""
        data: dict[str, Any] = {}
        if not self.is_done(target):
            data["wip"] = self.wip(target) + 1
            data["limit"] = target.limit
        if self.is_options(source):
            data["signal"] = self._signal_for(item, source, stop)
        return data

    def _needs_experiment(self, item: Item, source: Stage, stop: Stop | None) -> bool:
        return self._signal_for(item, source, stop) is None

    def _signal_for(self, item: Item, source: Stage, stop: Stop | None) -> str | None:
        """What lets the item leave its stage, or None when the board's pull signal is missing.

        Only leaving the options can need a signal; on an experiment-pulled board an expedite
        item or the andon's fix item may leave without one, and the event says so.
        """
        if not self.is_options(source) or self.pull_signal is PullSignal.CAPACITY:
            return PullSignal.CAPACITY.value
        if self.serves_running_experiment(item):
            return PullSignal.EXPERIMENT.value
        if item.service_class is ServiceClass.EXPEDITE:
            return ServiceClass.EXPEDITE.value
        if stop is not None and stop.fix_item == item.number:
            return "andon-fix"
        return None

    def _room_for(
        self,
        number: int,
        service_class: ServiceClass,
        target: Stage,
        override: str | None,
        actor: str,
        at: datetime,
    ) -> Event | None:
        """Check the target's WIP limit; return the event recording an allowed excess."""
        if target.limit is None or self.is_done(target):
            return None
        wip = self.wip(target)
        if wip < target.limit:
            return None
        how = self._excess_allowed(service_class, target, target.limit, override, wip)
        return Event(
            EventType.WIP_EXCEEDED,
            actor,
            at,
            item=number,
            to_stage=target.name,
            reason=squeeze(override) if how == WipPolicy.OVERRIDE.value else None,
            data={"policy": how, "wip": wip + 1, "limit": target.limit},
        )

    def _excess_allowed(
        self,
        service_class: ServiceClass,
        target: Stage,
        limit: int,
        override: str | None,
        wip: int,
    ) -> str:
        """How a pull past the limit is allowed (expedite, warn, override), or the refusal."""
        if service_class is ServiceClass.EXPEDITE:
            return ServiceClass.EXPEDITE.value
        if target.policy is WipPolicy.WARN:
            return WipPolicy.WARN.value
        if target.policy is WipPolicy.OVERRIDE and squeeze(override):
            return WipPolicy.OVERRIDE.value
        where = "over" if wip > limit else "at"
        at_limit = f"{target.name} is {where} its WIP limit ({wip}/{limit})"
        if target.policy is WipPolicy.OVERRIDE:
            raise WipLimitReached(
                f"{at_limit}: finish or discard an item in {target.name}, "
                'or pull with --override "reason".'
            )
        raise WipLimitReached(
            f"{at_limit}: finish or discard an item in {target.name}, or raise its limit "
            f'with pullflow board limit "{target.name}" {limit + 1}.'
        )

    def _earlier_stop_sharing(self, tags: list[str]) -> Stop | None:
        self._require(history=True)
        sharing = [stop for stop in self.stops if set(stop.tags) & set(tags)]
        return max(sharing, key=lambda stop: stop.number) if sharing else None

    def _stop_to_resume(self, number: int | None) -> Stop:
        if number is not None:
            stop = self.stop(number)
            if not stop.open:
                raise StateConflict(f"Stop #{number} was already resumed.")
            return stop
        open_stops = self.open_stops
        if not open_stops:
            raise StateConflict("The line is running: there is no stop to resume.")
        if len(open_stops) > 1:
            listed = ", ".join(f"#{stop.number} ({stop.scope})" for stop in open_stops)
            raise Invalid(f"{len(open_stops)} stops are open ({listed}): name one with --stop N.")
        return open_stops[0]


DomainErrorType = LineStopped | NothingToPull | NoPullSignal

#: The reason an imported discard records.
DISCARDED_IN_SOURCE = "discarded in the source"


class _ItemIndex:
    """A board's items by number, for a list that only grows while it is the same list."""

    __slots__ = ("by_number", "items", "seen")

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.seen = 0
        self.by_number: dict[int, Item] = {}

    def catch_up(self) -> None:
        """Take in the items appended since the last look (or start again if some went)."""
        count = len(self.items)
        if count < self.seen:
            self.seen, self.by_number = 0, {}
        if count > self.seen:
            for item in self.items[self.seen :]:
                self.by_number.setdefault(item.number, item)
            self.seen = count


def _moment_of(event: Event) -> datetime:
    return event.at


def _imported_history(
    board: Board,
    imported: ImportedItem,
    number: int,
    targets: Sequence[Stage],
    actor: str,
    at: datetime,
) -> list[Event]:
    """The events that record one imported item: added, pulled stage by stage, discarded."""
    who = f"Imported item {imported.source_id!r}"
    title = squeeze(imported.title)[:MAX_TITLE].rstrip()
    if not title:
        raise Invalid(f"{who} was refused: it has no title, so give every item a title.")
    entries = _imported_entries(imported, targets, who)
    moments = _imported_moments(imported, entries, who, at)
    service_class, due = _imported_class(imported, who)
    attributes = check_attributes(
        imported.attributes, owner=f" of imported item {imported.source_id!r}", trim=True
    )
    data: dict[str, Any] = {
        "title": title,
        "service_class": service_class.value,
        "due": due.isoformat() if due else None,
        "position": None,
        **({"attributes": attributes} if attributes else {}),
        "imported": {"source_id": imported.source_id, "at": at.astimezone(UTC).isoformat()},
    }
    where, lane = board.options, Lane.DONE
    events = [
        Event(
            EventType.ITEM_ADDED,
            actor,
            moments[0],
            item=number,
            to_stage=where.name,
            to_lane=lane.value,
            data=data,
        )
    ]
    for stage, moment in entries:
        if board.is_options(stage):
            continue
        entered = Lane.DONE if board.is_done(stage) else Lane.DOING
        events.append(
            Event(
                EventType.ITEM_PULLED,
                actor,
                moment,
                item=number,
                from_stage=where.name,
                from_lane=lane.value,
                to_stage=stage.name,
                to_lane=entered.value,
                data={"imported": True},
            )
        )
        where, lane = stage, entered
    if imported.discarded_at is not None:
        events.append(
            Event(
                EventType.ITEM_DISCARDED,
                actor,
                imported.discarded_at,
                item=number,
                from_stage=where.name,
                from_lane=lane.value,
                reason=DISCARDED_IN_SOURCE,
                data={"imported": True},
            )
        )
    return events


def _imported_entries(
    imported: ImportedItem, targets: Sequence[Stage], who: str
) -> list[tuple[Stage, datetime]]:
    """The board stage and moment of each stage entry, refusing stages out of order."""
    entries: list[tuple[Stage, datetime]] = []
    for position, moment in imported.entries:
        if not 0 <= position < len(targets):
            raise Invalid(
                f"{who} was refused: it names stage number {position}, but the import has "
                f"{len(targets)} stages, numbered from 0."
            )
        stage = targets[position]
        if entries and stage.position <= entries[-1][0].position:
            raise Invalid(
                f"{who} was refused: it enters {stage.name} after {entries[-1][0].name}, "
                "against the order of the stages, so list each stage it entered once, in "
                "workflow order."
            )
        entries.append((stage, moment))
    return entries


def _imported_moments(
    imported: ImportedItem, entries: Sequence[tuple[Stage, datetime]], who: str, at: datetime
) -> list[datetime]:
    """Every moment of the item in order, the first being when it was added.

    A moment without a time zone, after the import, or before the one it follows is refused.
    """
    told: list[tuple[str, datetime]] = []
    if imported.created_at is not None:
        told.append(("was created", imported.created_at))
    told += [(f"entered {stage.name}", moment) for stage, moment in entries]
    if imported.discarded_at is not None:
        told.append(("was discarded", imported.discarded_at))
    if not told:
        raise Invalid(
            f"{who} was refused: it has no date at all (created, entered a stage, discarded), "
            "so it cannot be placed in time; give it at least one."
        )
    for index, (what, moment) in enumerate(told):
        if moment.tzinfo is None:
            raise Invalid(
                f"{who} was refused: the time it {what} ({moment.isoformat()}) has no time "
                "zone, so give every time its UTC offset."
            )
        if moment > at:
            raise Invalid(
                f"{who} was refused: it {what} on {moment.isoformat()}, after the import "
                f"itself ({at.isoformat()}), and history never lies ahead, so fix the date."
            )
        if index and moment < told[index - 1][1]:
            before, then = told[index - 1]
            raise Invalid(
                f"{who} was refused: it {what} on {moment.isoformat()}, before it {before} on "
                f"{then.isoformat()}, and dates never go backwards, so fix the dates."
            )
    return [moment for _, moment in told]


def _imported_class(imported: ImportedItem, who: str) -> tuple[ServiceClass, date | None]:
    """The item's class of service (standard unless a usable one is given) and due date."""
    due: date | None = None
    if imported.due is not None and imported.due.strip():
        try:
            due = date.fromisoformat(imported.due.strip())
        except ValueError:
            raise Invalid(
                f"{who} was refused: its due date {imported.due!r} is not a date, so write it "
                "as YYYY-MM-DD."
            ) from None
    try:
        chosen = parse_service_class(imported.service_class)
    except Invalid:
        chosen = ServiceClass.STANDARD
    if chosen is ServiceClass.FIXED_DATE and due is None:
        chosen = ServiceClass.STANDARD
    return chosen, due


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
