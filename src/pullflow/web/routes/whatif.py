"""The what-if page: the board's twin in the simulator, under its limits and under others.

As ``pullflow simulate board`` does, each working stage (from the commitment point up to the
delivery point) becomes a station whose times are drawn from the board's own finished items
(``sim.twin.twin``); the form proposes one WIP limit per stage (prefilled with the current
ones; empty means no limit) and sets the replications, the items each runs through and the
seed. The same draws run the current limits and the proposed ones; the page shows both side
by side (throughput, cycle time and WIP, each with its 95% interval) and one sentence that
reads them.

Running the twin changes nothing on the board, so a viewer may run it too; the form is still
checked for the session's token. Replications and items are capped so that an answer comes
within a few seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from pullflow.services import DomainError, Invalid
from pullflow.services.queries import board_view
from pullflow.services.views import BoardView, StageView
from pullflow.sim.distributions import BadDistribution
from pullflow.sim.runs import Estimate
from pullflow.sim.scenario import BadScenario
from pullflow.sim.twin import Twin, twin
from pullflow.web.actions import MAX_NUMBER, Here
from pullflow.web.failures import status_of
from pullflow.web.render import page
from pullflow.web.routes.flow import board_history
from pullflow.web.session import SignedIn, Visitor, checked_form

router = APIRouter()

#: Replications and items per replication: defaults and the most a page runs.
REPS, MAX_REPS = 30, 50
UNITS, MIN_UNITS, MAX_UNITS = 500, 10, 500
SEED = 1
MAX_SEED = 2**32 - 1

#: The figures compared: (key of the simulation, label, unit).
FIGURES = (
    ("throughput_steady", "Throughput", "items a day"),
    ("cycle_time_steady", "Cycle time", "days"),
    ("wip_mean", "WIP", "items"),
)


@dataclass(frozen=True)
class StageField:
    """One working stage's field in the form: its position, name and current limit."""

    index: int
    name: str
    limit: int | None

    @property
    def field(self) -> str:
        return f"limit{self.index}"


@dataclass(frozen=True)
class Proposal:
    """What the form asks for, once read."""

    limits: dict[str, int | None]
    reps: int
    units: int
    seed: int


@dataclass(frozen=True)
class Row:
    label: str
    unit: str
    current: str
    proposed: str


@dataclass(frozen=True)
class Result:
    """The twin's answer as the page shows it."""

    twin: Twin
    rows: tuple[Row, ...]
    reading: str


def working_stages(view: BoardView) -> list[StageView]:
    """The stages from the commitment point up to (not including) the delivery point."""
    names = [stage.name for stage in view.stages]
    first, last = names.index(view.commitment), names.index(view.delivery)
    return list(view.stages[first:last])


def stage_fields(view: BoardView) -> list[StageField]:
    return [
        StageField(index, stage.name, stage.limit)
        for index, stage in enumerate(working_stages(view), start=1)
    ]


# -- reading the form ------------------------------------------------------------------------


def counted(text: str | None, what: str, low: int, high: int, default: int) -> int:
    """A whole number between ``low`` and ``high`` (``default`` when empty), else ``Invalid``."""
    cleaned = (text or "").strip()
    if not cleaned:
        return default
    if not cleaned.isdigit() or not low <= int(cleaned) <= high:
        raise Invalid(
            f"{what} {text!r} was refused: give a whole number from {low:,} to {high:,} "
            f"({default:,} unless you need more)."
        )
    return int(cleaned)


def limit_of(text: str | None, stage: str) -> int | None:
    """A proposed WIP limit: empty (or ``none``) is no limit, else a whole number, 1 or more."""
    cleaned = (text or "").strip().lower()
    if cleaned in {"", "none"}:
        return None
    if not cleaned.isdigit() or not 0 < int(cleaned) <= MAX_NUMBER:
        raise Invalid(
            f"The WIP limit {text!r} for {stage} was refused: give a whole number, 1 or more, "
            "or leave it empty for no limit."
        )
    return int(cleaned)


def proposal_of(fields: Mapping[str, str], stages: list[StageField]) -> Proposal:
    return Proposal(
        limits={stage.name: limit_of(fields.get(stage.field), stage.name) for stage in stages},
        reps=counted(fields.get("reps"), "Replications", 1, MAX_REPS, REPS),
        units=counted(fields.get("units"), "Items per replication", MIN_UNITS, MAX_UNITS, UNITS),
        seed=counted(fields.get("seed"), "The seed", 0, MAX_SEED, SEED),
    )


# -- reading the answer ----------------------------------------------------------------------


