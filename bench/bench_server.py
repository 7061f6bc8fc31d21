"""Pull requests per second and latency of the team server, many clients over loopback.

``pullflow serve`` runs as its own process (uvicorn, the real command line) on a fresh
database; the clients run in other processes, a thread and a keep-alive ``httpx`` client each,
so they share no interpreter lock with the server. Each client has its own user and token,
made through the services before the server starts.

The board is ``Options, Build:4, Review:3, Done`` with a backlog in the options. Each client
loops: pull into Build (the next by policy), finish it, pull into Review (the next by policy,
often another client's item), finish and deliver that one into Done, and add one new item
to the options, so the backlog stays the same size all run long (pulling the next item from
the options reads every waiting item, so a backlog that shrank would change what is
measured). Pulls at a full stage, or with nothing finished upstream, are refused with 409;
those are counted apart from the 2xx answers. Any other answer (a 5xx, a 4xx) or a
connection error is a failure: it is printed and makes the exit status non-zero. A client
refused at both stages waits a moment before it tries again, as a person would.

Runs: SQLite with one worker and with several (SQLite serialises writers: the figures show
what that costs), PostgreSQL with several workers. After each run the board's events are
read back (``GET /boards/{board}/events``) and replayed: the WIP of every limited stage after
every event must be within its limit (``limit violations: 0``), and the replay must end where
the stored board is. The baseline, in the same run and on the same server, is one client
doing the same loop in sequence; the many-client rate is printed as a multiple of it.

Last, the web board page (``GET /b/{board}``, signed in with a session cookie) is timed with
500 items across the stages, in-process, against the JSON board (``GET /boards/{board}``).

    .venv/bin/python bench/bench_server.py              # full size: 32 clients, 20 s per run
    .venv/bin/python bench/bench_server.py --quick      # a short smoke run
    .venv/bin/python bench/bench_server.py --backend postgresql --workers 4 --seconds 30
"""

from __future__ import annotations

import argparse
import html.parser
import math
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import httpx
import psycopg

from pullflow.domain.board import Board
from pullflow.domain.needs import Needs
from pullflow.services import Event, PullSignal
from pullflow.services.accounts import Role, create_user, grant, issue_token
from pullflow.services.boards import create_board
from pullflow.services.unit import change, initialise_store

