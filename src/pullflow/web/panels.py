"""The board page's model: each stage with its WIP badge and pull button, each card's actions.

The page only hints at what the rules allow (the service decides on every form sent): a
stage's Pull button is enabled when the stage has room (no limit, under it, a ``warn``
policy, or an expedite item next in line) and an item is ready upstream. Ready means, in the
done lane of the stage before (from the options: any waiting item), not blocked; on a board
pulled by experiments an item leaves the options only when it serves a running experiment
(or is expedite, or is the andon's fix); while a stop covers the stage only its fix counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pullflow.services.views import BoardView, CardView, StageView, StopView

WipState = Literal["under", "at", "over"]

EXPEDITE = "expedite"


@dataclass(frozen=True, slots=True)
class CardPanel:
    """A card and what may be done with it from the page."""

    card: CardView
    age: str
    finish: bool
    block: bool
    unblock: bool
    discard: bool
    #: Earlier stages it may be returned to (empty: no return).
    returns: tuple[str, ...]
    #: In the options: its place in line, and whether it may move up or down.
    position: int | None
    up: bool
    down: bool

    @property
    def number(self) -> int:
        return self.card.number


@dataclass(frozen=True, slots=True)
class StagePanel:
    """A stage with its badge, its lanes as panels, and whether it can pull now."""

    stage: StageView
    index: int
    kind: str
    wip_text: str | None
    wip_state: WipState
    wip_note: str | None
    doing: tuple[CardPanel, ...]
    done: tuple[CardPanel, ...]
    can_pull: bool
    #: Why the Pull button is disabled (None when it is enabled, or the stage takes no pull).
    pull_hint: str | None
    #: Whether a pull past the limit may be asked for with a reason (the override policy).
    override: bool
    source: str | None

    @property
    def name(self) -> str:
        return self.stage.name

    @property
    def pulls(self) -> bool:
        """Whether work is pulled into this stage (every stage but the options)."""
        return self.kind != "options"


@dataclass(frozen=True, slots=True)
class BoardPanel:
    """The whole board as the page shows it."""

    view: BoardView
    stages: tuple[StagePanel, ...]
    expedite: tuple[CardView, ...]
    can_change: bool

    @property
    def name(self) -> str:
        return self.view.name


def age_text(days: int | None) -> str:
    if days is None:
        return ""
    return f"{days} day" if days == 1 else f"{days} days"


def wip_badge(stage: StageView) -> tuple[str | None, WipState, str | None]:
    """The badge's text (``WIP 2/3``, ``WIP 2``; None for done), state and a note in words."""
    if stage.wip is None:
        return None, "under", None
    if stage.limit is None:
        return f"WIP {stage.wip}", "under", None
    text = f"WIP {stage.wip}/{stage.limit}"
    if stage.wip > stage.limit:
        return text, "over", "over the limit"
    if stage.wip == stage.limit:
        return text, "at", "at the limit"
    return text, "under", None


def _stop_for(view: BoardView, stage: StageView) -> StopView | None:
    if stage.stopped_by is None:
        return None
    return next((stop for stop in view.open_stops if stop.number == stage.stopped_by), None)


def ready_upstream(view: BoardView, index: int) -> list[CardView]:
    """The items the stage at ``index`` could pull now, by the rules the page can see."""
    target, source = view.stages[index], view.stages[index - 1]
    from_options = source.kind == "options"
    waiting = [*source.doing, *source.done] if from_options else list(source.done)
    ready = [card for card in waiting if card.state == "active" and card.blocked_reason is None]
    stop = _stop_for(view, target)
    if stop is not None:
        ready = [card for card in ready if card.number == stop.fix_item]
    if from_options and view.pull_signal == "experiment":
        running = set(view.running_experiments)
        ready = [
            card
            for card in ready
            if running & set(card.experiments)
            or card.service_class == EXPEDITE
            or (stop is not None and card.number == stop.fix_item)
        ]
    return ready


def has_room(stage: StageView, ready: list[CardView]) -> bool:
    """Whether a pull into the stage passes its limit (expedite work may exceed it)."""
    if stage.kind == "done" or stage.limit is None or stage.wip is None:
        return True
    if stage.wip < stage.limit or stage.policy == "warn":
        return True
    return any(card.service_class == EXPEDITE for card in ready)


def _pull_hint(view: BoardView, index: int, room: bool, ready: list[CardView]) -> str | None:
    stage, source = view.stages[index], view.stages[index - 1]
    if not room:
        return f"{stage.name} is full: finish or discard an item in it first."
    if ready:
        return None
    if stage.stopped_by is not None:
        return f"The line is stopped (stop #{stage.stopped_by}): only its fix may be pulled."
    if source.kind == "options":
        if view.pull_signal == "experiment" and (source.doing or source.done):
            return "No waiting item serves a running experiment."
        return f"Nothing is waiting in {source.name}."
    return f"Nothing is finished in {source.name} yet."


def _card_panel(
    view: BoardView, stage: StageView, index: int, card: CardView, can_change: bool, last: int
) -> CardPanel:
    active = card.state == "active"
    blocked = card.blocked_reason is not None
    in_options = stage.kind == "options"
    in_work = stage.kind == "work"
    earlier = tuple(s.name for s in view.stages[:index]) if not in_options else ()
    position = card.position if in_options else None
    return CardPanel(
        card=card,
        age=age_text(card.age_days),
        finish=can_change and active and in_work and card.lane == "doing" and not blocked,
        block=can_change and active and not blocked and stage.kind != "done",
        unblock=can_change and active and blocked,
        discard=can_change and active and stage.kind != "done",
        returns=earlier if can_change and card.state != "discarded" else (),
        position=position,
        up=can_change and position is not None and position > 1,
        down=can_change and position is not None and position < last,
    )


def board_panel(view: BoardView, *, can_change: bool) -> BoardPanel:
    """The board's page model for a visitor who may (or may not) change work on it."""
    stages: list[StagePanel] = []
    for index, stage in enumerate(view.stages):
        text, state, note = wip_badge(stage)
        last = len(stage.doing) + len(stage.done)
        doing = tuple(
            _card_panel(view, stage, index, card, can_change, last) for card in stage.doing
        )
        done = tuple(_card_panel(view, stage, index, card, can_change, last) for card in stage.done)
        if index == 0:
            can_pull, hint, override, source = False, None, False, None
        else:
            ready = ready_upstream(view, index)
            room = has_room(stage, ready)
            can_pull = room and bool(ready)
            hint = _pull_hint(view, index, room, ready)
            override = stage.policy == "override" and not room and bool(ready)
            source = view.stages[index - 1].name
        stages.append(
            StagePanel(
                stage=stage,
                index=index,
                kind=stage.kind,
                wip_text=text,
                wip_state=state,
                wip_note=note,
                doing=doing,
                done=done,
                can_pull=can_pull,
                pull_hint=hint,
                override=override,
                source=source,
            )
        )
    expedite = tuple(
        card
        for stage in view.stages
        for card in (*stage.doing, *stage.done)
        if card.service_class == EXPEDITE and card.state == "active"
    )
    return BoardPanel(view=view, stages=tuple(stages), expedite=expedite, can_change=can_change)
