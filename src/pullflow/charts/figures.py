"""The flow figures of one window: CFD, cycle-time scatter and histogram, aging WIP, run charts.

Each function takes the ``FlowMetrics`` of ``pullflow.flow.metrics.measure`` and returns a
Vega-Lite figure (an altair layer chart). Figures with a dot per item draw at most 5,000 dots,
a seeded uniform sample, and say so in their subtitle; the percentile lines always use every
item. ``CHARTS`` names them for the command line and the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import altair as alt
import numpy as np

from pullflow.charts.common import (
    DOT,
    DOT_LIMIT,
    INK,
    LEVEL_COLOURS,
    SEED,
    bars,
    date_axis,
    day_texts,
    finish,
    iso,
    number_text,
    optional_numbers,
    percentile_layers,
    percentile_rows,
    sample_note,
    sample_rows,
    unit_text,
    window_text,
)
from pullflow.charts.errors import ChartError
from pullflow.flow.history import Floats, Ints
from pullflow.flow.metrics import FlowMetrics

#: Throughput is drawn per ISO week when the window is longer than this many days.
WEEKLY_AFTER = 180
#: Stage colours, light to dark (the viridis ramp): stages keep apart in greyscale too.
RAMP = (
    "#fde725",
    "#b5de2b",
    "#6ece58",
    "#35b779",
    "#1f9e89",
    "#26828e",
    "#31688e",
    "#3e4989",
    "#482878",
    "#440154",
)
RISKS = ("within P85", "older than P85")
BAND_COLOURS = {
    "below P50": "#a6dba0",
    "P50 to P70": "#fee391",
    "P70 to P85": "#fdb863",
    "P85 to P95": "#f4a582",
    "above P95": "#d6604d",
}


Figure = alt.LayerChart


# -- cumulative flow -----------------------------------------------------------------------------


def cfd(metrics: FlowMetrics) -> Figure:
    """Cumulative flow: one band per stage, stacked in workflow order, the last stage at the bottom.

    ``metrics.cfd`` counts, per day and stage, the items that reached the stage or a later
    one; the band of a stage is its count less the next stage's, the last stage its own count.
    """
    counts = np.asarray(metrics.cfd, dtype=np.int64)
    stages = metrics.stages
    bands = stage_bands(counts)
    span, width = counts.shape
    dates = day_texts(metrics.days)
    rows = [
        {"date": day, "stage": stages[s], "position": s, "items": n, "reached": r}
        for s in range(width)
        for day, n, r in zip(dates, bands[:, s].tolist(), counts[:, s].tolist(), strict=True)
    ]
    colours = stage_colours(width)
    area = (
        alt.Chart(alt.NamedData(name="bands"))
        .mark_area(opacity=0.92, line={"color": "white", "strokeWidth": 0.6})
        .encode(
            x=date_axis("date", "Date"),
            y=alt.Y("items:Q", stack="zero", title="Items (count)"),
            color=alt.Color(
                "stage:N",
                scale=alt.Scale(domain=list(stages), range=colours),
                legend=alt.Legend(title="Stage (workflow order)"),
            ),
            # The stack starts from its first value: the last stage lies at the bottom.
            order=alt.Order("position:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("date:N", title="Date"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("items:Q", title="Items in this stage", format=","),
                alt.Tooltip("reached:Q", title="Reached this stage or later", format=","),
            ],
        )
    )
    total = int(counts[-1, 0]) if span else 0
    return finish(
        [area],
        title="Cumulative flow",
        subtitle=[
            window_text(metrics.first, metrics.last, metrics.timezone),
            f"Items that reached each stage or a later one by each day's end; {total:,} in all.",
        ],
        description=(
            f"Cumulative flow diagram: stacked areas of the items in each of the stages "
            f"{', '.join(stages)} per day."
        ),
        datasets={"bands": rows},
    )


def stage_bands(counts: Ints) -> Ints:
    """(days × stages) items in each stage: its reached count less the next stage's."""
    bands = counts.copy()
    bands[:, :-1] -= counts[:, 1:]
    return bands


def stage_colours(count: int) -> list[str]:
    picks = np.round(np.linspace(0, len(RAMP) - 1, count)).astype(int)
    return [RAMP[i] for i in picks]


# -- cycle time ----------------------------------------------------------------------------------