STAGES = "Options,Build:4,Review:3,Done"
LIMITS = {"Build": 4, "Review": 3}
PASSWORD = "bench password, long enough"
POSTGRES = os.environ.get(
    "PULLFLOW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
POOL_VARIABLE = "PULLFLOW_POOL_SIZE"
#: Server log lines worth showing: errors, tracebacks, lock and pool trouble.
TROUBLE = re.compile(
    r"Traceback|ERROR|Exception|database is locked|QueuePool|TimeoutError|OperationalError"
    r"|too many clients|deadlock",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- the clients


@dataclass
class Tally:
    """What clients did: latency of every answer by kind, statuses, refusals, failures."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    answered: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def note(self, kind: str, outcome: str, latency: float) -> None:
        self.latencies.setdefault(kind, []).append(latency)
        self.answered[f"{kind} {outcome}"] += 1

    def merge(self, other: Tally) -> None:
        for kind, values in other.latencies.items():
            self.latencies.setdefault(kind, []).extend(values)
        self.answered.update(other.answered)
        self.refusals.update(other.refusals)
        self.failures.update(other.failures)
        self.seconds = max(self.seconds, other.seconds)

    def every(self, *kinds: str) -> list[float]:
        chosen = kinds or tuple(self.latencies)
        return [value for kind in chosen for value in self.latencies.get(kind, [])]

    def count(self, outcome: str, *kinds: str) -> int:
        chosen = kinds or tuple(self.latencies)
        return sum(self.answered[f"{kind} {outcome}"] for kind in chosen)


@dataclass
class Loop:
    """One client's loop on the board, over one keep-alive connection."""

    http: httpx.Client
    board: str
    tally: Tally
    backoff: float
    sent: int = 0

    def send(self, kind: str, path: str, body: dict[str, Any] | None) -> dict[str, Any] | None:
        """POST; the JSON of a 2xx answer, None for a 409 or a failure (both counted)."""
        self.sent += 1
        start = time.perf_counter()
        try:
            answer = self.http.post(f"/boards/{self.board}{path}", json=body)
        except httpx.HTTPError as error:
            self.tally.failures[f"{kind}: {type(error).__name__}: {error}"] += 1
            return None
        latency = time.perf_counter() - start
        if answer.is_success:
            self.tally.note(kind, "2xx", latency)
            found: dict[str, Any] = answer.json()
            return found
        if answer.status_code == 409:
            self.tally.note(kind, "409", latency)
            self.tally.refusals[f"{kind}: {_problem_kind(answer)}"] += 1
            return None
        self.tally.note(kind, "failed", latency)
        self.tally.failures[f"{kind}: {answer.status_code} {_detail(answer)}"] += 1
        return None

    def round(self) -> None:
        """Pull into Build and finish; pull into Review and deliver; add one new item."""
        moved = False
        pulled = self.send("pull", "/pull", {"stage": "Build"})
        if pulled is not None:
            self.send("finish", f"/items/{_pulled_item(pulled)}/finish", None)
            moved = True
        pulled = self.send("pull", "/pull", {"stage": "Review"})
        if pulled is not None:
            delivered = self.send(
                "finish", f"/items/{_pulled_item(pulled)}/finish", {"deliver": True}
            )
            if delivered is not None:
                self.send("add", "/items", {"title": f"arrival {uuid.uuid4().hex[:8]}"})
            moved = True
        if not moved:
            time.sleep(self.backoff)


def _pulled_item(answer: dict[str, Any]) -> int:
    number: int = next(e["item"] for e in answer["events"] if e["type"] == "item.pulled")
    return number


def _problem_kind(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("type", "?")).rsplit(":", 1)[-1]
    except ValueError:
        return "not a problem+json answer"


def _detail(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("detail", answer.text[:200]))
    except ValueError:
        return answer.text[:200]


def client_thread(
    base: str, board: str, token: str, seconds: float, requests: int | None, backoff: float,
    start: threading.Barrier, tally: Tally,
) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120.0) as http:
        http.get("/boards")  # open the keep-alive connection before the clock starts
        loop = Loop(http, board, tally, backoff)
        start.wait(timeout=120)
        began = time.perf_counter()
        deadline = began + seconds
        while time.perf_counter() < deadline and (requests is None or loop.sent < requests):
            loop.round()
        tally.seconds = time.perf_counter() - began


def client_process(
    base: str, board: str, tokens: list[str], seconds: float, requests: int | None,
    backoff: float, barrier: Barrier, results: Any,
) -> None:  # fmt: skip
    """Run one thread per token; put their merged tally."""
    start = threading.Barrier(len(tokens) + 1)
    tallies = [Tally() for _ in tokens]
    threads = [
        threading.Thread(
            target=client_thread,
            args=(base, board, token, seconds, requests, backoff, start, tally),
        )
        for token, tally in zip(tokens, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=180)
    start.wait(timeout=120)
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    results.put(total)


def run_clients(
    base: str, board: str, tokens: list[str], processes: int, seconds: float,
    requests: int | None, backoff: float,
) -> Tally:  # fmt: skip
    forks = multiprocessing.get_context("spawn")
    count = min(processes, len(tokens))
    shares = [tokens[i::count] for i in range(count)]
    barrier = forks.Barrier(count + 1)
    results = forks.Queue()
    workers = [
        forks.Process(
            target=client_process,
            args=(base, board, share, seconds, requests, backoff, barrier, results),
        )
        for share in shares
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=180)
    total = Tally()
    for _ in workers:
        total.merge(results.get(timeout=seconds + 600))
    for worker in workers:
        worker.join()
    return total


# ---------------------------------------------------------------------------- the server


@dataclass
class Server:
    """A ``pullflow serve`` process and where its log goes."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(url: str, workers: int, pool: int | None, folder: Path) -> Iterator[Server]:
    """``pullflow serve`` on the database, ready when every worker has started."""
    port = _free_port()
    log = folder / f"server-{port}.log"
    environment = dict(os.environ)
    if pool is not None:
        environment[POOL_VARIABLE] = str(pool)
    command = [sys.executable, "-m", "pullflow", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--db", url]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environment)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_ready(server, workers)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_ready(server: Server, workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the server stopped at once:\n{server.log.read_text()[-2000:]}")
        started = server.log.read_text(errors="replace").count("Application startup complete")
        if started >= workers:
            try:
                httpx.get(f"{server.base}/boards", timeout=5)
                return
            except httpx.TransportError:
                pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not start in 60 s:\n{server.log.read_text()[-2000:]}")


def idle_round_trip(base: str, times: int = 20) -> str:
    """Median and longest of sequential keep-alive requests that touch no database."""
    seconds: list[float] = []
    with httpx.Client(base_url=base, timeout=30.0) as http:
        http.get("/boards")
        for _ in range(times):
            start = time.perf_counter()
            http.get("/boards")  # 401 without a token: transport, routing and one problem
            seconds.append(time.perf_counter() - start)
    return (
        f"median {statistics.median(seconds) * 1000:.2f} ms, longest {max(seconds) * 1000:.2f} ms "
        f"({times} keep-alive GET /boards without a token, one after another)"
    )


def server_trouble(log: Path, shown: int = 8) -> list[str]:
    """The distinct lines of the server's log that speak of an error, with their counts."""
    counts: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if TROUBLE.search(line):
            counts[line.strip()[:300]] += 1
    return [f"{count}× {line}" for line, count in counts.most_common(shown)]


# --------------------------------------------------------------------------- the boards


def add_backlog(url: str, board: str, items: int, stages: str = STAGES) -> None:
    """A board with ``items`` waiting in the options, added in one change."""
    store, _ = initialise_store(url)
    at = datetime.now(UTC)
    create_board(
        store.unit_of_work(),
        name=board,
        stages=stages,
        actor="bench",
        at=at,
        pull_signal=PullSignal.CAPACITY,
    )

    def add(target: Board) -> list[Event]:
        added: list[Event] = []
        for number in range(1, items + 1):
            added += target.add_item(f"option {number}", actor="bench", at=at)
        return added

    change(store.unit_of_work(), board, add)
    store.close()


def make_users(url: str, boards: list[str], count: int) -> tuple[list[str], list[str]]:
    """``count`` users, members of the boards, each with a token; their names and tokens."""
    store, _ = initialise_store(url)
    at = datetime.now(UTC)
    names, tokens = [], []
    for number in range(1, count + 1):
        name = f"client{number:02d}"
        create_user(store.unit_of_work(), name=name, password=PASSWORD, at=at)
        for board in boards:
            grant(store.unit_of_work(), board=board, user=name, role=Role.MEMBER, at=at, by="bench")
        _, secret = issue_token(store.unit_of_work(), user=name, boards=None, at=at)
        names.append(name)
        tokens.append(secret)
    store.close()
    return names, tokens


@dataclass
class Replay:
    """What replaying a board's events found."""

    events: int
    most: dict[str, int]
    violations: int
    exceeded_events: int
    matches: bool


def replay(base: str, board: str, token: str) -> Replay:
    """Replay the board's log: WIP of each limited stage after every event, and the end state."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=300.0) as http:
        log = http.get(f"/boards/{board}/events")
        log.raise_for_status()
        shown = http.get(f"/boards/{board}")
        shown.raise_for_status()
    where: dict[int, str] = {}
    wip: Counter[str] = Counter()
    most: Counter[str] = Counter()
    violations = exceeded = 0
    events = sorted(log.json(), key=lambda e: e["id"])
    for event in events:
        exceeded += event["type"] == "wip.exceeded"
        item = event["item"]
        if item is None or event["type"] not in {"item.pulled", "item.returned", "item.discarded"}:
            continue
        if item in where:
            wip[where.pop(item)] -= 1
        if event["type"] != "item.discarded" and event["to_stage"] is not None:
            stage = event["to_stage"]
            where[item] = stage
            wip[stage] += 1
            most[stage] = max(most[stage], wip[stage])
            violations += stage in LIMITS and wip[stage] > LIMITS[stage]
    stored = {s["name"]: s["wip"] for s in shown.json()["stages"] if s["name"] in LIMITS}
    matches = all(stored[stage] == wip[stage] for stage in LIMITS)
    return Replay(len(events), dict(most), violations, exceeded, matches)


# ----------------------------------------------------------------------------- databases


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    path = folder / f"bench-{uuid.uuid4().hex[:6]}.db"
    yield f"sqlite:///{path}"


@contextmanager
def postgres_database(folder: Path) -> Iterator[str]:
    """A fresh schema in the PostgreSQL database, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = POSTGRES.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in plain else "?"
    try:
        yield f"{plain}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def pool_settings(url: str, pool: int | None) -> str:
    """The connection pool each server worker opens, as the engine sets it up."""
    from pullflow.store.engine import make_engine

    before = os.environ.get(POOL_VARIABLE)
    if pool is not None:
        os.environ[POOL_VARIABLE] = str(pool)
    try:
        engine = make_engine(url)
    finally:
        if before is None:
            os.environ.pop(POOL_VARIABLE, None)
        else:
            os.environ[POOL_VARIABLE] = before
    size = getattr(engine.pool, "size", lambda: None)()
    overflow = getattr(engine.pool, "_max_overflow", None)
    engine.dispose()
    honoured = (
        "" if pool is None or size == pool else f" ({POOL_VARIABLE} is not read by this build)"
    )
    return f"pool_size {size}, max_overflow {overflow} per worker{honoured}"


# -------------------------------------------------------------------------------- report


def milliseconds(values: list[float], percent: float) -> str:
    """The nearest-rank percentile of latencies, in milliseconds."""
    if not values:
        return "—"
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * percent / 100))
    return f"{ordered[rank - 1] * 1000:.2f}"


