"""``pullflow simulate``: run a line, sweep a parameter, race envelopes, and twin a board.

Scenarios are YAML files described in docs/simulator.md. Only ``simulate board`` reads a board
(or an export); every command takes --db, --board and --as, and none records anything.
"""

from __future__ import annotations

import json as json_module
import os
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from pullflow.cli import render
from pullflow.cli.context import Actor, BoardName, Db, Json, Server, now, unit_of_work
from pullflow.cli.sources import Filters, Source, load, narrow, reads_history
from pullflow.services import Invalid
from pullflow.services.queries import board_view
from pullflow.sim.distributions import BadDistribution
from pullflow.sim.envelopes import Assumptions, Race, race
from pullflow.sim.runs import FIGURES, Simulation, simulate
from pullflow.sim.scenario import BadScenario, load_scenario
from pullflow.sim.sweep import ROW_FIGURES, parse_vary, sweep
from pullflow.sim.twin import twin

app = typer.Typer(
    help="Simulate a line: push against pull, batches against single pieces, setups, defects.",
    no_args_is_help=True,
)

ScenarioFile = Annotated[Path, typer.Argument(metavar="SCENARIO", help="A scenario YAML file.")]
Reps = Annotated[int | None, typer.Option(help="Replications [default: the scenario's].")]
Seed = Annotated[int | None, typer.Option(min=0, help="Seed of every random draw.")]

LABELS = {
    "makespan": "makespan",
    "first_unit_time": "first unit done",
    "throughput": "throughput (units per time unit)",
    "throughput_steady": "throughput, steady middle 80%",
    "cycle_time_mean": "cycle time, mean",
    "cycle_time_steady": "cycle time, steady middle 80%",
    "cycle_time_p50": "cycle time, P50",
    "cycle_time_p85": "cycle time, P85",
    "cycle_time_p95": "cycle time, P95",
    "wip_mean": "WIP, time-averaged",
    "wasted_units": "units wasted",
    "first_defect_found": "first defect found at",
}


@app.command("run")
def run(
    scenario: ScenarioFile,
    reps: Reps = None,
    seed: Seed = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """Run a scenario's replications and print each figure with its 95% interval."""
    loaded = _refusing(lambda: load_scenario(scenario))
    _check_reps(reps)
    simulation: Simulation = _refusing(lambda: simulate(loaded, reps=reps, seed=seed))
    if json:
        render.print_json(simulation.to_json())
    else:
        _show_simulation(simulation)


@app.command("sweep")
def sweep_command(
    scenario: ScenarioFile,
    vary: Annotated[
        str, typer.Option(metavar="NAME=LOW..HIGH", help="What to vary: wip=1..20, batch=1,5,10.")
    ],
    reps: Reps = None,
    seed: Seed = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the points as .csv or .json."),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Draw throughput and cycle time against the value."),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processes to spread the points over [default: the cores].")
    ] = 0,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """Run the scenario at every value of one parameter, in parallel, with a progress bar."""
    loaded = _refusing(lambda: load_scenario(scenario))
    varied = _refusing(lambda: parse_vary(vary))
    _check_reps(reps)
    if output is not None and output.suffix.lower() not in {".csv", ".json"}:
        raise Invalid(f"The sweep file {output.name} was refused: name it *.csv or *.json.")
    count = reps if reps is not None else loaded.reps
    used = seed if seed is not None else (loaded.seed if loaded.seed is not None else 1)
    processes = workers if workers > 0 else (os.cpu_count() or 1)
    _refusing(lambda: [loaded.with_value(varied.name, value) for value in varied.values[:1]])
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=render.err,
        transient=True,
        disable=json,
    ) as progress:
        task = progress.add_task(f"{varied.name}", total=len(varied.values))
        rows = _refusing(
            lambda: sweep(
                loaded,
                varied,
                reps=count,
                seed=used,
                workers=processes,
                advance=lambda: progress.advance(task),
            )
        )
    result = {"scenario": loaded.name, "vary": varied.name, "reps": count, "seed": used}
    result["points"] = rows
    if output is not None:
        _write(output, _sweep_text(output, varied.name, rows))
    if chart is not None:
        from pullflow.charts.simulation import save_sweep_chart

        _refusing(lambda: save_sweep_chart(loaded, varied.name, rows, chart))
    if json:
        render.print_json(result)
    else:
        _show_sweep(varied.name, rows, output, chart)


