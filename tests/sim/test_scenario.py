"""Scenario files and distributions: what they mean, and what they refuse."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from pullflow.sim.distributions import BadDistribution, parse
from pullflow.sim.scenario import BadScenario, load_scenario, scenario_of
from pullflow.sim.sweep import parse_vary

LINE = {
    "name": "Letters",
    "arrivals": {"kind": "job", "units": 10},
    "release": {"policy": "kanban", "cards": [2, 3]},
    "stations": [
        {"name": "Fold", "service": "exponential(2)", "setup": "constant(5)"},
        {"name": "Stuff", "service": 1.5, "servers": 2, "defect": None},
    ],
    "reps": 4,
    "seed": 9,
}


@pytest.mark.parametrize(
    ("text", "mean", "cv"),
    [
        ("constant(2)", 2.0, 0.0),
        ("exponential(3)", 3.0, 1.0),
        ("lognormal(2, 0.5)", 2.0, 0.5),
        ("gamma(4, 0.25)", 4.0, 0.25),
        ("uniform(1, 3)", 2.0, 2 / (math.sqrt(12) * 2)),
    ],
)
def test_distributions_draw_the_mean_and_cv_they_are_given(
    text: str, mean: float, cv: float
) -> None:
    draws = parse(text).draw(np.random.default_rng(1), 200_000)
    assert draws.mean() == pytest.approx(mean, rel=0.01)
    assert draws.std() / draws.mean() == pytest.approx(cv, abs=0.01)
    assert (draws >= 0).all()


def test_an_empirical_distribution_draws_only_what_was_observed() -> None:
    drawn = parse("empirical(1, 2, 2, 5)").draw(np.random.default_rng(3), 1000)
    assert set(drawn.tolist()) <= {1.0, 2.0, 5.0}
    assert parse("empirical(1, 2, 2, 5)").mean == 2.5


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("normal(2)", "names no distribution"),
        ("lognormal(2)", r"takes \(mean, cv\)"),
        ("exponential(-1)", "cannot be negative"),
        ("uniform(3, 1)", "low must not exceed high"),
        ("exponential(two)", "must be numbers"),
        ("soon", "is not a distribution"),
    ],
)
def test_bad_distributions_are_refused_with_a_sentence(text: str, words: str) -> None:
    with pytest.raises(BadDistribution, match=words):
        parse(text)


def test_a_scenario_reads_its_line_release_and_runs() -> None:
    scenario = scenario_of(LINE)
    assert [s.name for s in scenario.stations] == ["Fold", "Stuff"]
    assert scenario.stations[0].setup is not None
    assert scenario.stations[1].service.mean == 1.5
    assert scenario.stations[1].servers == 2
    assert scenario.release.cards == (2, 3)
    assert (scenario.arrivals.units, scenario.reps, scenario.seed) == (10, 4, 9)


def test_a_defect_names_where_it_is_found() -> None:
    data = {
        **LINE,
        "stations": [
            {"name": "Fold", "service": 1, "defect": {"from_start": True, "detected_at": "Stuff"}},
            {"name": "Stuff", "service": 1},
        ],
    }
    defect = scenario_of(data).stations[0].defect
    assert defect is not None
    assert (defect.detected_at, defect.from_start) == (1, True)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"stations": []}, "at least one station"),
        ({"release": {"policy": "pull"}}, "release policy 'pull' is unknown"),
        ({"release": {"policy": "kanban"}}, "needs cards"),
        ({"release": {"policy": "conwip"}}, "needs its cap"),
        ({"release": {"policy": "kanban", "cards": [1, 2, 3]}}, "a list of 2"),
        ({"arrivals": {"kind": "poisson", "units": 5}}, "need a rate"),
        ({"reps": 0}, "reps must be between 1"),
        ({"colour": "red"}, "unknown key 'colour'"),
        (
            {"stations": [{"name": "A", "service": 1}, {"name": "a", "service": 2}]},
            "same name",
        ),
        (
            {
                "stations": [
                    {"name": "A", "service": 1},
                    {"name": "B", "service": 1, "defect": {"probability": 0.1, "detected_at": "A"}},
                ]
            },
            "this station or a later one",
        ),
    ],
)
def test_bad_scenarios_are_refused_with_a_sentence(change: dict, words: str) -> None:
    with pytest.raises(BadScenario, match=words):
        scenario_of({**LINE, **change})


def test_a_scenario_file_names_itself_in_its_refusals(tmp_path: Path) -> None:
    path = tmp_path / "line.yaml"
    path.write_text("stations:\n  - {name: A, service: sometime}\n", encoding="utf-8")
    with pytest.raises(BadScenario, match=r"line\.yaml: station A: 'sometime' is not"):
        load_scenario(path)
    path.write_text("stations: [\n", encoding="utf-8")
    with pytest.raises(BadScenario, match="not valid YAML"):
        load_scenario(path)
    with pytest.raises(BadScenario, match="was not found"):
        load_scenario(tmp_path / "missing.yaml")


def test_a_sweep_varies_one_named_parameter() -> None:
    assert parse_vary("wip=1..4").values == (1, 2, 3, 4)
    assert parse_vary("Fold.mean=1..2:0.5").values == (1.0, 1.5, 2.0)
    assert parse_vary("batch=1,5,10").values == (1, 5, 10)
    scenario = scenario_of(LINE)
    assert scenario.with_value("cards", 4).release.cards == (4, 4)
    assert scenario.with_value("fold.mean", 4).stations[0].service.mean == 4
    assert scenario.with_value("stuff.servers", 3).stations[1].servers == 3
    with pytest.raises(BadScenario, match="names nothing a sweep can vary"):
        scenario.with_value("colour", 1)
    with pytest.raises(BadScenario, match=r"write NAME=LOW\.\.HIGH"):
        parse_vary("wip")
    with pytest.raises(BadScenario, match="at most 1000"):
        parse_vary("wip=1..5000")
