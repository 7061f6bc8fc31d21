"""What-ifs over HTTP: the twin of a board, and a scenario's replications."""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.flow.board_events import history_from_events
from pullflow.services.queries import board_events
from pullflow.sim.runs import simulate
from pullflow.sim.scenario import scenario_of
from pullflow.sim.twin import twin
from tests.api.checks import log_of, problem
from tests.api.conftest import Api

LINE: dict[str, Any] = {
    "name": "Two steps",
    "time_unit": "minutes",
    "arrivals": {"kind": "job", "units": 50},
    "release": {"policy": "kanban", "cards": 2},
    "stations": [
        {"name": "Fold", "service": "exponential(1)"},
        {"name": "Stuff", "service": "lognormal(0.5, 0.3)"},
    ],
    "reps": 4,
    "seed": 7,
}


def _deliver_three(api: Api) -> None:
    """Three items through Build (a day) and Measure (a day) into Done."""
    ana = api.as_("ana")
    for title in ("a", "b", "c"):
        item = ana.add(title)
        ana.ok("POST", "/boards/main/pull", {"stage": "Build", "item": item})
        api.clock(days=1)
        ana.ok("POST", f"/boards/main/items/{item}/finish")
        ana.ok("POST", "/boards/main/pull", {"stage": "Measure", "item": item})
        api.clock(days=1)
        ana.ok("POST", f"/boards/main/items/{item}/finish", {"deliver": True})


def test_the_twin_answers_what_the_command_line_prints_and_changes_nothing(api: Api) -> None:
    _deliver_three(api)
    before = log_of(api)
    body = {"wip": {"build": 1}, "units": 30, "reps": 2, "seed": 3}
    answer = api.as_("vic").post("/boards/main/simulations/twin", body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert [
        (s["stage"], s["samples"], s["current_limit"], s["proposed_limit"]) for s in data["stages"]
    ] == [("Build", 3, 2, 1), ("Measure", 3, 2, 2)]
    assert (data["reps"], data["seed"], data["time_unit"]) == (2, 3, "days")
    assert data["notes"] == [
        "Build: times from only 3 finished item(s).",
        "Measure: times from only 3 finished item(s).",
    ]
    # The same function on the same history, as pullflow simulate board --json calls it.
    _, events = board_events(api.store.unit_of_work(), board="main")
    history = history_from_events(events, as_of=api.clock.now.timestamp())
    limits = {"Options": None, "Build": 2, "Measure": 2, "Done": None}
    expected = twin(history, current=limits, proposed={"build": 1}, units=30, reps=2, seed=3)
    assert data == expected.to_json()
    assert log_of(api) == before


def test_the_twin_without_proposed_limits_runs_the_boards_own_twice(api: Api) -> None:
    _deliver_three(api)
    data = api.as_("ana").post("/boards/main/simulations/twin", {"reps": 2, "units": 20}).json()
    assert [s["proposed_limit"] for s in data["stages"]] == [2, 2]
    assert data["current"] == data["proposed"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"wip": {"Deploy": 1}, "units": 20, "reps": 1},
            "\"wip\" names 'Deploy', which is not a working stage: the stages are Build, Measure.",
        ),
        (
            {"units": 20_000, "reps": 100},
            "The simulation was refused: 100 replications of 20,000 items through 2 stages, "
            "under two sets of limits, come to about 8,000,000 station visits on the "
            "recursions (every replication at once), more than the 40,000,000 one request may "
            "run; ask for fewer replications or units, or run it where the database is with "
            "pullflow simulate board.",
        ),
    ],
)
def test_a_twin_that_cannot_run_is_refused(api: Api, body: dict[str, Any], detail: str) -> None:
    _deliver_three(api)
    answer = api.as_("vic").post("/boards/main/simulations/twin", body)
    if "8,000,000" in detail:
        # Within the budget: it runs.
        assert answer.status_code == 200
        body = {**body, "reps": 1000}
        detail = detail.replace("100 replications", "1,000 replications").replace(
            "8,000,000", "80,000,000"
        )
        answer = api.as_("vic").post("/boards/main/simulations/twin", body)
    assert problem(answer, 422)["detail"] == detail


def test_a_board_without_finished_work_has_no_twin(api: Api) -> None:
    api.as_("ana").add("a")
    answer = api.as_("vic").post("/boards/main/simulations/twin", {"units": 20, "reps": 1})
    assert problem(answer, 422)["detail"] == (
        "No finished item has a time in Build, Measure, so the twin cannot draw times there: "
        "simulate a history with finished items."
    )