def cycle_time_scatter(metrics: FlowMetrics, *, limit: int = DOT_LIMIT, seed: int = SEED) -> Figure:
    """One dot per finished item: finish date against cycle time, with the percentile rules."""
    done = metrics.completed
    if done.finish_days is None:
        raise ChartError(
            "The cycle-time scatter was refused: these metrics carry no finish days; measure "
            "the history again with pullflow.flow.metrics.measure."
        )
    total = len(done.values)
    picked = sample_rows(total, limit, seed)
    rows_at = np.arange(total) if picked is None else picked
    unit = metrics.unit
    rows = [
        {"id": i, "title": t, "finished": d, "cycle_time": v}
        for i, t, d, v in zip(
            done.ids[rows_at].tolist(),
            done.titles[rows_at].tolist(),
            day_texts(done.finish_days[rows_at]),
            optional_numbers(done.values[rows_at]),
            strict=True,
        )
    ]
    hover = alt.selection_point(name="hovered", on="pointerover", clear="pointerout", empty=False)
    dots = (
        alt.Chart(alt.NamedData(name="points"))
        .mark_circle(color=DOT, opacity=0.7, stroke="white", strokeWidth=0.5)
        .encode(
            x=date_axis("finished", "Finish date"),
            y=alt.Y("cycle_time:Q", title=f"Cycle time ({unit})", scale=alt.Scale(zero=True)),
            size=alt.condition(hover, alt.value(140), alt.value(36)),
            tooltip=[
                alt.Tooltip("id:N", title="Item"),
                alt.Tooltip("title:N", title="Title"),
                alt.Tooltip("finished:N", title="Finish date"),
                alt.Tooltip("cycle_time:Q", title=f"Cycle time ({unit})", format=",.2~f"),
            ],
        )
        .add_params(hover)
    )
    return finish(
        [dots, *percentile_layers("percentiles", "y")],
        title="Cycle time of finished items",
        subtitle=[
            window_text(metrics.first, metrics.last, metrics.timezone),
            f"{total:,} items finished; cycle time = finish date − start date + 1"
            + (" (exact hours)." if unit == "hours" else " (calendar days)."),
            sample_note(len(rows), total) if picked is not None else "",
        ],
        description=(
            f"Scatter plot of {total} finished items: finish date against cycle time in {unit}, "
            "with the 50th, 70th, 85th and 95th percentiles as lines."
        ),
        datasets={
            "points": rows,
            "percentiles": percentile_rows(metrics.cycle_time.percentiles, unit),
        },
    )


def cycle_time_histogram(metrics: FlowMetrics) -> Figure:
    """How many items took each cycle time, with the percentile rules."""
    unit = metrics.unit
    values = metrics.completed.values
    rows = bar_rows(values, unit)
    columns = bar_layer(
        "bars", f"Cycle time ({unit})", "Items (count)", "Items", "Items this long or shorter"
    )
    return finish(
        [columns, *percentile_layers("percentiles", "x")],
        title="Cycle-time distribution",
        subtitle=[
            window_text(metrics.first, metrics.last, metrics.timezone),
            f"{len(values):,} items finished; percentiles by nearest rank.",
        ],
        description=(
            f"Histogram of the cycle times in {unit} of {len(values)} finished items, with the "
            "50th, 70th, 85th and 95th percentiles as lines."
        ),
        datasets={
            "bars": rows,
            "percentiles": percentile_rows(metrics.cycle_time.percentiles, unit),
        },
    )


def bar_rows(values: Floats, unit: str, *, from_top: bool = False) -> list[dict[str, Any]]:
    """Bars of ``values`` with their share and running share (from the top when asked)."""
    starts, ends, counts, whole = bars(values)
    total = max(int(counts.sum()), 1)
    running = np.cumsum(counts[::-1])[::-1] if from_top else np.cumsum(counts)
    middles = (starts + ends) / 2
    return [
        {
            "start": s,
            "end": e,
            "value": unit_text(m, unit)
            if whole
            else f"{number_text(s)} to {number_text(e)} {unit}",
            "count": n,
            "share": n / total,
            "running": r / total,
        }
        for s, e, m, n, r in zip(
            starts.tolist(),
            ends.tolist(),
            middles.tolist(),
            counts.tolist(),
            running.tolist(),
            strict=True,
        )
    ]


