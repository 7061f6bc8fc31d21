"""What-ifs: the twin of a board under other WIP limits, and a scenario's replications.

Both call what ``pullflow simulate board`` and ``pullflow simulate run`` call
(``sim.twin.twin`` on the board's flow history, ``sim.runs.simulate`` on a scenario read
by ``sim.scenario.scenario_of``) and answer the JSON those commands print with ``--json``.
Neither records anything: the twin needs only to read the board.

A request may not run for long: before it runs, the work is estimated as station visits
(replications × units × stations, times the reruns that finding faults costs), and more than
the engine that would run it does in a few seconds is refused with the sizes that fit.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter

from pullflow.api import responses
from pullflow.api.auth import Asker, Reader
from pullflow.api.requests import ScenarioRun, TwinRun
from pullflow.api.routes.common import READ_PROBLEMS, Here
from pullflow.flow.board_events import history_from_events
from pullflow.flow.history import History
from pullflow.services import Invalid
from pullflow.services.queries import board_events, board_view
from pullflow.sim.distributions import BadDistribution
from pullflow.sim.lines import run_line
from pullflow.sim.runs import MAX_DRAWS_AT_ONCE, MAX_FAULTS, engine_for, line_of, simulate
from pullflow.sim.scenario import BadScenario, Scenario, scenario_of
from pullflow.sim.twin import stage_capacity, stage_samples, twin

router = APIRouter(tags=["simulation"])

#: Station visits one request may simulate, by how the simulator would run the line: the
#: compiled recursions over every replication at once, the recursions one replication at a
#: time (a line with defects), or the event-driven engine. Each is a few seconds' work.
AT_ONCE = "the recursions (every replication at once)"
ONE_BY_ONE = "the recursions (one replication at a time, to find faults)"
EVENTS = "the event-driven engine"
BUDGET = {AT_ONCE: 40_000_000, ONE_BY_ONE: 20_000_000, EVENTS: 500_000}


def _refused(text: str) -> Invalid:
    """The simulator's refusal as the API's sentence."""
    text = text.strip() or "the simulation was refused."
    return Invalid(text[:1].upper() + text[1:])


def _check_budget(visits: int, engine: str, sizes: str, command: str) -> None:
    limit = BUDGET[engine]
    if visits > limit:
        raise Invalid(
            f"The simulation was refused: {sizes} come to about {visits:,} station visits on "
            f"{engine}, more than the {limit:,} one request may run; ask for fewer "
            f"replications or units, or run it where the database is with {command}."
        )


def scenario_engine(scenario: Scenario, reps: int) -> str:
    """How ``simulate`` would run the scenario (a name of ``BUDGET``)."""
    if engine_for(line_of(scenario)) is not run_line:
        return EVENTS
    draws = reps * scenario.arrivals.units * len(scenario.stations)
    defects = any(station.defect for station in scenario.stations)
    if draws <= MAX_DRAWS_AT_ONCE and not defects:
        return AT_ONCE
    return ONE_BY_ONE


def scenario_visits(scenario: Scenario, reps: int) -> int:
    """Station visits a run of the scenario costs, counting a rerun for each expected fault."""
    units = scenario.arrivals.units
    faults = 0.0
    for station in scenario.stations:
        if station.defect is not None:
            faults += units * station.defect.probability + (1 if station.defect.from_start else 0)
    reruns = 1 + min(MAX_FAULTS, math.ceil(faults))
    return reps * units * len(scenario.stations) * reruns


def _plain(value: Any) -> Any:
    """The JSON with numbers that are not finite as null (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _board_history(board: str, here: Here) -> History:
    name, events = board_events(here.unit_of_work(), board=board)
    try:
        return history_from_events(events, as_of=here.now().timestamp())
    except ValueError:
        raise Invalid(
            f"Board {name} has no history to simulate: its log does not begin with its creation."
        ) from None


@router.post(
    "/boards/{board}/simulations/twin",
    response_model=responses.TwinRun,
    responses=READ_PROBLEMS,
    tags=["boards"],
)
def board_twin(body: TwinRun, access: Reader, here: Here) -> dict[str, Any]:
    """The twin of the board: its own stage times under its limits and under proposed ones.

    Stages left out of ``wip`` keep their limits; without ``wip`` both runs use the board's
    limits. Nothing on the board changes, so reading it is enough.
    """
    history = _board_history(access.board, here)
    view = board_view(here.unit_of_work(), board=access.board, at=here.now())
    limits_now = {stage.name: stage.limit for stage in view.stages}
    stages = len(stage_samples(history))
    several = any(count > 1 for count in stage_capacity(history).values()) if stages else False
    engine = EVENTS if several else AT_ONCE
    _check_budget(
        2 * body.reps * body.units * stages,
        engine,
        f"{body.reps:,} replications of {body.units:,} items through {stages} stages, under "
        "two sets of limits,",
        "pullflow simulate board",
    )
    try:
        result = twin(
            history,
            current=limits_now,
            proposed=dict(body.wip),
            units=body.units,
            reps=body.reps,
            seed=body.seed,
        )
    except (BadScenario, BadDistribution, ValueError) as refused:
        raise _refused(str(refused)) from None
    return _plain(result.to_json())  # type: ignore[no-any-return]


@router.post(
    "/simulations",
    response_model=responses.SimulationRun,
    responses=READ_PROBLEMS,
)
def run_scenario(body: ScenarioRun, who: Asker) -> dict[str, Any]:
    """Run a scenario's replications: every figure with its 95% interval, per station too."""
    try:
        scenario = scenario_of(body.scenario)
    except (BadScenario, BadDistribution, ValueError) as refused:
        raise _refused(f"The scenario was refused: {refused}") from None
    except (TypeError, AttributeError, KeyError):
        raise Invalid(
            "The scenario was refused: a value in it has a shape a scenario does not take; "
            "check it against the scenario format (stations, arrivals, release, reps, seed)."
        ) from None
    reps = body.reps if body.reps is not None else scenario.reps
    units, stations = scenario.arrivals.units, len(scenario.stations)
    _check_budget(
        scenario_visits(scenario, reps),
        scenario_engine(scenario, reps),
        f"{reps:,} replications of {units:,} units through {stations} stations",
        "pullflow simulate run",
    )
    try:
        simulation = simulate(scenario, reps=reps, seed=body.seed)
    except (BadScenario, BadDistribution, ValueError) as refused:
        raise _refused(str(refused)) from None
    return _plain(simulation.to_json())  # type: ignore[no-any-return]