@app.command("envelopes")
def envelopes(
    letters: Annotated[int, typer.Option(help="Newsletters to get out.")] = 100,
    fold: Annotated[float, typer.Option(help="Seconds to fold one letter.")] = 4.0,
    stuff: Annotated[float, typer.Option(help="Seconds to stuff one envelope.")] = 3.0,
    seal: Annotated[float, typer.Option(help="Seconds to seal one envelope.")] = 2.0,
    stamp: Annotated[float, typer.Option(help="Seconds to stamp one envelope.")] = 2.0,
    cv: Annotated[float, typer.Option(help="Variation of every step (lognormal CV).")] = 0.25,
    handling: Annotated[
        float, typer.Option(help="Seconds per letter to move a pile to the next step (batches).")
    ] = 0.5,
    reps: Annotated[int, typer.Option(help="Replications of every race.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Seed of every random draw.")] = 1,
    chart: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Draw the races side by side.")
    ] = None,
    db: Db = None,
    server: Server = None,
    board: BoardName = None,
    as_: Actor = None,
    json: Json = False,
) -> None:
    """The envelope race: batches against one piece at a time.

    Alone, as a team, with a misfit found late or early, and the best batch size as
    changeovers get shorter.
    """
    assumptions = Assumptions(letters, fold, stuff, seal, stamp, cv, handling, reps, seed)
    _check_assumptions(assumptions)
    result: Race = _refusing(lambda: race(assumptions))
    if chart is not None:
        from pullflow.charts.simulation import save_envelope_chart

        _refusing(lambda: save_envelope_chart(result, chart))
    if json:
        render.print_json(result.to_json())
    else:
        _show_race(result, chart)


@app.command("board")
@reads_history(window=False)
def board_twin(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="The board (or --board, or a file).")
    ] = None,
    wip: Annotated[
        list[str] | None,
        typer.Option("--wip", metavar="STAGE=N", help="A proposed WIP limit (repeatable)."),
    ] = None,
    current: Annotated[
        list[str] | None,
        typer.Option(
            metavar="STAGE=N", help="A current limit, for a file (a board knows its own)."
        ),
    ] = None,
    units: Annotated[int, typer.Option(help="Items to run through each replication.")] = 500,
    reps: Annotated[int, typer.Option(help="Replications of each set of limits.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Seed of every random draw.")] = 1,
    json: Json = False,
    *,
    source: Source,
    filters: Filters,
) -> None:
    """The twin of a board: its own stage times under its limits and under proposed ones."""
    if not wip:
        raise Invalid(
            "No limit was proposed: give one or more --wip STAGE=N, such as --wip Build=2."
        )
    _check_reps(reps)
    if not 10 <= units <= 20_000:
        raise Invalid(
            f"--units {units} was refused: run between 10 and 20,000 items (the twin runs on "
            "the event-driven engine, which takes its time)."
        )
    chosen = replace(source, board=name) if name is not None else source
    history = narrow(load(chosen), filters)
    limits_now = _limits(current or [], "--current")
    if chosen.csv is None and chosen.input is None:
        limits_now = {**board_limits(chosen), **limits_now}
    proposed = _limits(wip, "--wip")
    result = _refusing(
        lambda: twin(
            history, current=limits_now, proposed=proposed, units=units, reps=reps, seed=seed
        )
    )
    data = result.to_json()
    if json:
        render.print_json(data)
    else:
        _show_twin(data, chosen.label)


def board_limits(source: Source) -> dict[str, int | None]:
    """The WIP limits a board has now, by stage."""
    view = board_view(unit_of_work(source.db), board=source.board, at=now())
    return {stage.name: stage.limit for stage in view.stages}


