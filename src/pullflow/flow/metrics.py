"""The flow metrics of a history over a window of local days (DESIGN section 4).

``measure(history, window)`` computes everything at once, vectorised over items:

- cycle time = finish day − start day + 1 (calendar days in the workflow's time zone), or exact
  hours; lead time = creation → finish, same convention; work item age = as-of − start + 1;
- WIP(d) = started on or before d and not finished on or before d (end-of-day snapshot);
- throughput(d) = items finished on d, zero days included; per ISO week too;
- net flow = arrivals (started) − departures (finished);
- the CFD, time in each stage, blocked time, flow efficiency, SLEs and aging WIP;
- Little's Law as a diagnostic, naming the assumptions the window breaks.

Discarded items are neither started nor finished: they are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from pullflow.domain.errors import Invalid
from pullflow.flow.history import (
    DAY,
    Floats,
    History,
    Ints,
    Kind,
    Texts,
    day_of,
    local_midnight,
    number_of,
)
from pullflow.flow.learning import LearningMetrics, learning_metrics
from pullflow.flow.percentiles import LEVELS, METHOD, Summary, sorted_nearest_rank

HOUR = 3_600.0
#: Little's Law assumptions are called broken past these relative differences.
FLOW_BALANCE = 0.10
WIP_DRIFT = 0.20
AGE_DRIFT = 0.20
UNFINISHED_SHARE = 0.20


@dataclass(frozen=True)
class Window:
    """Local days from ``first`` to ``last``, both included; None = from the start / to the end."""

    first: date | None = None
    last: date | None = None

    def resolve(self, history: History) -> tuple[int, int]:
        """The window as local day numbers, bounded by the history's own days."""
        start = _first_day(history)
        end = history.as_of_day
        first = number_of(self.first) if self.first else start
        last = number_of(self.last) if self.last else end
        if last < first:
            raise Invalid(
                f"The window {day_of(first)} to {day_of(last)} was refused: its end comes before "
                "its start; give --from before --to."
            )
        return first, last


@dataclass(frozen=True)
class ItemSet:
    """Some items by position, with what charts and tables show of them."""

    rows: Ints
    ids: Texts
    titles: Texts
    values: Floats
    #: Local day number each item finished on (the completed items' finish days), if known.
    finish_days: Floats | None = None


@dataclass(frozen=True)
class AgingItem:
    id: str
    title: str
    stage: str
    age: float
    pace: float
    at_risk: bool


@dataclass(frozen=True)
class StageTime:
    stage: str
    items: int
    summary: Summary


@dataclass(frozen=True)
class LittlesLaw:
    """Little's Law over the window: mean WIP / mean throughput against the measured mean.

    ``predicted_cycle_time`` is the law's own figure. An item is in the end-of-day WIP on
    (cycle time − 1) days, since cycle times count both the start and the finish day, so
    ``counting_both_days`` (the prediction + 1 day) is the one to hold against the measured
    mean cycle time on that convention.
    """

    wip_mean: float
    throughput_mean: float
    predicted_cycle_time: float | None
    measured_cycle_time: float | None
    violations: tuple[tuple[str, str], ...]

    @property
    def counting_both_days(self) -> float | None:
        return None if self.predicted_cycle_time is None else self.predicted_cycle_time + 1

    @property
    def gap(self) -> float | None:
        """Measured − predicted mean cycle time."""
        if self.predicted_cycle_time is None or self.measured_cycle_time is None:
            return None
        return self.measured_cycle_time - self.predicted_cycle_time

    @property
    def gap_counting_both_days(self) -> float | None:
        if self.gap is None:
            return None
        return self.gap - 1


