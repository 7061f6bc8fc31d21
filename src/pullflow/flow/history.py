"""A flow history in columns: every item's moves through an ordered workflow, as numpy arrays.

Everything flow measures starts here, whatever the history came from (a board's event log, an
ActionableAgile CSV, a Jira or Trello export). A history holds:

- the ``Workflow``: stage names in order, the commitment point (where an item *starts*), the
  delivery point (where it *finishes*), the time zone that day-based figures use, and which
  stages are waiting stages;
- the ``Catalogue`` of items: ids, titles, class of service, attributes, creation times;
- the ``Moves``: one row per thing that happened to an item (entered a stage and lane, finished
  in its stage, was blocked, unblocked or discarded), with times in seconds since the epoch (UTC);
- the ``Learning`` records of a board's hypotheses and experiments (empty for an import).

From those it derives, once and vectorised, what every metric needs: the first entry of each
item into each stage, the time it *reached* each stage (entered it or any later one: a skipped
stage takes the next stage's date, and the values never go down the workflow), start and
finish times, time spent in each stage, active and blocked time. Missing times are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Flags = NDArray[np.bool_]
Texts = NDArray[np.object_]

DAY = 86_400.0
#: ``date.toordinal()`` of 1970-01-01: day numbers count days since then, local time.
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

#: Lanes of a working stage.
DOING, DONE = 0, 1


class Kind(IntEnum):
    """What a move row records."""

    ENTER = 0  # entered ``stage`` in ``lane`` (a pull, a return, an import's stage date)
    FINISH = 1  # doing → done lane of the stage it is in
    BLOCK = 2
    UNBLOCK = 3
    DISCARD = 4


@dataclass(frozen=True)
class Workflow:
    """The stages in order and the points and rules that turn moves into flow figures.

    ``commitment`` and ``delivery`` are stage positions: an item has *started* once it reached
    the commitment stage and *finished* once it reached the delivery stage. ``lanes`` says
    whether the source records doing and done lanes (a board does; an import does not, and
    then all time in a working stage is active unless the stage is listed in ``waiting``).
    """

    stages: tuple[str, ...]
    commitment: int = 1
    delivery: int = -1
    timezone: str = "UTC"
    lanes: bool = False
    waiting: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        count = len(self.stages)
        if count < 2:
            raise ValueError("a workflow needs at least two stages")
        delivery = self.delivery % count
        object.__setattr__(self, "delivery", delivery)
        object.__setattr__(self, "commitment", self.commitment % count)
        if self.commitment > delivery:
            raise ValueError("the commitment point must come before the delivery point")

    def position(self, name: str) -> int | None:
        """The position of the stage called ``name`` (any case), or None."""
        wanted = name.strip().lower()
        return next((i for i, stage in enumerate(self.stages) if stage.lower() == wanted), None)

    @cached_property
    def active_stages(self) -> Flags:
        """Stages whose time counts as active work: from commitment up to delivery, not waiting."""
        flags = np.zeros(len(self.stages), dtype=bool)
        flags[self.commitment : self.delivery] = True
        for stage in self.waiting:
            flags[stage] = False
        return flags


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The items of a history, by position: ids, titles, class of service, attributes."""

    ids: Texts
    titles: Texts
    service_class: Texts
    created: Floats
    attributes: Mapping[str, Texts] = field(default_factory=dict)

    @staticmethod
    def of(
        ids: Sequence[str],
        titles: Sequence[str] | None = None,
        service_class: Sequence[str] | None = None,
        created: Sequence[float] | Floats | None = None,
        attributes: Mapping[str, Sequence[str]] | None = None,
    ) -> Catalogue:
        """A catalogue from plain sequences; what is left out takes a neutral value."""
        count = len(ids)
        return Catalogue(
            ids=_texts(ids),
            titles=_texts(titles if titles is not None else ids),
            service_class=_texts(service_class or ["standard"] * count),
            created=np.asarray(created, dtype=float) if created is not None else _nan(count),
            attributes={key: _texts(values) for key, values in (attributes or {}).items()},
        )

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, rows: Ints) -> Catalogue:
        return Catalogue(
            ids=self.ids[rows],
            titles=self.titles[rows],
            service_class=self.service_class[rows],
            created=self.created[rows],
            attributes={key: values[rows] for key, values in self.attributes.items()},
        )