def _limits(pairs: list[str], flag: str) -> dict[str, int | None]:
    limits: dict[str, int | None] = {}
    for pair in pairs:
        stage, sep, value = pair.partition("=")
        text = value.strip().lower()
        if not sep or not stage.strip() or not (text.isdigit() or text == "none"):
            raise Invalid(
                f"{flag} {pair!r} was refused: write STAGE=N with N a whole number (or none), "
                "such as Build=3."
            )
        if text != "none" and int(text) < 1:
            raise Invalid(f"{flag} {pair!r} was refused: a WIP limit is at least 1.")
        limits[stage.strip()] = None if text == "none" else int(text)
    return limits


def _show_twin(data: dict[str, Any], label: str) -> None:
    render.say(
        f"The twin of {label}: each stage's own times, {data['reps']} replications, seed "
        f"{data['seed']}; times in days."
    )
    stages = Table(title="Stages", title_justify="left")
    for column in ("stage", "times drawn from", "works on", "limit now", "proposed"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for row in data["stages"]:
        stages.add_row(
            row["stage"],
            _items(row["samples"]),
            _items(row["works_on"]),
            "none" if row["current_limit"] is None else str(row["current_limit"]),
            "none" if row["proposed_limit"] is None else str(row["proposed_limit"]),
        )
    render.out.print(stages)
    table = Table(title="Mean (95% interval)", title_justify="left")
    for column in ("", "limits now", "proposed"):
        table.add_column(column, justify="left" if not column else "right")
    for key, label_text in (
        ("throughput_steady", "throughput (items a day)"),
        ("cycle_time_steady", "cycle time (days)"),
        ("wip_mean", "WIP"),
    ):
        table.add_row(label_text, _interval(data["current"][key]), _interval(data["proposed"][key]))
    render.out.print(table)
    for note in data["notes"]:
        render.say(f"Note: {note}")


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


def _check_reps(reps: int | None) -> None:
    if reps is not None and not 1 <= reps <= 100_000:
        raise Invalid(f"--reps {reps} was refused: run between 1 and 100,000 replications.")


def _check_assumptions(assumptions: Assumptions) -> None:
    if not 1 <= assumptions.letters <= 100_000:
        raise Invalid(f"--letters {assumptions.letters} was refused: give 1 to 100,000 letters.")
    times = (*assumptions.step_times(), assumptions.handling)
    if any(value < 0 for value in times) or min(assumptions.step_times()) <= 0:
        raise Invalid("A step time was refused: every step takes more than 0 seconds.")
    if not 0 <= assumptions.cv <= 5:
        raise Invalid(f"--cv {assumptions.cv} was refused: give a CV between 0 and 5.")
    _check_reps(assumptions.reps)


def _refusing(work: Any) -> Any:
    """Run ``work``; a scenario the simulator cannot run becomes the user's sentence."""
    try:
        return work()
    except (BadScenario, BadDistribution) as refused:
        raise Invalid(_sentence(str(refused))) from None
    except ValueError as refused:
        raise Invalid(_sentence(str(refused))) from None


def _sentence(text: str) -> str:
    """The refusal as a sentence: capitalised, unless it begins with the file it is about."""
    text = text.strip()
    if not text:
        return "The simulation was refused."
    first = text.split(" ", 1)[0]
    if first.endswith(":") and ("." in first or "/" in first):
        return text
    return text[:1].upper() + text[1:]


def _interval(estimate: dict[str, float | None]) -> str:
    mean, low, high = estimate["mean"], estimate["ci95_low"], estimate["ci95_high"]
    if mean is None:
        return "–"
    if low is None or high is None or low == high:
        return f"{mean:,.3g}"
    return f"{mean:,.4g} ({low:,.4g} – {high:,.4g})"


def _show_simulation(simulation: Simulation) -> None:
    data = simulation.to_json()
    render.say(
        f"{data['scenario']}: {data['reps']} replications, seed {data['seed']}, times in "
        f"{data['time_unit']} (engine: {data['engine']})."
    )
    table = Table(title="Mean (95% interval)", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for figure in FIGURES:
        if data[figure]["mean"] is not None:
            table.add_row(LABELS[figure], _interval(data[figure]))
    render.out.print(table)
    stations = Table(title="Stations", title_justify="left")
    for column in ("station", "utilisation", "blocked", "starved"):
        stations.add_column(column, justify="left" if column == "station" else "right")
    for station in data["stations"]:
        stations.add_row(
            station["name"],
            _interval(station["utilisation"]),
            _interval(station["blocked"]),
            _interval(station["starved"]),
        )
    render.out.print(stations)
    holds = data["littles_law"]["holds_on_every_path"]
    render.say(
        "Little's Law holds on every replication (time-averaged WIP = throughput × mean cycle "
        "time)."
        if holds
        else "Little's Law does not hold on some replication: report it."
    )
    for note in data["notes"]:
        render.say(f"Note: {note}")


def _show_sweep(
    name: str, rows: list[dict[str, Any]], output: Path | None, chart: Path | None
) -> None:
    table = Table(title=f"Sweep of {name}", title_justify="left")
    table.add_column(name, justify="right")
    for figure in ROW_FIGURES[:3]:
        table.add_column(LABELS[figure], justify="right")
    for row in rows:
        table.add_row(f"{row['value']:g}", *(_interval(row[f]) for f in ROW_FIGURES[:3]))
    render.out.print(table)
    for path in (output, chart):
        if path is not None:
            render.say(f"Wrote {path}.")


def _sweep_text(path: Path, name: str, rows: list[dict[str, Any]]) -> str:
    if path.suffix.lower() == ".json":
        return json_module.dumps(rows, indent=2)
    header = [name]
    for figure in ROW_FIGURES:
        header += [f"{figure}_mean", f"{figure}_ci95_low", f"{figure}_ci95_high"]
    lines = [",".join(header)]
    for row in rows:
        cells = [f"{row['value']:g}"]
        for figure in ROW_FIGURES:
            cells += [
                "" if row[figure][k] is None else f"{row[figure][k]:.6g}"
                for k in ("mean", "ci95_low", "ci95_high")
            ]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def _write(output: Path, text: str) -> None:
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise Invalid(
            f"{output} could not be written ({error.strerror or error}): choose a folder you "
            "can write to."
        ) from None


def _show_race(result: Race, chart: Path | None) -> None:
    data = result.to_json()
    assumptions = data["assumptions"]
    render.say(
        f"The envelope race: {assumptions['letters']} newsletters to fold ({assumptions['fold']:g} "
        f"s), stuff ({assumptions['stuff']:g} s), seal ({assumptions['seal']:g} s) and stamp "
        f"({assumptions['stamp']:g} s); step times vary with CV {assumptions['cv']:g}; moving a "
        f"pile costs {assumptions['handling']:g} s a letter; {assumptions['reps']} replications, "
        f"seed {assumptions['seed']}."
    )
    table = Table(title="Seconds (mean of the replications)", title_justify="left")
    table.add_column("race")
    for column in ("makespan", "first done", "cycle time", "WIP", "wasted"):
        table.add_column(column, justify="right")
    for name, label in (
        ("batch", "one worker, batches"),
        ("single_piece", "one worker, one by one"),
        ("team_batch", "team of 4, batches"),
        ("team_single_piece", "team of 4, one by one"),
        ("defect_batch", "misfit letters, batches"),
        ("defect_single_piece", "misfit letters, one by one"),
    ):
        run = data[name]
        table.add_row(
            label,
            *(
                f"{run[key]['mean']:,.0f}" if run[key]["mean"] is not None else "–"
                for key in (
                    "makespan",
                    "first_unit_time",
                    "cycle_time_mean",
                    "wip_mean",
                    "wasted_units",
                )
            ),
        )
    render.out.print(table)
    sweep_table = Table(title="Team of 4 with a setup before every batch", title_justify="left")
    for column in ("setup (s)", "best batch", "makespan (s)"):
        sweep_table.add_column(column, justify="right")
    for row in data["changeover"]:
        sweep_table.add_row(
            f"{row['setup_seconds']:,.0f}", str(row["best_batch"]), f"{row['best_makespan']:,.0f}"
        )
    render.out.print(sweep_table)
    if chart is not None:
        render.say(f"Wrote {chart}.")