@dataclass(frozen=True)
class FlowMetrics:
    """Every flow figure of one window; ``days`` are local day numbers, first to last."""

    first: int
    last: int
    stages: tuple[str, ...]
    commitment: str
    delivery: str
    timezone: str
    unit: str
    completed: ItemSet
    lead_times: Floats
    in_progress: int
    discarded: int
    not_started: int
    went_backwards: int
    wip: Ints
    arrivals: Ints
    throughput: Ints
    cfd: Ints
    stage_times: tuple[StageTime, ...]
    blocked_days: float
    blocked_items: int
    flow_efficiency: float | None
    aging: tuple[AgingItem, ...]
    littles_law: LittlesLaw
    learning: LearningMetrics | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def days(self) -> Ints:
        return np.arange(self.first, self.last + 1)

    @property
    def cycle_time(self) -> Summary:
        return Summary.of(self.completed.values)

    @property
    def lead_time(self) -> Summary:
        return Summary.of(self.lead_times)

    @property
    def weeks(self) -> list[tuple[date, int, int]]:
        """(Monday, items finished, days of the window in that week) per ISO week."""
        monday = self.days - (self.days + 3) % 7  # day 0 (1970-01-01) was a Thursday
        starts, index = np.unique(monday, return_inverse=True)
        totals = np.bincount(index, weights=self.throughput, minlength=len(starts))
        spans = np.bincount(index, minlength=len(starts))
        return [
            (day_of(int(s)), int(t), int(n)) for s, t, n in zip(starts, totals, spans, strict=True)
        ]

    def to_json(self) -> dict[str, Any]:
        return metrics_json(self)


def measure(history: History, window: Window | None = None, *, hours: bool = False) -> FlowMetrics:
    """All flow metrics of ``history`` over ``window`` (default: its whole span)."""
    first, last = (window or Window()).resolve(history)
    start_day, finish_day = history.days(history.started), history.days(history.finished)
    done = _between(finish_day, first, last)
    cycle = _cycle_values(history, start_day, finish_day, done, hours=hours)
    created_day = history.days(history.created)
    lead = (finish_day - created_day + 1)[done]
    open_at_end = _on_or_before(start_day, last) & ~_on_or_before(finish_day, last)
    ordered_cycle = np.sort(cycle.values)
    wip, arrivals, throughput = _daily_counts(start_day, finish_day, first, last)
    discarded = _between(history.days(history.discarded), first, last)
    end = min(history.as_of, _day_end(history, last))
    blocked = history.blocked_until(end)
    return FlowMetrics(
        first=first,
        last=last,
        stages=history.stages,
        commitment=history.stages[history.workflow.commitment],
        delivery=history.stages[history.workflow.delivery],
        timezone=history.workflow.timezone,
        unit="hours" if hours else "days",
        completed=cycle,
        lead_times=lead,
        in_progress=int(open_at_end.sum()),
        discarded=int(discarded.sum()),
        not_started=int((~_on_or_before(start_day, last) & ~history.is_discarded).sum()),
        went_backwards=int(history.went_backwards.sum()),
        wip=wip,
        arrivals=arrivals,
        throughput=throughput,
        cfd=cumulative_flow(history, first, last),
        stage_times=_stage_times(history, done | open_at_end, end),
        blocked_days=float(blocked[done | open_at_end].sum() / DAY),
        blocked_items=int((blocked[done | open_at_end] > 0).sum()),
        flow_efficiency=_flow_efficiency(history, done),
        aging=_aging(history, start_day, open_at_end, last, ordered_cycle, hours=hours),
        littles_law=_littles_law(history, start_day, finish_day, first, last, wip, throughput),
        learning=learning_metrics(history, first, last) if history.learning.hypotheses else None,
        notes=_notes(history, hours=hours),
    )


def cumulative_flow(history: History, first: int, last: int) -> Ints:
    """(days × stages) items that had reached each stage or a later one by each day's end.

    Discarded items are left out, so every line only ever goes up.
    """
    span = last - first + 1
    reached = history.days(history.reached[~history.is_discarded])
    counts = np.zeros((span, len(history.stages)), dtype=np.int64)
    for stage in range(len(history.stages)):
        column = reached[:, stage]
        column = column[~np.isnan(column) & (column <= last)]
        offsets = np.clip(column - first, 0, None).astype(np.int64)
        counts[:, stage] = np.cumsum(np.bincount(offsets, minlength=span)[:span])
    return counts


def _first_day(history: History) -> int:
    if len(history.moves) == 0:
        raise Invalid(
            "The history has no recorded moves, so there is nothing to measure: add and pull "
            "items, or import a file with stage dates."
        )
    return int(history.days(np.array([history.moves.at.min()]))[0])


def _between(days: Floats, first: int, last: int) -> NDBool:
    with np.errstate(invalid="ignore"):
        return (days >= first) & (days <= last)


