"""The event-driven engine: a process-based SimPy model of a serial line.

It has two jobs. In the tests it is the oracle the exact recursions (``pullflow.sim.lines``)
are checked against, fed the same draws; and where a line leaves what the recursions can
express (parallel servers together with places, kanban cards or a CONWIP cap), it is the
engine that runs it, more slowly, and the output says so.

Every job is a SimPy process and every limit is a SimPy resource, so nothing here repeats the
engine's recursions; the model only says what happens to one job:

- it waits for its arrival time, then for a CONWIP card of the line (``conwip``: one
  ``Resource`` of W cards, given back when the job leaves the last station) and for a kanban
  card of station 0; the moment it has them is its *release* into the line;
- at each station it queues for a server (``Resource`` of ``servers[i]`` servers, FCFS), spends
  the setup of its batch if it is the first unit of one, then its drawn service time;
- when done it leaves the station only once it has (in this order) a kanban card of the next
  station (``Resource`` of K cards per station, taken on entering it and given back on
  entering the one after) and a place downstream: a place in the buffer after the station
  (``Resource`` of b places, given back when the job gets the next server), or, with no
  places at all (b = 0), the next station's server itself. All the while it holds its server:
  blocking after service;
- with transfer batches of k units it gives its server back as soon as it is done, waits until
  every unit of its batch is done there (an ``Event`` per station and batch), and only then
  asks for the places and cards above and leaves.

It records when each job is released, starts, is done and leaves at every station, the time
servers spend blocked and busy, and how many events SimPy processed (for the benchmark).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from pullflow.sim.lines import Timeline


@dataclass(frozen=True)
class Record:
    """What the model saw: the same fields as the engine's Timeline, plus the events it ran."""

    release: NDArray[np.float64]  # (N,)
    start: NDArray[np.float64]  # (M, N) the service start, after the setup of its batch
    done: NDArray[np.float64]  # (M, N)
    leave: NDArray[np.float64]  # (M, N)
    blocked: NDArray[np.float64]  # (M,) time done jobs held a server
    busy: NDArray[np.float64]  # (M,) service and setup time
    events: int  # events SimPy scheduled and processed


def run_events(
    line: Any, service: NDArray[np.float64], arrival: NDArray[np.float64], setup: Any = None
) -> Timeline:
    """Run a line on the event-driven engine, as a ``Timeline`` like the recursions give."""
    record = simulate_line(line, service, arrival, setup)
    return Timeline(
        release=record.release,
        start=record.start,
        done=record.done,
        leave=record.leave,
        blocked=record.blocked,
        busy=record.busy,
        engine="event-driven",
    )


def simulate_line(
    line: Any, service: NDArray[np.float64], arrival: NDArray[np.float64], setup: Any = None
) -> Record:
    """Run the model for anything with the fields of ``pullflow.sim.lines.Line``."""
    stations = int(line.stations)
    if service.shape[0] != stations:
        raise ValueError(f"service has {service.shape[0]} rows for {stations} stations")
    return simulate(
        service,
        arrival,
        buffers=line.buffers,
        kanban=line.kanban,
        conwip=line.conwip,
        servers=line.servers,
        batch=line.batch,
        setup=setup if line.setups else None,
    )


def simulate(
    service: NDArray[np.float64],
    arrival: NDArray[np.float64],
    *,
    buffers: Sequence[int | None] | None = None,
    kanban: Sequence[int | None] | None = None,
    conwip: int | None = None,
    servers: Sequence[int] | None = None,
    batch: int = 1,
    setup: NDArray[np.float64] | None = None,
) -> Record:
    """Run the model: service (M, N) drawn times, arrival (N,) earliest releases."""
    model = _Model(service, arrival, buffers, kanban, conwip, servers, batch, setup)
    return model.run()