def latency_line(label: str, tally: Tally, *kinds: str) -> str:
    values = tally.every(*kinds)
    rate = len(values) / tally.seconds if tally.seconds else 0.0
    return (
        f"    {label:<15} {rate:8.1f}/s   p50 {milliseconds(values, 50):>8} ms   "
        f"p99 {milliseconds(values, 99):>8} ms   2xx {tally.count('2xx', *kinds):7,d}   "
        f"409 {tally.count('409', *kinds):7,d}"
    )


def report_run(label: str, tally: Tally) -> bool:
    """Print one run's figures; False if any request failed."""
    print(f"  {label} ({tally.seconds:.1f} s):")
    print(latency_line("all requests", tally))
    print(latency_line("pulls", tally, "pull"))
    print(latency_line("finishes", tally, "finish"))
    print(latency_line("adds", tally, "add"))
    delivered = tally.answered["add 2xx"]
    print(f"    delivered into Done: {delivered / tally.seconds:.1f} items/s")
    if tally.refusals:
        refused = ", ".join(f"{what} {count:,}" for what, count in sorted(tally.refusals.items()))
        print(f"    409 refusals: {refused}")
    failed = sum(tally.failures.values())
    print(f"    failures (5xx, other 4xx, connection errors): {failed}")
    for problem, count in tally.failures.most_common(10):
        print(f"    !! {count}× {problem}")
    return failed == 0