def _on_or_before(days: Floats, last: int) -> NDBool:
    with np.errstate(invalid="ignore"):
        return days <= last


NDBool = np.ndarray[Any, np.dtype[np.bool_]]


def _cycle_values(
    history: History, start_day: Floats, finish_day: Floats, done: NDBool, *, hours: bool
) -> ItemSet:
    rows = np.flatnonzero(done)
    if hours:
        values = (history.finished[rows] - history.started[rows]) / HOUR
    else:
        values = finish_day[rows] - start_day[rows] + 1
    order = np.lexsort((rows, finish_day[rows]))
    rows, values = rows[order], values[order]
    return ItemSet(
        rows, history.catalogue.ids[rows], history.catalogue.titles[rows], values, finish_day[rows]
    )


def _daily_counts(
    start_day: Floats, finish_day: Floats, first: int, last: int
) -> tuple[Ints, Ints, Ints]:
    """WIP at each day's end, arrivals and departures per day, over the window."""
    span = last - first + 1
    started_by = _cumulative_by_day(start_day, first, last)
    finished_by = _cumulative_by_day(finish_day, first, last)
    arrivals = np.diff(np.r_[_count_before(start_day, first), started_by])
    throughput = np.diff(np.r_[_count_before(finish_day, first), finished_by])
    wip = started_by - finished_by
    return wip[:span], arrivals[:span], throughput[:span]


def _cumulative_by_day(days: Floats, first: int, last: int) -> Ints:
    """How many of ``days`` fall on or before each day of the window."""
    known = days[~np.isnan(days) & (days <= last)]
    offsets = np.clip(known - first, 0, None).astype(np.int64)
    return np.cumsum(np.bincount(offsets, minlength=last - first + 1))


def _count_before(days: Floats, first: int) -> int:
    with np.errstate(invalid="ignore"):
        return int((days < first).sum())


def _stage_times(history: History, rows: NDBool, end: float) -> tuple[StageTime, ...]:
    """Days spent in each working stage by the items finished in or open at the window."""
    dwell = history.dwell_until(end)[rows] / DAY
    visited = ~np.isnan(history.entered[rows])
    times = []
    for stage in range(1, len(history.stages) - 1):
        column = dwell[visited[:, stage], stage]
        times.append(StageTime(history.stages[stage], len(column), Summary.of(column)))
    return tuple(times)


def _flow_efficiency(history: History, done: NDBool) -> float | None:
    cycle = (history.finished - history.started)[done].sum()
    if cycle <= 0:
        return None
    return float(history.active_seconds[done].sum() / cycle)


def _aging(
    history: History,
    start_day: Floats,
    open_at_end: NDBool,
    last: int,
    ordered_cycle: Floats,
    *,
    hours: bool,
) -> tuple[AgingItem, ...]:
    """Items in progress at the window's end, oldest first, with their pace and risk."""
    rows = np.flatnonzero(open_at_end)
    if hours:
        as_of = min(history.as_of, _day_end(history, last))
        ages = (as_of - history.started[rows]) / HOUR
    else:
        ages = last - start_day[rows] + 1
    pace = _pace(ages, ordered_cycle)
    p85 = sorted_nearest_rank(ordered_cycle, 85) if len(ordered_cycle) else None
    stage = _stage_at(history, rows, last)
    order = np.lexsort((rows, -ages))
    return tuple(
        AgingItem(
            id=str(history.catalogue.ids[rows[i]]),
            title=str(history.catalogue.titles[rows[i]]),
            stage=history.stages[stage[i]],
            age=round(float(ages[i]), 2) if hours else int(ages[i]),
            pace=float(pace[i]),
            at_risk=p85 is not None and bool(ages[i] > p85),
        )
        for i in order
    )


def _pace(ages: Floats, ordered_cycle: Floats) -> Floats:
    """Each age as the share (0–100) of completed items that took no longer."""
    if len(ordered_cycle) == 0:
        return np.full(len(ages), np.nan)
    below = np.searchsorted(ordered_cycle, ages, side="right")
    return np.asarray(100.0 * below / len(ordered_cycle), dtype=np.float64)