class _Model:
    def __init__(
        self,
        service: NDArray[np.float64],
        arrival: NDArray[np.float64],
        buffers: Sequence[int | None] | None,
        kanban: Sequence[int | None] | None,
        conwip: int | None,
        servers: Sequence[int] | None,
        batch: int,
        setup: NDArray[np.float64] | None,
    ) -> None:
        self.env = simpy.Environment()
        stations, jobs = service.shape
        self.stations, self.jobs = stations, jobs
        # Plain Python floats: SimPy's clock then adds exactly as the engine's float64 does.
        self.service: list[list[float]] = np.asarray(service, dtype=float).tolist()
        self.arrival: list[float] = np.asarray(arrival, dtype=float).tolist()
        self.setup = None if setup is None else np.asarray(setup, dtype=float).tolist()
        self.batch = batch
        env = self.env
        counts = servers if servers is not None else (1,) * stations
        self.servers = [simpy.Resource(env, capacity=c) for c in counts]
        between = list(buffers) if buffers is not None else [None] * (stations - 1)
        # places[i]: the buffer after station i; None when unlimited or when it has no place.
        self.places = [simpy.Resource(env, b) if b else None for b in between] + [None]
        self.no_place = [b == 0 for b in between] + [False]
        cards = kanban if kanban is not None else (None,) * stations
        self.cards = [None if k is None else simpy.Resource(env, capacity=k) for k in cards]
        self.conwip = None if conwip is None else simpy.Resource(env, capacity=conwip)
        self.unfinished: dict[tuple[int, int], int] = {}
        self.batch_done: dict[tuple[int, int], simpy.Event] = {}
        self.release = [0.0] * jobs
        self.start = [[0.0] * jobs for _ in range(stations)]
        self.done = [[0.0] * jobs for _ in range(stations)]
        self.leave = [[0.0] * jobs for _ in range(stations)]
        self.blocked = [0.0] * stations
        self.busy = [0.0] * stations
        self.finished = 0

    def run(self) -> Record:
        for j in range(self.jobs):
            self.env.process(self.job(j))
        self.env.run()
        if self.finished != self.jobs:
            inside = self.jobs - self.finished
            raise RuntimeError(f"the line stopped with {inside} jobs inside (a deadlock)")
        return Record(
            release=np.array(self.release),
            start=np.array(self.start).reshape(self.stations, self.jobs),
            done=np.array(self.done).reshape(self.stations, self.jobs),
            leave=np.array(self.leave).reshape(self.stations, self.jobs),
            blocked=np.array(self.blocked),
            busy=np.array(self.busy),
            events=next(self.env._eid),  # SimPy numbers every event it schedules
        )

    def job(self, j: int) -> Generator[simpy.Event, Any, None]:
        env = self.env
        yield env.timeout(self.arrival[j])
        line_card = None
        if self.conwip is not None:
            line_card = self.conwip.request()
            yield line_card
        card = None
        if self.cards[0] is not None:
            card = self.cards[0].request()
            yield card
        self.release[j] = env.now
        server = None  # the server of the station it is entering, when it already holds it
        place = None  # its place in the buffer before the station it is entering
        for i in range(self.stations):
            if server is None:
                server = self.servers[i].request()
                yield server
            if place is not None:
                place.resource.release(place)
                place = None
            yield from self.work(i, j)
            if self.batch > 1:
                self.servers[i].release(server)
                server = None
                yield from self.wait_for_batch(i, j)
            next_card = next_server = None
            if i + 1 < self.stations:
                cards, places = self.cards[i + 1], self.places[i]
                if cards is not None:
                    next_card = cards.request()
                    yield next_card
                if places is not None:
                    place = places.request()
                    yield place
                elif self.no_place[i]:
                    next_server = self.servers[i + 1].request()
                    yield next_server
            self.leave[i][j] = env.now
            if server is not None:
                self.blocked[i] += env.now - self.done[i][j]
                self.servers[i].release(server)
            if card is not None:
                card.resource.release(card)
            card, server = next_card, next_server
        if line_card is not None:
            line_card.resource.release(line_card)
        self.finished += 1

    def work(self, i: int, j: int) -> Generator[simpy.Event, Any, None]:
        """The setup if j opens a batch, then the service; the server is held throughout."""
        env = self.env
        if self.setup is not None and j % self.batch == 0:
            changeover = self.setup[i][j // self.batch]
            yield env.timeout(changeover)
            self.busy[i] += changeover
        self.start[i][j] = env.now
        yield env.timeout(self.service[i][j])
        self.done[i][j] = env.now
        self.busy[i] += self.service[i][j]

    def wait_for_batch(self, i: int, j: int) -> Generator[simpy.Event, Any, None]:
        """Wait until every unit of j's transfer batch is done at station i."""
        key = (i, j // self.batch)
        if key not in self.batch_done:
            first = key[1] * self.batch
            self.unfinished[key] = min(self.batch, self.jobs - first)
            self.batch_done[key] = self.env.event()
        self.unfinished[key] -= 1
        event = self.batch_done[key]
        if self.unfinished[key] == 0:
            event.succeed()
            del self.batch_done[key], self.unfinished[key]
        yield event
