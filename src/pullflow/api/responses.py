"""What the API answers, as Pydantic models of the JSON the views and flow figures produce.

The routes return the very dictionaries ``pullflow … --json`` prints (``services.views`` and
the flow results' ``to_json``); these models check them on the way out and document them in
the OpenAPI description. Times and dates stay the ISO strings the views write. Parts whose
keys vary (percentile summaries, event data) are mappings.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Moment = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]
#: A number as the figures write it: whole numbers stay whole.
Real = int | float


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Problem(Model):
    """An RFC 9457 problem: what went wrong, in one sentence."""

    type: str = Field(description="URI naming the kind of problem.")
    title: str = Field(description="The kind of problem, in a few words.")
    status: int
    detail: str = Field(description="What was refused, why, and what to do.")
    instance: str = Field(description="The path that was asked for.")
    errors: list[dict[str, str]] | None = Field(
        None, description="For an invalid request: each field that was wrong."
    )


class BoardEntry(Model):
    """A board the caller may read, and their role on it."""

    name: str
    role: str


class Card(Model):
    """An item as a card."""

    id: int
    title: str
    service_class: str = Field(alias="class")
    due: Day | None
    stage: str
    lane: str
    state: str
    position: int | None
    rank: int | None
    blocked: str | None
    blocked_since: Moment | None
    created_at: Moment
    started_at: Moment | None
    ended_at: Moment | None
    age_days: int | None
    cycle_time_days: int | None
    experiments: list[int]
    discard_reason: str | None
    attributes: dict[str, str]


class StopEntry(Model):
    """An andon stop, with its Five Whys once resumed."""

    stop: int
    stage: str | None
    reason: str
    tags: list[str]
    fix: int | None
    people: int
    stopped_at: Moment
    stopped_by: str
    repeat_of: int | None
    repeated_tags: list[str]
    resumed_at: Moment | None
    resumed_by: str | None
    five_whys: dict[str, Any] | None


class StageColumn(Model):
    """A stage with its limit, WIP and the cards in its lanes."""

    name: str
    kind: str
    limit: int | None
    policy: str
    wip: int | None
    stopped_by: int | None
    doing: list[Card]
    done: list[Card]


class Board(Model):
    """The whole board as of a moment."""

    board: str
    pull_signal: str
    experiment_limit: int | None
    running_experiments: list[int]
    timezone: str
    commitment: str
    delivery: str
    as_of: Moment
    stopped: list[StopEntry]
    stages: list[StageColumn]


class Happened(Model):
    """One event a change recorded."""

    type: str
    item: int | None
    experiment: int | None
    from_stage: str | None
    from_lane: str | None
    to_stage: str | None
    to_lane: str | None
    actor: str
    at: Moment
    reason: str | None
    data: dict[str, Any]


class LoggedEvent(Happened):
    """An event as the board's log keeps it: its sequence number and board beside it."""

    id: int
    board: str


class Change(Model):
    """What a change did: the board and the events it recorded, in order."""

    board: str
    events: list[Happened]


class ItemDetail(Card):
    """One item's card and its history."""

    events: list[LoggedEvent]


class HypothesisCard(Model):
    """A hypothesis as a Test Card, with its status and experiments."""

    id: int
    we_believe_that: str
    to_verify_that_we_will: str
    and_measure: str
    we_are_right_if: str
    status: str
    stated_at: Moment
    stated_by: str
    experiments: list[int]


class ExperimentCard(Model):
    """An experiment and, once concluded, its Learning Card."""

    id: int
    hypothesis: int
    title: str
    status: str
    started_at: Moment
    started_by: str
    items: list[int]
    concluded_at: Moment | None
    verdict: str | None
    decision: str | None
    we_observed: str | None
    from_that_we_learned: str | None
    therefore_we_will: str | None


class Andon(Model):
    """The board's open stops and every stop it had."""

    board: str
    stopped: list[StopEntry]
    stops: list[StopEntry]


Summary = dict[str, Any]


class MetricsWindow(Model):
    first: Day
    last: Day
    days: int
    timezone: str


class Workflow(Model):
    stages: list[str]
    commitment: str
    delivery: str


class ItemCounts(Model):
    completed: int
    in_progress: int
    discarded: int
    not_started: int
    went_backwards: int


class DayCount(Model):
    date: Day
    count: int


class WeekCount(Model):
    week: Day
    count: int
    days: int


class Throughput(Model):
    total: int
    per_day_mean: Real
    days: int
    days_with_none: int
    per_day: list[DayCount]
    per_week: list[WeekCount]


class Wip(Model):
    current: int
    mean: Real
    max: int
    per_day: list[DayCount]


class NetFlow(Model):
    arrivals: int
    departures: int
    net: int


class Cfd(Model):
    stages: list[str]
    days: list[Day]
    counts: list[list[int]]


