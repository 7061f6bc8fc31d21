"""The flow page: the board's analytics from its own history, its charts and two forecasts.

As the HTTP API and ``pullflow metrics`` do, the board's events become a flow history
(``flow.board_events.history_from_events``, measured now) and ``flow.metrics.measure`` gives
every figure over the whole history: cycle-time percentiles 50/70/85/95 by nearest rank (the
service level expectation), throughput, WIP, aging WIP with the items at risk, flow
efficiency, Little's Law as a diagnostic and the learning metrics. The tables are the flow
report's (``charts.report``). The charts (CFD, cycle-time scatterplot, aging WIP, throughput
run chart) are the charts package's figures drawn on the server as inline SVG (no script),
each with its data as a table for readers that cannot see it.

The forecasts are GET forms, so a forecast is a link that can be kept: "when will N items be
done" (``items``) and "how many by DATE" (``by``), each with ``seed`` (empty: a fresh one,
shown with a link that repeats it) and ``window`` (days of throughput to sample, 90 unless
given), 10,000 trials, computed by ``flow.forecast`` exactly as the command line does.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from pullflow.charts.common import iso, number_text, unit_text, window_text
from pullflow.charts.errors import ChartError
from pullflow.charts.figures import CHARTS
from pullflow.charts.output import figure_label, render, spec_of
from pullflow.charts.report import (
    durations_table,
    flow_table,
    learning_table,
    littles_law,
    sle_sentence,
    stage_table,
)
from pullflow.flow.board_events import history_from_events
from pullflow.flow.forecast import (
    HowManyForecast,
    WhenForecast,
    daily_throughput,
    forecast_how_many,
    forecast_when,
)
from pullflow.flow.history import History
from pullflow.flow.metrics import FlowMetrics, measure
from pullflow.flow.percentiles import LEVELS, METHOD
from pullflow.services import DomainError, Invalid
from pullflow.services.queries import board_events
from pullflow.web.actions import Here, day, whole_number
from pullflow.web.failures import status_of
from pullflow.web.render import page, path_part
from pullflow.web.session import SignedIn

router = APIRouter()

#: Trials of every forecast on the page.
TRIALS = 10_000
#: Days of throughput a forecast samples unless the form says otherwise.
WINDOW_DAYS = 90
#: The largest seed taken (the HTTP API's bound).
MAX_SEED = 2**63 - 1
#: The page's charts: (name in ``charts.figures.CHARTS``, heading).
FIGURES = (
    ("cfd", "Cumulative flow diagram"),
    ("scatter", "Cycle-time scatterplot"),
    ("aging", "Aging work in progress"),
    ("throughput", "Throughput run chart"),
)
#: A chart's data table lists every day up to this many, then one day a week.
DAILY_ROWS = 62
#: The scatterplot's table lists at most this many finished items, the latest.
ITEM_ROWS = 500
#: Charts kept drawn in memory (four a page).
KEPT_DRAWINGS = 32


# -- the history ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardHistory:
    """A board's name, its flow history as of now, and a digest of the events it came from."""

    name: str
    history: History
    digest: str


def read_history(at: Here, board: str) -> BoardHistory:
    """The board's flow history as of now, as the HTTP API reads it."""
    name, events = board_events(at.unit_of_work(), board=board)
    try:
        history = history_from_events(events, as_of=at.now().timestamp())
    except ValueError:
        raise Invalid(
            f"Board {name} has no history to measure: its log does not begin with its creation."
        ) from None
    digest = hashlib.sha256(repr((name, events)).encode()).hexdigest()
    return BoardHistory(name, history, digest)


def board_history(at: Here, board: str) -> tuple[str, History]:
    """The board's name and its flow history as of now."""
    found = read_history(at, board)
    return found.name, found.history


# -- the forecasts' questions -----------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What the forecast forms asked, as written (to refill them) and as read."""

    written: dict[str, str]
    items: int | None = None
    by: date | None = None
    seed: int | None = None
    window: int = WINDOW_DAYS

    @property
    def asked(self) -> bool:
        return self.items is not None or self.by is not None


