"""Who may call what: every operation of the API against every kind of caller.

``MATRIX`` names each operation of the OpenAPI description (a test walks the application's
routes, so a route left out of it fails) with what it needs (a role on the board, a site
admin, or only a signed-in user) and a request that works on the fixtures' boards. Each
operation is then sent by every caller: without a token, as a viewer, a member and an admin of
board main, as a member of board other only, as a site admin, and with a site admin's token
limited to board other. An allowed call must succeed (and a change must change something);
a refused one must be refused for the expected reason and write nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from pullflow.services import FiveWhys
from pullflow.services.accounts import Role, create_user, grant, issue_token, tokens, users
from pullflow.services.andon import resume_line, stop_line
from pullflow.services.boards import set_limit
from pullflow.services.flow import add_item, block_item, finish_item, pull_item
from pullflow.services.learning import link_item, start_experiment, state_hypothesis
from pullflow.services.queries import (
    board_names,
    event_log,
    experiments_view,
    hypotheses_view,
    stops_view,
)
from tests.api.conftest import FIVE_WHYS, PASSWORD, Api

#: Outcome classes.
ALLOWED = "allowed"
NO_TOKEN = "401"
CANNOT_READ = "403, a board they cannot read"
TOO_LOW = "403, a role too low"

#: Callers: the user whose token is sent (None: no token; "scoped": root's token for other).
CALLERS = ("none", "vic", "ana", "adm", "bo", "root", "scoped")

#: What each kind of operation lets each caller do (callers on board main).
EXPECTED: dict[str, dict[str, str]] = {
    "read": {
        "none": NO_TOKEN,
        "vic": ALLOWED,
        "ana": ALLOWED,
        "adm": ALLOWED,
        "bo": CANNOT_READ,
        "root": ALLOWED,
        "scoped": CANNOT_READ,
    },
    "change": {
        "none": NO_TOKEN,
        "vic": TOO_LOW,
        "ana": ALLOWED,
        "adm": ALLOWED,
        "bo": CANNOT_READ,
        "root": ALLOWED,
        "scoped": CANNOT_READ,
    },
    "admin": {
        "none": NO_TOKEN,
        "vic": TOO_LOW,
        "ana": TOO_LOW,
        "adm": ALLOWED,
        "bo": CANNOT_READ,
        "root": ALLOWED,
        "scoped": CANNOT_READ,
    },
    "site admin": {
        "none": NO_TOKEN,
        "vic": TOO_LOW,
        "ana": TOO_LOW,
        "adm": TOO_LOW,
        "bo": TOO_LOW,
        "root": ALLOWED,
        "scoped": TOO_LOW,
    },
    "signed in": dict.fromkeys(CALLERS, ALLOWED) | {"none": NO_TOKEN},
}

#: The words of each 403 class.
REASONS = {
    CANNOT_READ: re.compile(
        r"you have no role on a board of that name|with this token: it does not cover"
    ),
    TOO_LOW: re.compile(
        r"that takes the (member|admin) role|^Only a site admin may|^A token limited to some "
        r"boards may not"
    ),
}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None


class World:
    """Set-up made through the services (as "setup"), for the calls to work on."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.count = 0

    def uow(self) -> Any:
        return self.api.store.unit_of_work()

    @property
    def at(self) -> Any:
        return self.api.clock.now

    def next(self) -> int:
        self.count += 1
        return self.count

    def item(self) -> int:
        outcome = add_item(
            self.uow(), board="main", title=f"item {self.next()}", actor="setup", at=self.at
        )
        number = outcome.events[0].item
        assert number is not None
        return number

    def in_build(self) -> int:
        number = self.item()
        pull_item(self.uow(), board="main", stage="Build", item=number, actor="setup", at=self.at)
        return number

    def in_measure(self) -> int:
        number = self.in_build()
        finish_item(self.uow(), board="main", item=number, actor="setup", at=self.at)
        pull_item(self.uow(), board="main", stage="Measure", item=number, actor="setup", at=self.at)
        return number

    def blocked(self) -> int:
        number = self.in_build()
        block_item(self.uow(), board="main", item=number, reason="x", actor="setup", at=self.at)
        return number

    def delivered(self, count: int) -> None:
        for _ in range(count):
            number = self.in_build()
            self.api.clock(days=1)
            finish_item(self.uow(), board="main", item=number, actor="setup", at=self.at)
            pull_item(
                self.uow(), board="main", stage="Measure", item=number, actor="setup", at=self.at
            )
            self.api.clock(days=1)
            finish_item(
                self.uow(), board="main", item=number, deliver=True, actor="setup", at=self.at
            )

    def hypothesis(self) -> int:
        state_hypothesis(
            self.uow(),
            board="main",
            belief="b",
            test="t",
            metric="m",
            criterion="c",
            actor="setup",
            at=self.at,
        )
        return hypotheses_view(self.uow(), board="main")[-1].number

    def experiment(self) -> int:
        hypothesis = self.hypothesis()
        start_experiment(self.uow(), board="main", hypothesis=hypothesis, actor="setup", at=self.at)
        return experiments_view(self.uow(), board="main")[-1].number

    def linked(self) -> tuple[int, int]:
        experiment, number = self.experiment(), self.item()
        link_item(
            self.uow(), board="main", experiment=experiment, item=number, actor="setup", at=self.at
        )
        return experiment, number

    def no_stops(self) -> None:
        _, stops = stops_view(self.uow(), board="main")
        for stop in stops:
            if stop.resumed_at is None:
                resume_line(
                    self.uow(),
                    board="main",
                    five_whys=FiveWhys.from_data(FIVE_WHYS),
                    stop=stop.number,
                    actor="setup",
                    at=self.at,
                )

    def stopped(self) -> None:
        self.no_stops()
        stop_line(self.uow(), board="main", reason="broken", actor="setup", at=self.at)

    def user(self, role: Role | None = None) -> str:
        name = f"user{self.next()}"
        create_user(self.uow(), name=name, password=PASSWORD, at=self.at)
        if role is not None:
            grant(self.uow(), board="main", user=name, role=role, at=self.at, by="setup")
        return name

    def token_of(self, caller: str) -> int:
        owner = {"none": "ana", "scoped": "root"}.get(caller, caller)
        number, _ = issue_token(self.uow(), user=owner, boards=None, at=self.at)
        return number