def _stage_at(history: History, rows: Ints, last: int) -> Ints:
    """The stage each item was in at the end of day ``last``: its last entry by then."""
    moves = history.moves
    by_then = (moves.kind == Kind.ENTER) & (history.days(moves.at) <= last)
    items, stages = moves.item[by_then][::-1], moves.stage[by_then][::-1]
    latest, first_rows = np.unique(items, return_index=True)  # last entry: first when reversed
    current = np.zeros(len(history), dtype=np.int64)
    current[latest] = stages[first_rows]
    return current[rows]


def _day_end(history: History, day: int) -> float:
    return local_midnight(day_of(day + 1), history.workflow.timezone)


def _littles_law(
    history: History,
    start_day: Floats,
    finish_day: Floats,
    first: int,
    last: int,
    wip: Ints,
    throughput: Ints,
) -> LittlesLaw:
    wip_mean = float(wip.mean())
    throughput_mean = float(throughput.mean())
    finished = _between(finish_day, first, last)
    measured = float((finish_day - start_day + 1)[finished].mean()) if finished.any() else None
    predicted = wip_mean / throughput_mean if throughput_mean > 0 else None
    violations = _broken_assumptions(history, start_day, finish_day, first, last, wip)
    return LittlesLaw(wip_mean, throughput_mean, predicted, measured, violations)


def _broken_assumptions(
    history: History,
    start_day: Floats,
    finish_day: Floats,
    first: int,
    last: int,
    wip: Ints,
) -> tuple[tuple[str, str], ...]:
    """The assumptions of Little's Law this window breaks, each with a sentence."""
    broken: list[tuple[str, str]] = []
    arrived = int(_between(start_day, first, last).sum())
    departed = int(_between(finish_day, first, last).sum())
    if abs(arrived - departed) > FLOW_BALANCE * max(arrived, departed, 1):
        broken.append(
            (
                "arrivals_equal_departures",
                f"Arrivals ({arrived}) and departures ({departed}) differ by more than "
                f"{FLOW_BALANCE:.0%}.",
            )
        )
    raw_start = history.days(history.reached[:, history.workflow.commitment])
    thrown = int((_between(raw_start, first, last) & history.is_discarded).sum())
    unfinished = int((_between(start_day, first, last) & ~_on_or_before(finish_day, last)).sum())
    if thrown or unfinished > UNFINISHED_SHARE * max(arrived, 1):
        broken.append(
            (
                "all_started_work_finishes",
                f"Of {arrived + thrown} items started in the window, {thrown} discarded and "
                f"{unfinished} unfinished at its end.",
            )
        )
    if abs(int(wip[-1]) - int(wip[0])) > WIP_DRIFT * max(float(wip.mean()), 1.0):
        broken.append(
            (
                "wip_steady",
                f"WIP was {int(wip[0])} at the window's start and {int(wip[-1])} at its end.",
            )
        )
    start_age, end_age = (
        _mean_age(start_day, finish_day, first),
        _mean_age(start_day, finish_day, last),
    )
    if abs(end_age - start_age) > AGE_DRIFT * max(start_age, end_age, 1.0):
        broken.append(
            (
                "age_steady",
                f"The average age of work in progress went from {start_age:.1f} to "
                f"{end_age:.1f} days.",
            )
        )
    return tuple(broken)


def _mean_age(start_day: Floats, finish_day: Floats, day: int) -> float:
    open_then = _on_or_before(start_day, day) & ~_on_or_before(finish_day, day)
    if not open_then.any():
        return 0.0
    return float((day - start_day[open_then] + 1).mean())


def _notes(history: History, *, hours: bool) -> tuple[str, ...]:
    notes = []
    backwards = int(history.went_backwards.sum())
    if backwards:
        notes.append(
            f"{backwards} item(s) went back to an earlier stage; each stage's first entry counts."
        )
    if not history.workflow.lanes and not history.workflow.waiting:
        notes.append(
            "The source records no waiting lanes or stages, so all time between the commitment "
            "and delivery points counts as active in the flow efficiency."
        )
    if hours:
        notes.append("Cycle times and ages are exact hours, not calendar days.")
    return (*history.notes, *notes)


