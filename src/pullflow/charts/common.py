"""What every figure shares: the look, the sampling of many dots, bars and percentile rules.

The look is plain and calm: dark text on white, light grid lines, a system font, colours that
keep apart in greyscale print, and each figure titled, with its axes named and their units.
Data go into a figure's top-level ``datasets`` under readable names (``points``, ``bands``,
``percentiles`` …), so a specification can be read and checked as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, cast

import altair as alt
import numpy as np
from numpy.typing import NDArray

from pullflow.flow.history import Floats, Ints, day_of

#: Above this many dots a figure draws a seeded uniform sample of this many.
DOT_LIMIT = 5_000
#: The sample is the same on every run for the same items.
SEED = 20_251
WIDTH, HEIGHT = 640, 320
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK, MUTED, GRID = "#1f2328", "#57606a", "#d8dee4"
DOT = "#1f4e79"
#: Percentile colours, from calm to alarming, dark enough to read on paper.
LEVEL_COLOURS: Mapping[int, str] = {50: "#1b7837", 70: "#9a7b00", 85: "#d95f02", 95: "#b2182b"}

Axis = Literal["x", "y"]
#: How far left of the right edge a rule's label sits: every other label one step further.
SHIFT = "-(datum.slot % 2) * 150"


def day_texts(days: Ints | Floats) -> list[str]:
    """ISO dates (``2026-01-05``) of local day numbers, computed in one pass."""
    numbers = np.asarray(days, dtype=np.int64)
    return [str(text) for text in numbers.astype("datetime64[D]").astype(str)]


def iso(day: int | float) -> str:
    return day_of(day).isoformat()


def window_text(first: int, last: int, timezone: str) -> str:
    span = last - first + 1
    days = "day" if span == 1 else "days"
    return f"{iso(first)} to {iso(last)} ({span:,} {days}, time zone {timezone})"


def sample_rows(count: int, limit: int = DOT_LIMIT, seed: int = SEED) -> Ints | None:
    """Positions of a seeded uniform sample of ``limit`` of ``count`` things, in order; or None.

    None means there are no more than ``limit``, so all are drawn.
    """
    if count <= limit:
        return None
    picked = np.random.default_rng(seed).choice(count, size=limit, replace=False)
    return np.sort(picked).astype(np.int64)


def sample_note(shown: int, total: int, noun: str = "items") -> str:
    return f"{shown:,} of {total:,} {noun} shown, chosen at random; percentile lines use all."


def optional_numbers(values: NDArray[Any]) -> list[float | None]:
    """Floats for JSON, NaN as None (a chart's data must be valid JSON)."""
    numbers = np.asarray(values, dtype=np.float64)
    return [None if np.isnan(v) else v for v in numbers.tolist()]


def number_text(value: float | None, digits: int = 2) -> str:
    """A number as people read it: thousands separated, no trailing zeros, '—' for none."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text


def unit_text(value: float | None, unit: str) -> str:
    shown = number_text(value)
    if value is not None and float(value) == 1 and unit.endswith("s"):
        unit = unit[:-1]
    return f"{shown} {unit}"


# -- bars ----------------------------------------------------------------------------------------


def bars(values: Floats, target: int = 40) -> tuple[Floats, Floats, Ints, bool]:
    """Counts of ``values`` as bars: (starts, ends, counts, whole) with NaN ignored.

    Whole numbers (days, trial lengths, item counts) get one bar per value, centred on it;
    other values are put in ``target`` or so bins of a round width. ``whole`` tells which.
    """
    known = np.asarray(values, dtype=np.float64)
    known = known[np.isfinite(known)]
    if len(known) == 0:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.int64), True
    if np.array_equal(known, np.round(known)):
        distinct, counts = np.unique(known, return_counts=True)
        return distinct - 0.5, distinct + 0.5, counts.astype(np.int64), True
    width = round_width((float(known.max()) - float(known.min())) / target)
    slots, counts = np.unique(np.floor(known / width), return_counts=True)
    return slots * width, (slots + 1) * width, counts.astype(np.int64), False


def round_width(raw: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``raw``."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(raw))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= raw:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


# -- percentile rules ----------------------------------------------------------------------------


def percentile_rows(
    levels: Mapping[int, float | None],
    unit: str,
    texts: Mapping[int, str] | None = None,
    *,
    name: Callable[[int], str] = lambda level: f"P{level}",
) -> list[dict[str, Any]]:
    """One rule per distinct value; levels on the same value share it ("P85, P95: 7 days")."""
    by_value: dict[float, list[int]] = {}
    for level, value in sorted(levels.items()):
        if value is not None:
            by_value.setdefault(float(value), []).append(level)
    rows = []
    for slot, (value, shared) in enumerate(sorted(by_value.items())):
        names = ", ".join(name(level) for level in shared)
        shown = texts[shared[0]] if texts else unit_text(value, unit)
        rows.append(
            {
                "levels": names,
                "value": value,
                "label": f"{names}: {shown}",
                "colour": LEVEL_COLOURS.get(shared[-1], MUTED),
                "slot": slot,
            }
        )
    return rows


def percentile_layers(name: str, axis: Axis) -> list[alt.Chart]:
    """Dashed rules at the percentile values of dataset ``name``, each with its label."""
    colour = alt.Color("colour:N", scale=None)
    base = alt.Chart(alt.NamedData(name=name))
    tooltip = [
        alt.Tooltip("levels:N", title="Percentile"),
        alt.Tooltip("value:Q", title="Value", format=",.4~g"),
    ]
    marks: dict[str, Any]
    place: dict[str, Any]
    if axis == "y":
        # Labels of rules close together would overlap: every other one sits further left.
        marks = {"align": "right", "baseline": "bottom", "dy": -3, "dx": alt.expr(SHIFT)}
        place = {"y": alt.Y("value:Q"), "x": alt.value("width")}
    else:
        # Labels of rules close together would overlap: each goes one line lower.
        marks = {"align": "left", "baseline": "top", "dx": 4, "y": alt.expr("datum.slot * 14")}
        place = {"x": alt.X("value:Q")}
    rule = base.mark_rule(strokeDash=[6, 4], strokeWidth=1.5).encode(
        color=colour, tooltip=tooltip, **{axis: place[axis]}
    )
    halo = base.mark_text(
        fontSize=11, stroke="white", strokeWidth=4, strokeJoin="round", **marks
    ).encode(text="label:N", **place)
    text = base.mark_text(fontSize=11, **marks).encode(text="label:N", color=colour, **place)
    return [rule, halo, text]


# -- finishing a figure --------------------------------------------------------------------------


def finish(
    layers: Sequence[alt.Chart],
    *,
    title: str,
    subtitle: Sequence[str],
    description: str,
    datasets: Mapping[str, list[dict[str, Any]]],
    resolve_color: bool = False,
) -> alt.LayerChart:
    """Layers into one titled figure with the shared look and its named datasets."""
    chart = cast(alt.LayerChart, alt.layer(*layers)).properties(
        title=alt.TitleParams(text=title, subtitle=[line for line in subtitle if line]),
        width=WIDTH,
        height=HEIGHT,
        description=description,
        datasets=dict(datasets),
    )
    if resolve_color:
        chart = cast(alt.LayerChart, chart.resolve_scale(color="independent"))
    return look(chart)


def look(chart: alt.LayerChart) -> alt.LayerChart:
    """The shared configuration: readable on a light background and on paper."""
    configured: alt.LayerChart = (
        chart.configure(font=FONT, background="white", padding=8)
        .configure_title(
            anchor="start",
            fontSize=16,
            fontWeight=600,
            color=INK,
            subtitleColor=MUTED,
            subtitleFontSize=12,
            offset=12,
        )
        .configure_axis(
            labelColor=INK,
            titleColor=INK,
            labelFontSize=11,
            titleFontSize=12,
            titleFontWeight=600,
            gridColor=GRID,
            domainColor=MUTED,
            tickColor=MUTED,
        )
        .configure_legend(labelColor=INK, titleColor=INK, labelFontSize=11, titleFontSize=12)
        .configure_view(stroke=None)
    )
    return configured


def date_axis(field: str, title: str) -> alt.X:
    """Dates given as ISO strings, placed and labelled as calendar days wherever it is read."""
    return alt.X(
        f"{field}:T",
        timeUnit="utcyearmonthdate",
        title=title,
        axis=alt.Axis(labelAngle=0, labelOverlap=True),
    )
