"""The exact line engine: departure times of a serial line from drawn service times.

A serial line of M stations and N units that arrive in order. Given every service time (and
setup time) drawn beforehand, the departure of every unit from every station follows from
recursions over units and stations (DESIGN.md section 5); no event list is needed.

Policies and how they are computed:

- unlimited buffers, one server per station (with or without transfer batches and setups):
  ``run_line`` vectorises it per station, ``D = P + maximum.accumulate(A - P + S)`` with ``P``
  the running sum of the work (``serve_in_order``); it agrees with the unit-by-unit recursion
  to rounding (a few units in the last place of the largest time);
- places between stations (blocking after service), kanban cards per station, CONWIP, and any
  mix of them, with or without transfer batches and setups: one compiled loop over units;
- parallel servers (unlimited buffers; with or without batches and setups): a compiled loop
  per station, first come first served, units taken on in the order they leave.

Semantics, which the process model in the tests shares:

- a unit is released into the line (station 0's queue) at its arrival, once it has a CONWIP
  card and a kanban card of station 0; it gives the CONWIP card back when it leaves the line;
- without batches a finished unit holds its server until it leaves (blocking after service):
  it leaves station i once it has a card of station i+1 and a place after station i (with no
  places, station i+1's server itself). It gives station i's card back then;
- with transfer batches of k units a unit gives its server back when done, waits until every
  unit of its batch is done at the station (the last station too) and only then asks for the
  card and place downstream; a unit starts its service after the setup of its batch when it
  opens one (``start`` is after the setup). Cards and CONWIP caps must be at least k, or the
  batch could never be completed;
- ``blocked`` is the time finished units held a server; ``busy`` the service and setup time.

Not supported (``UnsupportedLine``, a ``ValueError``, so a caller can fall back to a process
model): parallel servers together with places, kanban cards or CONWIP, because units then
leave out of order and the card and place recursions no longer hold.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pullflow.sim import compiled

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
ENGINE = "recursion"
_UNLIMITED = -1


class UnsupportedLine(ValueError):
    """The line mixes policies the recursions cannot compute exactly."""


@dataclass(frozen=True)
class Line:
    """What the engine needs to know about the line besides the drawn times."""

    stations: int
    #: places between station i and i+1 (M-1 entries); None, or an entry None, is unlimited.
    buffers: tuple[int | None, ...] | None = None
    #: cards per station (M entries): units inside station i at once, queue to finished.
    kanban: tuple[int | None, ...] | None = None
    #: at most this many units in the whole line.
    conwip: int | None = None
    #: parallel identical servers per station (M entries, default 1 each).
    servers: tuple[int, ...] | None = None
    #: transfer batch: units leave a station only when all of their batch is done there.
    batch: int = 1
    #: a setup (M × batches) before the first unit of every batch at every station.
    setups: bool = False


@dataclass(frozen=True)
class Timeline:
    """Every unit's times at every station."""

    release: Floats  # (N,) when each unit entered the line (station 0's queue)
    start: Floats  # (M, N) service start (after the setup of its batch)
    done: Floats  # (M, N) service completion
    leave: Floats  # (M, N) departure from the station (>= done: blocking, batching)
    blocked: Floats  # (M,) time finished units held a server
    busy: Floats  # (M,) service and setup time
    engine: str  # "recursion"


