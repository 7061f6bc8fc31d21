"""Web sessions as use cases: signing in, the sliding lifetime, sign-out, one-time links,
the rate limit on failed sign-ins, new passwords and the first site admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from pullflow.services import SqlUnitOfWork
from pullflow.services.accounts import WRONG_PASSWORD, Unauthorised, create_user, users
from pullflow.services.sessions import (
    CLIENT_FAILURES,
    LINK_USED,
    NAME_FAILURES,
    SESSION_DAYS,
    SESSION_ENDED,
    TOO_MANY_FAILURES,
    UNUSABLE_PASSWORD,
    TooManyFailures,
    create_first_admin,
    issue_sign_in_link,
    redeem_link,
    session_of,
    set_password,
    sign_in,
    sign_out,
)
from tests.api.conftest import PASSWORD
from tests.conftest import START, Clock

UowFactory = Callable[[], SqlUnitOfWork]
CLIENT = "203.0.113.7"


@pytest.fixture
def ana(uow: UowFactory) -> str:
    create_user(uow(), name="ana", password=PASSWORD, at=START)
    return "ana"


def refusal(uow: UowFactory, name: str, password: str, clock: Clock, client: str = CLIENT) -> str:
    with pytest.raises(Unauthorised) as refused:
        sign_in(uow(), name=name, password=password, client=client, at=clock.now)
    return refused.value.message


def test_signing_in_opens_a_session_with_its_user_roles_and_csrf_token(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    secret, csrf = sign_in(uow(), name="ANA", password=PASSWORD, client=CLIENT, at=clock.now)

    found = session_of(uow(), secret=secret, at=clock(hours=1))

    assert (found.user, found.principal.user, found.csrf) == ("ana", "ana", csrf)
    assert secret != csrf
    assert len(secret) >= 40


def test_a_wrong_password_and_an_unknown_name_fail_in_the_same_words(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    assert refusal(uow, "ana", "not the password", clock) == WRONG_PASSWORD
    assert refusal(uow, "nobody", PASSWORD, clock) == WRONG_PASSWORD


def test_a_session_slides_while_used_and_ends_when_left_alone(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    secret, _ = sign_in(uow(), name="ana", password=PASSWORD, client=CLIENT, at=clock.now)
    for _ in range(3):  # used every ten days: each use moves the end on
        assert session_of(uow(), secret=secret, at=clock(days=10)).user == "ana"

    with pytest.raises(Unauthorised, match="sign in again"):
        session_of(uow(), secret=secret, at=clock(days=SESSION_DAYS))


def test_signing_out_ends_the_session_and_unknown_secrets_are_refused(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    secret, _ = sign_in(uow(), name="ana", password=PASSWORD, client=CLIENT, at=clock.now)
    other, _ = sign_in(uow(), name="ana", password=PASSWORD, client=CLIENT, at=clock.now)

    sign_out(uow(), secret=secret)

    with pytest.raises(Unauthorised) as ended:
        session_of(uow(), secret=secret, at=clock.now)
    assert ended.value.message == SESSION_ENDED
    assert session_of(uow(), secret=other, at=clock.now).user == "ana"
    for wrong in ("", "x" * 500, other[:-1]):
        with pytest.raises(Unauthorised):
            session_of(uow(), secret=wrong, at=clock.now)


def test_a_sign_in_link_works_once(uow: UowFactory, ana: str, clock: Clock) -> None:
    link = issue_sign_in_link(uow(), user="ana", at=clock.now)

    secret, _ = redeem_link(uow(), secret=link, at=clock(hours=0.1))

    assert session_of(uow(), secret=secret, at=clock.now).user == "ana"
    with pytest.raises(Unauthorised) as again:
        redeem_link(uow(), secret=link, at=clock.now)
    assert again.value.message == LINK_USED


def test_a_sign_in_link_expires(uow: UowFactory, ana: str, clock: Clock) -> None:
    link = issue_sign_in_link(uow(), user="ana", at=clock.now, minutes=15)

    with pytest.raises(Unauthorised, match="expired"):
        redeem_link(uow(), secret=link, at=clock.now + timedelta(minutes=15))


def test_failed_sign_ins_pause_a_name_alike_whether_it_exists_or_not(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    for name in ("ana", "nobody"):
        for _ in range(NAME_FAILURES):
            assert refusal(uow, name, "wrong password", clock) == WRONG_PASSWORD
    # Now even the right password is refused, before it is checked, in the same words.
    paused = refusal(uow, "ana", PASSWORD, clock)
    paused_unknown = refusal(uow, "nobody", PASSWORD, clock)
    assert paused == paused_unknown == TOO_MANY_FAILURES
    with pytest.raises(TooManyFailures):
        sign_in(uow(), name="Ana", password=PASSWORD, client="198.51.100.1", at=clock.now)

    clock(hours=0.26)  # the failures fall out of the 15-minute window
    assert sign_in(uow(), name="ana", password=PASSWORD, client=CLIENT, at=clock.now)


def test_failed_sign_ins_pause_a_client_for_every_name(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    for attempt in range(CLIENT_FAILURES):
        assert refusal(uow, f"guess{attempt}", "wrong password", clock) == WRONG_PASSWORD

    assert refusal(uow, "ana", PASSWORD, clock) == TOO_MANY_FAILURES
    assert sign_in(uow(), name="ana", password=PASSWORD, client="198.51.100.1", at=clock.now)


def test_a_sign_in_that_succeeds_clears_the_names_failures(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    for _ in range(NAME_FAILURES - 1):
        refusal(uow, "ana", "wrong password", clock)
    sign_in(uow(), name="ana", password=PASSWORD, client=CLIENT, at=clock.now)
    for _ in range(NAME_FAILURES - 1):
        assert refusal(uow, "ana", "wrong password", clock) == WRONG_PASSWORD


def test_a_new_password_replaces_the_old_and_ends_the_other_sessions(
    uow: UowFactory, ana: str, clock: Clock
) -> None:
    kept, _ = sign_in(uow(), name="ana", password=PASSWORD, client=CLIENT, at=clock.now)
    other, _ = sign_in(uow(), name="ana", password=PASSWORD, client=CLIENT, at=clock.now)

    set_password(uow(), user="ana", password="a much better one", at=clock.now, keep=kept)

    assert session_of(uow(), secret=kept, at=clock.now).user == "ana"
    with pytest.raises(Unauthorised):
        session_of(uow(), secret=other, at=clock.now)
    assert refusal(uow, "ana", PASSWORD, clock) == WRONG_PASSWORD
    assert sign_in(uow(), name="ana", password="a much better one", client=CLIENT, at=clock.now)


def test_a_short_password_is_refused(uow: UowFactory, ana: str, clock: Clock) -> None:
    from pullflow.services import Invalid

    with pytest.raises(Invalid, match="at least 10"):
        set_password(uow(), user="ana", password="short", at=clock.now)


def test_the_first_admin_is_made_once_with_a_password_no_one_can_type(
    uow: UowFactory, clock: Clock
) -> None:
    assert create_first_admin(uow(), at=clock.now) == "admin"
    assert create_first_admin(uow(), at=clock.now) is None

    admins = [user for user in users(uow()) if user.site_admin]
    assert [user.name for user in admins] == ["admin"]
    for attempt in (UNUSABLE_PASSWORD, "", PASSWORD):
        assert refusal(uow, "admin", attempt, clock, client=f"client-{attempt}") == WRONG_PASSWORD
