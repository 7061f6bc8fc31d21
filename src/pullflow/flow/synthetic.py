"""Synthetic histories: a steady team's board, made in bulk, for benchmarks and examples.

Items arrive in the options at a steady rate and flow through the working stages, each with a
doing and a done lane and exponential times; a share are blocked for a while on the way, a
share are still in progress when the history ends, and a few are discarded. Everything is
drawn with one seeded generator, so the same arguments always give the same history.
"""

from __future__ import annotations

import numpy as np

from pullflow.flow.history import DAY, DOING, Catalogue, History, Kind, Moves, Workflow

STAGES = ("Options", "Analysis", "Build", "Review", "Test", "Done")
#: Mean days in each working stage's doing lane and then in its done lane.
DOING_DAYS = (1.0, 2.5, 0.8, 1.2)
WAITING_DAYS = (0.6, 0.9, 0.5, 0.4)
START = 1_704_067_200.0  # 2024-01-01T00:00:00Z


def steady_board(
    items: int = 100_000,
    *,
    days: int = 1_000,
    seed: int = 1,
    blocked_share: float = 0.1,
    discarded_share: float = 0.02,
) -> History:
    """A board-like history of ``items`` items over ``days`` days.

    Every item has 10 moves (added, 4 × pulled and finished, delivered), plus a block and an
    unblock for the blocked share; the history is cut off at the end of ``days``.
    """
    rng = np.random.default_rng(seed)
    arrive = START + np.sort(rng.uniform(0, days * DAY, items))
    wait_in_options = rng.exponential(2.0 * DAY, items)
    times = [arrive, arrive + wait_in_options]
    for doing, waiting in zip(DOING_DAYS, WAITING_DAYS, strict=True):
        times.append(times[-1] + rng.exponential(doing * DAY, items))  # finished
        times.append(times[-1] + rng.exponential(waiting * DAY, items))  # pulled on
    columns = _item_moves(np.column_stack(times), items)
    end = START + days * DAY
    blocked = _blocks(rng, np.column_stack(times), blocked_share)
    discarded = _discards(rng, np.column_stack(times), discarded_share)
    parts = zip(columns, blocked, discarded, strict=True)
    item, at, kind, stage, lane = (np.concatenate(part) for part in parts)
    gone = np.full(items, np.inf)
    gone[discarded[0]] = discarded[1]
    keep = (at <= end) & (at <= gone[item])
    moves = Moves(item[keep], at[keep], kind[keep], stage[keep], lane[keep])
    ids = np.char.add("PF-", np.arange(1, items + 1).astype(str)).astype(object)
    catalogue = Catalogue(
        ids=ids,
        titles=ids.copy(),
        service_class=np.where(rng.random(items) < 0.05, "expedite", "standard").astype(object),
        created=arrive,
        attributes={"type": np.where(rng.random(items) < 0.3, "bug", "feature").astype(object)},
    )
    workflow = Workflow(STAGES, timezone="UTC", lanes=True)
    return History(workflow, catalogue, moves, as_of=end)


def _item_moves(times: np.ndarray, items: int) -> tuple[np.ndarray, ...]:
    """Added (enter options), then per working stage: pulled (enter doing) and finished."""
    kinds = [Kind.ENTER, Kind.ENTER] + [Kind.FINISH, Kind.ENTER] * len(DOING_DAYS)
    stages = [0, 1] + [s for stage in range(1, len(DOING_DAYS) + 1) for s in (-1, stage + 1)]
    width = times.shape[1]
    return (
        np.repeat(np.arange(items), width),
        times.ravel(),
        np.tile(np.asarray(kinds, dtype=np.int8), items),
        np.tile(np.asarray(stages, dtype=np.int64), items),
        np.full(items * width, DOING, dtype=np.int8),
    )


def _blocks(rng: np.random.Generator, times: np.ndarray, share: float) -> tuple[np.ndarray, ...]:
    """A block and an unblock inside the Build doing lane of some items."""
    chosen = np.flatnonzero(rng.random(len(times)) < share)
    start, finish = times[chosen, 3], times[chosen, 4]
    block = start + (finish - start) * 0.25
    unblock = start + (finish - start) * 0.75
    count = len(chosen)
    return (
        np.r_[chosen, chosen],
        np.r_[block, unblock],
        np.r_[np.full(count, Kind.BLOCK), np.full(count, Kind.UNBLOCK)].astype(np.int8),
        np.full(2 * count, -1, dtype=np.int64),
        np.full(2 * count, DOING, dtype=np.int8),
    )


def _discards(rng: np.random.Generator, times: np.ndarray, share: float) -> tuple[np.ndarray, ...]:
    """Some items are discarded in Analysis, a day before they would have finished it."""
    chosen = np.flatnonzero(rng.random(len(times)) < share)
    count = len(chosen)
    return (
        chosen,
        times[chosen, 2] - 1.0,
        np.full(count, Kind.DISCARD, dtype=np.int8),
        np.full(count, -1, dtype=np.int64),
        np.full(count, DOING, dtype=np.int8),
    )
