"""``pullflow chart`` and ``pullflow report``: flow figures as files, and one page with them all.

A chart is written as .html (interactive, self-contained), .png or .svg, by the file's suffix.
The report is one self-contained HTML page: every chart, the metric tables, two forecasts
(when will the work in progress be done, how many in the next 30 days) and a backtest of the
forecasts, each left out with a note where the history cannot give it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from pullflow.charts.errors import ChartError
from pullflow.charts.figures import CHARTS
from pullflow.charts.forecasts import ForecastFigure
from pullflow.charts.output import save
from pullflow.charts.report import report as report_page
from pullflow.cli import render
from pullflow.cli.context import day
from pullflow.cli.sources import Filters, Source, load, narrow, reads_history
from pullflow.flow.backtest import backtest
from pullflow.flow.forecast import forecast_how_many, forecast_when
from pullflow.flow.history import History, day_of
from pullflow.flow.metrics import FlowMetrics, Window, measure
from pullflow.services import DomainError, Invalid

FORECAST_KINDS = ("forecast-when", "forecast-how-many")
KINDS = (*CHARTS, *FORECAST_KINDS)
#: The report's "how many" forecast looks this many days ahead.
REPORT_HORIZON = 30
REPORT_TRIALS = 10_000

Output = Annotated[
    Path,
    typer.Option("--output", "-o", metavar="FILE", help="File to write: .html, .png or .svg."),
]
Seed = Annotated[int | None, typer.Option(min=0, help="Seed of the forecasts' random draws.")]


@reads_history()
def chart(
    kind: Annotated[str, typer.Argument(metavar="KIND", help=f"One of {', '.join(KINDS)}.")],
    output: Output,
    items: Annotated[
        int, typer.Option(metavar="N", help="forecast-when: how many items are left.")
    ] = 10,
    by: Annotated[
        str | None, typer.Option(metavar="DATE", help="forecast-how-many: the last day.")
    ] = None,
    seed: Seed = None,
    hours: Annotated[bool, typer.Option("--hours", help="Cycle times in hours.")] = False,
    *,
    source: Source,
    filters: Filters,
) -> None:
    """Draw one chart of the flow (CFD, scatterplot, aging WIP, …) into a file."""
    chosen = kind.strip().lower()
    if chosen not in KINDS:
        raise Invalid(f"There is no chart called {kind!r}: choose one of {', '.join(KINDS)}.")
    _check_suffix(output)
    history = narrow(load(source), filters)
    if chosen == "forecast-when":
        figure = _when_figure(history, items, seed).chart()
    elif chosen == "forecast-how-many":
        until = day(by, "--by")
        if until is None:
            raise Invalid("forecast-how-many needs --by DATE: the last day of the forecast.")
        figure = _how_many_figure(history, until, seed).chart()
    else:
        figure = CHARTS[chosen](measure(history, filters.window(), hours=hours))
    _save(figure, output)
    render.say(f"Wrote {output} ({chosen}).")


@reads_history()
def report(
    output: Output,
    title: Annotated[str | None, typer.Option(help="Title of the page.")] = None,
    seed: Seed = None,
    *,
    source: Source,
    filters: Filters,
) -> None:
    """Write one self-contained HTML page with every chart, the metrics and the forecasts."""
    if output.suffix.lower() != ".html":
        raise Invalid(f"The report {output.name} was refused: a report is HTML; name it *.html.")
    write_report(
        narrow(load(source), filters),
        output,
        title=title or f"Flow of {source.label}",
        seed=seed,
        window=filters.window(),
        source=source.label,
    )
    render.say(f"Wrote {output}.")


def write_report(
    history: History,
    output: Path,
    *,
    title: str,
    seed: int | None = None,
    window: Window | None = None,
    source: str | None = None,
) -> None:
    """Measure, forecast and backtest the history, and write the report page to ``output``."""
    metrics = measure(history, window)
    forecasts, notes = _report_forecasts(history, metrics, seed)
    tested = _try(lambda: backtest(history, seed=seed).to_json(), notes, "backtest")
    page = report_page(
        metrics, title=title, forecasts=forecasts, backtest=tested, source=source, notes=notes
    )
    _write(output, page)


def _report_forecasts(
    history: History, metrics: FlowMetrics, seed: int | None
) -> tuple[list[ForecastFigure], list[str]]:
    notes: list[str] = []
    figures = []
    left = max(metrics.in_progress, 1)
    when = _try(lambda: _when_figure(history, left, seed), notes, f"forecast for {left} items")
    if when is not None:
        figures.append(when)
    until = day_of(history.last_event_day) + timedelta(days=REPORT_HORIZON)
    how_many = _try(
        lambda: _how_many_figure(history, until, seed), notes, f"forecast to {until.isoformat()}"
    )
    if how_many is not None:
        figures.append(how_many)
    return figures, notes


def _try(work: Any, notes: list[str], what: str) -> Any:
    """Run one part of the report; a part the history cannot give becomes a note."""
    try:
        return work()
    except DomainError as refused:
        notes.append(f"No {what}: {refused.message}")
        return None


def _when_figure(history: History, items: int, seed: int | None) -> ForecastFigure:
    forecast = forecast_when(history, items, seed=seed, trials=REPORT_TRIALS)
    dates = forecast.dates
    return ForecastFigure(
        outcomes=forecast.lengths,
        percentiles={str(level): n for level, n in forecast.days.items()},
        question="when",
        start=forecast.start,
        title=f"When will {items} more items be done?",
        summary=f"85% chance that {items} more items are done by {dates[85].isoformat()} "
        f"({forecast.days[85]} days from {forecast.start.isoformat()}).",
    )


def _how_many_figure(history: History, until: Any, seed: int | None) -> ForecastFigure:
    forecast = forecast_how_many(history, until, seed=seed, trials=REPORT_TRIALS)
    return ForecastFigure(
        outcomes=forecast.totals,
        percentiles={str(level): n for level, n in forecast.at_least.items()},
        question="how-many",
        start=forecast.start,
        title=f"How many items by {until.isoformat()}?",
        summary=f"85% chance of at least {forecast.at_least[85]} items from "
        f"{forecast.start.isoformat()} to {until.isoformat()}.",
    )


def _check_suffix(output: Path) -> None:
    if output.suffix.lower() not in {".html", ".png", ".svg"}:
        raise Invalid(
            f"The chart file {output.name} was refused: its suffix says no format pullflow "
            "writes; name it *.html, *.png or *.svg."
        )


def _save(figure: Any, output: Path) -> None:
    try:
        save(figure, output)
    except ChartError as refused:
        raise Invalid(str(refused)) from None
    except OSError as error:
        raise Invalid(
            f"{output} could not be written ({error.strerror or error}): choose a folder you "
            "can write to."
        ) from None


def _write(output: Path, text: str) -> None:
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise Invalid(
            f"{output} could not be written ({error.strerror or error}): choose a folder you "
            "can write to."
        ) from None