def report_replay(found: Replay) -> bool:
    held = ", ".join(
        f"{stage} at most {found.most.get(stage, 0)}/{LIMITS[stage]}" for stage in LIMITS
    )
    print(
        f"    limit violations: {found.violations} ({found.events:,} events replayed; {held}; "
        f"wip.exceeded events: {found.exceeded_events}; replay matches the board: "
        f"{found.matches})"
    )
    return found.violations == 0 and found.exceeded_events == 0 and found.matches


def rate_of(tally: Tally, outcome: str | None = None) -> float:
    if outcome is None:
        return len(tally.every()) / tally.seconds if tally.seconds else 0.0
    return tally.count(outcome) / tally.seconds if tally.seconds else 0.0


# ---------------------------------------------------------------------------- one config


@dataclass
class Settings:
    clients: int
    seconds: float
    requests: int | None
    backlog: int
    processes: int
    backoff: float
    pool: int | None


def bench_config(kind: str, url: str, workers: int, settings: Settings, folder: Path) -> bool:
    """The sequential baseline and the many-client run on one server; True if all held."""
    tag = uuid.uuid4().hex[:6]
    solo, many = f"solo-{tag}", f"flow-{tag}"
    add_backlog(url, solo, settings.backlog)
    add_backlog(url, many, settings.backlog)
    _, tokens = make_users(url, [solo, many], settings.clients)
    plural = "s" if workers > 1 else ""
    print(f"\n{kind}, {workers} worker{plural} (load average now {_load()}):")
    if kind == "postgresql":
        print(f"  connection pool: {pool_settings(url, settings.pool)}")
    ok = True
    with running_server(url, workers, settings.pool, folder) as server:
        print(f"  idle round trip: {idle_round_trip(server.base)}")
        common = (settings.seconds, settings.requests, settings.backoff)
        baseline = run_clients(server.base, solo, tokens[:1], 1, *common)
        ok &= report_run("baseline: 1 client in sequence", baseline)
        ok &= report_replay(replay(server.base, solo, tokens[0]))
        tally = run_clients(server.base, many, tokens, settings.processes, *common)
        ok &= report_run(f"{settings.clients} clients at once", tally)
        ok &= report_replay(replay(server.base, many, tokens[0]))
        base_all, base_ok = rate_of(baseline), rate_of(baseline, "2xx")
        if base_all and base_ok:
            print(
                f"  ratio to the baseline: requests/s {rate_of(tally) / base_all:.2f}×, "
                f"2xx answers/s {rate_of(tally, '2xx') / base_ok:.2f}×; "
                f"p50 latency {_p50_ratio(tally, baseline)}"
            )
    print(f"  load average after the runs: {_load()} (other work on the machine counts too)")
    trouble = server_trouble(server.log)
    print(f"  server log: {'nothing amiss' if not trouble else 'these lines:'}")
    for line in trouble:
        print(f"    {line}")
    return ok


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _p50_ratio(tally: Tally, baseline: Tally) -> str:
    ours, theirs = statistics.median(tally.every()), statistics.median(baseline.every())
    return f"{ours * 1000:.2f} ms vs {theirs * 1000:.2f} ms ({ours / theirs:.1f}×)"