@dataclass(frozen=True, eq=False)
class Moves:
    """The moves of every item, one row each; ``stage`` and ``lane`` are -1 where not applicable."""

    item: Ints
    at: Floats
    kind: NDArray[np.int8]
    stage: Ints
    lane: NDArray[np.int8]

    @staticmethod
    def of(
        item: Sequence[int] | Ints,
        at: Sequence[float] | Floats,
        kind: Sequence[int] | NDArray[np.int8],
        stage: Sequence[int] | Ints | None = None,
        lane: Sequence[int] | NDArray[np.int8] | None = None,
    ) -> Moves:
        count = len(item)
        return Moves(
            item=np.asarray(item, dtype=np.int64),
            at=np.asarray(at, dtype=np.float64),
            kind=np.asarray(kind, dtype=np.int8),
            stage=np.asarray(stage, dtype=np.int64) if stage is not None else _minus(count),
            lane=np.asarray(lane, dtype=np.int8)
            if lane is not None
            else np.full(count, DOING, dtype=np.int8),
        )

    def __len__(self) -> int:
        return len(self.item)

    def in_order(self) -> Moves:
        """The same moves sorted by item, then time (ties keep their recorded order)."""
        order = np.lexsort((self.at, self.item))
        return self.take(order)

    def take(self, rows: Ints) -> Moves:
        return Moves(
            self.item[rows], self.at[rows], self.kind[rows], self.stage[rows], self.lane[rows]
        )


@dataclass(frozen=True)
class HypothesisRecord:
    """A hypothesis: when it was stated and, once tested, its verdict and when it came."""

    number: int
    stated_at: float
    status: str
    verdict_at: float | None = None


@dataclass(frozen=True)
class ExperimentRecord:
    """An experiment, the items it pulled (positions in the catalogue) and its conclusion."""

    number: int
    hypothesis: int
    started_at: float
    items: tuple[int, ...] = ()
    concluded_at: float | None = None
    verdict: str | None = None
    decision: str | None = None


@dataclass(frozen=True)
class Learning:
    """A board's hypotheses and experiments; an imported history has none."""

    hypotheses: tuple[HypothesisRecord, ...] = ()
    experiments: tuple[ExperimentRecord, ...] = ()


@dataclass(frozen=True, eq=False)
class Segments:
    """The stretches between an item's moves: where it was, in which lane, blocked or not."""

    item: Ints
    stage: Ints
    doing: Flags
    blocked: Flags
    start: Floats
    until: Floats
    counted: Flags