class StageTime(Model):
    stage: str
    items: int
    days: Summary


class Blocked(Model):
    days: Real
    items: int


class AgingItem(Model):
    id: str
    title: str
    stage: str
    age: Real
    pace: Real
    at_risk: bool


class Aging(Model):
    as_of: Day
    at_risk: int
    items: list[AgingItem]


class LittlesLaw(Model):
    wip_mean: Real
    throughput_mean: Real
    predicted_cycle_time: Real | None
    measured_cycle_time: Real | None
    gap: Real | None
    predicted_cycle_time_counting_both_days: Real | None
    gap_counting_both_days: Real | None
    convention: str
    violations: list[dict[str, str]]


class Metrics(Model):
    """Flow metrics of the board over a window (the shape of ``pullflow metrics --json``)."""

    window: MetricsWindow
    workflow: Workflow
    items: ItemCounts
    cycle_time: Summary
    lead_time: Summary
    sle: Summary
    throughput: Throughput
    wip: Wip
    net_flow: NetFlow
    cfd: Cfd
    time_in_stage: list[StageTime]
    blocked: Blocked
    flow_efficiency: Real | None
    aging: Aging
    littles_law: LittlesLaw
    learning: Summary | None
    notes: list[str]


class Sample(Model):
    """The throughput window a forecast sampled."""

    days: int
    requested_days: int
    shortened: bool
    first: Day
    last: Day
    throughput_total: int
    throughput_mean: Real
    throughput_days_with_zero: int
    throughput: list[int]


class WhenForecast(Model):
    """When N more items will be done: percentile dates of a Monte Carlo simulation."""

    question: str
    items: int
    trials: int
    seed: int
    window: Sample
    start: Day
    percentiles: dict[str, Day]
    days: dict[str, int]
    mean_days: Real
    method: str
    target: Day | None = None
    probability: Real | None = None


class HowManyForecast(Model):
    """How many items will be done by a date: "p% chance of at least x"."""

    question: str
    by: Day
    trials: int
    seed: int
    window: Sample
    start: Day
    horizon_days: int
    percentiles: dict[str, int]
    mean: Real
    method: str


class UserEntry(Model):
    """A user and their roles (never a password)."""

    name: str
    site_admin: bool
    boards: dict[str, str] = Field(description="Role by board: viewer, member or admin.")
    created_at: Moment
    last_login_at: Moment | None


class NewUser(Model):
    """The user just added."""

    name: str
    site_admin: bool


class MemberEntry(Model):
    """A user's role on the board."""

    user: str
    role: str


class Membership(Model):
    """A role just given."""

    board: str
    user: str
    role: str


class TokenEntry(Model):
    """One of the caller's tokens (never its secret)."""

    id: int
    user: str
    label: str
    boards: list[str] | None = Field(description="The boards it reaches; null: every one.")
    created: Moment
    last_used: Moment | None


class NewToken(Model):
    """A token just made: its secret is shown this once."""

    id: int
    token: str = Field(description="The secret (pf_…), for Authorization: Bearer.")
    label: str
    boards: list[str] | None = Field(description="The boards it reaches; null: every one.")


class Interval(Model):
    """An estimate's mean and 95% confidence interval (null when it could not be measured)."""

    mean: Real | None
    ci95_low: Real | None
    ci95_high: Real | None


class StationFigures(Model):
    name: str
    utilisation: Interval
    blocked: Interval
    starved: Interval


class LittlesLawCheck(Model):
    holds_on_every_path: bool
    largest_gap: Real | None


class SimulationRun(Model):
    """A scenario's replications: every figure with its interval (``simulate run --json``)."""

    scenario: str
    makespan: Interval
    first_unit_time: Interval
    throughput: Interval
    throughput_steady: Interval
    cycle_time_mean: Interval
    cycle_time_steady: Interval
    cycle_time_p50: Interval
    cycle_time_p85: Interval
    cycle_time_p95: Interval
    wip_mean: Interval
    wasted_units: Interval
    first_defect_found: Interval
    stations: list[StationFigures]
    littles_law: LittlesLawCheck
    reps: int
    seed: int
    time_unit: str
    engine: str
    notes: list[str]


class TwinStage(Model):
    stage: str
    samples: int = Field(description="Finished items its times are drawn from.")
    works_on: int = Field(description="Items it works on at once.")
    current_limit: int | None
    proposed_limit: int | None


class TwinFigures(Model):
    throughput_steady: Interval
    cycle_time_steady: Interval
    wip_mean: Interval


class TwinRun(Model):
    """The board's line under its limits and the proposed ones (``simulate board --json``)."""

    stages: list[TwinStage]
    current: TwinFigures
    proposed: TwinFigures
    time_unit: str
    reps: int
    seed: int
    engine: str
    notes: list[str]
