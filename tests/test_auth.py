"""Signing in and out: generic errors, throttling, safe redirects, sessions that really end."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner

from survey import create_app
from survey.database import write_transaction
from survey.extensions import db
from survey.models import User
from tests.conftest import REDIS_URL
from tests.helpers import ACCOUNTS, build_org, csrf_from, empty_tables, make_accounts, sign_in


def test_admin_signs_in_and_lands_on_overview(client: FlaskClient, accounts: None) -> None:
    reply = sign_in(client, "admin")
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


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


def test_throttling_state_can_live_in_redis(database_url: str) -> None:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set (scripts/test sets it; CI fails on this skip)")
    import redis

    prefix = f"cp-test-{secrets.token_hex(4)}"
    twins: list[Flask] = []
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": prefix,
        }
    )
    try:
        with app.app_context():
            build_org(app, -timedelta(days=1), timedelta(days=1))
        make_accounts(app)
        client = app.test_client()
        statuses = [sign_in(client, "admin", "wrong password!").status_code for _ in range(6)]
        assert statuses[-1] == 429
        # A second app (another worker or host) sharing the store sees the same count.
        twins.append(
            create_app(
                {
                    "TESTING": True,
                    "SQLALCHEMY_DATABASE_URI": database_url,
                    "SECRET_KEY": "test",
                    "RATELIMIT_STORAGE_URI": REDIS_URL,
                    "RATELIMIT_KEY_PREFIX": prefix,
                }
            )
        )
        assert sign_in(twins[0].test_client(), "admin").status_code == 429
    finally:
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()
        with app.app_context():
            empty_tables()
        for each in (app, *twins):
            with each.app_context():
                db.engine.dispose()


def test_manager_lands_on_their_account_with_their_scope(
    client: FlaskClient, accounts: None
) -> None:
    reply = sign_in(client, "manager")
    assert reply.headers["Location"] == "/insights/"
    page = client.get("/account").get_data(as_text=True)
    assert "Test Council &gt; Operations &gt; Team B" in page
    assert "Manager" in page


def test_throttled_sign_in_gets_a_plain_page(client: FlaskClient, accounts: None) -> None:
    for _ in range(5):
        sign_in(client, "admin", password="wrong password!")
    page = sign_in(client, "admin", password="wrong password!")
    assert page.status_code == 429
    assert "Too many attempts" in page.get_data(as_text=True)
