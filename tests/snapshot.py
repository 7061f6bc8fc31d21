"""A plain-data picture of a board's whole state, for comparing boards in tests."""

from __future__ import annotations

from typing import Any

from pullflow.domain.board import Board


def snapshot(board: Board) -> dict[str, Any]:
    """Everything a board holds, as comparable values (no object identities)."""
    return {
        "name": board.name,
        "pull_signal": board.pull_signal.value,
        "experiment_limit": board.experiment_limit,
        "timezone": board.timezone,
        "flow_points": (board.commitment, board.delivery),
        "sequences": (board.item_seq, board.hypothesis_seq, board.experiment_seq, board.stop_seq),
        "stages": [(s.name, s.position, s.limit, s.policy.value) for s in board.stages],
        "items": sorted(
            (
                i.number,
                i.title,
                i.service_class.value,
                i.due,
                i.stage.name,
                i.lane.value,
                i.rank if i.active and board.is_options(i.stage) else None,
                i.state.value,
                i.created_at,
                i.entered_at,
                i.started_at,
                i.ended_at,
                i.blocked_reason,
                i.blocked_since,
                i.discard_reason,
                tuple(sorted(i.attributes.items())),
            )
            for i in board.items
        ),
        "hypotheses": sorted(
            (h.number, h.belief, h.test, h.metric, h.criterion, h.status.value, h.stated_at)
            for h in board.hypotheses
        ),
        "experiments": sorted(
            (
                e.number,
                e.hypothesis.number,
                e.title,
                e.status.value,
                e.started_at,
                tuple(sorted(i.number for i in e.items)),
                e.concluded_at,
                e.verdict,
                e.decision,
                e.observed,
                e.learned,
                e.next_step,
            )
            for e in board.experiments
        ),
        "stops": sorted(
            (
                s.number,
                s.stage.name if s.stage else None,
                s.reason,
                tuple(s.tags),
                s.fix_item,
                s.people,
                s.stopped_at,
                s.repeat_of,
                tuple(s.repeated_tags),
                s.resumed_at,
                s.five_whys,
            )
            for s in board.stops
        ),
    }