HYPOTHESIS = {
    "we_believe_that": "b",
    "to_verify_that_we_will": "t",
    "and_measure": "m",
    "we_are_right_if": "c",
}
LEARNING = {
    "verdict": "validated",
    "decision": "persevere",
    "we_observed": "o",
    "from_that_we_learned": "l",
    "therefore_we_will": "n",
}
SCENARIO = {"stations": [{"name": "A", "service": "constant(1)"}], "arrivals": {"units": 10}}

Prepare = Callable[[World, str], Call]


@dataclass(frozen=True)
class Case:
    """What an operation needs, and a request for it that works (given the caller)."""

    kind: str
    prepare: Prepare
    #: Whether an allowed call changes what is stored (a what-if or a read does not).
    writes: bool = True
    #: Set-up made once before the callers, such as delivered work to forecast from.
    setup: Callable[[World], None] | None = None


def _on(path: str, body: Any = None, method: str = "GET") -> Prepare:
    return lambda world, caller: Call(method, path, body)


def _read(path: str, setup: Callable[[World], None] | None = None) -> Case:
    return Case("read", _on(path), writes=False, setup=setup)


def _delivered(world: World) -> None:
    world.delivered(3)


def _stop(world: World) -> Call:
    world.no_stops()
    return Call("POST", "/boards/main/andon/stop", {"reason": "r"})


def _resume(world: World) -> Call:
    world.stopped()
    return Call("POST", "/boards/main/andon/resume", {"five_whys": FIVE_WHYS})


B = "/boards/main"