def metrics_json(metrics: FlowMetrics) -> dict[str, Any]:
    """The metrics as JSON values (the shape of ``pullflow metrics --json``)."""
    cycle = metrics.cycle_time
    throughput_total = int(metrics.throughput.sum())
    span = len(metrics.days)
    little = metrics.littles_law
    return {
        "window": {
            "first": day_of(metrics.first).isoformat(),
            "last": day_of(metrics.last).isoformat(),
            "days": span,
            "timezone": metrics.timezone,
        },
        "workflow": {
            "stages": list(metrics.stages),
            "commitment": metrics.commitment,
            "delivery": metrics.delivery,
        },
        "items": {
            "completed": metrics.completed.rows.size,
            "in_progress": metrics.in_progress,
            "discarded": metrics.discarded,
            "not_started": metrics.not_started,
            "went_backwards": metrics.went_backwards,
        },
        "cycle_time": {**cycle.to_json(), "unit": metrics.unit, "method": METHOD},
        "lead_time": {**metrics.lead_time.to_json(), "unit": "days"},
        "sle": _sle_json(cycle, metrics.unit),
        "throughput": {
            "total": throughput_total,
            "per_day_mean": round(throughput_total / span, 4),
            "days": span,
            "days_with_none": int((metrics.throughput == 0).sum()),
            "per_day": _per_day(metrics, metrics.throughput),
            "per_week": [
                {"week": monday.isoformat(), "count": count, "days": days}
                for monday, count, days in metrics.weeks
            ],
        },
        "wip": {
            "current": int(metrics.wip[-1]),
            "mean": round(float(metrics.wip.mean()), 4),
            "max": int(metrics.wip.max()),
            "per_day": _per_day(metrics, metrics.wip),
        },
        "net_flow": {
            "arrivals": int(metrics.arrivals.sum()),
            "departures": throughput_total,
            "net": int(metrics.arrivals.sum()) - throughput_total,
        },
        "cfd": {
            "stages": list(metrics.stages),
            "days": [day_of(int(d)).isoformat() for d in metrics.days],
            "counts": metrics.cfd.tolist(),
        },
        "time_in_stage": [
            {"stage": t.stage, "items": t.items, "days": t.summary.to_json()}
            for t in metrics.stage_times
        ],
        "blocked": {"days": round(metrics.blocked_days, 2), "items": metrics.blocked_items},
        "flow_efficiency": None
        if metrics.flow_efficiency is None
        else round(metrics.flow_efficiency, 4),
        "aging": {
            "as_of": day_of(metrics.last).isoformat(),
            "at_risk": sum(item.at_risk for item in metrics.aging),
            "items": [
                {
                    "id": item.id,
                    "title": item.title,
                    "stage": item.stage,
                    "age": item.age,
                    "pace": round(item.pace, 1),
                    "at_risk": item.at_risk,
                }
                for item in metrics.aging
            ],
        },
        "littles_law": {
            "wip_mean": round(little.wip_mean, 4),
            "throughput_mean": round(little.throughput_mean, 4),
            "predicted_cycle_time": _round(little.predicted_cycle_time),
            "measured_cycle_time": _round(little.measured_cycle_time),
            "gap": _round(little.gap),
            "predicted_cycle_time_counting_both_days": _round(little.counting_both_days),
            "gap_counting_both_days": _round(little.gap_counting_both_days),
            "convention": "predicted = mean WIP / mean throughput; cycle times count both the "
            "start and the finish day, which adds 1 day to it: see *_counting_both_days",
            "violations": [{"assumption": key, "message": text} for key, text in little.violations],
        },
        "learning": metrics.learning.to_json() if metrics.learning else None,
        "notes": list(metrics.notes),
    }


def _sle_json(cycle: Summary, unit: str) -> dict[str, Any]:
    levels = {str(level): cycle.percentiles[level] for level in LEVELS}
    p85 = cycle.percentiles[85]
    statement = f"85% of items finish in {p85:g} {unit} or less." if p85 is not None else None
    return {"percentiles": levels, "unit": unit, "method": METHOD, "statement": statement}


def _per_day(metrics: FlowMetrics, values: Ints) -> list[dict[str, Any]]:
    return [
        {"date": day_of(int(day)).isoformat(), "count": int(value)}
        for day, value in zip(metrics.days, values, strict=True)
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
