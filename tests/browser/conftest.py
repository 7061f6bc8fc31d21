"""Browser tests of the web board: real server processes, Debian's Chromium, a context per user.

For each backend (SQLite, and PostgreSQL in a fresh schema of PULLFLOW_TEST_POSTGRES_URL's
database) the session prepares a database through the services, holding the users ana and bo
with the password ``PASSWORD``, and starts ``pullflow serve`` on it on a free port. Starting a
server takes seconds, so the servers live for the session and each test gets a board of its
own, made through the services: ``Options,Build:1,Measure:2,Done``, pulled by capacity, with
ana and bo as members and three items in the options.

The browser is the Chromium at PULLFLOW_CHROMIUM (default /usr/bin/chromium), driven by
Playwright's sync API; Playwright downloads nothing. Without that browser the tests are
skipped with the reason, unless PULLFLOW_REQUIRE_BROWSER=1, which makes the skip a failure
(CI sets it), as PULLFLOW_REQUIRE_POSTGRES does for PostgreSQL.

``web.open(user, path)`` opens a page in a new context signed in as that user (each user signs
in through the form once per server; later contexts reuse the cookie). At the end of every
test, and at once when it fails, each page it opened is saved to
``.artifacts/screenshots/TESTNAME.png`` (later pages as ``TESTNAME-N-USER.png``), and
``web.snapshot(page, "moment")`` saves a step along the way as ``TESTNAME-moment.png``; set
PULLFLOW_ARTIFACTS to save them elsewhere.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from pullflow.services import PullSignal
from pullflow.services import accounts as accounts_service
from pullflow.services.accounts import Role, create_user, grant
from pullflow.services.boards import create_board
from pullflow.services.flow import add_item
from pullflow.services.unit import initialise_store
from tests.api.conftest import PASSWORD
from tests.conftest import POSTGRES_URL, Clock, _driver_url, require_postgres

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Error,
        Page,
        Playwright,
        expect,
        sync_playwright,
    )

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PULLFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_BROWSER = os.environ.get("PULLFLOW_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(os.environ.get("PULLFLOW_ARTIFACTS", ROOT / ".artifacts")) / "screenshots"

STAGES = "Options,Build:1,Measure:2,Done"
OPTIONS = ("Signup form", "Pricing page", "Onboarding email")
USERS = ("ana", "bo")
#: How long any one step may wait in the browser (milliseconds).
STEP_TIMEOUT = 5_000
#: How long a server may take to start (seconds).
START_TIMEOUT = 30.0

_boards = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the web board in Chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here not in Path(str(item.path)).parents:
            continue
        item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


# ------------------------------------------------------------------------------ the browser


def require_browser(problem: str) -> None:
    """Skip the test for ``problem``, or fail it when PULLFLOW_REQUIRE_BROWSER=1."""
    reason = f"No browser for the web board tests: {problem}"
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}; PULLFLOW_REQUIRE_BROWSER=1 makes this a failure")
    pytest.skip(reason)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright for this folder's tests only: its sync API keeps an event loop running in the
    main thread until it stops, which would refuse every later test's ``asyncio.run``."""
    if not CHROMIUM.exists():
        require_browser(f"{CHROMIUM} does not exist (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    try:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Error as error:
        require_browser(f"{CHROMIUM} did not start ({str(error).strip().splitlines()[0]})")
    expect.set_options(timeout=STEP_TIMEOUT)
    yield launched
    launched.close()


# ------------------------------------------------------------------------------ the servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A ``pullflow serve`` process on a database, at ``url``."""

    url: str
    db_url: str
    process: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, db_url: str, log: Path) -> Server:
        port = free_port()
        command = [
            str(Path(sys.executable).parent / "pullflow"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            db_url,
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        server = cls(f"http://127.0.0.1:{port}", db_url, process, log)
        server.wait_until_ready()
        return server

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The server stopped at once: {self.log.read_text()[-2000:]}")
            try:
                httpx.get(f"{self.url}/sign-in", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"The server did not answer within {START_TIMEOUT} s: {self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    require_postgres()
    schema = f"pf_web_{uuid.uuid4().hex[:12]}"
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


@contextmanager
def cheap_password_hashes() -> Iterator[None]:
    """Hash the test users' passwords with the cheapest argon2 settings."""
    with pytest.MonkeyPatch.context() as patch:
        if hasattr(accounts_service, "_hasher"):
            cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
            patch.setattr(accounts_service, "_hasher", cheap)
        yield


@dataclass
class Site:
    """One backend's database, its servers (started on demand) and its signed-in users."""

    backend: str
    db_url: str
    folder: Path
    clock: Clock
    servers: list[Server] = field(default_factory=list)
    cookies: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def server(self, index: int = 0) -> Server:
        """The index-th server on this database (a second one shows changes across processes)."""
        while len(self.servers) <= index:
            log = self.folder / f"server-{len(self.servers)}.log"
            self.servers.append(Server.start(self.db_url, log))
        return self.servers[index]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def prepare_database(db_url: str, clock: Clock) -> None:
    """The users every board of the tests is shared with."""
    store, _ = initialise_store(db_url)
    try:
        with cheap_password_hashes():
            for user in USERS:
                create_user(store.unit_of_work(), name=user, password=PASSWORD, at=clock())
    finally:
        store.close()


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="package")
def site(
    backend: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp(f"web-{backend}")
    with _database(backend, folder) as db_url:
        clock = Clock()
        prepare_database(db_url, clock)
        prepared = Site(backend, db_url, folder, clock)
        try:
            yield prepared
        finally:
            prepared.stop()


@contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'pullflow.db'}"
        return
    with postgres_schema() as url:
        yield url


# ------------------------------------------------------------------------------ the board


@dataclass(frozen=True)
class BoardSetup:
    """The test's board: its name, its page and the numbers of the items in its options."""

    name: str
    items: tuple[int, ...]
    db_url: str
    clock: Clock

    @property
    def path(self) -> str:
        return f"/b/{self.name}"

    def use_case(self, action: Callable[..., Any], **arguments: Any) -> Any:
        """Run a service use case on the board, as the server would, outside the browser."""
        store, _ = initialise_store(self.db_url)
        try:
            return action(store.unit_of_work(), board=self.name, at=self.clock(), **arguments)
        finally:
            store.close()


@pytest.fixture
def board(site: Site) -> BoardSetup:
    """A fresh board for the test, shared with ana and bo, with three items in its options."""
    name = f"main-{next(_boards)}"
    clock = site.clock
    store, _ = initialise_store(site.db_url)
    try:
        create_board(
            store.unit_of_work(),
            name=name,
            stages=STAGES,
            actor="setup",
            at=clock(),
            pull_signal=PullSignal.CAPACITY,
        )
        for user in USERS:
            grant(
                store.unit_of_work(),
                board=name,
                user=user,
                role=Role.MEMBER,
                at=clock(),
                by="setup",
            )
        numbers: list[int] = []
        for title in OPTIONS:
            outcome = add_item(
                store.unit_of_work(), board=name, title=title, actor="setup", at=clock()
            )
            number = outcome.events[0].item
            assert number is not None
            numbers.append(number)
    finally:
        store.close()
    return BoardSetup(name, tuple(numbers), site.db_url, clock)


# ------------------------------------------------------------------------------ the pages


def sign_in(page: Page, user: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form on the page and send it."""
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@dataclass
class Web:
    """Opens the test's pages and keeps them for the screenshots."""

    browser: Browser
    site: Site
    test_name: str
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: list[tuple[str, Page]] = field(default_factory=list)

    def context(self, server: Server, **options: Any) -> BrowserContext:
        context = self.browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(STEP_TIMEOUT)
        self.contexts.append(context)
        return context

    def open(
        self, user: str | None, path: str | None = "/", *, server: int = 0, **options: Any
    ) -> Page:
        """A page at ``path`` (None: blank) in a new context signed in as ``user`` (None: not)."""
        serving = self.site.server(server)
        context = self.context(serving, **options)
        if user is not None:
            context.add_cookies(self._cookies(serving, user))
        page = context.new_page()
        self.pages.append((user or "visitor", page))
        if path is not None:
            page.goto(path)
        return page

    def _cookies(self, server: Server, user: str) -> list[Any]:
        """The session cookie of ``user`` on the server, signing in through the form once."""
        key = (server.url, user)
        if key not in self.site.cookies:
            context = self.browser.new_context(base_url=server.url)
            try:
                page = context.new_page()
                page.goto("/sign-in")
                sign_in(page, user)
                expect(page.get_by_role("button", name="Sign out")).to_be_visible()
                self.site.cookies[key] = context.cookies()
            finally:
                context.close()
        return self.site.cookies[key]

    def snapshot(self, page: Page, moment: str) -> Path:
        """Save the page as it is now as ``TESTNAME-MOMENT.png`` (a step worth seeing)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{self.test_name}-{file_name(moment)}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    def screenshots(self) -> list[Path]:
        """Save every page the test opened; return the files."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        saved = []
        for index, (user, page) in enumerate(self.pages):
            if page.is_closed():
                continue
            suffix = "" if index == 0 else f"-{index + 1}-{user}"
            target = SCREENSHOTS / f"{self.test_name}{suffix}.png"
            try:
                page.screenshot(path=str(target), full_page=True)
            except Error:
                continue
            saved.append(target)
        return saved

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def file_name(test: str) -> str:
    """A test's name as a file name: ``test_pull[sqlite]`` → ``test_pull-sqlite``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", test).strip("-")


@pytest.fixture
def web(request: pytest.FixtureRequest, browser: Browser, site: Site) -> Iterator[Web]:
    opened = Web(browser, site, file_name(request.node.name))
    request.node.stash[WEB] = opened
    try:
        yield opened
    finally:
        opened.screenshots()
        opened.close()


WEB = pytest.StashKey[Web]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """On a failure, save the pages as they are and name the files in the report."""
    report = yield
    opened = item.stash.get(WEB, None)
    if opened is not None and call.when == "call" and report.failed:
        saved = opened.screenshots()
        report.sections.append(("screenshots", "\n".join(str(path) for path in saved)))
    return report
