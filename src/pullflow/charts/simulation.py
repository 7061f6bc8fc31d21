"""Figures of the simulator: a sweep against the Factory Physics curves, and the envelope race.

A sweep over WIP draws the measured throughput and cycle time (each point with its 95%
interval) over the best case and the practical worst case of the same line; a sweep over
anything else draws the points alone. The envelope race draws, per race, the makespan and the
time the first newsletter was done, side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from pullflow.charts.common import finish
from pullflow.charts.output import save
from pullflow.sim.envelopes import Race
from pullflow.sim.factory_physics import laws_of
from pullflow.sim.scenario import Scenario

RACES = (
    ("batch", "one worker, batches"),
    ("single_piece", "one worker, one by one"),
    ("team_batch", "team, batches"),
    ("team_single_piece", "team, one by one"),
    ("defect_batch", "misfit, batches"),
    ("defect_single_piece", "misfit, one by one"),
)
CURVE_POINTS = 60


def sweep_chart(
    scenario: Scenario, vary: str, rows: list[dict[str, Any]], figure: str
) -> alt.LayerChart:
    """One figure of a sweep (``throughput_steady`` or ``cycle_time_steady``) against the value."""
    unit = scenario.time_unit
    title = (
        f"Throughput (units per {unit.removesuffix('s')})"
        if figure == "throughput_steady"
        else f"Cycle time ({unit})"
    )
    points = [
        {
            "value": row["value"],
            "mean": row[figure]["mean"],
            "low": row[figure]["ci95_low"],
            "high": row[figure]["ci95_high"],
        }
        for row in rows
        if row[figure]["mean"] is not None
    ]
    base = alt.Chart(alt.NamedData(name="points")).encode(x=alt.X("value:Q", title=vary))
    layers = [
        base.mark_errorbar().encode(y=alt.Y("low:Q", title=title), y2="high:Q"),
        base.mark_point(filled=True, size=50).encode(
            y="mean:Q", tooltip=["value:Q", "mean:Q", "low:Q", "high:Q"]
        ),
    ]
    datasets: dict[str, list[dict[str, Any]]] = {"points": points}
    with_laws = vary.strip().lower() == "wip"
    if with_laws:
        datasets["laws"] = _law_rows(scenario, [row["value"] for row in rows], figure)
        layers.append(
            alt.Chart(alt.NamedData(name="laws"))
            .mark_line(strokeDash=[4, 3])
            .encode(x="value:Q", y="y:Q", color=alt.Color("law:N", title="Factory Physics"))
        )
    return finish(
        layers,
        title=f"{scenario.name}: {title.split(' (')[0].lower()} against {vary}",
        subtitle=[
            "Points: the simulation's mean of the steady middle 80% of units, with its 95% "
            "interval.",
            "Lines: Factory Physics best case and practical worst case of this line."
            if with_laws
            else "",
        ],
        description=f"Sweep of {vary}: {title} at each value.",
        datasets=datasets,
    )


def _law_rows(scenario: Scenario, values: list[float], figure: str) -> list[dict[str, Any]]:
    laws = laws_of(scenario)
    low, high = max(1.0, min(values)), max(values)
    rows = []
    for i in range(CURVE_POINTS + 1):
        wip = low + (high - low) * i / CURVE_POINTS
        if figure == "throughput_steady":
            best, worst = laws.best_throughput(wip), laws.worst_practical_throughput(wip)
        else:
            best, worst = laws.best_cycle_time(wip), laws.worst_practical_cycle_time(wip)
        rows.append({"value": wip, "law": "best case", "y": best})
        rows.append({"value": wip, "law": "practical worst case", "y": worst})
    return rows


def save_sweep_chart(
    scenario: Scenario, vary: str, rows: list[dict[str, Any]], path: Path
) -> list[Path]:
    """The throughput figure at ``path`` and the cycle-time figure beside it (``-cycle``)."""
    cycle_path = path.with_name(f"{path.stem}-cycle{path.suffix}")
    return [
        save(sweep_chart(scenario, vary, rows, "throughput_steady"), path),
        save(sweep_chart(scenario, vary, rows, "cycle_time_steady"), cycle_path),
    ]


def envelope_chart(result: Race) -> alt.LayerChart:
    """Per race, the makespan and the first newsletter done, in seconds."""
    data = result.to_json()
    rows = [
        {"race": label, "when": name, "seconds": data[key][figure]["mean"]}
        for key, label in RACES
        for figure, name in (("makespan", "all done"), ("first_unit_time", "first done"))
    ]
    bars = (
        alt.Chart(alt.NamedData(name="races"))
        .mark_bar()
        .encode(
            y=alt.Y("race:N", sort=[label for _, label in RACES], title=None),
            x=alt.X("seconds:Q", title="Seconds"),
            yOffset="when:N",
            color=alt.Color("when:N", title=None),
            tooltip=["race:N", "when:N", alt.Tooltip("seconds:Q", format=",.0f")],
        )
    )
    return finish(
        [bars],
        title=f"The envelope race: {result.assumptions.letters} newsletters",
        subtitle=[
            "Mean of the replications. The misfit races fold again every letter folded before "
            "the misfit was found."
        ],
        description="Makespan and first newsletter done for each way of working.",
        datasets={"races": rows},
    )


def save_envelope_chart(result: Race, path: Path) -> Path:
    return save(envelope_chart(result), path)
