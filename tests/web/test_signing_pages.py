"""Signing in and out through the pages, the cookie and headers pages carry, the account page,
and the first admin's one-time link that ``pullflow serve`` prints."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from pullflow.api.serve import first_admin_link, site_url
from pullflow.services.accounts import WRONG_PASSWORD, users
from pullflow.services.sessions import LINK_USED, TOO_MANY_FAILURES
from tests.api.conftest import PASSWORD
from tests.web.conftest import Web
from tests.web.markup import parse


def test_a_page_without_a_session_sends_the_visitor_to_sign_in(web: Web) -> None:
    answer = web.browser().get("/b/main/history?all=1")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/b/main/history%3Fall%3D1"


def test_the_sign_in_form_has_its_labels_and_takes_the_visitor_where_they_were_going(
    web: Web,
) -> None:
    visitor = web.browser()
    page = parse(visitor.get("/sign-in?next=/b/main").text)
    assert page.label_for("User name").attrs["name"] == "user"
    assert page.label_for("Password").attrs["type"] == "password"
    assert page.has_button("Sign in")

    answer = visitor.post(
        "/sign-in", {"user": "ana", "password": PASSWORD, "next": "/b/main"}, csrf=False
    )

    assert (answer.status_code, answer.headers["location"]) == (303, "/b/main")
    assert visitor.get("/b/main").status_code == 200


def test_a_wrong_password_and_an_unknown_user_show_the_same_sentence(web: Web) -> None:
    visitor = web.browser()
    wrong = visitor.post("/sign-in", {"user": "ana", "password": "nope nope nope"}, csrf=False)
    unknown = visitor.post("/sign-in", {"user": "nobody", "password": PASSWORD}, csrf=False)

    assert wrong.status_code == unknown.status_code == 401
    assert parse(wrong.text).alert() == parse(unknown.text).alert() == WRONG_PASSWORD
    assert "pullflow_session" not in wrong.headers.get("set-cookie", "")


def test_too_many_failures_pause_sign_in_alike_for_known_and_unknown_names(web: Web) -> None:
    visitor = web.browser()
    answers = {}
    for name in ("ana", "nobody"):
        for _ in range(5):
            visitor.post("/sign-in", {"user": name, "password": "wrong password"}, csrf=False)
        answers[name] = visitor.post("/sign-in", {"user": name, "password": PASSWORD}, csrf=False)

    assert {answer.status_code for answer in answers.values()} == {429}
    assert {parse(answer.text).alert() for answer in answers.values()} == {TOO_MANY_FAILURES}


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_next_leads_only_to_a_path_on_this_site(web: Web, target: str) -> None:
    answer = web.browser().post(
        "/sign-in", {"user": "ana", "password": PASSWORD, "next": target}, csrf=False
    )

    assert (answer.status_code, answer.headers["location"]) == (303, "/")


def test_the_session_cookie_is_http_only_same_site_and_secure_over_https(web: Web) -> None:
    from fastapi.testclient import TestClient

    plain = web.browser().post("/sign-in", {"user": "ana", "password": PASSWORD}, csrf=False)
    cookie = plain.headers["set-cookie"]
    assert cookie.startswith("pullflow_session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    assert "Secure" not in cookie

    with TestClient(web.app, base_url="https://testserver") as secure:
        answer = secure.post(
            "/sign-in",
            data={"user": "ana", "password": PASSWORD},
            headers={"Origin": "https://testserver"},
            follow_redirects=False,
        )
    assert "Secure" in answer.headers["set-cookie"]


def test_pages_carry_the_security_headers_and_the_api_keeps_its_own(web: Web) -> None:
    ana = web.browser("ana")
    for path in ("/", "/b/main", "/sign-in", "/b/main/andon"):
        headers = ana.get(path).headers
        policy = dict(
            directive.strip().split(" ", 1)
            for directive in headers["content-security-policy"].split(";")
        )
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"  # no inline script
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
    board = ana.get("/b/main").text
    assert "<script>" not in board  # the one script is a file
    assert "content-security-policy" not in web.browser().get("/openapi.json").headers


def test_signing_out_ends_the_session(web: Web) -> None:
    ana = web.browser("ana")
    cookie = ana.client.cookies.get("pullflow_session")

    answer = ana.post("/sign-out")

    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    assert ana.get("/b/main").status_code == 303
    stale = web.browser()
    stale.client.cookies.set("pullflow_session", cookie or "")
    assert stale.get("/b/main").status_code == 303


def test_the_account_page_sets_a_password(web: Web) -> None:
    ana = web.browser("ana")
    page = parse(ana.get("/account").text)
    assert page.has_button("Set password")

    differ = ana.post("/account", {"password": "a new password", "repeat": "another one!"})
    assert differ.status_code == 422
    short = ana.post("/account", {"password": "short", "repeat": "short"})
    assert short.status_code == 422
    assert "at least 10" in parse(short.text).alert()

    saved = ana.post("/account", {"password": "a new password", "repeat": "a new password"})
    assert (saved.status_code, saved.headers["location"]) == (303, "/account?saved=1")
    assert ana.get("/b/main").status_code == 200  # this session stays
    assert web.browser().sign_in("ana", "a new password").status_code == 303
    assert web.browser().sign_in("ana", PASSWORD).status_code == 401


def test_serve_makes_no_admin_when_the_database_has_a_site_admin(web: Web) -> None:
    line = first_admin_link(web.store, host="0.0.0.0", port=8123, at=web.clock.now)
    # The test database has a site admin (root): nothing is made, nothing printed.
    assert line is None
    assert [user.name for user in users(web.store.unit_of_work()) if user.site_admin] == ["root"]


def test_the_first_admin_link_signs_in_once_then_asks_for_a_password(db_url: str) -> None:
    from fastapi.testclient import TestClient

    from pullflow.api import create_app
    from pullflow.services.unit import initialise_store
    from tests.conftest import START

    store, _ = initialise_store(db_url)
    line = first_admin_link(store, host="127.0.0.1", port=8000, at=START)
    assert line is not None
    assert first_admin_link(store, host="127.0.0.1", port=8000, at=START) is None
    found = re.fullmatch(
        r"Sign in as admin: (http://127\.0\.0\.1:8000/sign-in/once/\S+) \(the link works once, "
        r"for 15 minutes; then set a password at /account\)",
        line,
    )
    assert found, line
    path = urlsplit(found.group(1)).path
    app = create_app(db_url, clock=lambda: START)
    with TestClient(app, base_url="http://testserver") as browser:
        first = browser.get(path, follow_redirects=False)
        assert (first.status_code, first.headers["location"]) == (303, "/account?welcome=1")
        welcome = browser.get("/account?welcome=1")
        assert "Signed in as admin" in parse(welcome.text).text
    with TestClient(app, base_url="http://testserver") as other:
        again = other.get(path, follow_redirects=False)
        assert again.status_code == 401
        assert parse(again.text).alert() == LINK_USED
    store.close()


def test_the_link_names_a_host_a_browser_can_reach() -> None:
    assert site_url("0.0.0.0", 80) == "http://localhost:80"
    assert site_url("::", 8000) == "http://localhost:8000"
    assert site_url("::1", 8000) == "http://[::1]:8000"
    assert site_url("board.example", 443) == "http://board.example:443"