# ------------------------------------------------------------------------- the web board


def spread(url: str, board: str, items: int) -> dict[str, int]:
    """A board with ``items`` across its stages and lanes, made in one change; the counts."""
    counts = {
        "Options": items - round(items * 0.24) - round(items * 0.2) - round(items * 0.26),
        "Build": round(items * 0.24),
        "Review": round(items * 0.2),
        "Done": round(items * 0.26),
    }
    limits = f"Options,Build:{counts['Build'] + 10},Review:{counts['Review'] + 10},Done"
    add_backlog(url, board, items, stages=limits)
    store, _ = initialise_store(url)
    at = datetime.now(UTC)
    done, review, build = counts["Done"], counts["Review"], counts["Build"]

    def move(target: Board) -> list[Event]:
        moved: list[Event] = []
        for number in range(1, done + review + build + 1):
            moved += target.pull("Build", item=number, actor="bench", at=at)
            if number > done + review and number % 2:
                continue  # stays in Build's doing lane
            moved += target.finish(number, actor="bench", at=at)
            if number > done + review:
                continue  # waits in Build's done lane
            moved += target.pull("Review", item=number, actor="bench", at=at)
            if number > done and number % 2:
                continue  # stays in Review's doing lane
            moved += target.finish(number, deliver=number <= done, actor="bench", at=at)
        return moved

    change(store.unit_of_work(), board, move, lambda target: Needs.of(target.stages))
    store.close()
    return counts