@dataclass(frozen=True)
class LineRuns:
    """Replications of one line: what the line-level measures need, per replication.

    The measuring window of a replication runs from its first release to its last departure.
    """

    release: Floats  # (R, N) when each unit entered the line
    leave: Floats  # (R, N) when each unit left the last station
    busy: Floats  # (R, M) service and setup time per station
    blocked: Floats  # (R, M) time finished units held a server, per station
    departures: Floats | None = None  # (R, M, N) departures from every station, when asked for
    engine: str = ENGINE

    def makespan(self) -> Floats:
        """(R,) last departure minus first release."""
        return np.asarray(self.leave.max(axis=1) - self.release.min(axis=1), dtype=np.float64)

    def throughput(self) -> Floats:
        """(R,) units per time unit over the window."""
        return np.asarray(self.leave.shape[1] / self.makespan(), dtype=np.float64)

    def cycle_time(self) -> Floats:
        """(R,) mean time in the line, release to departure from the last station."""
        return np.asarray((self.leave - self.release).mean(axis=1), dtype=np.float64)

    def wip(self) -> Floats:
        """(R,) time-averaged number of units in the line over the window."""
        inside = (self.leave - self.release).sum(axis=1)
        return np.asarray(inside / self.makespan(), dtype=np.float64)


@dataclass(frozen=True)
class _Plan:
    """A checked line as the kernels take it."""

    stations: int
    buffers: Ints  # (M,) places after each station, -1 unlimited (last entry unused)
    kanban: Ints  # (M,) cards per station, -1 none
    conwip: int  # -1 none
    servers: Ints  # (M,)
    batch: int
    setups: bool

    @property
    def parallel(self) -> bool:
        return bool((self.servers > 1).any())

    @property
    def unlimited(self) -> bool:
        """No places, cards or CONWIP cap anywhere: the vectorised recursion applies."""
        limited = (self.buffers[:-1] >= 0).any() or (self.kanban > 0).any()
        return not limited and self.conwip < 0


def run_line(
    line: Line,
    service: NDArray[np.floating],
    arrival: NDArray[np.floating],
    setup: NDArray[np.floating] | None = None,
) -> Timeline:
    """Run the line once; service (M, N) drawn times, arrival (N,) non-decreasing releases.

    ``setup`` (M, number of batches) is read only when ``line.setups``.
    """
    plan = _plan(line)
    service_times = _service(service, plan.stations)
    units = service_times.shape[1]
    arrivals = _arrival(arrival, units)
    setup_times = _setup(setup, plan, units)
    if plan.parallel:
        return _parallel_timeline(plan, service_times, arrivals, setup_times)
    if plan.unlimited:
        return _unlimited_timeline(plan, service_times, arrivals, setup_times)
    return _limited_timeline(plan, service_times, arrivals, setup_times)


def run_lines(
    line: Line,
    service: NDArray[np.floating],
    arrival: NDArray[np.floating],
    setup: NDArray[np.floating] | None = None,
    *,
    every_station: bool = False,
) -> LineRuns:
    """Run R replications of the line in one compiled call, spread over the cores.

    service (R, M, N); arrival (R, N), or (N,) for all; setup (R, M, B) or (M, B) for all,
    read only when ``line.setups``. The result holds the releases and the departures from the
    last station (and from every station with ``every_station``). Replication r gives the same
    times as ``run_line`` on its rows (to rounding, for unlimited buffers, which ``run_line``
    vectorises).
    """
    plan = _plan(line)
    service_times = np.ascontiguousarray(service, dtype=np.float64)
    if service_times.ndim != 3 or service_times.shape[1] != plan.stations:
        raise ValueError(
            f"The service times have shape {service_times.shape}, not (replications, "
            f"{plan.stations}, units): give one (stations, units) table per replication."
        )
    replications, _, units = service_times.shape
    _check_times(service_times, "service")
    arrivals = _arrivals(arrival, replications, units)
    setup_times = _setups(setup, plan, replications, units)
    kept = plan.stations if every_station else 1
    release = np.empty((replications, units))
    leave = np.empty((replications, kept, units))
    busy = np.empty((replications, plan.stations))
    blocked = np.zeros((replications, plan.stations))
    if plan.parallel:
        compiled.parallel_server_lines(
            service_times,
            arrivals,
            setup_times,
            plan.servers,
            plan.batch,
            plan.setups,
            release,
            leave,
            busy,
        )
    else:
        compiled.single_server_lines(
            service_times,
            arrivals,
            setup_times,
            plan.buffers,
            plan.kanban,
            plan.conwip,
            plan.batch,
            plan.setups,
            not plan.unlimited,
            release,
            leave,
            busy,
            blocked,
        )
    return LineRuns(
        release=release,
        leave=np.ascontiguousarray(leave[:, -1, :]),
        busy=busy,
        blocked=blocked,
        departures=leave if every_station else None,
    )


