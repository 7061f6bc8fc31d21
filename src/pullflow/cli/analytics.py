"""``pullflow metrics`` and ``pullflow forecast``: flow figures as tables or JSON.

They read a board's own events or another tool's export (see ``sources``). Through a server,
a board's figures are the server's (the same JSON); a file is still read here. The backtest
reads a board's whole history, so it runs only where the database is.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pullflow.cli import analytics_render as show
from pullflow.cli import render
from pullflow.cli.backend import connect_to
from pullflow.cli.context import Json
from pullflow.cli.sources import Filters, Source, load, narrow, reads_history
from pullflow.flow.backtest import backtest

forecast_app = typer.Typer(
    help="Monte Carlo forecasts from the daily throughput of a window, and their backtest.",
    no_args_is_help=True,
)

Seed = Annotated[
    int | None, typer.Option(min=0, help="Seed of the random draws (same seed, same result).")
]
Trials = Annotated[int, typer.Option(help="Number of Monte Carlo trials.")]
WindowDays = Annotated[
    int,
    typer.Option(
        "--window",
        metavar="DAYS",
        help="Days of throughput to sample, ending on the day of the history's last event.",
    ),
]
Hours = Annotated[bool, typer.Option("--hours", help="Cycle times and ages in exact hours.")]


@reads_history()
def metrics(
    hours: Hours = False,
    json: Json = False,
    *,
    source: Source,
    filters: Filters,
) -> None:
    """Cycle time, throughput, WIP, aging, CFD, flow efficiency, Little's Law and learning."""
    measured = connect_to(source).metrics(source, filters, hours=hours)
    if json:
        render.print_json(measured)
    else:
        show.metrics_json(measured, source.label)


@forecast_app.command("when")
@reads_history(window=False)
def when(
    items: Annotated[int, typer.Argument(metavar="N", help="How many items are left to do.")],
    seed: Seed = None,
    trials: Trials = 10_000,
    window: WindowDays = 90,
    target: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Also give the chance of being done by this date."),
    ] = None,
    json: Json = False,
    *,
    source: Source,
    filters: Filters,
) -> None:
    """When will N more items be done? Percentile dates of a Monte Carlo simulation."""
    forecast = connect_to(source).forecast_when(
        source, filters, items=items, trials=trials, seed=seed, window=window, target=target
    )
    _print(forecast, json, show.when)


@forecast_app.command("how-many")
@reads_history(window=False)
def how_many(
    by: Annotated[str, typer.Option("--by", metavar="DATE", help="Last day of the forecast.")],
    seed: Seed = None,
    trials: Trials = 10_000,
    window: WindowDays = 90,
    json: Json = False,
    *,
    source: Source,
    filters: Filters,
) -> None:
    """How many items will be done by DATE? "p% chance of at least x" for p = 50 … 95."""
    forecast = connect_to(source).forecast_how_many(
        source, filters, by=by, trials=trials, seed=seed, window=window
    )
    _print(forecast, json, show.how_many)


@forecast_app.command("backtest")
@reads_history(window=False)
def backtest_command(
    seed: Seed = None,
    trials: Trials = 2_000,
    window: WindowDays = 90,
    horizon: Annotated[
        int, typer.Option(metavar="DAYS", help="Days each forecast looks ahead (how many).")
    ] = 30,
    step: Annotated[int, typer.Option(metavar="DAYS", help="Days between two cuts.")] = 7,
    items: Annotated[
        int | None,
        typer.Option(metavar="N", help="Backtest 'when will N be done' instead of 'how many'."),
    ] = None,
    json: Json = False,
    *,
    source: Source,
    filters: Filters,
) -> None:
    """Forecast from before many past days and count how often each percentile was met."""
    tested = backtest(
        narrow(load(source), filters),
        window_days=window,
        horizon_days=horizon,
        step_days=step,
        trials=trials,
        seed=seed,
        items=items,
    )
    _print(tested.to_json(), json, show.backtest)


def _print(data: dict[str, Any], json: bool, human: Any) -> None:
    if json:
        render.print_json(data)
    else:
        human(data)