def number(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1_000 else f"{value:,.0f}"


def interval(estimate: Estimate) -> str:
    """``0.98 (0.97 to 0.99)``: the mean and its 95% interval."""
    if math.isnan(estimate.mean):
        return "—"
    if estimate.low == estimate.high:
        return number(estimate.mean)
    return f"{number(estimate.mean)} ({number(estimate.low)} to {number(estimate.high)})"


def change(now: Estimate, then: Estimate) -> int:
    """+1 when the proposed figure is higher beyond both intervals, −1 lower, 0 otherwise."""
    if any(math.isnan(value) for value in (now.mean, now.low, now.high, then.mean)):
        return 0
    if then.low > now.high:
        return 1
    if then.high < now.low:
        return -1
    return 0


def reading(result: Twin) -> str:
    """One sentence on what the proposed limits would change."""
    if result.current_limits == result.proposed_limits:
        return (
            "The proposed limits are the current ones, so both columns run the same line: "
            "change a limit to see what it would do."
        )
    current, proposed = result.current, result.proposed
    tp_now, tp_then = (run.estimate("throughput_steady") for run in (current, proposed))
    ct_now, ct_then = (run.estimate("cycle_time_steady") for run in (current, proposed))
    throughput = {
        1: f"raise throughput from {number(tp_now.mean)} to {number(tp_then.mean)} items a day",
        -1: f"lower throughput from {number(tp_now.mean)} to {number(tp_then.mean)} items a day",
        0: f"keep throughput about where it is ({number(tp_now.mean)} items a day)",
    }[change(tp_now, tp_then)]
    cycle = {
        1: f"lengthen cycle time from {number(ct_now.mean)} to {number(ct_then.mean)} days",
        -1: f"cut cycle time from {number(ct_now.mean)} to {number(ct_then.mean)} days",
        0: f"leave cycle time about where it is ({number(ct_now.mean)} days)",
    }[change(ct_now, ct_then)]
    return (
        f"In the twin the proposed limits would {throughput} and {cycle} (a figure counts as "
        "changed only when the two 95% intervals do not overlap)."
    )


def result_of(found: Twin) -> Result:
    rows = tuple(
        Row(
            label,
            unit,
            interval(found.current.estimate(key)),
            interval(found.proposed.estimate(key)),
        )
        for key, label, unit in FIGURES
    )
    return Result(found, rows, reading(found))


def run_twin(at: Here, board: str, view: BoardView, proposal: Proposal) -> Result:
    """Run the twin of the board's history: its limits now against the proposed ones."""
    _, history = board_history(at, board)
    current = {stage.name: stage.limit for stage in view.stages}
    try:
        found = twin(
            history,
            current=current,
            proposed=proposal.limits,
            units=proposal.units,
            reps=proposal.reps,
            seed=proposal.seed,
        )
    except (BadScenario, BadDistribution) as refused:
        raise WhatIfRefused(str(refused)) from None
    return result_of(found)


class WhatIfRefused(Exception):
    """The board's history cannot run the twin: the simulator's sentence, answered 409."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


# -- the page --------------------------------------------------------------------------------


def what_if_page(
    request: Request,
    visitor: Visitor,
    at: Here,
    board: str,
    *,
    fields: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The form, and with ``fields`` (a sent form) the twin's answer or the refusal."""
    visitor.principal.require(board, "read")
    view = board_view(at.unit_of_work(), board=board, at=at.now())
    stages = stage_fields(view)
    status, refusal, result = 200, None, None
    if fields is not None:
        try:
            result = run_twin(at, board, view, proposal_of(fields, stages))
        except DomainError as refused:
            status, refusal = status_of(refused), refused.message
        except WhatIfRefused as refused:
            status, refusal = 409, refused.sentence
    written = dict(fields) if fields is not None else _defaults(stages)
    return page(
        request,
        visitor,
        "whatif.html",
        board=view.name,
        status=status,
        refusal=refusal,
        stops=list(view.open_stops),
        stages=stages,
        written=written,
        result=result,
        limits={"reps": MAX_REPS, "units": MAX_UNITS, "min_units": MIN_UNITS, "seed": MAX_SEED},
    )


def _defaults(stages: list[StageField]) -> dict[str, str]:
    shown = {stage.field: "" if stage.limit is None else str(stage.limit) for stage in stages}
    return {**shown, "reps": str(REPS), "units": str(UNITS), "seed": str(SEED)}


@router.get("/b/{board}/what-if", response_class=HTMLResponse)
def what_if(request: Request, board: str, visitor: SignedIn, at: Here) -> HTMLResponse:
    return what_if_page(request, visitor, at, board)


@router.post("/b/{board}/what-if", response_model=None)
async def run_what_if(request: Request, board: str, visitor: SignedIn, at: Here) -> Response:
    fields = await checked_form(request, visitor)
    answer: Response = await run_in_threadpool(
        what_if_page, request, visitor, at, board, fields=fields
    )
    return answer
