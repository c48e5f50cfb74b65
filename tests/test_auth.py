"""Signing in and out: generic errors, throttling, safe redirects, sessions that really end."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from limits import parse

from survey import create_app
from survey.database import write_transaction
from survey.extensions import db
from survey.models import User
from tests.conftest import REDIS_URL
from tests.helpers import (
    ACCOUNTS,
    PASSWORD,
    build_org,
    csrf_from,
    empty_tables,
    make_accounts,
    sign_in,
)

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


def from_address(app: Flask, address: str) -> FlaskClient:
    """Return a client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_admin_signs_in_and_lands_on_overview(client: FlaskClient, accounts: None) -> None:
    reply = sign_in(client, "admin")
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("made", "typed"),
    [
        ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example"),
        ("user@xn--bcher-kva.example", " User@Bücher.example "),
        ("cafe\u0301@example.org", "cafe\u0301@example.org"),  # e + accent, as a Mac types it
        ("caf\u00e9@example.org", "cafe\u0301@example.org"),
    ],
)
def test_a_user_signs_in_with_the_address_as_it_was_typed_when_made(
    app: Flask, client: FlaskClient, made: str, typed: str
) -> None:
    # Accounts store an address made normal (Unicode domain, composed accents); sign-in must
    # make the typed one normal the same way, or some people could never sign in.
    result = app.test_cli_runner().invoke(
        args=["create-user", made, "--role", "admin", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    token = csrf_from(client, "/login")
    reply = client.post("/login", data={"csrf_token": token, "email": typed, "password": PASSWORD})
    assert reply.status_code == 303


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("admin@test.org", "wrong password!"),
        ("nobody@test.org", "correct horse battery"),
        ("", ""),
    ],
)
def test_failed_sign_in_says_the_same_thing_whoever_you_are(
    client: FlaskClient, accounts: None, email: str, password: str
) -> None:
    token = csrf_from(client, "/login")
    reply = client.post("/login", data={"csrf_token": token, "email": email, "password": password})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "There is a problem" in html
    assert "nobody@test.org" not in html or email == "nobody@test.org"
    if email:
        assert "Enter a correct email address and password" in html


def test_deactivated_user_cannot_sign_in(app: Flask, client: FlaskClient, accounts: None) -> None:
    with app.app_context(), write_transaction() as session:
        session.query(User).filter_by(email=ACCOUNTS["analyst"][0]).one().active = False
    assert sign_in(client, "analyst").status_code == 422


def test_old_cookie_replayed_after_sign_out_is_refused(app: Flask, accounts: None) -> None:
    browser = app.test_client()
    sign_in(browser, "admin")
    stolen = browser.get_cookie("session").value
    browser.post("/logout", data={"csrf_token": csrf_from(browser, "/admin/")})
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    reply = attacker.get("/admin/")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login")


def test_session_ends_after_inactivity(
    app: Flask, accounts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = app.test_client()
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() + 60
    # The cookie is signed as if the last request was longer ago than the idle limit.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() - idle))
    sign_in(browser, "admin")
    monkeypatch.undo()
    reply = browser.get("/admin/")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login")


def test_sign_out_needs_csrf(client: FlaskClient, accounts: None) -> None:
    sign_in(client, "admin")
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_repeated_failures_for_one_account_are_throttled(
    client: FlaskClient, accounts: None
) -> None:
    statuses = [sign_in(client, "admin", password="wrong password!").status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    # The right password is refused too while the account is throttled.
    assert sign_in(client, "admin").status_code == 429


def test_many_accounts_from_one_address_are_throttled(client: FlaskClient, accounts: None) -> None:
    token = csrf_from(client, "/login")
    statuses = [
        client.post(
            "/login", data={"csrf_token": token, "email": f"u{n}@x.org", "password": "nope"}
        ).status_code
        for n in range(21)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:20]) == {422}


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/admin/units", "/admin/units"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/x", "/admin/"),
        ("/\\evil.example", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
    ],
)
def test_next_only_leads_to_our_own_pages(
    client: FlaskClient, accounts: None, next_url: str, landing: str
) -> None:
    token = csrf_from(client, "/login")
    reply = client.post(
        "/login",
        query_string={"next": next_url},
        data={
            "csrf_token": token,
            "email": ACCOUNTS["admin"][0],
            "password": "correct horse battery",
        },
    )
    assert reply.headers["Location"] == landing


@pytest.fixture
def shared_store(app: Flask) -> Iterator[Callable[[], Flask]]:
    """Return a maker of apps (workers or hosts) sharing one Redis throttle store."""
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set (scripts/test sets it; CI fails on this skip)")
    import redis

    prefix = f"cp-test-{secrets.token_hex(4)}"
    made: list[Flask] = []
    database = app.config["SQLALCHEMY_DATABASE_URI"]

    def make() -> Flask:
        host = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database,
                "SECRET_KEY": "test",
                "RATELIMIT_STORAGE_URI": REDIS_URL,
                "RATELIMIT_KEY_PREFIX": prefix,
            }
        )
        if not made:
            with host.app_context():
                build_org(host, -timedelta(days=1), timedelta(days=1))
            make_accounts(host)
        made.append(host)
        return host

    yield make
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)
    store.close()
    with made[0].app_context():
        empty_tables()
    for each in made:
        with each.app_context():
            db.engine.dispose()


def test_throttling_state_can_live_in_redis(shared_store: Callable[[], Flask]) -> None:
    client = shared_store().test_client()
    statuses = [sign_in(client, "admin", "wrong password!").status_code for _ in range(6)]
    assert statuses[-1] == 429
    # A second app (another worker or host) sharing the store sees the same count.
    assert sign_in(shared_store().test_client(), "admin").status_code == 429