MATRIX: dict[tuple[str, str], Case] = {
    ("GET", "/boards"): Case("signed in", _on("/boards"), writes=False),
    ("POST", "/boards"): Case(
        "site admin",
        lambda w, c: Call("POST", "/boards", {"name": f"b{w.next()}", "stages": "A,B,C"}),
    ),
    ("GET", "/boards/{board}"): _read(B),
    ("PATCH", "/boards/{board}"): Case(
        "admin", lambda w, c: Call("PATCH", B, {"experiment_limit": w.next()})
    ),
    ("PUT", "/boards/{board}/stages/{stage}/limit"): Case(
        "admin", lambda w, c: Call("PUT", f"{B}/stages/Build/limit", {"limit": 10 + w.next()})
    ),
    ("GET", "/boards/{board}/events"): _read(f"{B}/events"),
    ("GET", "/boards/{board}/live"): _read(f"{B}/live"),
    ("POST", "/boards/{board}/items"): Case(
        "change", lambda w, c: Call("POST", f"{B}/items", {"title": f"new {w.next()}"})
    ),
    ("GET", "/boards/{board}/items/{n}"): Case(
        "read", lambda w, c: Call("GET", f"{B}/items/{w.item()}"), writes=False
    ),
    ("PATCH", "/boards/{board}/items/{n}"): Case(
        "change", lambda w, c: Call("PATCH", f"{B}/items/{w.item()}", {"title": "edited"})
    ),
    ("POST", "/boards/{board}/items/{n}/rank"): Case(
        "change", lambda w, c: Call("POST", f"{B}/items/{w.item()}/rank", {"position": 1})
    ),
    ("POST", "/boards/{board}/pull"): Case(
        "change", lambda w, c: Call("POST", f"{B}/pull", {"stage": "Build", "item": w.item()})
    ),
    ("POST", "/boards/{board}/items/{n}/finish"): Case(
        "change", lambda w, c: Call("POST", f"{B}/items/{w.in_build()}/finish")
    ),
    ("POST", "/boards/{board}/items/{n}/block"): Case(
        "change", lambda w, c: Call("POST", f"{B}/items/{w.in_build()}/block", {"reason": "r"})
    ),
    ("POST", "/boards/{board}/items/{n}/unblock"): Case(
        "change", lambda w, c: Call("POST", f"{B}/items/{w.blocked()}/unblock")
    ),
    ("POST", "/boards/{board}/items/{n}/discard"): Case(
        "change", lambda w, c: Call("POST", f"{B}/items/{w.item()}/discard", {"reason": "r"})
    ),
    ("POST", "/boards/{board}/items/{n}/return"): Case(
        "change",
        lambda w, c: Call(
            "POST", f"{B}/items/{w.in_measure()}/return", {"stage": "Build", "reason": "r"}
        ),
    ),
    ("GET", "/boards/{board}/hypotheses"): _read(f"{B}/hypotheses"),
    ("POST", "/boards/{board}/hypotheses"): Case(
        "change", lambda w, c: Call("POST", f"{B}/hypotheses", HYPOTHESIS)
    ),
    ("GET", "/boards/{board}/experiments"): _read(f"{B}/experiments"),
    ("POST", "/boards/{board}/experiments"): Case(
        "change", lambda w, c: Call("POST", f"{B}/experiments", {"hypothesis": w.hypothesis()})
    ),
    ("POST", "/boards/{board}/experiments/{e}/items"): Case(
        "change",
        lambda w, c: Call("POST", f"{B}/experiments/{w.experiment()}/items", {"item": w.item()}),
    ),
    ("DELETE", "/boards/{board}/experiments/{e}/items/{n}"): Case(
        "change",
        lambda w, c: Call("DELETE", "{}/experiments/{}/items/{}".format(B, *w.linked())),
    ),
    ("POST", "/boards/{board}/experiments/{e}/conclude"): Case(
        "change",
        lambda w, c: Call("POST", f"{B}/experiments/{w.experiment()}/conclude", LEARNING),
    ),
    ("GET", "/boards/{board}/andon"): _read(f"{B}/andon"),
    ("POST", "/boards/{board}/andon/stop"): Case("change", lambda w, c: _stop(w)),
    ("POST", "/boards/{board}/andon/resume"): Case("change", lambda w, c: _resume(w)),
    ("GET", "/boards/{board}/metrics"): _read(f"{B}/metrics", setup=_delivered),
    ("GET", "/boards/{board}/forecast/when"): _read(
        f"{B}/forecast/when?items=2&trials=100&seed=1", setup=_delivered
    ),
    ("GET", "/boards/{board}/forecast/how-many"): _read(
        f"{B}/forecast/how-many?by=2026-12-31&trials=100&seed=1", setup=_delivered
    ),
    ("GET", "/boards/{board}/members"): Case("admin", _on(f"{B}/members"), writes=False),
    ("PUT", "/boards/{board}/members/{user}"): Case(
        "admin", lambda w, c: Call("PUT", f"{B}/members/{w.user()}", {"role": "viewer"})
    ),
    ("DELETE", "/boards/{board}/members/{user}"): Case(
        "admin", lambda w, c: Call("DELETE", f"{B}/members/{w.user(Role.VIEWER)}")
    ),
    ("POST", "/boards/{board}/simulations/twin"): Case(
        "read",
        _on(f"{B}/simulations/twin", {"wip": {"Build": 1}, "units": 10, "reps": 1}, "POST"),
        writes=False,
        setup=_delivered,
    ),
    ("GET", "/users"): Case("site admin", _on("/users"), writes=False),
    ("POST", "/users"): Case(
        "site admin", lambda w, c: Call("POST", "/users", {"name": f"new{w.next()}"})
    ),
    ("GET", "/tokens"): Case("signed in", _on("/tokens"), writes=False),
    ("POST", "/tokens"): Case("signed in", _on("/tokens", {"label": "more"}, "POST")),
    ("DELETE", "/tokens/{id}"): Case(
        "signed in", lambda w, c: Call("DELETE", f"/tokens/{w.token_of(c)}")
    ),
    ("POST", "/simulations"): Case(
        "signed in", _on("/simulations", {"scenario": SCENARIO}, "POST"), writes=False
    ),
}