def seed_of(text: str | None) -> int | None:
    """The seed written in the form (None when empty), else ``Invalid``."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    if not cleaned.isdigit() or int(cleaned) > MAX_SEED:
        raise Invalid(
            f"The seed {text!r} was refused: a seed is a whole number, 0 or more, such as 7; "
            "leave it empty for a fresh one."
        )
    return int(cleaned)


def question_of(query: Mapping[str, str]) -> Question:
    """Read the forecast fields of the page's address; ``Invalid`` names the first bad one."""
    written = {key: query[key] for key in ("items", "by", "seed", "window") if key in query}
    items = by = None
    if "items" in query:
        items = whole_number(query["items"], "Items left to do")
    if "by" in query:
        by = day(query["by"], "The date")
        if by is None:
            raise Invalid(
                "The forecast was refused: it needs the last day to count to; give a date as "
                "YYYY-MM-DD."
            )
    window = whole_number(query.get("window"), "The throughput window", optional=True)
    return Question(
        written=written,
        items=items,
        by=by,
        seed=seed_of(query.get("seed")),
        window=WINDOW_DAYS if window is None else window,
    )


# -- the forecasts' answers -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A forecast as the page shows it: its rows, its sentence and its link."""

    kind: str
    heading: str
    summary: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    trials: int
    seed: int
    window: str
    method: str
    link: str


def _sample_text(forecast: WhenForecast | HowManyForecast) -> str:
    sample = forecast.window
    shortened = " (the history is shorter than the window asked for)" if sample.shortened else ""
    return (
        f"{sample.days:,} days, {sample.first.isoformat()} to {sample.last.isoformat()}{shortened}:"
        f" {sample.total:,} items finished, {number_text(sample.mean)} a day"
    )


def _link(board: str, fields: Mapping[str, object], anchor: str) -> str:
    return f"/b/{path_part(board)}/flow?{urlencode(fields)}#{anchor}"


def when_answer(board: str, forecast: WhenForecast) -> Answer:
    dates, days = forecast.dates, forecast.days
    return Answer(
        kind="when",
        heading=f"When will {forecast.items:,} more items be done?",
        summary=f"85% chance that {forecast.items:,} more items are done by "
        f"{dates[85].isoformat()} ({days[85]:,} days from {forecast.start.isoformat()}).",
        head=("Chance", "Done by", "Days"),
        rows=tuple((f"{level}%", dates[level].isoformat(), f"{days[level]:,}") for level in LEVELS),
        trials=forecast.trials,
        seed=forecast.seed,
        window=_sample_text(forecast),
        method=forecast.method,
        link=_link(
            board,
            {"items": forecast.items, "seed": forecast.seed, "window": forecast.window.window_days},
            "forecast-when",
        ),
    )


def how_many_answer(board: str, forecast: HowManyForecast) -> Answer:
    at_least = forecast.at_least
    return Answer(
        kind="how-many",
        heading=f"How many items by {forecast.by.isoformat()}?",
        summary=f"85% chance of at least {at_least[85]:,} items from "
        f"{forecast.start.isoformat()} to {forecast.by.isoformat()}.",
        head=("Chance", "At least (items)"),
        rows=tuple((f"{level}%", f"{at_least[level]:,}") for level in LEVELS),
        trials=forecast.trials,
        seed=forecast.seed,
        window=_sample_text(forecast),
        method=forecast.method,
        link=_link(
            board,
            {
                "by": forecast.by.isoformat(),
                "seed": forecast.seed,
                "window": forecast.window.window_days,
            },
            "forecast-how-many",
        ),
    )


def answers(board: str, history: History, question: Question) -> list[Answer]:
    """The forecasts asked for, 10,000 trials each, as ``pullflow forecast`` computes them."""
    found = []
    if question.items is not None:
        when = forecast_when(
            history,
            question.items,
            trials=TRIALS,
            seed=question.seed,
            window_days=question.window,
        )
        found.append(when_answer(board, when))
    if question.by is not None:
        how_many = forecast_how_many(
            history, question.by, trials=TRIALS, seed=question.seed, window_days=question.window
        )
        found.append(how_many_answer(board, how_many))
    return found


# -- the charts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemCell:
    """A table cell that links to an item's page."""

    href: str
    text: str


Cell = str | ItemCell


@dataclass(frozen=True)
class DataTable:
    caption: str
    head: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True)
class ChartPanel:
    """One chart: its drawing (or the sentence why there is none), its label and data table."""

    name: str
    heading: str
    label: str
    svg: Markup | None
    refusal: str | None
    table: DataTable


@dataclass(frozen=True)
class Drawing:
    """A chart drawn as SVG with what it shows in words, or the sentence why it cannot be."""

    label: str
    svg: Markup | None
    refusal: str | None


