"""``pullflow simulate``: run, sweep, envelopes and board, end to end in this process.

The scenario is two stations of 1 and 2 minutes under a CONWIP cap of 2, 10 units at time 0
(worked out in tests/sim/test_runs.py): makespan 21, first unit 3, cycle time 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pullflow.sim.runs import FIGURES
from pullflow.sim.sweep import ROW_FIGURES
from tests.cli.helpers import Cli, sqlite_only, work_through
from tests.cli.test_transfer import AA

PNG = b"\x89PNG\r\n\x1a\n"

LINE = """\
name: Two steps
arrivals: {kind: job, units: 10}
release: {policy: conwip, wip: 2}
stations:
  - {name: A, service: constant(1)}
  - {name: B, service: constant(2)}
reps: 3
seed: 5
"""


@pytest.fixture
def line(tmp_path: Path) -> Path:
    path = tmp_path / "line.yaml"
    path.write_text(LINE, encoding="utf-8")
    return path


@pytest.fixture
def moved(capacity: Cli) -> Cli:
    """#1 and #2 taken through Build, Measure and Learn and delivered; #3 in Build.

    Time in the doing lanes: #1 Build 25 h, Measure 31 h, Learn 26 h; #2 one hour in each.
    """
    return work_through(capacity, 3)


@sqlite_only
def test_run_json_holds_every_figure_with_its_interval(cli: Cli, line: Path) -> None:
    data = cli.json("simulate", "run", str(line))
    assert (data["reps"], data["seed"]) == (3, 5)  # the scenario's
    for name in ("makespan", "first_unit_time", "throughput", "cycle_time_mean", *FIGURES):
        assert set(data[name]) == {"mean", "ci95_low", "ci95_high"}, name
    assert data["makespan"] == {"mean": 21.0, "ci95_low": 21.0, "ci95_high": 21.0}
    assert data["cycle_time_mean"]["mean"] == 4.0
    assert data["wasted_units"]["mean"] == 0.0
    assert data["littles_law"]["holds_on_every_path"] is True
    again = cli.json("simulate", "run", str(line), "--reps", "2", "--seed", "9")
    assert (again["reps"], again["seed"]) == (2, 9)


@sqlite_only
def test_run_prints_the_figures_and_littles_law(cli: Cli, line: Path) -> None:
    shown = cli.ok("simulate", "run", str(line)).text
    assert "Two steps: 3 replications, seed 5, times in minutes (engine: recursion)." in shown
    assert "Mean (95% interval)" in shown
    assert "makespan │ 21 │" in shown
    assert "first unit done │ 3 │" in shown
    assert "Stations" in shown
    assert "Little's Law holds on every replication" in shown
    # No defect, so no time a defect was found.
    assert "first defect found" not in shown


@sqlite_only
def test_run_says_which_engine_ran_a_line_the_recursions_cannot(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "pulled.yaml"
    path.write_text(
        "arrivals: {kind: job, units: 20}\n"
        "release: {policy: kanban, cards: 2}\n"
        "stations:\n"
        "  - {name: A, service: exponential(1), servers: 2}\n"
        "  - {name: B, service: exponential(0.6)}\n",
        encoding="utf-8",
    )
    data = cli.json("simulate", "run", str(path), "--reps", "2", "--seed", "1")
    assert data["engine"] == "event-driven"
    shown = cli.ok("simulate", "run", str(path), "--reps", "2", "--seed", "1").text
    assert "(engine: event-driven)" in shown
    assert "Note: The exact recursions cannot express this line" in shown


@sqlite_only
def test_sweep_writes_its_points_as_csv_and_json(cli: Cli, line: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    args = ("simulate", "sweep", str(line), "--vary", "wip=1..3", "--workers", "1")
    shown = cli.ok(*args, "-o", str(out)).text
    assert "Sweep of wip" in shown
    assert f"Wrote {out}." in shown
    header, *rows = out.read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    assert columns[0] == "wip"
    assert len(columns) == 1 + 3 * len(ROW_FIGURES)
    assert [row.split(",")[0] for row in rows] == ["1", "2", "3"]
    # T0 = 3 and rb = 1/2: steady throughput min(w/3, 1/2) = 1/3, 1/2, 1/2.
    throughput = columns.index("throughput_steady_mean")
    assert [float(row.split(",")[throughput]) for row in rows] == pytest.approx(
        [1 / 3, 0.5, 0.5], abs=1e-5
    )
    points = tmp_path / "out.json"
    cli.ok(*args, "-o", str(points))
    assert '"value": 1' in points.read_text(encoding="utf-8")
    data = cli.json(*args)
    assert (data["vary"], data["reps"], data["seed"]) == ("wip", 3, 5)
    assert [point["value"] for point in data["points"]] == [1, 2, 3]


@sqlite_only
def test_sweep_draws_throughput_and_cycle_time(cli: Cli, line: Path, tmp_path: Path) -> None:
    chart = tmp_path / "f.png"
    cli.ok(
        "simulate",
        "sweep",
        str(line),
        "--vary",
        "wip=1..3",
        "--workers",
        "1",
        "--chart",
        str(chart),
    )
    for path in (chart, tmp_path / "f-cycle.png"):
        assert path.read_bytes().startswith(PNG), path


@sqlite_only
def test_envelopes_json_holds_every_race(cli: Cli) -> None:
    data = cli.json("simulate", "envelopes", "--letters", "10", "--reps", "2", "--cv", "0")
    assert {"batch", "single_piece", "changeover", "assumptions"} <= set(data)
    # 10 letters in batches: 10 · 11 + 3 pile moves of 5 = 125; one by one 110.
    assert data["batch"]["makespan"]["mean"] == 125.0
    assert data["single_piece"]["makespan"]["mean"] == 110.0
    assert data["single_piece"]["first_unit_time"]["mean"] == 11.0
    assert (data["assumptions"]["letters"], data["assumptions"]["reps"]) == (10, 2)


@sqlite_only
def test_envelopes_print_the_assumptions_and_draw_the_race(cli: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "race.svg"
    shown = cli.ok(
        "simulate", "envelopes", "--letters", "10", "--reps", "2", "--chart", str(chart)
    ).text
    assert "The envelope race: 10 newsletters to fold (4 s)" in shown
    assert "misfit letters" in shown
    assert "Team of 4 with a setup before every batch" in shown
    assert f"Wrote {chart}." in shown
    assert chart.read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_board_twins_a_board_with_its_own_limits(moved: Cli) -> None:
    data = moved.json(
        "simulate", "board", "--wip", "Build=1", "--units", "30", "--reps", "2", "--seed", "3"
    )
    # Two delivered items, so each stage draws from 2 times; the board's limits are 3, 2, 2.
    assert [(s["stage"], s["samples"]) for s in data["stages"]] == [
        ("Build", 2),
        ("Measure", 2),
        ("Learn", 2),
    ]
    assert [s["current_limit"] for s in data["stages"]] == [3, 2, 2]
    assert [s["proposed_limit"] for s in data["stages"]] == [1, 2, 2]
    assert (data["reps"], data["seed"], data["time_unit"]) == (2, 3, "days")
    assert any("times from only 2" in note for note in data["notes"])
    # From the first move (2 Nov 09:00) to now (6 Nov 10:00) is 97 hours; Build held
    # 25 + 1 + 39 (#3, still in it) = 65 item-hours, Measure 32, Learn 27: each under 1.5
    # on average, so each works on 1.
    assert [s["works_on"] for s in data["stages"]] == [1, 1, 1]
    # Work always waits at the commitment point, so every card is taken: at most 3 + 2 + 2
    # items in the line now, 1 + 2 + 2 with the proposed limit, and fewer than before.
    proposed, current = data["proposed"]["wip_mean"]["mean"], data["current"]["wip_mean"]["mean"]
    assert proposed <= 5
    assert current <= 7
    assert proposed < current
    shown = moved.ok("simulate", "board", "--wip", "Build=1", "--units", "30", "--reps", "2").text
    assert "The twin of" in shown
    assert "limits now" in shown


@sqlite_only
def test_board_twins_an_export(cli: Cli) -> None:
    # aa_clean.csv: Analysis took 2 days and 3 days, Build 5 days (A-1 only).
    # Build works on one item at a time, so 1 item every 5 days comes out: 0.2 a day.
    args = ("simulate", "board", "--csv", str(AA), "--units", "20", "--reps", "2")
    data = cli.json(*args, "--wip", "Analysis=1")
    assert [(s["stage"], s["samples"]) for s in data["stages"]] == [("Analysis", 2), ("Build", 1)]
    assert [s["current_limit"] for s in data["stages"]] == [None, None]
    assert [s["proposed_limit"] for s in data["stages"]] == [1, None]
    assert data["current"]["throughput_steady"]["mean"] == pytest.approx(0.2)
    assert data["proposed"]["throughput_steady"]["mean"] == pytest.approx(0.2)
    limited = cli.json(*args, "--wip", "Analysis=1", "--current", "Analysis=2")
    assert [s["current_limit"] for s in limited["stages"]] == [2, None]


@sqlite_only
def test_bad_simulations_are_refused_in_one_sentence(bml: Cli, line: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("stations: [\n", encoding="utf-8")
    colour = tmp_path / "colour.yaml"
    colour.write_text(LINE + "colour: red\n", encoding="utf-8")
    sometime = tmp_path / "sometime.yaml"
    sometime.write_text("stations:\n  - {name: A, service: sometime}\n", encoding="utf-8")
    sweep = ("simulate", "sweep", str(line), "--workers", "1")
    for args, words in [
        (("simulate", "run", str(tmp_path / "missing.yaml")), "was not found"),
        (("simulate", "run", str(broken)), "is not valid YAML"),
        (("simulate", "run", str(colour)), "unknown key 'colour'"),
        (("simulate", "run", str(sometime)), "station A: 'sometime' is not a distribution"),
        (("simulate", "run", str(line), "--reps", "0"), "--reps 0 was refused"),
        ((*sweep, "--vary", "wip"), "write NAME=LOW..HIGH"),
        ((*sweep, "--vary", "colour=1..2"), "'colour' names nothing a sweep can vary"),
        ((*sweep, "--vary", "wip=1..2", "-o", str(tmp_path / "out.txt")), "*.csv or *.json"),
        (("simulate", "envelopes", "--letters", "0"), "--letters 0 was refused"),
        (("simulate", "envelopes", "--cv", "-1"), "--cv -1.0 was refused"),
        (("simulate", "board", "--wip", "Build=x"), "write STAGE=N"),
        (("simulate", "board", "--wip", "Build=0"), "a WIP limit is at least 1"),
        (("simulate", "board"), "No limit was proposed"),
        (("simulate", "board", "--wip", "Build=1", "--units", "5"), "--units 5 was refused"),
    ]:
        refused = bml.fails(2, *args)
        assert words in refused.error, (args, refused.error)
    assert not (tmp_path / "out.txt").exists()