def _operations(api: Api) -> set[tuple[str, str]]:
    """Every operation the application's routes put in its OpenAPI description."""
    found = set()
    for route in iter_route_contexts(api.client.app.routes):  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                found.add((method, str(route.path_format)))
    return found


def _stored(api: Api) -> tuple[Any, ...]:
    """Everything a call may write: every board's log, the users and roles, the tokens."""
    uow = api.store.unit_of_work
    names = board_names(uow())
    logs = tuple(
        (name, tuple((e.id, e.event.type.value) for e in event_log(uow(), board=name)))
        for name in names
    )
    people = tuple((u.name, u.site_admin, tuple(u.roles.items())) for u in users(uow()))
    kept = tuple(
        (t.id, t.label, t.boards, t.revoked_at)
        for user in people
        for t in tokens(uow(), user=user[0])
    )
    return logs, people, kept


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_matrix_names_every_operation_of_the_api(api: Api) -> None:
    operations = _operations(api)
    assert {path for _, path in operations} == set(api.client.get("/openapi.json").json()["paths"])
    assert sorted(operations - set(MATRIX)) == [], "operations missing from MATRIX"
    assert sorted(set(MATRIX) - operations) == [], "MATRIX names operations that are gone"


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_each_caller_gets_what_its_role_allows(api: Api, method: str, path: str) -> None:
    case = MATRIX[(method, path)]
    world = World(api)
    for stage in ("Build", "Measure"):
        set_limit(world.uow(), board="main", stage=stage, limit=None, actor="setup", at=world.at)
    if case.setup is not None:
        case.setup(world)
    if path.endswith("/live"):
        # An open stream never ends under the test client: with the hub closed, an allowed
        # stream says how to reconnect and ends at once.
        api.client.app.state.hub.close()  # type: ignore[attr-defined]
    _, scoped = issue_token(world.uow(), user="root", boards=["other"], at=world.at)
    for caller in CALLERS:
        call = case.prepare(world, caller)
        headers = {} if caller == "none" else {"Authorization": f"Bearer {scoped}"}
        if caller not in {"none", "scoped"}:
            headers = api.headers(caller)
        before = _stored(api)
        answer = api.client.request(call.method, call.path, json=call.body, headers=headers)
        after = _stored(api)
        expected = EXPECTED[case.kind][caller]
        where = f"{method} {path} as {caller}: {answer.status_code} {answer.text[:300]}"
        if expected == ALLOWED:
            assert 200 <= answer.status_code < 300, where
            assert (after != before) == case.writes, where
            continue
        assert after == before, f"{where}: a refused call wrote something"
        assert answer.headers["content-type"] == "application/problem+json", where
        if expected == NO_TOKEN:
            assert answer.status_code == 401, where
            continue
        assert answer.status_code == 403, where
        assert REASONS[expected].search(answer.json()["detail"]), where