class Drawings:
    """The latest charts drawn, by the events and the days they show.

    A page seen again (the same history on the same day) draws nothing: building and drawing
    a figure take a while.
    """

    def __init__(self, kept: int = KEPT_DRAWINGS) -> None:
        self.kept = kept
        self.drawn: OrderedDict[str, Drawing] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, draw: Callable[[], Drawing]) -> Drawing:
        with self.lock:
            if key in self.drawn:
                self.drawn.move_to_end(key)
                return self.drawn[key]
        drawing = draw()
        with self.lock:
            self.drawn[key] = drawing
            while len(self.drawn) > self.kept:
                self.drawn.popitem(last=False)
        return drawing


drawings = Drawings()

_ID = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def inline_svg(drawing: str, prefix: str) -> Markup:
    """An SVG drawing to place in the page: its ids made unique to it, and no script at all."""
    if "<script" in drawing.lower():
        raise ChartError(
            "The chart was refused: its drawing holds a script, which the page does not run; "
            "draw it again with another vl-convert-python version."
        )
    unique = _ID.sub(lambda found: f"{found.group(1)}{prefix}-{found.group(2)}", drawing)
    start = unique.find("<svg")
    return Markup(unique[start:] if start >= 0 else unique)


def item_cell(board: str, item_id: str, title: str | None = None) -> Cell:
    text = f"#{item_id}" + (f" {title}" if title else "")
    if item_id.isdigit():
        return ItemCell(f"/b/{path_part(board)}/items/{item_id}", text)
    return text


def shown_days(count: int) -> list[int]:
    """Positions of the days a table lists: all of them, or one a week ending on the last."""
    if count <= DAILY_ROWS:
        return list(range(count))
    return sorted(range(count - 1, -1, -7))


def _days_note(count: int) -> str:
    return "" if count <= DAILY_ROWS else " One day a week is listed, ending on the last day."


def cfd_table(metrics: FlowMetrics) -> DataTable:
    days = metrics.days
    return DataTable(
        caption="Items that had reached each stage or a later one by the end of each day."
        + _days_note(len(days)),
        head=("Date", *metrics.stages),
        rows=[
            (iso(int(days[i])), *(f"{int(count):,}" for count in metrics.cfd[i]))
            for i in shown_days(len(days))
        ],
    )


def scatter_table(board: str, metrics: FlowMetrics) -> DataTable:
    done = metrics.completed
    total = len(done.values)
    start = max(0, total - ITEM_ROWS)
    finish_days = done.finish_days
    rows: list[tuple[Cell, ...]] = [
        (
            item_cell(board, str(done.ids[i]), str(done.titles[i])),
            iso(int(finish_days[i])) if finish_days is not None else "",
            number_text(float(done.values[i])),
        )
        for i in range(start, total)
    ]
    note = f" The latest {ITEM_ROWS:,} of {total:,} are listed." if start else ""
    return DataTable(
        caption=f"Finished items by finish date, with their cycle time.{note}",
        head=("Item", "Finished", f"Cycle time ({metrics.unit})"),
        rows=rows,
    )


def aging_rows(board: str, metrics: FlowMetrics) -> list[tuple[Cell, ...]]:
    return [
        (
            item_cell(board, item.id, item.title),
            item.stage,
            unit_text(item.age, metrics.unit),
            "—" if math.isnan(item.pace) else f"{item.pace:.0f}%",
            "at risk" if item.at_risk else "",
        )
        for item in metrics.aging
    ]


AGING_HEAD = ("Item", "Stage", "Age", "Pace", "Risk")


def aging_table(board: str, metrics: FlowMetrics) -> DataTable:
    return DataTable(
        caption="Items in progress, oldest first: age since they started, and pace (the share "
        "of finished items that took no longer).",
        head=AGING_HEAD,
        rows=aging_rows(board, metrics),
    )


def throughput_table(metrics: FlowMetrics) -> DataTable:
    days = metrics.days
    if len(days) > DAILY_ROWS:
        return DataTable(
            caption="Items finished in each ISO week (weeks cut by the window have fewer days).",
            head=("Week of", "Finished", "Days"),
            rows=[(monday.isoformat(), f"{n:,}", f"{span}") for monday, n, span in metrics.weeks],
        )
    return DataTable(
        caption="Items finished on each day, days with none included.",
        head=("Date", "Finished"),
        rows=[(iso(int(d)), f"{int(n):,}") for d, n in zip(days, metrics.throughput, strict=True)],
    )


def chart_tables(board: str, metrics: FlowMetrics) -> dict[str, Callable[[], DataTable]]:
    return {
        "cfd": lambda: cfd_table(metrics),
        "scatter": lambda: scatter_table(board, metrics),
        "aging": lambda: aging_table(board, metrics),
        "throughput": lambda: throughput_table(metrics),
    }