def compile_kernels() -> None:
    """Compile (or load from the cache) every kernel, on tiny inputs, before timing runs."""
    service = np.array([[1.0, 2.0, 1.0], [2.0, 1.0, 3.0]])
    arrival = np.array([0.0, 0.5, 1.0])
    setup = np.array([[0.5, 0.5], [1.0, 1.0]])
    lines = (
        Line(stations=2, buffers=(1,), kanban=(2, 2), conwip=2, batch=2, setups=True),
        Line(stations=2, servers=(2, 1), batch=2, setups=True),
    )
    for line in lines:
        run_line(line, service, arrival, setup)
        run_lines(line, service[None], arrival, setup)
    areas = np.empty(1)
    compiled.wip_areas(arrival[None, :], arrival[None, :] + 1.0, np.array([2.0]), areas)


def serve_in_order(arrived: Floats, work: Floats, out: Floats | None = None) -> Floats:
    """``done[j] = max(arrived[j], done[j-1]) + work[j]`` for every j, without a loop.

    One FIFO server: unrolled, ``done[j] = max over k <= j of arrived[k] + work[k] + … +
    work[j]``, that is ``P[j] + max over k <= j of (arrived[k] - P[k] + work[k])`` with ``P``
    the running sum of the work up to and including j: ``P + maximum.accumulate(arrived - P +
    work)``. Written into ``out`` when given.
    """
    done = np.empty(arrived.shape) if out is None else out
    total = np.cumsum(work)
    np.subtract(arrived, total, out=done)
    done += work
    np.maximum.accumulate(done, out=done)
    done += total
    return done


