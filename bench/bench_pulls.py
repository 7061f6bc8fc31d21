"""Pulls per second and latency, one client and many processes, on SQLite and PostgreSQL.

Each client works on the same board (``Options, Build:8, Done``) through the real use cases:
it pulls one of its own cards into Build by number (refused while Build is at its limit), and
once in, finishes and delivers it into Done. Each of those is one locked transaction that
pulls one item, so pulls per second = transactions per second. After every run the events are
replayed to check that Build never held more than its limit and that the replay matches the
stored board.

In the same run the baseline is PostgreSQL's own rate for a locked single-row update
(``BEGIN; SELECT … FOR UPDATE; UPDATE …; COMMIT`` in a psycopg loop, the same number of
processes): the ceiling for any change that serialises on one row, which every change to one
board does. Our rate is printed as a share of it (target: at least 25% with 16 clients).
For SQLite the same loop on one file with ``BEGIN IMMEDIATE`` is printed for reference.

    python3 dev.py bench                 # or: .venv/bin/python bench/bench_pulls.py
    python bench/bench_pulls.py --seconds 5 --clients 16 --backend postgresql
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import psycopg

from pullflow.domain.board import Board
from pullflow.services import DomainError, Refused
from pullflow.services.boards import create_board
from pullflow.services.flow import finish_item, pull_item
from pullflow.services.queries import board_history
from pullflow.services.unit import initialise_store, open_store

LIMIT = 8
#: Seconds a client refused at the limit waits before pulling again.
BACKOFF = 0.02
STAGES = f"Options,Build:{LIMIT},Done"
POSTGRES = os.environ.get(
    "PULLFLOW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass
class Tally:
    """What one client did: latencies of pulls in, of deliveries, and refusals."""

    pulled: list[float] = field(default_factory=list)
    delivered: list[float] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.pulled += other.pulled
        self.delivered += other.delivered
        self.refused += other.refused
        self.errors += other.errors


def client(
    url: str, board: str, cards: list[int], seconds: float, barrier: Barrier, results: Any
) -> None:
    """Pull own cards into Build and deliver them until time is up."""
    store = open_store(url)
    tally = Tally()
    barrier.wait(timeout=120)
    deadline = time.perf_counter() + seconds
    queue = iter(cards)
    card: int | None = next(queue)
    while card is not None and time.perf_counter() < deadline:
        at = datetime.now(UTC)
        start = time.perf_counter()
        try:
            pull_item(store.unit_of_work(), board=board, stage="Build", item=card, actor="b", at=at)
        except Refused:
            tally.refused.append(time.perf_counter() - start)
            time.sleep(BACKOFF)  # told Build is full, a person does something else first
            continue
        except DomainError as error:
            tally.errors.append(error.message)
            break
        tally.pulled.append(time.perf_counter() - start)
        start = time.perf_counter()
        finish_item(store.unit_of_work(), board=board, item=card, deliver=True, actor="b", at=at)
        tally.delivered.append(time.perf_counter() - start)
        card = next(queue, None)
        if card is None:
            tally.errors.append("ran out of cards")
    store.close()
    results.put(tally)


def run_clients(
    url: str, board: str, clients: int, seconds: float, cards: int
) -> tuple[Tally, float]:
    forks = multiprocessing.get_context("forkserver")
    forks.set_forkserver_preload(["pullflow.services.flow", "psycopg", "sqlalchemy"])
    barrier = forks.Barrier(clients + 1)
    results = forks.Queue()
    share = [list(range(first, cards + 1, clients)) for first in range(1, clients + 1)]
    workers = [
        forks.Process(target=client, args=(url, board, share[i], seconds, barrier, results))
        for i in range(clients)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    began = time.perf_counter()
    total = Tally()
    for _ in workers:
        total.merge(results.get(timeout=seconds + 120))
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    return total, min(elapsed, seconds + 1.0)


def prepare_board(url: str, name: str, cards: int) -> None:
    store, _ = initialise_store(url)
    create_board(
        store.unit_of_work(), name=name, stages=STAGES, actor="bench", at=datetime.now(UTC)
    )
    uow = store.unit_of_work()
    with uow:  # one transaction for the backlog: the same domain verbs, batched
        board = uow.boards.lock(name)
        at = datetime.now(UTC)
        for number in range(1, cards + 1):
            board.add_item(f"card {number}", actor="bench", at=at)
        uow.commit()
    store.close()


def violations(url: str, board: str) -> tuple[int, int, bool]:
    """Replay the board's events: most cards Build ever held, pulls, and replay == stored."""
    store = open_store(url)
    stored, history = board_history(store.unit_of_work(), board=board)
    wip = most = pulls = 0
    for entry in history:
        event = entry.event
        if event.type.value != "item.pulled":
            continue
        pulls += 1
        if event.to_stage == "Build":
            wip += 1
        if event.from_stage == "Build":
            wip -= 1
        most = max(most, wip)
    same = _state(Board.replay(e.event for e in history)) == _state(stored)
    store.close()
    return most, pulls, same


def _state(board: Board) -> list[tuple[int, str, str, str]]:
    return sorted((i.number, i.stage.name, i.lane.value, i.state.value) for i in board.items)


# ------------------------------------------------------------------------ the baselines


def ceiling_client(kind: str, target: str, seconds: float, barrier: Barrier, results: Any) -> None:
    """Locked single-row updates as fast as the database allows; put their latencies."""
    run = postgres_updates if kind == "postgresql" else sqlite_updates
    results.put(run(target, seconds, barrier))