def bar_layer(
    name: str, x_title: str, y_title: str, noun: str, running: str, *, zero: bool = True
) -> alt.Chart:
    """Bars from ``start`` to ``end`` as high as ``count``, with their shares in the tooltip."""
    layer: alt.Chart = (
        alt.Chart(alt.NamedData(name=name))
        .mark_rect(color=DOT, opacity=0.85, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("start:Q", title=x_title, scale=alt.Scale(zero=zero)),
            x2="end:Q",
            y=alt.Y("count:Q", title=y_title),
            y2=alt.datum(0),
            tooltip=[
                alt.Tooltip("value:N", title="Value"),
                alt.Tooltip("count:Q", title=noun, format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("running:Q", title=running, format=".1%"),
            ],
        )
    )
    return layer


# -- aging work in progress ----------------------------------------------------------------------


def aging_wip(metrics: FlowMetrics, *, limit: int = DOT_LIMIT, seed: int = SEED) -> Figure:
    """Each item in progress by its stage and age, over bands at the cycle-time percentiles."""
    unit = metrics.unit
    items = metrics.aging
    total = len(items)
    picked = sample_rows(total, limit, seed)
    chosen = items if picked is None else [items[i] for i in picked.tolist()]
    jitter = np.random.default_rng(seed).uniform(0.15, 0.85, len(chosen))
    rows = [
        {
            "id": item.id,
            "title": item.title,
            "stage": item.stage,
            "age": item.age,
            "pace": None if np.isnan(item.pace) else item.pace,
            "risk": RISKS[item.at_risk],
            "offset": offset,
        }
        for item, offset in zip(chosen, jitter.tolist(), strict=True)
    ]
    columns = aging_columns(metrics, {item.stage for item in chosen})
    levels = metrics.cycle_time.percentiles
    ages = [item.age for item in chosen]
    top = band_top(levels, max(ages, default=0.0))
    band_rows = percentile_bands(levels, top)
    dots = (
        alt.Chart(alt.NamedData(name="points"))
        .mark_point(filled=True, size=52, opacity=0.9, color=DOT, stroke="white", strokeWidth=0.6)
        .encode(
            x=alt.X(
                "stage:N",
                title="Stage (workflow order)",
                scale=alt.Scale(domain=columns),
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset("offset:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y(
                "age:Q",
                title=f"Work item age ({unit})",
                scale=alt.Scale(domain=[0, top], nice=False),
            ),
            shape=alt.Shape(
                "risk:N",
                scale=alt.Scale(domain=list(RISKS), range=["circle", "diamond"]),
                legend=alt.Legend(title="Item"),
            ),
            tooltip=[
                alt.Tooltip("id:N", title="Item"),
                alt.Tooltip("title:N", title="Title"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("age:Q", title=f"Age ({unit})", format=",.2~f"),
                alt.Tooltip("pace:Q", title="Pace (% of finished items no older)", format=".0f"),
            ],
        )
    )
    layers: list[alt.Chart] = []
    if band_rows:
        layers.append(
            alt.Chart(alt.NamedData(name="bands"))
            .mark_rect(opacity=0.45)
            .encode(
                y=alt.Y("lower:Q"),
                y2="upper:Q",
                color=alt.Color(
                    "band:N",
                    scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values())),
                    legend=alt.Legend(title="Cycle-time percentiles"),
                ),
            )
        )
    at_risk = sum(item.at_risk for item in items)
    return finish(
        [*layers, dots, *percentile_layers("percentiles", "y")],
        title="Aging work in progress",
        subtitle=[
            f"At the end of {iso(metrics.last)} ({metrics.timezone}): {total:,} items in "
            f"progress, {at_risk:,} older than the cycle-time P85.",
            "Bands are the cycle-time percentiles of the items finished in the window."
            if band_rows
            else "No item finished in the window yet, so there are no percentile bands.",
            sample_note(len(rows), total) if picked is not None else "",
        ],
        description=(
            f"Aging work in progress: {total} items in progress by stage and age in {unit}, "
            "over coloured bands at the 50th, 70th, 85th and 95th cycle-time percentiles."
        ),
        datasets={
            "points": rows,
            "bands": band_rows,
            "percentiles": percentile_rows(levels, unit),
        },
        resolve_color=True,
    )


def aging_columns(metrics: FlowMetrics, present: set[str]) -> list[str]:
    """The working stages in workflow order, and any other stage an item is in."""
    stages = metrics.stages
    first, last = stages.index(metrics.commitment), stages.index(metrics.delivery)
    return [s for i, s in enumerate(stages) if first <= i < last or s in present]


def band_top(levels: Mapping[int, float | None], oldest: float) -> float:
    """The top of the age axis: above the oldest item and the P95, with a little room."""
    known = [v for v in levels.values() if v is not None]
    highest = max([oldest, *known], default=0.0)
    return float(max(highest * 1.1, highest + 1.0))


def percentile_bands(levels: Mapping[int, float | None], top: float) -> list[dict[str, Any]]:
    """Bands from 0 up: below P50, P50–P70, P70–P85, P85–P95, above P95 (none without data)."""
    values = [levels.get(level) for level in LEVEL_COLOURS]
    if any(v is None for v in values):
        return []
    edges = [0.0, *(float(v) for v in values if v is not None), top]
    return [
        {"band": band, "lower": low, "upper": high}
        for band, low, high in zip(BAND_COLOURS, edges[:-1], edges[1:], strict=True)
        if high > low
    ]


# -- run charts ----------------------------------------------------------------------------------


def throughput_run(metrics: FlowMetrics) -> Figure:
    """Items finished per day, days with none included; per ISO week for long windows."""
    span = len(metrics.days)
    total = int(metrics.throughput.sum())
    weekly = span > WEEKLY_AFTER
    if weekly:
        weeks = metrics.weeks
        rows = [
            {"date": monday.isoformat(), "items": count, "days": days}
            for monday, count, days in weeks
        ]
        # Per seven days of the window, so partial weeks at its edges do not pull it down.
        mean, per, axis_title = 7 * total / span, "week", "Week (starting Monday)"
        note = (
            f"Per ISO week because the window spans {span:,} days (more than {WEEKLY_AFTER}); "
            "the first and last weeks may be partial."
        )
    else:
        rows = [
            {"date": day, "items": count, "days": 1}
            for day, count in zip(day_texts(metrics.days), metrics.throughput.tolist(), strict=True)
        ]
        mean, per, axis_title = total / span, "day", "Date"
        note = "Days on which nothing finished count as 0."
    tooltip = [
        alt.Tooltip("date:N", title="Week of" if weekly else "Date"),
        alt.Tooltip("items:Q", title="Items finished", format=","),
    ]
    if weekly:
        tooltip.append(alt.Tooltip("days:Q", title="Days of the week in the window"))
    return run_chart(
        rows,
        title="Throughput",
        subtitle=[
            window_text(metrics.first, metrics.last, metrics.timezone),
            f"{total:,} items finished, {number_text(mean)} per {per} on average.",
            note,
        ],
        x_title=axis_title,
        y_title=f"Items finished per {per} (count)",
        mean=mean,
        mean_label=f"Mean: {number_text(mean)} per {per}",
        tooltip=tooltip,
        description=f"Run chart of the items finished per {per} over {span} days.",
        steps=False,
    )


def wip_run(metrics: FlowMetrics) -> Figure:
    """Work in progress at the end of each day."""
    wip = metrics.wip
    mean = float(wip.mean()) if len(wip) else 0.0
    rows = [
        {"date": day, "items": count}
        for day, count in zip(day_texts(metrics.days), wip.tolist(), strict=True)
    ]
    return run_chart(
        rows,
        title="Work in progress",
        subtitle=[
            window_text(metrics.first, metrics.last, metrics.timezone),
            f"Items started and not yet finished at each day's end (from {metrics.commitment} "
            f"up to {metrics.delivery}); now {int(wip[-1]) if len(wip) else 0:,}, "
            f"mean {number_text(mean)}.",
        ],
        x_title="Date",
        y_title="Items in progress (count)",
        mean=mean,
        mean_label=f"Mean: {number_text(mean)}",
        tooltip=[
            alt.Tooltip("date:N", title="Date"),
            alt.Tooltip("items:Q", title="Items in progress", format=","),
        ],
        description=f"Run chart of the work in progress at each day's end over {len(wip)} days.",
        steps=True,
    )


def run_chart(
    rows: list[dict[str, Any]],
    *,
    title: str,
    subtitle: list[str],
    x_title: str,
    y_title: str,
    mean: float,
    mean_label: str,
    tooltip: list[alt.Tooltip],
    description: str,
    steps: bool,
) -> Figure:
    """A value over time: a line with a dot per point (when few) and a labelled mean rule."""
    base = alt.Chart(alt.NamedData(name="points")).encode(
        x=date_axis("date", x_title),
        y=alt.Y("items:Q", title=y_title, scale=alt.Scale(zero=True)),
        tooltip=tooltip,
    )
    line = base.mark_line(
        color=DOT,
        strokeWidth=1.5,
        strokeJoin="round",
        interpolate="step-after" if steps else "linear",
    )
    dots = base.mark_circle(color=DOT, size=28 if len(rows) <= 120 else 8, opacity=0.9)
    rule_base = alt.Chart(alt.NamedData(name="mean"))
    rule = rule_base.mark_rule(color=INK, strokeDash=[6, 4]).encode(y="value:Q")
    marks: dict[str, Any] = {"align": "right", "baseline": "bottom", "dy": -3, "fontSize": 11}
    place = {"y": alt.Y("value:Q"), "x": alt.value("width"), "text": alt.Text("label:N")}
    halo = rule_base.mark_text(stroke="white", strokeWidth=4, strokeJoin="round", **marks)
    label = rule_base.mark_text(color=INK, **marks)
    return finish(
        [line, dots, rule, halo.encode(**place), label.encode(**place)],
        title=title,
        subtitle=subtitle,
        description=description,
        datasets={"points": rows, "mean": [{"value": mean, "label": mean_label}]},
    )


CHARTS: Mapping[str, Callable[[FlowMetrics], Figure]] = {
    "cfd": cfd,
    "scatter": cycle_time_scatter,
    "aging": aging_wip,
    "throughput": throughput_run,
    "histogram": cycle_time_histogram,
    "wip": wip_run,
}
