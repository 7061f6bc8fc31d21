"""Flow figures for the terminal: the metrics as a few small tables, forecasts as sentences."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from pullflow.cli.render import out, say
from pullflow.flow.metrics import FlowMetrics

#: How many aging items the table lists (the JSON lists them all).
AGING_SHOWN = 10


def metrics(measured: FlowMetrics, label: str) -> None:
    metrics_json(measured.to_json(), label)


def metrics_json(data: dict[str, Any], label: str) -> None:
    """The figures as ``metrics --json`` gives them (measured here or by a server)."""
    window, items, cycle = data["window"], data["items"], data["cycle_time"]
    say(
        f"Flow of {label}, {window['first']} to {window['last']} ({window['days']} days, "
        f"{window['timezone']}); started at {data['workflow']['commitment']}, finished at "
        f"{data['workflow']['delivery']}."
    )
    summary = Table(title="Items", title_justify="left", show_header=False, box=None)
    summary.add_column("what")
    summary.add_column("count", justify="right")
    for name, key in (
        ("completed", "completed"),
        ("in progress", "in_progress"),
        ("discarded", "discarded"),
        ("not started", "not_started"),
    ):
        summary.add_row(name, str(items[key]))
    out.print(summary)
    out.print(_cycle_table(cycle, data["lead_time"]))
    out.print(_flow_table(data))
    if data["sle"]["statement"]:
        say(f"Service level expectation: {data['sle']['statement']}")
    say(f"Percentiles: {cycle['method']}.")
    _stage_times(data["time_in_stage"])
    _aging(data["aging"])
    _littles_law(data["littles_law"])
    if data["learning"]:
        _learning(data["learning"])
    for note in data["notes"]:
        say(f"Note: {note}")


def _cycle_table(cycle: dict[str, Any], lead: dict[str, Any]) -> Table:
    table = Table(title=f"Cycle and lead time ({cycle['unit']})", title_justify="left")
    for column in ("", "count", "mean", "P50", "P70", "P85", "P95", "max"):
        table.add_column(column, justify="right" if column else "left")
    for name, row in (("cycle time", cycle), ("lead time", lead)):
        table.add_row(
            name,
            *(_shown(row[key]) for key in ("count", "mean", "p50", "p70", "p85", "p95", "max")),
        )
    return table


def _flow_table(data: dict[str, Any]) -> Table:
    throughput, wip, net = data["throughput"], data["wip"], data["net_flow"]
    table = Table(title="Flow", title_justify="left", show_header=False, box=None)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("throughput", f"{throughput['total']} ({throughput['per_day_mean']:.2f} a day)")
    table.add_row("days with none finished", str(throughput["days_with_none"]))
    table.add_row("WIP now / mean", f"{wip['current']} / {wip['mean']:.2f}")
    table.add_row("net flow", f"{net['net']:+d} ({net['arrivals']} in, {net['departures']} out)")
    efficiency = data["flow_efficiency"]
    table.add_row("flow efficiency", "–" if efficiency is None else f"{efficiency:.0%}")
    blocked = data["blocked"]
    table.add_row("blocked", f"{blocked['days']:g} days over {blocked['items']} items")
    return table


def _stage_times(times: list[dict[str, Any]]) -> None:
    if not times:
        return
    table = Table(title="Days in each stage", title_justify="left")
    for column in ("stage", "items", "mean", "P50", "P85", "max"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for row in times:
        days = row["days"]
        table.add_row(
            row["stage"],
            str(row["items"]),
            *(_shown(days[key]) for key in ("mean", "p50", "p85", "max")),
        )
    out.print(table)


def _aging(aging: dict[str, Any]) -> None:
    items = aging["items"]
    if not items:
        say(f"No work in progress on {aging['as_of']}.")
        return
    table = Table(
        title=f"Aging work in progress on {aging['as_of']} ({aging['at_risk']} at risk)",
        title_justify="left",
    )
    for column in ("item", "stage", "age", "pace", ""):
        table.add_column(column, justify="right" if column in {"age", "pace"} else "left")
    for item in items[:AGING_SHOWN]:
        table.add_row(
            f"{item['id']} {item['title']}"[:60],
            item["stage"],
            _shown(item["age"]),
            _pace(item["pace"]),
            "at risk" if item["at_risk"] else "",
            style="red" if item["at_risk"] else None,
        )
    out.print(table)
    if len(items) > AGING_SHOWN:
        say(f"… and {len(items) - AGING_SHOWN} more (all of them with --json).")


def _littles_law(little: dict[str, Any]) -> None:
    predicted, measured = little["predicted_cycle_time"], little["measured_cycle_time"]
    if predicted is None or measured is None:
        say("Little's Law: nothing finished in the window, so there is nothing to compare.")
        return
    say(
        f"Little's Law: mean WIP {little['wip_mean']:.2f} / throughput "
        f"{little['throughput_mean']:.2f} a day predicts {predicted:.1f} days "
        f"({little['predicted_cycle_time_counting_both_days']:.1f} counting both end days, as "
        f"cycle times do); measured {measured:.1f} days (a diagnostic, not a forecast)."
    )
    for broken in little["violations"]:
        say(f"  - {broken['message']}")


def _learning(learning: dict[str, Any]) -> None:
    verdict = learning["time_to_verdict"]
    verdicts = learning["verdicts"]
    say(
        f"Learning: {verdicts['validated']} validated, {verdicts['invalidated']} invalidated, "
        f"{verdicts['inconclusive']} inconclusive, {learning['open_hypotheses']} open; "
        f"{_count(learning['experiments_concluded'], 'experiment')} concluded "
        f"({learning['experiments_concluded_per_week']:.2f} a week)."
    )
    if verdict["count"]:
        say(f"  Hypothesis to verdict: median {verdict['p50']} days, P85 {verdict['p85']} days.")
    share = learning["completed_serving_concluded_share"]
    if share is not None:
        say(f"  {share:.0%} of completed items served a concluded experiment.")
    say(f"  Items discarded on evidence: {learning['discarded_on_evidence']}.")


def when(data: dict[str, Any]) -> None:
    window = data["window"]
    say(
        f"When will {data['items']} more items be done? {data['trials']:,} trials sampling "
        f"the daily throughput of {window['first']} to {window['last']} "
        f"(mean {window['throughput_mean']:.2f} a day), starting {data['start']}:"
    )
    for level, moment in data["percentiles"].items():
        say(f"  {level}% chance: by {moment} ({data['days'][level]} days)")
    if "target" in data:
        say(f"  Chance of being done by {data['target']}: {data['probability']:.0%}")
    say(f"Seed {data['seed']}; {data['method']}.")


def how_many(data: dict[str, Any]) -> None:
    window = data["window"]
    say(
        f"How many items will be done from {data['start']} to {data['by']}? "
        f"{data['trials']:,} trials sampling the daily throughput of {window['first']} to "
        f"{window['last']} (mean {window['throughput_mean']:.2f} a day):"
    )
    for level, count in data["percentiles"].items():
        say(f"  {level}% chance of at least {count}")
    say(f"Seed {data['seed']}; {data['method']}.")


def backtest(data: dict[str, Any]) -> None:
    table = Table(title=f"Backtest over {data['cuts']} cuts", title_justify="left")
    for column in ("percentile", "met", "quantile loss"):
        table.add_column(column, justify="right")
    for level, rate in data["hit_rate"].items():
        loss = data["quantile_loss"].get(level)
        table.add_row(
            f"P{level}",
            "–" if rate is None else f"{rate:.0%}",
            "–" if loss is None else f"{loss:.2f}",
        )
    out.print(table)
    say(data["verdict"])


def _pace(pace: float | None) -> str:
    """An item's pace as a percentile; none (nothing finished to compare with) as a dash."""
    if pace is None or math.isnan(pace):
        return "–"
    return f"P{pace:.0f}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