class FormReader(html.parser.HTMLParser):
    """The fields of a page's forms: each input's attributes and the text of its label."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.labels: dict[str, str] = {}
        self._label: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({"action": found.get("action", ""), "inputs": []})
        elif tag in {"input", "textarea", "select"} and self.forms:
            self.forms[-1]["inputs"].append(found)
            if self._label is not None:
                self._label["inputs"].append(found)
        elif tag == "label":
            self._label = {"for": found.get("for"), "text": [], "inputs": []}

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label["text"].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "label" or self._label is None:
            return
        text = " ".join("".join(self._label["text"]).split())
        if self._label["for"]:
            self.labels[self._label["for"]] = text
        for wrapped in self._label["inputs"]:
            wrapped["label"] = text
        self._label = None


def sign_in_form(page: str, user: str, password: str) -> tuple[str, dict[str, str]]:
    """The sign-in form's action and the fields to send, found by their labels."""
    reader = FormReader()
    reader.feed(page)
    for form in reader.forms:
        fields: dict[str, str] = {}
        for field_ in form["inputs"]:
            name = field_.get("name")
            if not name:
                continue
            label = (field_.get("label") or reader.labels.get(field_.get("id", ""), "")).lower()
            if label.startswith("user name"):
                fields[name] = user
            elif label.startswith("password"):
                fields[name] = password
            elif field_.get("type") == "hidden":
                fields[name] = field_.get("value", "")
        if password in fields.values() and user in fields.values():
            return form["action"] or "/sign-in", fields
    raise SystemExit("the sign-in page has no form with User name and Password fields")


def bench_render(kind: str, url: str, items: int, renders: int) -> bool:
    """Time the board page and the JSON board with ``items`` across the stages."""
    try:
        from pullflow.api import create_app
    except ImportError as error:
        print(f"\nweb board ({kind}): not available in this build ({error})")
        return True

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    board = f"render-{uuid.uuid4().hex[:6]}"
    counts = spread(url, board, items)
    (user,), (token,) = make_users_named(url, [board], f"reader{board[-6:]}")
    shown = ", ".join(f"{stage} {count}" for stage, count in counts.items())
    print(f"\nweb board ({kind}), {items} items ({shown}), {renders} renders each, in-process:")
    with TestClient(create_app(url)) as client:
        form = client.get("/sign-in")
        if form.status_code == 404:
            print("  not available in this build: GET /sign-in is 404")
            return True
        action, fields = sign_in_form(form.text, user, PASSWORD)
        signed = client.post(action, data=fields, follow_redirects=False)
        if signed.status_code >= 400:
            print(f"  !! sign-in refused: {signed.status_code} {signed.text[:300]}")
            return False
        page = _timed(lambda: client.get(f"/b/{board}", follow_redirects=False), renders)
        answer = _timed(
            lambda: client.get(f"/boards/{board}", headers={"Authorization": f"Bearer {token}"}),
            renders,
        )
    shows = f"option {items}" in page.text  # the last item added, still in the options
    ok = page.status == 200 and answer.status == 200 and "html" in page.content_type and shows
    for label, timing in (("GET /b/{board} (page)", page), ("GET /boards/{board} (JSON)", answer)):
        print(
            f"  {label:<27} median {timing.median * 1000:8.2f} ms   "
            f"p95 {timing.p95 * 1000:8.2f} ms   {timing.size / 1024:7.1f} KiB   "
            f"status {timing.status}"
        )
    print(f"  the page takes {page.median / answer.median:.2f}× the JSON board's median time")
    if not ok:
        print(
            f"  !! the page answered {page.status} {page.content_type}, "
            f"showing the options' last item: {shows}"
        )
    return ok


