"""Rendering for the terminal: the board as columns, events as sentences, tables of cards.

Colour marks what needs attention: WIP at its limit in yellow, over it in red, a blocked card
in red, an expedite card in magenta, a stopped line as a red banner.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pullflow.services import Event, EventType, StoredEvent
from pullflow.services.views import (
    BoardView,
    CardView,
    ExperimentView,
    HypothesisView,
    StageView,
    StopView,
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: How many delivered cards the board shows under done (the JSON lists them all).
DONE_SHOWN = 5


def print_json(data: Any) -> None:
    """JSON on standard output, for scripts."""
    print(json.dumps(data, indent=2, ensure_ascii=False))


def say(message: str) -> None:
    """A sentence, never broken across lines (the terminal wraps it if it must)."""
    out.print(Text(message), soft_wrap=True)


# ---------------------------------------------------------------------------- the board


def board(view: BoardView) -> None:
    """The board as one column per stage, with its lanes, WIP and markers."""
    out.print(_heading(view))
    for stop in view.open_stops:
        out.print(_stop_banner(stop))
    table = Table(show_lines=False, expand=True, pad_edge=False)
    for stage in view.stages:
        table.add_column(_stage_header(stage), vertical="top", overflow="fold", ratio=1)
    table.add_row(*(_stage_cell(stage) for stage in view.stages))
    out.print(table)


def _heading(view: BoardView) -> Text:
    heading = Text(view.name, style="bold")
    signal = "running experiments" if view.pull_signal == "experiment" else "capacity"
    heading.append(f"  ·  pull signal: {signal}", style="dim")
    if view.pull_signal == "experiment" or view.running_experiments:
        limit = view.experiment_limit if view.experiment_limit is not None else "∞"
        running = ", ".join(f"E{n}" for n in view.running_experiments) or "none"
        heading.append(f"  ·  experiments {len(view.running_experiments)}/{limit}: {running}")
    if not view.default_points:
        heading.append(f"  ·  committed at {view.commitment}, delivered at {view.delivery}")
    return heading


def _stop_banner(stop: StopView) -> Panel:
    text = Text(f"STOPPED  {stop.scope}: {stop.reason}", style="bold white")
    details = f"  (stop #{stop.number} by {stop.stopped_by} since {_moment(stop.stopped_at)}"
    if stop.fix_item is not None:
        details += f"; only #{stop.fix_item}, the fix, may be pulled"
    text.append(details + ")", style="white")
    if stop.repeat_of is not None:
        text.append(f"  REPEAT of stop #{stop.repeat_of}", style="bold yellow")
    return Panel(text, style="on red", expand=True)


def _stage_header(stage: StageView) -> Text:
    header = Text(stage.name, style="bold")
    if stage.kind == "done":
        header.append(f"  {len(stage.done)}", style="dim")
        return header
    limit = "∞" if stage.limit is None else str(stage.limit)
    style = "red bold" if stage.over_limit else "yellow" if stage.at_limit else "green"
    header.append(f"\nWIP {stage.wip}/{limit}", style=style)
    if stage.limit is not None and stage.policy != "block":
        header.append(f" ({stage.policy})", style="dim")
    if stage.stopped_by is not None:
        header.append("  STOPPED", style="bold red")
    return header


def _stage_cell(stage: StageView) -> Group | Text:
    if stage.kind == "options":
        return _cards(stage.done, empty="nothing waiting")
    if stage.kind == "done":
        shown = list(stage.done[-DONE_SHOWN:])
        more = len(stage.done) - len(shown)
        cards = _cards(tuple(reversed(shown)), empty="nothing yet")
        return Group(cards, Text(f"… and {more} more", style="dim")) if more else cards
    return Group(
        Text("doing", style="underline dim"),
        _cards(stage.doing, empty="—"),
        Text("done", style="underline dim"),
        _cards(stage.done, empty="—"),
    )


def _cards(cards: Iterable[CardView], *, empty: str) -> Text:
    lines = [_card_line(card) for card in cards]
    if not lines:
        return Text(empty, style="dim")
    return Text("\n").join(lines)


def _card_line(card: CardView) -> Text:
    line = Text(f"#{card.number} ", style="bold")
    line.append(card.title)
    if card.age_days is not None:
        line.append(f" {card.age_days}d", style="cyan")
    if card.cycle_days is not None:
        line.append(f" took {card.cycle_days}d", style="green")
    if card.service_class == "expedite":
        line.append(" EXPEDITE", style="bold magenta")
    elif card.service_class == "fixed-date" and card.due:
        line.append(f" due {card.due.isoformat()}", style="magenta")
    if card.experiments:
        line.append(" " + ",".join(f"E{n}" for n in card.experiments), style="blue")
    if card.blocked_reason:
        line.append(f" BLOCKED: {card.blocked_reason}", style="bold red")
    return line


def _when(moment: datetime) -> str:
    """A time for a column headed (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _moment(moment: datetime) -> str:
    """A time in running text, saying its zone."""
    return f"{_when(moment)} UTC"


# ---------------------------------------------------------------------- cards and cards


def card(view: CardView, history: list[StoredEvent]) -> None:
    out.print(_card_line(view))
    facts = Table.grid(padding=(0, 2))
    facts.add_row("stage", f"{view.stage} ({view.lane})" if view.state == "active" else view.stage)
    facts.add_row("state", view.state + (f": {view.discard_reason}" if view.discard_reason else ""))
    facts.add_row("class", view.service_class + (f", due {view.due}" if view.due else ""))
    facts.add_row("created", _moment(view.created_at))
    if view.started_at:
        facts.add_row("started", _moment(view.started_at))
    if view.ended_at:
        facts.add_row("ended", _moment(view.ended_at))
    if view.attributes:
        shown = ", ".join(f"{key}={value}" for key, value in view.attributes.items())
        facts.add_row("attributes", shown)
    out.print(facts)
    log(history)


def hypotheses(views: list[HypothesisView]) -> None:
    if not views:
        say("No hypotheses yet: state one with pullflow hypothesis add.")
        return
    for view in views:
        card_text = Text(f"H{view.number} ", style="bold")
        card_text.append(f"[{view.status}]", style=_status_style(view.status))
        card_text.append(f"\n  We believe that {view.belief}")
        card_text.append(f"\n  To verify that, we will {view.test}")
        card_text.append(f"\n  And measure {view.metric}")
        card_text.append(f"\n  We are right if {view.criterion}")
        if view.experiments:
            card_text.append(
                "\n  Experiments: " + ", ".join(f"E{n}" for n in view.experiments), style="dim"
            )
        out.print(card_text)


def experiments(views: list[ExperimentView]) -> None:
    if not views:
        say("No experiments yet: start one with pullflow experiment start HYPOTHESIS.")
        return
    for view in views:
        text = Text(f"E{view.number} ", style="bold")
        text.append(f"[{view.status}] ", style="green" if view.status == "running" else "dim")
        text.append(f"tests H{view.hypothesis}: {view.title}")
        items = ", ".join(f"#{n}" for n in view.items) or "none yet"
        text.append(f"\n  Items serving it: {items}", style="dim")
        if view.status == "concluded":
            text.append(f"\n  Verdict: {view.verdict}, decision: {view.decision}", style="bold")
            text.append(f"\n  We observed {view.observed}")
            text.append(f"\n  From that we learned {view.learned}")
            text.append(f"\n  Therefore we will {view.next_step}")
        out.print(text)


def stops(board_name: str, views: list[StopView]) -> None:
    open_stops = [view for view in views if view.resumed_at is None]
    if open_stops:
        for view in open_stops:
            out.print(_stop_banner(view))
    else:
        say(f"The line on {board_name} is running.")
    for view in views:
        if view.resumed_at is None:
            continue
        text = Text(f"stop #{view.number} ", style="bold")
        text.append(f"{view.scope}: {view.reason} ({_when(view.stopped_at)} → ")
        text.append(f"{_moment(view.resumed_at)})")
        if view.tags:
            text.append("  tags: " + ", ".join(view.tags), style="dim")
        if view.repeat_of is not None:
            text.append(f"  repeat of #{view.repeat_of}", style="yellow")
        if view.five_whys:
            text.append(f"\n  root cause: {view.five_whys['root_cause']}", style="dim")
        out.print(text)


def _status_style(status: str) -> str:
    return {
        "validated": "green",
        "invalidated": "red",
        "inconclusive": "yellow",
        "testing": "cyan",
    }.get(status, "dim")


# ---------------------------------------------------------------------------- the log


def log(events: list[StoredEvent]) -> None:
    table = Table(show_edge=False, pad_edge=False, expand=False)
    for heading in ("#", "when (UTC)", "who", "what", "item"):
        table.add_column(heading, no_wrap=True)
    for heading in ("move", "reason"):
        table.add_column(heading, overflow="fold")
    for stored in events:
        event = stored.event
        move = ""
        if event.from_stage or event.to_stage:
            source = f"{event.from_stage}/{event.from_lane}" if event.from_stage else ""
            target = f"{event.to_stage}/{event.to_lane}" if event.to_lane else event.to_stage or ""
            move = f"{source} → {target}" if source and target else source or target
        subject = f"#{event.item}" if event.item is not None else ""
        if event.experiment is not None:
            subject = (subject + " " if subject else "") + f"E{event.experiment}"
        table.add_row(
            str(stored.id),
            _when(event.at),
            event.actor,
            event.type.value,
            subject,
            move,
            event.reason or "",
        )
    out.print(table)


# -------------------------------------------------------------------- events as sentences


def events(happened: list[Event]) -> None:
    """Say what a command did, one sentence per event."""
    if not happened:
        say("Nothing to change: it was already so.")
        return
    for event in happened:
        sentence = SENTENCES.get(event.type, _generic)(event)
        style = "yellow" if event.type is EventType.WIP_EXCEEDED else None
        out.print(Text(sentence, style=style or ""), soft_wrap=True)


def _sentence(text: str) -> str:
    """Text ending as a sentence does."""
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _generic(event: Event) -> str:
    return f"Recorded {event.type.value}."


def _wip(event: Event) -> str:
    if "wip" not in event.data:
        return ""
    limit = event.data.get("limit")
    return f" (WIP {event.data['wip']}/{'∞' if limit is None else limit})"


def _pulled(event: Event) -> str:
    signal = event.data.get("signal")
    why = {
        "experiment": ", for a running experiment",
        "expedite": ", as expedite work",
        "andon-fix": ", as the fix of the stopped line",
    }.get(signal or "", "")
    if "wip" not in event.data and event.to_lane == "done":
        return f"Delivered #{event.item} from {event.from_stage} into {event.to_stage}."
    return f"Pulled #{event.item} from {event.from_stage} into {event.to_stage}{_wip(event)}{why}."


def _exceeded(event: Event) -> str:
    policy = event.data["policy"]
    over = f"{event.to_stage} is over its WIP limit ({event.data['wip']}/{event.data['limit']})"
    if policy == "expedite":
        return f"{over}: expedite work may exceed it; recorded."
    if policy == "override":
        return f"{over}: override recorded ({event.reason})."
    return f"{over}: allowed by its warn policy; recorded."


def _limit(event: Event) -> str:
    data = event.data
    was = "∞" if data["previous_limit"] is None else data["previous_limit"]
    now_limit = "∞" if data["limit"] is None else data["limit"]
    return (
        f"{event.to_stage}: WIP limit {was} → {now_limit}, policy {data['policy']} "
        f"(WIP now {data['wip']})."
    )


#: How a flow point's change reads; None puts it back at its default.
_POINTS = {
    "commitment": ("commitment point", "the first stage after the options"),
    "delivery": ("delivery point", "done"),
}


def _configured(event: Event) -> str:
    parts = [_setting(key, value) for key, value in event.data.items()]
    return "Board set: " + ", ".join(parts) + "."


def _setting(key: str, value: Any) -> str:
    if key not in _POINTS:
        return f"{key.replace('_', ' ')} {value}"
    name, default = _POINTS[key]
    return f"{name} {value}" if value is not None else f"{name} back to its default ({default})"


def _created(event: Event) -> str:
    stages = " → ".join(_stage_label(stage) for stage in event.data["stages"])
    return (
        f"Created board {event.data['name']}: {stages}; pull signal: {event.data['pull_signal']}."
    )


def _stage_label(stage: dict[str, Any]) -> str:
    if stage["limit"] is None:
        return str(stage["name"])
    policy = "" if stage["policy"] == "block" else f", {stage['policy']}"
    return f"{stage['name']} ({stage['limit']}{policy})"


def _added(event: Event) -> str:
    extra = "" if event.data["service_class"] == "standard" else f" ({event.data['service_class']}"
    if extra:
        extra += f", due {event.data['due']})" if event.data.get("due") else ")"
    attributes = event.data.get("attributes") or {}
    listed = ", ".join(f"{key}={value}" for key, value in attributes.items())
    with_them = f" with {listed}" if listed else ""
    return f'Added #{event.item} "{event.data["title"]}"{extra} to {event.to_stage}{with_them}.'


def _edited(event: Event) -> str:
    parts = [f"{key.replace('_', ' ')} {value}" for key, value in event.data.items()]
    return f"Changed #{event.item}: " + ", ".join(parts) + "."


def _resumed(event: Event) -> str:
    money = event.data["investment"]
    return (
        f"Resumed stop #{event.data['stop']}. It cost {money['hours_stopped']:.1f} h × "
        f"{_people(money['people'])} = {money['cost_person_hours']:.1f} person-hours. Suggested "
        f"investment in countermeasures: {money['suggested_hours']:.1f} h "
        f"({money['suggested_per_level_hours']:.1f} h per level); planned: "
        f"{money['planned_hours']:.1f} h. Root cause: {event.reason}."
    )


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _stopped(event: Event) -> str:
    data = event.data
    scope = f"Stopped {data['stage']}" if data["stage"] else "Stopped the line"
    sentence = f"{scope} (stop #{data['stop']}): {event.reason}."
    if data["fix"] is not None:
        sentence += f" Only #{data['fix']}, the fix, may be pulled in."
    if data["repeat_of"] is not None:
        tags = ", ".join(data["repeated_tags"])
        sentence += (
            f" REPEAT: {tags} stopped the line before (stop #{data['repeat_of']}): "
            "tolerate a mistake once, never twice."
        )
    return sentence


SENTENCES: dict[EventType, Callable[[Event], str]] = {
    EventType.BOARD_CREATED: _created,
    EventType.BOARD_CONFIGURED: _configured,
    EventType.LIMIT_CHANGED: _limit,
    EventType.ITEM_ADDED: _added,
    EventType.ITEM_EDITED: _edited,
    EventType.ITEM_RERANKED: lambda e: f"#{e.item} is now number {e.data['position']} in line.",
    EventType.ITEM_PULLED: _pulled,
    EventType.ITEM_FINISHED: lambda e: (
        f"Finished #{e.item} in {e.from_stage}: it waits in the done lane to be pulled."
    ),
    EventType.ITEM_BLOCKED: lambda e: f"Blocked #{e.item}: {e.reason}.",
    EventType.ITEM_UNBLOCKED: lambda e: f"Unblocked #{e.item}.",
    EventType.ITEM_DISCARDED: lambda e: f"Discarded #{e.item} from {e.from_stage}: {e.reason}.",
    EventType.ITEM_RETURNED: lambda e: (
        f"Returned #{e.item} from {e.from_stage} to {e.to_stage}: {e.reason}."
    ),
    EventType.WIP_EXCEEDED: _exceeded,
    EventType.HYPOTHESIS_STATED: lambda e: (
        f"Stated H{e.data['hypothesis']}: we believe that {_sentence(e.data['belief'])}"
    ),
    EventType.EXPERIMENT_STARTED: lambda e: (
        f"Started E{e.experiment} to test H{e.data['hypothesis']}: {_sentence(e.data['title'])}"
    ),
    EventType.EXPERIMENT_LINKED: lambda e: f"#{e.item} now serves E{e.experiment}.",
    EventType.EXPERIMENT_UNLINKED: lambda e: f"#{e.item} no longer serves E{e.experiment}.",
    EventType.EXPERIMENT_CONCLUDED: lambda e: (
        f"Concluded E{e.experiment}: {e.data['verdict']}, decision {e.data['decision']}; "
        f"H{e.data['hypothesis']} is now {e.data['verdict']} unless still under test."
    ),
    EventType.LINE_STOPPED: _stopped,
    EventType.LINE_RESUMED: _resumed,
}
