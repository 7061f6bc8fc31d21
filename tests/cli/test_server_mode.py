"""The command line through a server: ``pullflow --server URL …`` prints what it prints locally.

The real API (``pullflow.api.create_app``) runs in uvicorn in a background thread, on a free
port, over a database prepared as the API tests prepare theirs (``populate``: board main with
Options, Build:2, Measure:2, Done, pulled by capacity, and users with tokens). A second,
equal database is worked on locally. The same commands run on both, the local ones as the
token's user (the login name), and must print the same and exit the same, refusals included.
The server reads the same fixed clock (``PULLFLOW_NOW``) as the command line.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer.main
import uvicorn
from sqlalchemy import create_engine, text

from pullflow.api import create_app
from pullflow.cli import context
from pullflow.cli.app import app
from pullflow.cli.remote import Client, Remote
from pullflow.services import Invalid
from pullflow.services.unit import initialise_store
from tests.api.conftest import _cheap_password_hashes, populate  # noqa: F401
from tests.cli.helpers import COMPLETE_WHYS, Cli, Result, moment, write_whys
from tests.cli.test_console_script import _commands
from tests.conftest import POSTGRES_URL, Clock, _driver_url

pytestmark = pytest.mark.usefixtures("_cheap_password_hashes")

SAMPLES = Path(__file__).resolve().parents[1] / "imports" / "samples"


# ------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.contextmanager
def serving(db_url: str) -> Iterator[str]:
    """The API on ``db_url`` in uvicorn, in a thread, on a free port; yields its URL."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    api = create_app(db_url, clock=context.now)
    server = uvicorn.Server(uvicorn.Config(api, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server stopped as it started"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        listening.close()


@pytest.fixture
def twin_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'local.db'}"
        return
    schema = f"pf_{uuid.uuid4().hex[:12]}"
    engine = create_engine(_driver_url(POSTGRES_URL))
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _prepared(url: str) -> dict[str, str]:
    store, _ = initialise_store(url)
    try:
        tokens, _ = populate(store, Clock())
    finally:
        store.close()
    return tokens


@dataclass
class Pair:
    """The same commands locally (on ``local``'s database) and through the server at ``url``."""

    local_cli: Cli
    remote_cli: Cli
    url: str
    tokens: dict[str, str]
    monkeypatch: pytest.MonkeyPatch

    def local(self, *args: str, user: str = "adm") -> Result:
        """A command on the local database, as ``user`` (the login name)."""
        self.monkeypatch.setenv("LOGNAME", user)
        for name in ("PULLFLOW_SERVER", "PULLFLOW_TOKEN"):
            self.monkeypatch.delenv(name, raising=False)
        return self.local_cli(*args)

    def remote(self, *args: str, user: str = "adm", after: bool = False) -> Result:
        """A command through the server with ``user``'s token (the login name is someone else)."""
        self.monkeypatch.setenv("LOGNAME", "tester")
        self.monkeypatch.setenv("PULLFLOW_TOKEN", self.tokens[user])
        argv = [*args, "--server", self.url] if after else ["--server", self.url, *args]
        return self.remote_cli(*argv, db=False)

    def both(self, code: int, *args: str, user: str = "adm") -> Result:
        """Run a command both ways: the same exit code ``code``, the same output."""
        here = self.local(*args, user=user)
        there = self.remote(*args, user=user)
        shown = f"pullflow {' '.join(args)}"
        assert here.code == code, f"{shown} exited {here.code} locally: {here.out}{here.err}"
        assert there == here, (
            f"{shown}\nlocally:\n{here.out}{here.err}\nserver:\n{there.out}{there.err}"
        )
        if code != 0:
            assert here.out == "", f"{shown} printed on stdout"
            assert here.err.strip(), f"{shown} must say why, on stderr"
            assert "\n" not in here.err.strip(), f"{shown}: not one sentence: {here.err!r}"
        return there


@pytest.fixture
def pair(
    db_url: str,
    twin_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Pair]:
    tokens = _prepared(db_url)
    _prepared(twin_url)
    monkeypatch.setenv("PULLFLOW_BOARD", "main")
    with serving(db_url) as url:
        yield Pair(
            Cli(twin_url, capsys, monkeypatch),
            Cli(db_url, capsys, monkeypatch),
            url,
            tokens,
            monkeypatch,
        )


# ------------------------------------------------------------ the same, either way

#: (exit code, command) or ("at", moment): a day of work on main, refusals included.
WORK: tuple[tuple[Any, ...], ...] = (
    (0, "board", "list"),
    (0, "board", "show"),
    (0, "item", "add", "Signup form"),
    (0, "item", "add", "Pricing page", "--due", "2026-12-18"),
    (2, "item", "add", "Launch", "--due", "next friday"),
    (0, "item", "add", "Newsletter", "--type", "bug", "--attr", "team=web"),
    (0, "item", "add", "Onboarding", "--quiet"),
    (0, "item", "add", "Referrals", "--rank", "1"),
    (0, "pull", "Build", "1"),
    (0, "pull", "Build"),
    (1, "pull", "Build"),
    (2, "finish", "9"),
    (2, "item", "show", "9"),
    (2, "pull", "Deploy"),
    ("at", moment(3)),
    (0, "finish", "1"),
    (1, "pull", "Measure", "3"),
    (0, "pull", "Measure", "1"),
    (0, "block", "2", "--reason", "waiting for prices from sales"),
    (1, "block", "2", "--reason", "again"),
    (0, "item", "show", "2"),
    (0, "item", "show", "2", "--json"),
    ("at", moment(4)),
    (0, "unblock", "2"),
    (0, "return", "1", "Build", "--reason", "the form loses addresses with a plus"),
    (0, "board", "limit", "Build", "3", "--policy", "warn"),
    (0, "board", "limit", "Measure", "none"),
    (0, "board", "set", "--timezone", "Europe/Berlin"),
    (2, "board", "set", "--commitment", "Options"),
    (0, "discard", "5", "--reason", "no longer needed"),
    (
        0,
        "hypothesis",
        "add",
        "readers want a weekly digest",
        "--verify",
        "a signup page",
        "--measure",
        "the share who sign up",
        "--right-if",
        "at least 5% sign up",
    ),
    (0, "hypothesis", "list"),
    (0, "experiment", "start", "H1", "--title", "Signup page smoke test"),
    (0, "experiment", "link", "E1", "3"),
    (0, "experiment", "list"),
    (0, "experiment", "unlink", "E1", "3"),
    (0, "experiment", "link", "E1", "3"),
    (0, "andon", "stop", "--reason", "signups are lost", "--tag", "signup", "--people", "2"),
    (1, "pull", "Build", "3"),
    (0, "board", "show"),
    (0, "andon", "status"),
    ("at", "2026-11-04T11:30:00+00:00"),
    (0, "andon", "resume", "--five-whys", "{whys}"),
    (0, "pull", "Build", "3"),
    (0, "finish", "1"),
    (0, "pull", "Measure", "1"),
    ("at", moment(5)),
    (0, "finish", "1", "--deliver"),
    (0, "finish", "2"),
    (0, "pull", "Measure", "2"),
    (0, "finish", "2", "--deliver"),
    (
        0,
        "experiment",
        "conclude",
        "E1",
        "--verdict",
        "validated",
        "--decision",
        "persevere",
        "--observed",
        "7% signed up",
        "--learned",
        "readers want it",
        "--next",
        "build the digest",
    ),
    ("at", moment(6)),
    (0, "experiment", "list", "--json"),
    (0, "hypothesis", "list", "--json"),
    (0, "andon", "status", "--json"),
    (0, "log"),
    (0, "log", "--item", "1"),
    (0, "log", "--limit", "3", "--json"),
    (0, "board", "show"),
    (0, "board", "show", "--json"),
    (0, "board", "list", "--json"),
    (0, "metrics"),
    (0, "metrics", "--json"),
    (0, "metrics", "--class", "standard", "--from", "2026-11-03"),
    (2, "metrics", "--from", "3 November"),
    (2, "metrics", "--class", "expedite"),
    (0, "forecast", "when", "2", "--seed", "1", "--trials", "300"),
    (0, "forecast", "when", "2", "--seed", "1", "--trials", "300", "--target", "2026-11-20"),
    (0, "forecast", "how-many", "--by", "2026-11-30", "--seed", "1", "--trials", "300"),
    (0, "forecast", "how-many", "--by", "2026-11-30", "--seed", "1", "--trials", "300", "--json"),
)


def test_the_same_commands_print_the_same_through_a_server(pair: Pair, tmp_path: Path) -> None:
    whys = str(write_whys(tmp_path / "whys.yaml", COMPLETE_WHYS))
    for step in WORK:
        if step[0] == "at":
            pair.monkeypatch.setenv("PULLFLOW_NOW", step[1])
            continue
        code, *args = step
        pair.both(code, *(whys if arg == "{whys}" else arg for arg in args))


def test_the_refusals_say_the_same_sentences_and_exit_codes(pair: Pair) -> None:
    for n in range(1, 4):
        pair.both(0, "item", "add", f"item {n}")
    pair.both(0, "pull", "Build", "1")
    pair.both(0, "pull", "Build", "2")
    full = pair.both(1, "pull", "Build")
    assert full.error.startswith("Build is at its WIP limit (2/2): ")
    unknown = pair.both(2, "finish", "7")
    assert unknown.error == "No item #7 on board main: see the items with pullflow board show."
    bad_date = pair.both(2, "item", "add", "Launch", "--due", "2026-13-01")
    assert bad_date.error == "--due '2026-13-01' was refused: write the date as YYYY-MM-DD."
    pair.both(0, "andon", "stop", "--reason", "signups are lost")
    pair.both(0, "finish", "1")
    stopped = pair.both(1, "pull", "Measure", "1")
    assert stopped.error.startswith("The line is stopped (stop #1: signups are lost)")


def test_every_change_is_recorded_as_the_token_s_user(pair: Pair) -> None:
    pair.remote("item", "add", "Signup form", user="ana")
    pair.remote("pull", "Build", "1", user="ana")
    events = pair.remote("log", "--json", user="ana").json()
    assert [(event["type"], event["actor"]) for event in events[-2:]] == [
        ("item.added", "ana"),
        ("item.pulled", "ana"),
    ]


def test_server_may_follow_the_command_as_db_does(pair: Pair) -> None:
    added = pair.remote("item", "add", "Signup form", after=True)
    assert (added.code, added.text) == (0, 'Added #1 "Signup form" to Options.')
    shown = pair.remote("item", "show", "1", "--json", after=True)
    assert shown.json()["title"] == "Signup form"


def test_the_token_may_be_given_before_the_command(pair: Pair) -> None:
    pair.monkeypatch.delenv("PULLFLOW_TOKEN", raising=False)
    argv = ("--server", pair.url, "--token", pair.tokens["ana"], "item", "add", "Signup form")
    added = pair.remote_cli(*argv, db=False)
    assert (added.code, added.text) == (0, 'Added #1 "Signup form" to Options.')
    events = pair.remote("log", "--json", "--limit", "1", user="ana").json()
    assert events[0]["actor"] == "ana"


def test_a_viewer_s_token_is_refused_with_the_api_s_sentence(pair: Pair) -> None:
    pair.remote("item", "add", "Signup form")
    answer = httpx.post(
        f"{pair.url}/boards/main/pull",
        json={"stage": "Build"},
        headers={"Authorization": f"Bearer {pair.tokens['vic']}"},
    )
    assert answer.status_code == 403
    refused = pair.remote("pull", "Build", user="vic")
    assert (refused.code, refused.out) == (2, "")
    assert refused.err.strip() == answer.json()["detail"]
    events = pair.remote("log", "--json", user="vic").json()
    assert [event["type"] for event in events][-1] == "item.added", "nothing was pulled"


def test_an_unknown_token_is_refused_with_the_api_s_sentence(pair: Pair) -> None:
    pair.tokens["nobody"] = "pf_not-a-token-of-anyone"
    refused = pair.remote("board", "show", user="nobody")
    assert refused.code == 2
    assert refused.error == (
        "The token is not valid: it is unknown or was revoked; create a new one with "
        "pullflow token create."
    )


def test_without_a_token_the_command_says_how_to_give_one(pair: Pair) -> None:
    pair.monkeypatch.delenv("PULLFLOW_TOKEN", raising=False)
    refused = pair.remote_cli("--server", pair.url, "board", "show", db=False)
    assert (refused.code, refused.out) == (2, "")
    assert refused.error.startswith(f"No token was given for the server at {pair.url}: set ")


# -------------------------------------------------------------- what is refused at once


@pytest.fixture
def runner(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> Cli:
    """A runner whose database no command here should ever open."""
    monkeypatch.setenv("PULLFLOW_TOKEN", "pf_unused")
    return Cli(f"sqlite:///{tmp_path / 'never.db'}", capsys, monkeypatch)


def test_a_server_that_cannot_be_reached_is_one_sentence_naming_it(runner: Cli) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    for argv in (("--server", url, "board", "show"), ("pull", "Build", "--server", url)):
        result = runner(*argv, db=False)
        assert (result.code, result.out) == (2, "")
        assert result.error == (
            f"The server at {url} cannot be reached (connection refused): check --server or "
            "PULLFLOW_SERVER, and that pullflow serve runs there."
        )


def test_db_and_server_together_are_refused(runner: Cli, monkeypatch: Any) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    both = runner("--server", url, "board", "show")
    assert (both.code, both.out) == (2, "")
    assert both.error == (
        "--db and --server were both given, so it is not clear where to work: name a database "
        "or a server, not both."
    )
    monkeypatch.setenv("PULLFLOW_SERVER", url)
    from_the_environment = runner("pull", "Build")
    assert from_the_environment.code == 2
    assert from_the_environment.error.startswith("--db and PULLFLOW_SERVER were both given")


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (("init",), "pullflow init"),
        (
            ("import", "actionable-agile", str(SAMPLES / "aa_clean.csv"), "-b", "x"),
            "pullflow import",
        ),
        (("export", "json", "-o", "out.json"), "pullflow export"),
        (("forecast", "backtest"), "pullflow forecast backtest"),
        (("chart", "cfd", "-o", "cfd.html"), "pullflow chart"),
        (("serve",), "pullflow serve"),
    ],
)
def test_commands_that_need_the_database_are_refused_on_a_server(
    runner: Cli, args: tuple[str, ...], command: str
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    result = runner("--server", url, *args, db=False)
    assert (result.code, result.out) == (2, "")
    assert result.error == (
        f"{command} needs the database itself, which a server does not lend: run it where the "
        "database is, without --server (or PULLFLOW_SERVER)."
    )


def test_figures_of_a_file_are_computed_here_even_on_a_server(runner: Cli, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    csv = str(SAMPLES / "aa_clean.csv")
    here = runner("metrics", "--csv", csv, "--json", db=False)
    there = runner("--server", url, "metrics", "--csv", csv, "--json", db=False)
    assert here.code == there.code == 0
    assert there.out == here.out


def test_every_command_takes_server_after_its_name() -> None:
    root: Any = typer.main.get_command(app)
    assert {"--server", "--token"} <= {flag for param in root.params for flag in param.opts}
    for path in _commands(root):
        command = root
        for part in path:
            command = command.commands[part]
        flags = {flag for param in command.params for flag in param.opts}
        assert "--server" in flags, f"pullflow {' '.join(path)} lacks --server"


# ------------------------------------------------------------------ retries, once


class DropsTheFirstAnswer(httpx.BaseTransport):
    """Sends every request on, but loses the first answer, as a dropped connection does."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.keys: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("Idempotency-Key"))
        response = self.inner.handle_request(request)
        if len(self.keys) == 1:
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


def test_a_change_whose_answer_is_lost_is_retried_once_and_made_once(pair: Pair) -> None:
    pair.remote("item", "add", "Signup form")
    transport = DropsTheFirstAnswer()
    remote = Remote(Client(pair.url, pair.tokens["adm"], transport=transport))
    outcome = remote.pull_item(board="main", stage="Build", item=None, override=None)
    assert [event.type.value for event in outcome.events] == ["item.pulled"]
    assert len(transport.keys) == 2
    assert transport.keys[0] == transport.keys[1] is not None
    pulls = [e for e in pair.remote("log", "--json").json() if e["type"] == "item.pulled"]
    assert len(pulls) == 1, "the retry did not pull again"


def test_a_change_that_cannot_be_sent_twice_says_it_may_have_been_made(pair: Pair) -> None:
    class AlwaysDropped(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ReadError("connection reset by peer", request=request)

    remote = Remote(Client(pair.url, pair.tokens["adm"], transport=AlwaysDropped()))
    with pytest.raises(Invalid) as refused:
        remote.pull_item(board="main", stage="Build", item=None, override=None)
    assert str(refused.value) == (
        f"The server at {pair.url} did not answer (connection reset by peer), so whether the "
        "change was made is not known: look with pullflow log before running the command again."
    )


# ------------------------------------------- the routes of accounts, boards and ranks


def test_editing_and_ranking_items_print_the_same(pair: Pair) -> None:
    for title in ("Signup form", "Pricing page", "Newsletter"):
        pair.both(0, "item", "add", title)
    pair.both(0, "item", "edit", "1", "--title", "Signup form v2", "--due", "2026-12-18")
    pair.both(0, "item", "edit", "2", "--class", "expedite")
    pair.both(2, "item", "edit", "2", "--due", "soon")
    pair.both(0, "item", "rerank", "3", "1")
    pair.both(2, "item", "rerank", "9", "1")
    pair.both(0, "board", "show", "--json")


def test_creating_a_board_prints_the_same(pair: Pair) -> None:
    stages = "Options,Build:3,Measure:2:warn,Done"
    pair.both(0, "board", "create", "Team", "--stages", stages, user="root")
    pair.both(1, "board", "create", "team", "--stages", stages, user="root")
    pair.both(2, "board", "create", "Tiny", "--stages", "Options,Done", user="root")
    pair.both(0, "board", "show", "Team", "--json", user="root")


def test_as_naming_someone_else_is_refused_on_a_server(pair: Pair) -> None:
    pair.remote("item", "add", "Signup form")
    refused = pair.remote("pull", "Build", "--as", "bo")
    assert (refused.code, refused.out) == (2, "")
    assert refused.error == (
        "--as bo was refused: on a server the actor is the token's user, adm; leave out --as, "
        "or use a token of that user's."
    )
    assert pair.remote("pull", "Build", "--as", "adm").code == 0


def test_users_and_tokens_through_a_server(pair: Pair, tmp_path: Path) -> None:
    password = tmp_path / "password.txt"
    password.write_text("staple pony marmalade\n", encoding="utf-8")
    pair.both(0, "user", "add", "cy", "--password-file", str(password), user="root")
    pair.both(1, "user", "add", "CY", "--password-file", str(password), user="root")
    pair.both(0, "user", "grant", "cy", "member", "--board", "main", user="adm")
    pair.both(0, "user", "list", "--board", "main", user="root")
    pair.both(0, "user", "list", "--json", user="root")

    here = pair.local("token", "create", "--user", "adm", "--board", "main", "--label", "ci")
    there = pair.remote("token", "create", "--user", "adm", "--board", "main", "--label", "ci")
    assert here.code == there.code == 0
    assert there.out.startswith("pf_")
    assert there.out != here.out
    assert there.err == here.err
    made = int(there.error.split("#")[1].split()[0])

    def listed(result: Result) -> list[dict[str, Any]]:
        return [{**entry, "last_used_at": None} for entry in result.json()]

    assert listed(pair.remote("token", "list", "--user", "adm", "--json")) == listed(
        pair.local("token", "list", "--user", "adm", "--json")
    )
    pair.both(0, "token", "revoke", str(made))
    refused = pair.remote("token", "create", "--user", "ana")
    assert (refused.code, refused.out) == (2, "")
    assert refused.error.startswith("--user ana was refused: on a server a token is made for ")
