"""Compiled loops over jobs for the line recursions (plain arrays in, plain arrays out).

Every kernel fills arrays it is given; nothing here checks its input (``pullflow.sim.lines``
does). Codes used in the integer arrays: ``buffers[i]`` is the number of places after station
i, ``-1`` when unlimited (the last entry is not read); ``kanban[i]`` is the number of cards of
station i, ``-1`` when the station has none; ``conwip`` is the line's card count, ``-1`` for
none. ``setup[i, b]`` is read only when ``use_setups`` is true.

The order of the arithmetic is the order of the process model's clock (the time a job gets a
server, plus its setup, plus its service), so the times are the same floats, not merely close.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
_Kernel = TypeVar("_Kernel", bound=Callable[..., Any])


def _compiled(function: _Kernel) -> _Kernel:
    """Compile a kernel with Numba (machine code cached next to this file)."""
    return cast(_Kernel, numba.njit(cache=True, nogil=True)(function))


def _compiled_in_parallel(function: _Kernel) -> _Kernel:
    """Compile a kernel whose ``prange`` loop runs on every core."""
    return cast(_Kernel, numba.njit(cache=True, parallel=True)(function))


@_compiled
def single_server_line(
    service: Floats,
    arrival: Floats,
    setup: Floats,
    buffers: Ints,
    kanban: Ints,
    conwip: int,
    batch: int,
    use_setups: bool,
    release: Floats,
    start: Floats,
    done: Floats,
    leave: Floats,
    got: Floats,
    busy: Floats,
    blocked: Floats,
) -> None:
    """One server per station, FIFO: places, kanban cards, CONWIP, transfer batches, setups.

    ``got[i, j]`` is the moment unit j takes station i's server (its setup, if any, starts
    then). Without batches a finished unit holds its server until it leaves (blocking after
    service); with batches it gives the server back when done and leaves with its batch.
    Batch by batch, station by station, unit by unit: every quantity read was written before.
    """
    stations, units = service.shape
    batched = batch > 1
    for i in range(stations):
        busy[i] = 0.0
        blocked[i] = 0.0
    for first in range(0, units, batch):
        last = min(first + batch, units) - 1
        number = first // batch
        for j in range(first, last + 1):
            moment = arrival[j]
            if conwip > 0 and j >= conwip:
                moment = max(moment, leave[stations - 1, j - conwip])
            if kanban[0] > 0 and j >= kanban[0]:
                moment = max(moment, leave[0, j - kanban[0]])
            release[j] = moment
        for i in range(stations):
            for j in range(first, last + 1):
                if j == 0:
                    free = -np.inf
                elif batched:
                    free = done[i, j - 1]
                else:
                    free = leave[i, j - 1]
                if i == 0:
                    arrived = release[j]
                else:
                    # Unit j leaves station i-1 into station i: its batch is done there, it has
                    # a card of station i, and a place (or, with no places, the server itself).
                    arrived = done[i - 1, last] if batched else done[i - 1, j]
                    cards = kanban[i]
                    if cards > 0 and j >= cards:
                        arrived = max(arrived, leave[i, j - cards])
                    places = buffers[i - 1]
                    if places == 0:
                        arrived = max(arrived, free)
                    elif places > 0 and j >= places:
                        arrived = max(arrived, got[i, j - places])
                    leave[i - 1, j] = arrived
                    if not batched:
                        blocked[i - 1] += arrived - done[i - 1, j]
                taken = max(arrived, free)
                got[i, j] = taken
                if use_setups and j == first:
                    taken = taken + setup[i, number]
                    busy[i] += setup[i, number]
                start[i, j] = taken
                done[i, j] = taken + service[i, j]
                busy[i] += service[i, j]
        for j in range(first, last + 1):
            leave[stations - 1, j] = done[stations - 1, last] if batched else done[stations - 1, j]


@_compiled
def parallel_server_line(
    service: Floats,
    arrival: Floats,
    setup: Floats,
    servers: Ints,
    batch: int,
    use_setups: bool,
    release: Floats,
    start: Floats,
    done: Floats,
    leave: Floats,
    busy: Floats,
) -> None:
    """``servers[i]`` identical servers per station, unlimited buffers, FCFS at every station.

    A unit starts at the later of its arrival at the station and the earliest moment one of
    the servers is free. Units finish out of order; the next station takes them in the order
    they leave (ties in the order they finished: by done, then service start, then queue
    order). With transfer batches a unit leaves when the
    last unit of its batch is done, and batches leave in the order they were completed.
    """
    stations, units = service.shape
    batches = (units + batch - 1) // batch
    order = np.arange(units)
    arrived = np.empty(units)
    for j in range(units):
        release[j] = arrival[j]
        arrived[j] = arrival[j]
    for i in range(stations):
        free = np.full(servers[i], -np.inf)
        busy[i] = 0.0
        for position in range(units):
            j = order[position]
            earliest = 0
            for server in range(1, free.size):
                if free[server] < free[earliest]:
                    earliest = server
            taken = max(arrived[position], free[earliest])
            if use_setups and j % batch == 0:
                taken = taken + setup[i, j // batch]
                busy[i] += setup[i, j // batch]
            start[i, j] = taken
            done[i, j] = taken + service[i, j]
            busy[i] += service[i, j]
            free[earliest] = done[i, j]
        # The order units finish in: by done, ties by service start, then by queue order.
        by_start = order[np.argsort(start[i][order], kind="mergesort")]
        finished = by_start[np.argsort(done[i][by_start], kind="mergesort")]
        if batch == 1:
            for j in range(units):
                leave[i, j] = done[i, j]
            order = finished
        else:
            order = _batches_in_completion_order(finished, done[i], leave[i], batch, batches)
        for position in range(units):
            arrived[position] = leave[i, order[position]]


@_compiled
def _batches_in_completion_order(
    finished: Ints, done: Floats, leave: Floats, batch: int, batches: int
) -> Ints:
    """Fill ``leave`` (every unit at its batch's completion); return the order units leave in.

    A batch is complete when its last unit (in ``finished`` order) is done; units then leave
    batch by batch in that order, each batch's units in the order they finished.
    """
    units = finished.size
    missing = np.empty(batches, dtype=np.int64)
    for number in range(batches):
        missing[number] = min(batch, units - number * batch)
    completed_at = np.empty(batches, dtype=np.int64)
    completion = np.empty(batches)
    for position in range(units):
        number = finished[position] // batch
        missing[number] -= 1
        if missing[number] == 0:
            completed_at[number] = position
            completion[number] = done[finished[position]]
    keys = np.empty(units, dtype=np.int64)
    for position in range(units):
        number = finished[position] // batch
        leave[finished[position]] = completion[number]
        keys[position] = completed_at[number]
    return finished[np.argsort(keys, kind="mergesort")]


@_compiled
def unlimited_line(
    service: Floats,
    arrival: Floats,
    setup: Floats,
    batch: int,
    use_setups: bool,
    release: Floats,
    leave: Floats,
    busy: Floats,
    arrived: Floats,
    done: Floats,
) -> None:
    """One server per station and unlimited buffers: ``single_server_line`` station by station.

    Keeps only the departures from the last L stations (``leave`` is (L, N)); ``arrived`` and
    ``done`` are (N,) scratch rows.
    """
    stations, units = service.shape
    skipped = stations - leave.shape[0]
    for j in range(units):
        release[j] = arrival[j]
        arrived[j] = arrival[j]
    for i in range(stations):
        free = -np.inf
        total = 0.0
        for j in range(units):
            taken = max(arrived[j], free)
            if use_setups and j % batch == 0:
                taken = taken + setup[i, j // batch]
                total += setup[i, j // batch]
            free = taken + service[i, j]
            done[j] = free
            total += service[i, j]
        busy[i] = total
        for j in range(units):
            arrived[j] = done[min((j // batch + 1) * batch, units) - 1]
        if i >= skipped:
            leave[i - skipped] = arrived


@_compiled_in_parallel
def single_server_lines(
    service: Floats,
    arrival: Floats,
    setup: Floats,
    buffers: Ints,
    kanban: Ints,
    conwip: int,
    batch: int,
    use_setups: bool,
    limited: bool,
    release: Floats,
    leave: Floats,
    busy: Floats,
    blocked: Floats,
) -> None:
    """Replications of ``single_server_line`` (or ``unlimited_line`` when not ``limited``).

    ``service`` is (R, M, N); ``arrival`` (R or 1, N) and ``setup`` (R or 1, M, B) give one
    row per replication or one row for all. ``leave`` is (R, L, N): the departures from the
    last L stations.
    """
    replications, _, units = service.shape
    arrival_step = 1 if arrival.shape[0] > 1 else 0  # one row each, or one row for all
    setup_step = 1 if setup.shape[0] > 1 else 0
    for r in numba.prange(replications):
        if limited:
            _limited_replication(
                service[r],
                arrival[r * arrival_step],
                setup[r * setup_step],
                buffers,
                kanban,
                conwip,
                batch,
                use_setups,
                release[r],
                leave[r],
                busy[r],
                blocked[r],
            )
        else:
            unlimited_line(
                service[r],
                arrival[r * arrival_step],
                setup[r * setup_step],
                batch,
                use_setups,
                release[r],
                leave[r],
                busy[r],
                np.empty(units),
                np.empty(units),
            )


@_compiled
def _limited_replication(
    service: Floats,
    arrival: Floats,
    setup: Floats,
    buffers: Ints,
    kanban: Ints,
    conwip: int,
    batch: int,
    use_setups: bool,
    release: Floats,
    leave: Floats,
    busy: Floats,
    blocked: Floats,
) -> None:
    """``single_server_line`` keeping only the departures from the last L stations."""
    stations, units = service.shape
    start = np.empty((stations, units))
    done = np.empty((stations, units))
    left = np.empty((stations, units))
    got = np.empty((stations, units))
    single_server_line(
        service,
        arrival,
        setup,
        buffers,
        kanban,
        conwip,
        batch,
        use_setups,
        release,
        start,
        done,
        left,
        got,
        busy,
        blocked,
    )
    leave[:] = left[stations - leave.shape[0] :]


@_compiled_in_parallel
def parallel_server_lines(
    service: Floats,
    arrival: Floats,
    setup: Floats,
    servers: Ints,
    batch: int,
    use_setups: bool,
    release: Floats,
    leave: Floats,
    busy: Floats,
) -> None:
    """Replications of ``parallel_server_line``, laid out as in ``single_server_lines``."""
    replications, stations, units = service.shape
    kept = leave.shape[1]
    arrival_step = 1 if arrival.shape[0] > 1 else 0  # one row each, or one row for all
    setup_step = 1 if setup.shape[0] > 1 else 0
    for r in numba.prange(replications):
        start = np.empty((stations, units))
        done = np.empty((stations, units))
        left = np.empty((stations, units))
        parallel_server_line(
            service[r],
            arrival[r * arrival_step],
            setup[r * setup_step],
            servers,
            batch,
            use_setups,
            release[r],
            start,
            done,
            left,
            busy[r],
        )
        leave[r] = left[stations - kept :]


@_compiled_in_parallel
def wip_areas(release: Floats, finish: Floats, end: Floats, out: Floats) -> None:
    """Per row, the area under the number of units in the line up to ``end``.

    The units enter at ``release`` and leave at ``finish``; the two are walked in time order
    (sorted first when they are not already), the level changing by one at each moment, so
    the area is a sum of level × width: Little's Law's left side, from the step function.
    """
    for row in numba.prange(release.shape[0]):
        entering = release[row]
        leaving = finish[row]
        if not _is_sorted(entering):
            entering = np.sort(entering)
        if not _is_sorted(leaving):
            leaving = np.sort(leaving)
        count = entering.shape[0]
        i = 0
        j = 0
        level = 0.0
        now = entering[0] if count else 0.0
        area = 0.0
        while i < count or j < count:
            if j >= count or (i < count and entering[i] <= leaving[j]):
                moment = entering[i]
                area += level * (moment - now)
                level += 1.0
                i += 1
            else:
                moment = leaving[j]
                area += level * (moment - now)
                level -= 1.0
                j += 1
            now = moment
        area += level * (end[row] - now)
        out[row] = area


@_compiled
def _is_sorted(values: Floats) -> bool:
    for k in range(1, values.shape[0]):  # noqa: SIM110 - a loop Numba compiles
        if values[k] < values[k - 1]:
            return False
    return True