class History:
    """Items moving through a workflow, with the derived columns every metric reads.

    ``as_of`` is the moment the history ends: by default its last recorded move. Time that
    open items spend in their current stage runs up to it. ``last_event`` is when the recorded
    history ends (by default its last move): a board measured today has ``as_of`` today and
    ``last_event`` at its latest event, and forecasts sample the days up to the latter.
    ``notes`` are sentences about the source (what an importer repaired), carried into the
    metrics.
    """

    def __init__(
        self,
        workflow: Workflow,
        catalogue: Catalogue,
        moves: Moves,
        learning: Learning | None = None,
        as_of: float | None = None,
        *,
        notes: tuple[str, ...] = (),
        last_event: float | None = None,
    ) -> None:
        if len(moves) and (moves.item.min() < 0 or moves.item.max() >= len(catalogue)):
            raise ValueError("a move names an item the catalogue does not have")
        self.workflow = workflow
        self.catalogue = catalogue
        self.moves = moves.in_order()
        self.learning = learning or Learning()
        self.notes = notes
        last = float(self.moves.at.max()) if len(self.moves) else 0.0
        self.as_of = last if as_of is None else float(as_of)
        self.last_event = min(last if last_event is None else float(last_event), self.as_of)

    def __len__(self) -> int:
        return len(self.catalogue)

    @property
    def stages(self) -> tuple[str, ...]:
        return self.workflow.stages

    # -- first entries and reached stages ------------------------------------------------------

    @cached_property
    def entered(self) -> Floats:
        """(items × stages) the first time each item entered each stage; NaN if it never did."""
        count, width = len(self), len(self.stages)
        first = np.full(count * width, np.nan)
        entries = self.moves.kind == Kind.ENTER
        key = self.moves.item[entries] * width + self.moves.stage[entries]
        # Moves are in time order within an item, so a key's first row is its first entry.
        keys, rows = np.unique(key, return_index=True)
        first[keys] = self.moves.at[entries][rows]
        return first.reshape(count, width)

    @cached_property
    def reached(self) -> Floats:
        """(items × stages) when each item entered that stage or a later one (never decreasing)."""
        filled = np.where(np.isnan(self.entered), np.inf, self.entered)
        reached = np.minimum.accumulate(filled[:, ::-1], axis=1)[:, ::-1]
        return np.where(np.isinf(reached), np.nan, reached)

    @cached_property
    def discarded(self) -> Floats:
        """When each item was discarded (the first time), NaN if it never was."""
        times = _nan(len(self))
        gone = self.moves.kind == Kind.DISCARD
        items, rows = np.unique(self.moves.item[gone], return_index=True)
        times[items] = self.moves.at[gone][rows]
        return times

    @cached_property
    def created(self) -> Floats:
        """When each item was created: the catalogue's time, else its first recorded move."""
        first = _nan(len(self))
        items, rows = np.unique(self.moves.item, return_index=True)
        first[items] = self.moves.at[rows]
        known = self.catalogue.created
        return np.where(np.isnan(known), first, known)

    @cached_property
    def started(self) -> Floats:
        """When each item passed the commitment point; NaN for items never started or discarded."""
        return np.where(self.is_discarded, np.nan, self.reached[:, self.workflow.commitment])

    @cached_property
    def finished(self) -> Floats:
        """When each item reached the delivery point; NaN for open and discarded items."""
        return np.where(self.is_discarded, np.nan, self.reached[:, self.workflow.delivery])

    @cached_property
    def is_discarded(self) -> Flags:
        return ~np.isnan(self.discarded)

    # -- time in stages, active and blocked time -------------------------------------------------

    @cached_property
    def _segments(self) -> Segments:
        """Each move opens a segment lasting until the item's next move (or ``as_of``).

        A segment after the item left the flow (discarded, or in the last stage) counts for
        nothing.
        """
        moves, rows = self.moves, np.arange(len(self.moves))
        count = len(moves)
        if count == 0:
            none, empty = np.zeros(0, dtype=bool), np.zeros(0)
            return Segments(moves.item, moves.stage, none, none, empty, empty, none)
        group_start = np.r_[0, np.flatnonzero(np.diff(moves.item)) + 1]
        first_row = np.repeat(group_start, np.diff(np.r_[group_start, count]))
        entries = moves.kind == Kind.ENTER
        last_entry = _carry_forward(np.where(entries, rows, -1), first_row)
        stage = np.where(last_entry >= 0, moves.stage[np.maximum(last_entry, 0)], -1)
        lane_set = entries | (moves.kind == Kind.FINISH)
        last_lane = _carry_forward(np.where(lane_set, rows, -1), first_row)
        lane = np.where(
            moves.kind[np.maximum(last_lane, 0)] == Kind.FINISH,
            DONE,
            moves.lane[np.maximum(last_lane, 0)],
        )
        doing = (last_lane >= 0) & (lane == DOING)
        toggles = (moves.kind == Kind.BLOCK) | (moves.kind == Kind.UNBLOCK)
        last_toggle = _carry_forward(np.where(toggles, rows, -1), first_row)
        blocked = (last_toggle >= 0) & (moves.kind[np.maximum(last_toggle, 0)] == Kind.BLOCK)
        same_item_next = np.r_[moves.item[1:] == moves.item[:-1], False]
        until = np.where(same_item_next, np.r_[moves.at[1:], 0.0], self.as_of)
        gone = _carry_forward(np.where(moves.kind == Kind.DISCARD, rows, -1), first_row) >= 0
        gone |= stage == len(self.stages) - 1
        return Segments(moves.item, stage, doing, blocked, moves.at, until, ~gone & (stage >= 0))

    def _lengths(self, end: float | None) -> Floats:
        """Seconds of each segment up to ``end`` (default: the history's end)."""
        segments = self._segments
        until = segments.until if end is None else np.minimum(segments.until, end)
        length = np.maximum(until - segments.start, 0.0)
        return np.where(segments.counted, length, 0.0)

    @cached_property
    def dwell(self) -> Floats:
        """(items × stages) seconds each item spent in each stage, every visit counted."""
        return self.dwell_until(None)

    def dwell_until(self, end: float | None, *, doing_only: bool = False) -> Floats:
        """``dwell`` counted up to the moment ``end`` only (in doing lanes only, if asked)."""
        segments, length = self._segments, self._lengths(end)
        width = len(self.stages)
        inside = segments.stage >= 0
        if doing_only:
            inside &= segments.doing
        flat = np.bincount(
            segments.item[inside] * width + segments.stage[inside],
            weights=length[inside],
            minlength=len(self) * width,
        ).astype(np.float64)
        return flat.reshape(len(self), width)

    @cached_property
    def blocked_seconds(self) -> Floats:
        """Seconds each item spent blocked."""
        return self.blocked_until(None)

    def blocked_until(self, end: float | None) -> Floats:
        """``blocked_seconds`` counted up to the moment ``end`` only."""
        segments, length = self._segments, self._lengths(end)
        blocked = segments.blocked
        counted = np.bincount(segments.item[blocked], weights=length[blocked], minlength=len(self))
        return counted.astype(np.float64)

    @cached_property
    def active_seconds(self) -> Floats:
        """Seconds each item spent in active work: a working stage, doing lane, not blocked."""
        segments, length = self._segments, self._lengths(None)
        stage = segments.stage
        working = np.zeros(len(stage), dtype=bool)
        inside = stage >= 0
        working[inside] = self.workflow.active_stages[stage[inside]]
        if self.workflow.lanes:
            working &= segments.doing
        working &= ~segments.blocked
        active = np.bincount(segments.item[working], weights=length[working], minlength=len(self))
        return active.astype(np.float64)

    @cached_property
    def went_backwards(self) -> Flags:
        """Items that entered a stage earlier in the workflow than one they had already entered."""
        entries = self.moves.kind == Kind.ENTER
        width = len(self.stages)
        key = self.moves.item[entries] * width + self.moves.stage[entries]
        if len(key) == 0:
            return np.zeros(len(self), dtype=bool)
        highest_before = np.r_[-1, np.maximum.accumulate(key)[:-1]]
        back = key < highest_before
        flags = np.zeros(len(self), dtype=bool)
        flags[self.moves.item[entries][back]] = True
        return flags

    # -- days ------------------------------------------------------------------------------------

    def days(self, seconds: Floats) -> Floats:
        """Local day numbers (days since 1970-01-01 in the workflow's time zone); NaN stays NaN."""
        return day_numbers(seconds, self.workflow.timezone)

    @cached_property
    def as_of_day(self) -> int:
        return int(self.days(np.array([self.as_of]))[0])

    @cached_property
    def last_event_day(self) -> int:
        return int(self.days(np.array([self.last_event]))[0])

    def subset(self, rows: Flags | Ints) -> History:
        """The history of some items only (a filter), with the same workflow and end."""
        given = np.asarray(rows)
        picked = np.flatnonzero(given) if given.dtype == bool else given.astype(np.int64)
        renumber = np.full(len(self), -1, dtype=np.int64)
        renumber[picked] = np.arange(len(picked))
        keep = renumber[self.moves.item] >= 0
        kept = self.moves.take(np.flatnonzero(keep))
        moves = Moves(renumber[kept.item], kept.at, kept.kind, kept.stage, kept.lane)
        learning = Learning(
            self.learning.hypotheses,
            tuple(
                ExperimentRecord(
                    e.number,
                    e.hypothesis,
                    e.started_at,
                    tuple(int(renumber[i]) for i in e.items if renumber[i] >= 0),
                    e.concluded_at,
                    e.verdict,
                    e.decision,
                )
                for e in self.learning.experiments
            ),
        )
        subset = self.catalogue.subset(picked)
        return History(
            self.workflow,
            subset,
            moves,
            learning,
            self.as_of,
            notes=self.notes,
            last_event=self.last_event,
        )

    def with_workflow(self, workflow: Workflow) -> History:
        """The same items and moves measured with other points or waiting stages."""
        if workflow.stages != self.stages:
            raise ValueError("a workflow with other stages cannot measure these moves")
        return History(
            workflow,
            self.catalogue,
            self.moves,
            self.learning,
            self.as_of,
            notes=self.notes,
            last_event=self.last_event,
        )


