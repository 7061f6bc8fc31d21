"""How each event changes a board: the one place where state is written.

Verbs on ``Board`` decide (check the rules, build events); ``evolve`` applies an event to the
board. Verbs apply their own events through it, and ``Board.replay`` applies stored events
through it too, so the state a verb leaves and the state a replay rebuilds cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from pullflow.domain.andon import FiveWhys, Stop
from pullflow.domain.events import Event, EventType
from pullflow.domain.items import Item, ItemState, ServiceClass
from pullflow.domain.learning import (
    Decision,
    Experiment,
    ExperimentStatus,
    Hypothesis,
    HypothesisStatus,
    PullSignal,
    Verdict,
)
from pullflow.domain.stages import Lane, Stage, WipPolicy

if TYPE_CHECKING:
    from pullflow.domain.board import Board

Handler = Callable[["Board", Event], None]


def evolve(board: Board, event: Event) -> None:
    """Apply one event to the board."""
    HANDLERS[event.type](board, event)


def _board_created(board: Board, event: Event) -> None:
    data = event.data
    board.name = data["name"]
    board.created_at = event.at
    board.pull_signal = PullSignal(data["pull_signal"])
    board.experiment_limit = data["experiment_limit"]
    board.timezone = data["timezone"]
    for position, spec in enumerate(data["stages"]):
        board.stages.append(Stage(spec["name"], position, spec["limit"], WipPolicy(spec["policy"])))


def _board_configured(board: Board, event: Event) -> None:
    data = event.data
    if "pull_signal" in data:
        board.pull_signal = PullSignal(data["pull_signal"])
    if "experiment_limit" in data:
        board.experiment_limit = data["experiment_limit"]
    if "timezone" in data:
        board.timezone = data["timezone"]
    if "commitment" in data:
        board.commitment = data["commitment"]
    if "delivery" in data:
        board.delivery = data["delivery"]


def _limit_changed(board: Board, event: Event) -> None:
    stage = board.stage(_named(event.to_stage))
    stage.limit = event.data["limit"]
    stage.policy = WipPolicy(event.data["policy"])


def _item_added(board: Board, event: Event) -> None:
    number = _numbered(event.item)
    due = event.data.get("due")
    item = Item(
        number,
        event.data["title"],
        board.options,
        event.at,
        ServiceClass(event.data["service_class"]),
        date.fromisoformat(due) if due else None,
        attributes=event.data.get("attributes"),
    )
    board.items.append(item)
    board.item_seq = max(board.item_seq, number)
    _queue_in_options(board, item, event.data.get("position"))


def _item_edited(board: Board, event: Event) -> None:
    item = board.item(_numbered(event.item))
    data = event.data
    if "title" in data:
        item.title = data["title"]
    if "service_class" in data:
        item.service_class = ServiceClass(data["service_class"])
    if "due" in data:
        item.due = date.fromisoformat(data["due"]) if data["due"] else None


def _item_reranked(board: Board, event: Event) -> None:
    item = board.item(_numbered(event.item))
    _queue_in_options(board, item, event.data["position"])


def _item_moved(board: Board, event: Event) -> None:
    """A pull or a return: the item enters a stage and lane."""
    item = board.item(_numbered(event.item))
    target = board.stage(_named(event.to_stage))
    leaving_options = board.is_options(item.stage)
    item.stage = target
    item.lane = Lane(_named(event.to_lane))
    item.entered_at = event.at
    if board.is_done(target):
        item.state = ItemState.DONE
        item.ended_at = event.at
        return
    item.state = ItemState.ACTIVE
    item.ended_at = None
    if board.is_options(target):
        item.started_at = None
        _queue_in_options(board, item, None)
    elif leaving_options:
        item.started_at = event.at
        item.rank = None


def _item_finished(board: Board, event: Event) -> None:
    item = board.item(_numbered(event.item))
    item.lane = Lane.DONE
    item.entered_at = event.at


def _item_blocked(board: Board, event: Event) -> None:
    item = board.item(_numbered(event.item))
    item.blocked_reason = event.reason
    item.blocked_since = event.at


def _item_unblocked(board: Board, event: Event) -> None:
    item = board.item(_numbered(event.item))
    item.blocked_reason = None
    item.blocked_since = None


def _item_discarded(board: Board, event: Event) -> None:
    item = board.item(_numbered(event.item))
    item.state = ItemState.DISCARDED
    item.ended_at = event.at
    item.discard_reason = event.reason
    item.rank = None


def _nothing_changes(board: Board, event: Event) -> None:
    """Events that only record (a limit exceeded) leave the state as it is."""


def _hypothesis_stated(board: Board, event: Event) -> None:
    data = event.data
    number = data["hypothesis"]
    board.hypotheses.append(
        Hypothesis(
            number,
            data["belief"],
            data["test"],
            data["metric"],
            data["criterion"],
            event.at,
            event.actor,
        )
    )
    board.hypothesis_seq = max(board.hypothesis_seq, number)


def _experiment_started(board: Board, event: Event) -> None:
    number = _numbered(event.experiment)
    hypothesis = board.hypothesis(event.data["hypothesis"])
    board.experiments.append(
        Experiment(number, hypothesis, event.data["title"], event.at, event.actor)
    )
    board.experiment_seq = max(board.experiment_seq, number)
    hypothesis.status = HypothesisStatus.TESTING


def _experiment_linked(board: Board, event: Event) -> None:
    experiment = board.experiment(_numbered(event.experiment))
    experiment.items.append(board.item(_numbered(event.item)))


def _experiment_unlinked(board: Board, event: Event) -> None:
    experiment = board.experiment(_numbered(event.experiment))
    experiment.items.remove(board.item(_numbered(event.item)))


def _experiment_concluded(board: Board, event: Event) -> None:
    experiment = board.experiment(_numbered(event.experiment))
    data = event.data
    experiment.status = ExperimentStatus.CONCLUDED
    experiment.concluded_at = event.at
    experiment.concluded_by = event.actor
    experiment.verdict = Verdict(data["verdict"])
    experiment.decision = Decision(data["decision"])
    experiment.observed = data["observed"]
    experiment.learned = data["learned"]
    experiment.next_step = data["next_step"]
    hypothesis = experiment.hypothesis
    still_tested = any(e.running and e.hypothesis is hypothesis for e in board.experiments)
    if not still_tested:
        hypothesis.status = HypothesisStatus(experiment.verdict.value)


def _line_stopped(board: Board, event: Event) -> None:
    data = event.data
    stage = board.stage(data["stage"]) if data["stage"] else None
    stop = Stop(
        data["stop"],
        stage,
        event.reason or "",
        list(data["tags"]),
        data["fix"],
        data["people"],
        event.at,
        event.actor,
    )
    stop.repeat_of = data["repeat_of"]
    stop.repeated_tags = list(data["repeated_tags"])
    board.stops.append(stop)
    board.stop_seq = max(board.stop_seq, stop.number)


def _line_resumed(board: Board, event: Event) -> None:
    stop = board.stop(event.data["stop"])
    stop.resumed_at = event.at
    stop.resumed_by = event.actor
    stop.five_whys = FiveWhys.from_data(event.data["five_whys"])


def _queue_in_options(board: Board, item: Item, position: int | None) -> None:
    """Give an options item its rank: at a 1-based position (the others renumbered), or last.

    Going last needs no other item: ``rank_seq`` is the highest rank ever given.
    """
    if position is None:
        board.rank_seq += 1
        item.rank = board.rank_seq
        return
    queue = [other for other in board.options_queue() if other is not item]
    queue.insert(position - 1, item)
    for rank, queued in enumerate(queue, start=1):
        if queued.rank != rank:
            queued.rank = rank
    board.rank_seq = max(board.rank_seq, len(queue))


def _numbered(value: Any) -> int:
    if not isinstance(value, int):
        raise ValueError(f"event lacks a number: {value!r}")
    return value


def _named(value: str | None) -> str:
    if value is None:
        raise ValueError("event lacks a stage or lane")
    return value


HANDLERS: dict[EventType, Handler] = {
    EventType.BOARD_CREATED: _board_created,
    EventType.BOARD_CONFIGURED: _board_configured,
    EventType.LIMIT_CHANGED: _limit_changed,
    EventType.ITEM_ADDED: _item_added,
    EventType.ITEM_EDITED: _item_edited,
    EventType.ITEM_RERANKED: _item_reranked,
    EventType.ITEM_PULLED: _item_moved,
    EventType.ITEM_RETURNED: _item_moved,
    EventType.ITEM_FINISHED: _item_finished,
    EventType.ITEM_BLOCKED: _item_blocked,
    EventType.ITEM_UNBLOCKED: _item_unblocked,
    EventType.ITEM_DISCARDED: _item_discarded,
    EventType.WIP_EXCEEDED: _nothing_changes,
    EventType.HYPOTHESIS_STATED: _hypothesis_stated,
    EventType.EXPERIMENT_STARTED: _experiment_started,
    EventType.EXPERIMENT_LINKED: _experiment_linked,
    EventType.EXPERIMENT_UNLINKED: _experiment_unlinked,
    EventType.EXPERIMENT_CONCLUDED: _experiment_concluded,
    EventType.LINE_STOPPED: _line_stopped,
    EventType.LINE_RESUMED: _line_resumed,
}