@pytest.mark.parametrize(
    "body",
    [{"wip": {"Build": 0}}, {"units": 5}, {"reps": 0}, {"seed": -1}, {"wip": ["Build"]}],
)
def test_twin_sizes_out_of_bounds_are_422(api: Api, body: dict[str, Any]) -> None:
    problem(api.as_("vic").post("/boards/main/simulations/twin", body), 422)


def test_the_twin_needs_a_role_on_the_board(api: Api) -> None:
    problem(api.as_("bo").post("/boards/main/simulations/twin", {}), 403)
    problem(api.as_(None).post("/boards/main/simulations/twin", {}), 401)
    problem(api.as_("root").post("/boards/ghost/simulations/twin", {}), 404)


def test_any_signed_in_user_runs_a_scenario_as_the_command_line_does(api: Api) -> None:
    answer = api.as_("bo").post("/simulations", {"scenario": LINE})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["scenario"], data["reps"], data["seed"]) == ("Two steps", 4, 7)
    assert [station["name"] for station in data["stations"]] == ["Fold", "Stuff"]
    assert data["littles_law"]["holds_on_every_path"] is True
    assert data == simulate(scenario_of(LINE)).to_json()
    again = api.as_("bo").post("/simulations", {"scenario": LINE, "reps": 2, "seed": 1}).json()
    assert (again["reps"], again["seed"]) == (2, 1)
    assert again == simulate(scenario_of(LINE), reps=2, seed=1).to_json()
    problem(api.as_(None).post("/simulations", {"scenario": LINE}), 401)


@pytest.mark.parametrize(
    ("scenario", "detail"),
    [
        (
            {"stations": []},
            "The scenario was refused: 'stations' must list at least one station, each with a "
            "service time.",
        ),
        (
            {**LINE, "colour": "red"},
            "The scenario was refused: unknown key 'colour': see docs/simulator.md.",
        ),
        (
            {**LINE, "arrivals": {"kind": "job", "units": 10_000_000}, "reps": 100},
            "The simulation was refused: 100 replications of 10,000,000 units through 2 "
            "stations come to about 2,000,000,000 station visits on the recursions (one "
            "replication at a time, to find faults), more than the 20,000,000 one request may "
            "run; ask for fewer replications or units, or run it where the database is with "
            "pullflow simulate run.",
        ),
        (
            {
                **LINE,
                "stations": [
                    {"name": "Fold", "service": "exponential(1)", "servers": 2},
                    {"name": "Stuff", "service": "exponential(1)"},
                ],
                "arrivals": {"kind": "job", "units": 10_000},
                "reps": 30,
            },
            "The simulation was refused: 30 replications of 10,000 units through 2 stations "
            "come to about 600,000 station visits on the event-driven engine, more than the "
            "500,000 one request may run; ask for fewer replications or units, or run it where "
            "the database is with pullflow simulate run.",
        ),
        (
            {
                "stations": [
                    {
                        "name": "A",
                        "service": "constant(1)",
                        "defect": {"probability": 0.5, "detected_at": "B"},
                    },
                    {"name": "B", "service": "constant(1)"},
                ],
                "arrivals": {"units": 5000},
                "reps": 30,
            },
            "The simulation was refused: 30 replications of 5,000 units through 2 stations "
            "come to about 750,300,000 station visits on the recursions (one replication at a "
            "time, to find faults), more than the 20,000,000 one request may run; ask for "
            "fewer replications or units, or run it where the database is with pullflow "
            "simulate run.",
        ),
    ],
)
def test_a_scenario_that_cannot_run_is_refused_before_it_runs(
    api: Api, scenario: dict[str, Any], detail: str
) -> None:
    answer = api.as_("ana").post("/simulations", {"scenario": scenario})
    assert problem(answer, 422)["detail"] == detail


@pytest.mark.parametrize(
    "scenario",
    [
        {"stations": [{"service": [1, 2]}]},
        {"stations": "Fold"},
        {"stations": [{"service": "exponential(1)", "servers": "two"}]},
        {"stations": [{"service": "exponential(1)"}], "arrivals": [1]},
        {"stations": [{"service": "exponential(1)", "defect": {"probability": "x"}}]},
    ],
)
def test_a_scenario_of_the_wrong_shape_is_422_not_a_failure(
    api: Api, scenario: dict[str, Any]
) -> None:
    body = problem(api.as_("ana").post("/simulations", {"scenario": scenario}), 422)
    assert body["detail"].startswith("The scenario was refused: ")