def test_attacker_on_another_worker_cannot_lock_out_the_owner(
    shared_store: Callable[[], Flask],
) -> None:
    attacker = from_address(shared_store(), ATTACKER)
    statuses = [sign_in(attacker, "admin", "wrong password!").status_code for _ in range(50)]
    assert statuses == [422] * 5 + [429] * 45
    # Another worker (a fresh connection to the store) still refuses the attacker...
    other_worker = shared_store()
    assert sign_in(from_address(other_worker, ATTACKER), "admin").status_code == 429
    # ...and lets the owner in from their own address.
    assert sign_in(from_address(other_worker, OWNER), "admin").status_code == 303


def test_manager_lands_on_their_account_with_their_scope(
    client: FlaskClient, accounts: None
) -> None:
    reply = sign_in(client, "manager")
    assert reply.headers["Location"] == "/insights/"
    page = client.get("/account").get_data(as_text=True)
    assert "Test Council &gt; Operations &gt; Team B" in page
    assert "Manager" in page


def test_attacker_failing_from_one_address_does_not_lock_out_the_owner(
    app: Flask, accounts: None
) -> None:
    attacker = from_address(app, ATTACKER)
    statuses = [sign_in(attacker, "admin", "wrong password!").status_code for _ in range(50)]
    assert statuses == [422] * 5 + [429] * 45
    owner = from_address(app, OWNER)
    assert sign_in(owner, "admin").status_code == 303
    assert owner.get("/admin/").status_code == 200


def test_backstop_stops_guessing_from_many_addresses_but_not_the_owner(
    app: Flask, accounts: None
) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "6 per hour"
    for n in range(6):
        assert sign_in(from_address(app, f"192.0.2.{n}"), "admin", "guess").status_code == 422
    # An address that has failed for this account waits, even with the right password.
    assert sign_in(from_address(app, "192.0.2.0"), "admin").status_code == 429
    # A new address gets one try: a wrong guess is the end of it for the backstop's period.
    guesser = from_address(app, "192.0.2.99")
    assert sign_in(guesser, "admin", "guess").status_code == 422
    assert sign_in(guesser, "admin").status_code == 429
    # The owner, from an address with no failures, signs in.
    assert sign_in(from_address(app, OWNER), "admin").status_code == 303


def test_a_correct_sign_in_forgets_earlier_typos_from_that_address(
    app: Flask, accounts: None
) -> None:
    owner = from_address(app, OWNER)
    for _ in range(4):
        sign_in(owner, "admin", "typo typo typo")
    assert sign_in(owner, "admin").status_code == 303
    statuses = [sign_in(owner, "admin", "typo typo typo").status_code for _ in range(5)]
    assert statuses == [422] * 5


def make_429(app: Flask, kind: str) -> tuple:
    """Provoke a 429 of one kind; return it and the longest wait its limit allows, in seconds."""
    client = from_address(app, ATTACKER)
    if kind == "account_and_address":
        for _ in range(5):
            sign_in(client, "admin", "wrong password!")
        return sign_in(client, "admin"), 5 * 60
    if kind == "address":
        token = csrf_from(client, "/login")
        for n in range(20):
            data = {"csrf_token": token, "email": f"u{n}@x.org", "password": "nope"}
            client.post("/login", data=data)
        return sign_in(client, "admin"), 5 * 60
    if kind == "account":
        for n in range(parse(app.config["LOGIN_LIMIT_PER_ACCOUNT"]).amount):
            sign_in(from_address(app, f"10.1.0.{n}"), "admin", "guess")
        return sign_in(from_address(app, "10.1.0.0"), "admin"), 60 * 60
    sign_in(client, "analyst")
    for _ in range(5):
        token = csrf_from(client, "/account/password")
        data = {"csrf_token": token, "current": "wrong", "new": "x" * 12, "confirm": "x" * 12}
        client.post("/account/password", data=data)
    token = csrf_from(client, "/account")
    data = {"csrf_token": token, "current": PASSWORD, "new": "x" * 12, "confirm": "x" * 12}
    return client.post("/account/password", data=data), 5 * 60


@pytest.mark.parametrize("kind", ["account_and_address", "address", "account", "password_change"])
def test_every_429_says_when_to_try_again(app: Flask, accounts: None, kind: str) -> None:
    if kind == "account":
        # The backstop's own figure, lowered so the test need not make 100 slow password checks.
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "10 per hour"
    reply, longest = make_429(app, kind)
    assert reply.status_code == 429
    seconds = int(reply.headers["Retry-After"])
    assert 0 < seconds <= longest
    page = reply.get_data(as_text=True)
    assert "Too many attempts" in page
    minutes = re.search(r"Try again in (\d+) minutes?\.", page)
    assert minutes is not None
    assert int(minutes.group(1)) == -(-seconds // 60)


def test_sign_in_failures_and_throttling_are_logged_without_identifying_anyone(
    client: FlaskClient, accounts: None, caplog: pytest.LogCaptureFixture
) -> None:
    client.environ_base["REMOTE_ADDR"] = ATTACKER
    with caplog.at_level("INFO", logger="survey.auth"):
        for _ in range(6):
            sign_in(client, "admin", "wrong password!")
    events = [record for record in caplog.records if record.name == "survey.auth"]
    assert [record.event for record in events] == ["sign_in_failed"] * 5 + ["sign_in_throttled"]
    assert len({record.account for record in events}) == 1
    assert events[-1].retry_after > 0
    for record in events:
        line = record.getMessage()
        for secret in ("admin@test.org", "wrong password!", ATTACKER):
            assert secret not in line
            assert secret not in str(record.__dict__)