def postgres_updates(target: str, seconds: float, barrier: Barrier) -> list[float]:
    latencies: list[float] = []
    with psycopg.connect(target) as connection:
        barrier.wait(timeout=120)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            with connection.transaction():
                connection.execute("SELECT v FROM pullflow_ceiling WHERE id = 1 FOR UPDATE")
                connection.execute("UPDATE pullflow_ceiling SET v = v + 1 WHERE id = 1")
            latencies.append(time.perf_counter() - start)
    return latencies


def sqlite_updates(target: str, seconds: float, barrier: Barrier) -> list[float]:
    latencies: list[float] = []
    connection = sqlite3.connect(target, timeout=60, isolation_level=None)
    barrier.wait(timeout=120)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("SELECT v FROM pullflow_ceiling WHERE id = 1").fetchone()
        connection.execute("UPDATE pullflow_ceiling SET v = v + 1 WHERE id = 1")
        connection.execute("COMMIT")
        latencies.append(time.perf_counter() - start)
    connection.close()
    return latencies


def ceiling(kind: str, target: str, clients: int, seconds: float) -> tuple[float, list[float]]:
    setup = [
        "DROP TABLE IF EXISTS pullflow_ceiling",
        "CREATE TABLE pullflow_ceiling (id int PRIMARY KEY, v bigint)",
        "INSERT INTO pullflow_ceiling VALUES (1, 0)",
    ]
    if kind == "postgresql":
        with psycopg.connect(target, autocommit=True) as server:
            for statement in setup:
                server.execute(statement)
    else:
        local = sqlite3.connect(target, isolation_level=None)
        local.execute("PRAGMA journal_mode = WAL")
        for statement in setup:
            local.execute(statement)
        local.close()
    forks = multiprocessing.get_context("forkserver")
    barrier = forks.Barrier(clients + 1)
    results = forks.Queue()
    workers = [
        forks.Process(target=ceiling_client, args=(kind, target, seconds, barrier, results))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    latencies: list[float] = []
    for _ in workers:
        latencies += results.get(timeout=seconds + 60)
    for worker in workers:
        worker.join()
    return len(latencies) / seconds, latencies


# ------------------------------------------------------------------------- databases


@contextmanager
def sqlite_database() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="pullflow-bench-") as folder:
        path = Path(folder) / "bench.db"
        yield f"sqlite:///{path}", str(Path(folder) / "ceiling.db")


@contextmanager
def postgres_database() -> Iterator[tuple[str, str]]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = POSTGRES.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in plain else "?"
    try:
        yield (
            f"{plain}{separator}options=-csearch_path%3D{schema}",
            f"{plain}{separator}options=-csearch_path%3D{schema}",
        )
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


# ---------------------------------------------------------------------------- report


def milliseconds(values: list[float], percent: float) -> str:
    """The nearest-rank percentile of latencies, in milliseconds."""
    if not values:
        return "—"
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return f"{ordered[int(rank) - 1] * 1000:.2f}"


def report_line(label: str, tally: Tally, seconds: float) -> float:
    pulls = tally.pulled + tally.delivered
    rate = len(pulls) / seconds
    print(
        f"  {label:<12} {rate:9.1f} pulls/s   p50 {milliseconds(pulls, 50):>7} ms   "
        f"p99 {milliseconds(pulls, 99):>7} ms   refused at the limit: {len(tally.refused):6d} "
        f"(p50 {milliseconds(tally.refused, 50)} ms)"
    )
    for problem in sorted(set(tally.errors)):
        print(f"  !! {problem}")
    return rate


def bench_backend(kind: str, clients: list[int], seconds: float) -> dict[int, tuple[float, float]]:
    database: Callable[[], Any] = sqlite_database if kind == "sqlite" else postgres_database
    print(
        f"\n{kind}: board {STAGES}, {seconds:g} s per run; pulls = pulls into Build and "
        "deliveries into Done (finish --deliver), one locked transaction each"
    )
    rates: dict[int, tuple[float, float]] = {}
    with database() as (url, baseline_target):
        for count in clients:
            board = f"bench{count}"
            cards = int(seconds * 600) + 500
            prepare_board(url, board, cards)
            tally, elapsed = run_clients(url, board, count, seconds, cards)
            rate = report_line(f"{count} client{'s' if count > 1 else ''}", tally, elapsed)
            most, pulls, same = violations(url, board)
            verdict = "none" if most <= LIMIT else f"{most - LIMIT} OVER THE LIMIT"
            print(
                f"  {'':<12} checked {pulls} pulls: Build held at most {most}/{LIMIT} "
                f"(violations: {verdict}); replay matches the stored board: {same}"
            )
            base_rate, base_latencies = ceiling(kind, baseline_target, count, seconds)
            print(
                f"  {'baseline':<12} {base_rate:9.1f} locked single-row updates/s "
                f"(p50 {milliseconds(base_latencies, 50)} ms), {count} "
                f"client{'s' if count > 1 else ''}: pullflow reaches {rate / base_rate:.1%} of it"
            )
            rates[count] = (rate, base_rate)
            if most > LIMIT or not same:
                raise SystemExit("limit violated or replay differs: see above")
    return rates


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"pullflow pull benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    summary = {kind: bench_backend(kind, args.clients, args.seconds) for kind in kinds}
    if "postgresql" in summary and max(args.clients) >= 16:
        rate, base = summary["postgresql"][max(args.clients)]
        share = rate / base
        verdict = "met" if share >= 0.25 else "MISSED"
        print(
            f"\nPostgreSQL, {max(args.clients)} clients: {rate:.1f} pulls/s = {share:.1%} of the "
            f"locked-update ceiling ({base:.1f}/s); target 25%: {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