def draw(name: str, heading: str, metrics: FlowMetrics) -> Drawing:
    """One of the charts package's figures, drawn by it as SVG for the page."""
    try:
        figure = CHARTS[name](metrics)
        label = figure_label(spec_of(figure)) or heading
        return Drawing(label, inline_svg(str(render(figure, "svg")), f"chart-{name}"), None)
    except ChartError as refused:
        return Drawing(heading, None, refused.message)


def chart_panels(found: BoardHistory, metrics: FlowMetrics) -> list[ChartPanel]:
    """The page's four charts, drawn as SVG; a chart that cannot be drawn says why."""
    tables = chart_tables(found.name, metrics)
    panels = []
    for name, heading in FIGURES:
        key = f"{found.digest}:{metrics.first}:{metrics.last}:{metrics.unit}:{name}"
        drawing = drawings.get(key, partial(draw, name, heading, metrics))
        panels.append(
            ChartPanel(name, heading, drawing.label, drawing.svg, drawing.refusal, tables[name]())
        )
    return panels


# -- the page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The measured figures, as the page's sections show them."""

    metrics: FlowMetrics
    window: str
    sle: str
    method: str
    efficiency: str
    at_risk: int
    p85: str | None
    aging: list[tuple[Cell, ...]]
    tables: dict[str, Markup] = field(default_factory=dict)


def figures_of(board: str, metrics: FlowMetrics) -> Figures:
    p85 = metrics.cycle_time.percentiles[85]
    efficiency = metrics.flow_efficiency
    return Figures(
        metrics=metrics,
        window=window_text(metrics.first, metrics.last, metrics.timezone),
        sle=sle_sentence(metrics),
        method=METHOD,
        efficiency="not measurable: no finished item took any time"
        if efficiency is None
        else f"{efficiency:.1%}",
        at_risk=sum(item.at_risk for item in metrics.aging),
        p85=None if p85 is None else unit_text(p85, metrics.unit),
        aging=aging_rows(board, metrics),
        tables={
            "durations": Markup(durations_table(metrics)),
            "flow": Markup(flow_table(metrics)),
            "stages": Markup(stage_table(metrics)),
            "littles_law": Markup(littles_law(metrics)),
            "learning": Markup(learning_table(metrics)) if metrics.learning else Markup(""),
        },
    )


def nothing_finished(history: History) -> str:
    """The analytics' own sentence for a history in which no item has finished."""
    try:
        daily_throughput(history, window_days=WINDOW_DAYS)
    except DomainError as refused:
        return refused.message
    return "No item has finished yet, so there is no cycle time or throughput to measure."


@dataclass(frozen=True)
class Measured:
    """What the page shows of the history: its figures and charts, or why there are none."""

    shown: Figures | None
    charts: list[ChartPanel]
    note: str | None


def measured(read: BoardHistory) -> Measured:
    """The figures and charts of the whole history; a history with nothing finished says so."""
    try:
        metrics = measure(read.history)
    except DomainError as refused:
        return Measured(None, [], refused.message)
    note = nothing_finished(read.history) if metrics.completed.rows.size == 0 else None
    return Measured(figures_of(read.name, metrics), chart_panels(read, metrics), note)


@dataclass(frozen=True)
class Forecasts:
    """The forecasts the page's address asks for, or the sentence refusing them."""

    question: Question
    answers: dict[str, Answer]
    status: int = 200
    refusal: str | None = None


def forecasts(read: BoardHistory, query: Mapping[str, str]) -> Forecasts:
    try:
        question = question_of(query)
        found = answers(read.name, read.history, question) if question.asked else []
    except DomainError as refused:
        written = {key: value for key, value in query.items() if len(value) < 100}
        return Forecasts(Question(written=written), {}, status_of(refused), refused.message)
    return Forecasts(question, {answer.kind: answer for answer in found})


@router.get("/b/{board}/flow", response_class=HTMLResponse)
def flow(request: Request, board: str, visitor: SignedIn, at: Here) -> HTMLResponse:
    visitor.principal.require(board, "read")
    read = read_history(at, board)
    shown = measured(read)
    asked = forecasts(read, dict(request.query_params))
    return page(
        request,
        visitor,
        "flow.html",
        board=read.name,
        status=asked.status,
        refusal=asked.refusal or shown.note,
        shown=shown.shown,
        charts=shown.charts,
        answers=asked.answers,
        written=asked.question.written,
        window_days=WINDOW_DAYS,
        trials=TRIALS,
        aging_head=AGING_HEAD,
    )