def day_numbers(seconds: Floats, timezone: str = "UTC") -> Floats:
    """Local calendar day of each moment, as days since 1970-01-01; NaN stays NaN.

    The local midnights of the days spanned are computed once with ``zoneinfo`` (so daylight
    saving is right), and every moment is placed among them by a binary search.
    """
    values = np.asarray(seconds, dtype=float)
    out = np.full(values.shape, np.nan)
    known = np.isfinite(values)
    if not known.any():
        return out
    if timezone.upper() == "UTC":
        out[known] = np.floor(values[known] / DAY)
        return out
    zone = ZoneInfo(timezone)
    first = datetime.fromtimestamp(float(values[known].min()), UTC).date() - timedelta(days=2)
    last = datetime.fromtimestamp(float(values[known].max()), UTC).date() + timedelta(days=2)
    span = (last - first).days + 1
    midnights = np.array(
        [datetime.combine(first + timedelta(days=d), time(), zone).timestamp() for d in range(span)]
    )
    offset = first.toordinal() - EPOCH_ORDINAL
    out[known] = offset + np.searchsorted(midnights, values[known], side="right") - 1
    return out


def day_of(number: int | float) -> date:
    """The date of a local day number."""
    return date.fromordinal(int(number) + EPOCH_ORDINAL)


def number_of(day: date) -> int:
    """The local day number of a date."""
    return day.toordinal() - EPOCH_ORDINAL


def local_midnight(day: date, timezone: str) -> float:
    """The moment (seconds since the epoch) a local day begins."""
    return datetime.combine(day, time(), ZoneInfo(timezone)).timestamp()


def _carry_forward(marked: Ints, first_row: Ints) -> Ints:
    """Within each item's run of rows, the last marked row so far (-1 before the first mark)."""
    last = np.maximum.accumulate(marked)
    return np.where(last >= first_row, last, -1)


def _texts(values: Sequence[str]) -> Texts:
    array = np.empty(len(values), dtype=object)
    array[:] = [str(value) for value in values]
    return array


def _nan(count: int) -> Floats:
    return np.full(count, np.nan)


def _minus(count: int) -> Ints:
    return np.full(count, -1, dtype=np.int64)