def _unlimited_timeline(plan: _Plan, service: Floats, arrival: Floats, setup: Floats) -> Timeline:
    """One server per station, unlimited buffers: vectorised, station by station."""
    stations, units = service.shape
    openings = _batch_openings(plan, setup, units)
    start = np.empty((stations, units))
    done = np.empty((stations, units))
    leave = done if plan.batch == 1 else np.empty((stations, units))
    busy = service.sum(axis=1)
    arrived = arrival
    for i in range(stations):
        work = service[i] if openings is None else service[i] + openings[i]
        serve_in_order(arrived, work, out=done[i])
        if units:
            start[i, 0] = arrived[0]
            np.maximum(arrived[1:], done[i, :-1], out=start[i, 1:])
        if openings is not None:
            start[i] += openings[i]
            busy[i] += openings[i].sum()
        if plan.batch > 1:
            closing = np.minimum((np.arange(units) // plan.batch + 1) * plan.batch, units) - 1
            leave[i] = done[i, closing]
        arrived = leave[i]
    return Timeline(
        release=arrival.copy(),
        start=start,
        done=done,
        leave=leave if plan.batch > 1 else done.copy(),
        blocked=np.zeros(stations),
        busy=busy,
        engine=ENGINE,
    )


def _batch_openings(plan: _Plan, setup: Floats, units: int) -> Floats | None:
    """(M, N) the setup before each unit (its batch's if it opens one, else 0); None if none."""
    if not plan.setups:
        return None
    openings = np.zeros((plan.stations, units))
    opening = np.arange(0, units, plan.batch)
    openings[:, opening] = setup[:, : opening.size]
    return openings


def _limited_timeline(plan: _Plan, service: Floats, arrival: Floats, setup: Floats) -> Timeline:
    """One server per station with places, cards or CONWIP: the compiled loop over units."""
    stations, units = service.shape
    release = np.empty(units)
    start, done, leave, got = (np.empty((stations, units)) for _ in range(4))
    busy, blocked = np.empty(stations), np.empty(stations)
    compiled.single_server_line(
        service,
        arrival,
        setup,
        plan.buffers,
        plan.kanban,
        plan.conwip,
        plan.batch,
        plan.setups,
        release,
        start,
        done,
        leave,
        got,
        busy,
        blocked,
    )
    return Timeline(release, start, done, leave, blocked, busy, ENGINE)


def _parallel_timeline(plan: _Plan, service: Floats, arrival: Floats, setup: Floats) -> Timeline:
    """Parallel servers, unlimited buffers: the compiled loop per station."""
    stations, units = service.shape
    release = np.empty(units)
    start, done, leave = (np.empty((stations, units)) for _ in range(3))
    busy = np.empty(stations)
    compiled.parallel_server_line(
        service,
        arrival,
        setup,
        plan.servers,
        plan.batch,
        plan.setups,
        release,
        start,
        done,
        leave,
        busy,
    )
    return Timeline(release, start, done, leave, np.zeros(stations), busy, ENGINE)


# ----------------------------------------------------------------------------- checks


def _plan(line: Line) -> _Plan:
    """Check the line and code it for the kernels; refuse what the recursions cannot do."""
    stations = _count(line.stations, "The number of stations", 1)
    batch = _count(line.batch, "The transfer batch", 1)
    buffers = _limits(line.buffers, stations - 1, "buffers", "places between stations", 0)
    kanban = _limits(line.kanban, stations, "kanban", "cards per station", 1)
    conwip = _UNLIMITED if line.conwip is None else _count(line.conwip, "The CONWIP cap", 1)
    servers = np.ones(stations, dtype=np.int64)
    if line.servers is not None:
        if len(line.servers) != stations:
            raise ValueError(
                f"The line has {stations} stations but servers has {len(line.servers)} "
                "entries: give one server count per station."
            )
        servers = np.array(
            [_count(c, "A station's number of servers", 1) for c in line.servers], dtype=np.int64
        )
    plan = _Plan(
        stations=stations,
        buffers=np.append(buffers, _UNLIMITED).astype(np.int64),
        kanban=kanban,
        conwip=conwip,
        servers=servers,
        batch=batch,
        setups=bool(line.setups),
    )
    _refuse_unsupported(plan)
    _refuse_deadlocks(plan)
    return plan


def _refuse_unsupported(plan: _Plan) -> None:
    if not plan.parallel:
        return
    mixed = [
        name
        for name, present in (
            ("places between stations", (plan.buffers[:-1] >= 0).any()),
            ("kanban cards", (plan.kanban > 0).any()),
            ("a CONWIP cap", plan.conwip > 0),
        )
        if present
    ]
    if mixed:
        raise UnsupportedLine(
            f"Parallel servers with {' and '.join(mixed)} are not supported by the recursion "
            "engine (units leave out of order): use one server per station, or unlimited "
            "buffers without cards, or run the line in a process model."
        )


def _refuse_deadlocks(plan: _Plan) -> None:
    if plan.batch == 1:
        return
    short = [f"station {i}" for i, cards in enumerate(plan.kanban) if 0 < cards < plan.batch]
    if short:
        raise ValueError(
            f"The kanban cards of {', '.join(short)} are fewer than the transfer batch of "
            f"{plan.batch}: the batch could never be completed; give at least {plan.batch} "
            "cards per station."
        )
    if 0 < plan.conwip < plan.batch:
        raise ValueError(
            f"The CONWIP cap of {plan.conwip} is below the transfer batch of {plan.batch}: "
            f"the batch could never be completed; allow at least {plan.batch} units."
        )


def _count(value: object, what: str, least: int) -> int:
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{what} is {value!r}, not a whole number: give an integer.") from None
    if number < least:
        raise ValueError(f"{what} is {number}: it must be at least {least}.")
    return int(number)


def _limits(
    values: tuple[int | None, ...] | None, size: int, name: str, what: str, least: int
) -> Ints:
    """Code a tuple of optional limits as int64, -1 for unlimited."""
    if values is None:
        return np.full(size, _UNLIMITED, dtype=np.int64)
    if len(values) != size:
        raise ValueError(
            f"{name} has {len(values)} entries but the line needs {size} ({what}): give one "
            "entry each, None for unlimited."
        )
    coded = [
        _UNLIMITED if value is None else _count(value, f"An entry of {name}", least)
        for value in values
    ]
    return np.array(coded, dtype=np.int64).reshape(size)


def _check_times(times: Floats, name: str) -> None:
    if times.size == 0:
        return
    if not times.min() >= 0:  # also false for NaN
        raise ValueError(f"The {name} times hold negative or NaN values: durations must be >= 0.")
    if not np.isfinite(times.sum()):
        raise ValueError(f"The {name} times hold infinite values: give finite times.")


def _service(service: NDArray[np.floating], stations: int) -> Floats:
    times = np.ascontiguousarray(service, dtype=np.float64)
    if times.ndim != 2 or times.shape[0] != stations:
        raise ValueError(
            f"The service times have shape {times.shape}, not ({stations}, units): give one "
            "row per station."
        )
    _check_times(times, "service")
    return times


def _arrival(arrival: NDArray[np.floating], units: int) -> Floats:
    times = np.ascontiguousarray(arrival, dtype=np.float64)
    if times.shape != (units,):
        raise ValueError(
            f"The arrivals have shape {times.shape}, not ({units},): give one per unit."
        )
    _check_arrivals(times)
    return times


def _arrivals(arrival: NDArray[np.floating], replications: int, units: int) -> Floats:
    times = np.ascontiguousarray(arrival, dtype=np.float64)
    if times.ndim == 1:
        times = times.reshape(1, -1)
    if times.ndim != 2 or times.shape[1] != units or times.shape[0] not in (1, replications):
        raise ValueError(
            f"The arrivals have shape {np.shape(arrival)}, not ({replications}, {units}) or "
            f"({units},): give one row per replication, or one row for all."
        )
    _check_arrivals(times)
    return times


def _check_arrivals(times: Floats) -> None:
    if not np.isfinite(times).all():
        raise ValueError("The arrivals hold NaN or infinite values: give finite times.")
    if (np.diff(times, axis=-1) < 0).any():
        raise ValueError("The arrivals go backwards: give them in non-decreasing order.")


def _batches(plan: _Plan, units: int) -> int:
    return -(-units // plan.batch)


def _setup(setup: NDArray[np.floating] | None, plan: _Plan, units: int) -> Floats:
    """(M, B) setup times, or an unread (M, 1) table of zeros when the line has no setups."""
    if not plan.setups:
        return np.zeros((plan.stations, 1))
    times: Floats = _setups(setup, plan, 1, units)[0]
    return times


def _setups(
    setup: NDArray[np.floating] | None, plan: _Plan, replications: int, units: int
) -> Floats:
    """(R or 1, M, B) setup times; an unread (1, M, 1) table when the line has no setups."""
    if not plan.setups:
        return np.zeros((1, plan.stations, 1))
    batches = _batches(plan, units)
    if setup is None:
        raise ValueError(
            f"The line has setups but no setup times were given: give a ({plan.stations}, "
            f"{batches}) table of setup times per station and batch."
        )
    times = np.ascontiguousarray(setup, dtype=np.float64)
    if times.ndim == 2:
        times = times.reshape(1, *times.shape)
    wanted = (plan.stations, batches)
    if times.ndim != 3 or times.shape[1:] != wanted or times.shape[0] not in (1, replications):
        raise ValueError(
            f"The setup times have shape {np.shape(setup)}, not {wanted}: give one per "
            "station and batch (and per replication, or one table for all)."
        )
    _check_times(times, "setup")
    return times