def make_users_named(url: str, boards: list[str], name: str) -> tuple[list[str], list[str]]:
    store, _ = initialise_store(url)
    at = datetime.now(UTC)
    create_user(store.unit_of_work(), name=name, password=PASSWORD, at=at)
    for board in boards:
        grant(store.unit_of_work(), board=board, user=name, role=Role.MEMBER, at=at, by="bench")
    _, secret = issue_token(store.unit_of_work(), user=name, boards=None, at=at)
    store.close()
    return [name], [secret]


@dataclass
class Timing:
    median: float
    p95: float
    size: int
    status: int
    content_type: str
    text: str


def _timed(get: Callable[[], httpx.Response], times: int) -> Timing:
    get()  # warm caches and templates
    seconds: list[float] = []
    answer = None
    for _ in range(times):
        start = time.perf_counter()
        answer = get()
        seconds.append(time.perf_counter() - start)
    assert answer is not None
    ordered = sorted(seconds)
    p95 = ordered[max(1, math.ceil(len(ordered) * 0.95)) - 1]
    kind = answer.headers.get("content-type", "")
    return Timing(
        statistics.median(seconds), p95, len(answer.content), answer.status_code, kind, answer.text
    )


# ---------------------------------------------------------------------------------- main


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0, help="Length of each run.")
    parser.add_argument(
        "--requests", type=int, default=None, help="Stop each client after this many requests."
    )
    parser.add_argument("--workers", type=int, default=4, help="Server workers for several.")
    parser.add_argument("--items", type=int, default=500, help="Items on the rendered board.")
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--backlog", type=int, default=500, help="Items waiting in the options.")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--backoff", type=float, default=0.01, help="Seconds, when refused.")
    parser.add_argument(
        "--pool-size", type=int, default=None, help=f"{POOL_VARIABLE} for PostgreSQL workers."
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="A short smoke run.")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.seconds, args.workers = 4, 1.0, 2
        args.items, args.renders, args.backlog, args.client_processes = 40, 3, 40, 2
    if args.pool_size is None:
        args.pool_size = math.ceil(args.clients / args.workers) + 2
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    cores = os.cpu_count() or 1
    print(
        f"pullflow server benchmark on {cores} cores, Python {sys.version.split()[0]}: "
        f"{args.clients} clients in {min(args.client_processes, args.clients)} processes share "
        f"these {cores} cores with the server and the database, which bounds every figure below"
    )
    print(
        f"board {STAGES}, {args.backlog} items kept waiting in the options; "
        f"{args.seconds:g} s per run; a client refused at both stages waits "
        f"{args.backoff * 1000:g} ms; latencies are nearest-rank percentiles"
    )
    settings = Settings(
        args.clients,
        args.seconds,
        args.requests,
        args.backlog,
        args.client_processes,
        args.backoff,
        args.pool_size,
    )
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    with tempfile.TemporaryDirectory(prefix="pullflow-bench-") as folder:
        here = Path(folder)
        for kind in kinds:
            database = sqlite_database if kind == "sqlite" else postgres_database
            counts = [1, args.workers] if kind == "sqlite" and args.workers > 1 else [args.workers]
            for workers in counts:
                with database(here) as url:
                    ok &= bench_config(kind, url, workers, settings, here)
            with database(here) as url:
                ok &= bench_render(kind, url, args.items, args.renders)
    print("\nAll runs held: no failures, no limit violations." if ok else "\nSome runs FAILED.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
