"""Passwords: one-time passwords that expire and must be replaced, changing your own password,
and an admin issuing a new one-time password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.auth.routes import OPEN_WHILE_CHOOSING
from survey.config import Defaults, check_accounts
from survey.database import write_transaction
from survey.extensions import db
from survey.models import AuditEntry, User, utcnow
from tests.helpers import ACCOUNTS, CSRF, PASSWORD, csrf_from, post, sign_in, signed_in

ONE_TIME = re.compile(r'class="app-secret">([^<]+)<')
# CSRF tokens, in the form and in the htmx header: they differ on every page.
TOKENS = re.compile(r'(value="|"X-CSRFToken": ")[^"]+"')
NEW_PASSWORD = "a brand new passphrase"


def invite(admin: FlaskClient, email: str, role: str = "analyst") -> str:
    """Invite a user through the users page and return the one-time password it shows."""
    reply = post(admin, "/admin/users", {"email": email, "role": role, "unit_id": ""})
    assert reply.status_code == 200
    return ONE_TIME.search(reply.get_data(as_text=True)).group(1)  # type: ignore[union-attr]


def log_in(client: FlaskClient, email: str, password: str):
    """Post the sign-in form."""
    token = csrf_from(client, "/login")
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password})


def choose(client: FlaskClient, new: str, confirm: str | None = None, **extra: str):
    """Post the password form of the signed-in user."""
    page = client.get("/account/password").get_data(as_text=True)
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": token, "new": new, "confirm": new if confirm is None else confirm}
    return client.post("/account/password", data={**data, **extra})


def field_error(reply, field: str) -> str:
    """Return the error shown beside a form field ('' if none)."""
    message = BeautifulSoup(reply.get_data(as_text=True), "html.parser").find(id=f"{field}-error")
    return message.get_text(" ", strip=True).removeprefix("Error: ") if message else ""


def set_column(app: Flask, email: str, **values: object) -> None:
    """Set columns of a user directly, as time passing would."""
    with app.app_context(), write_transaction() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        for name, value in values.items():
            setattr(user, name, value)


def test_invited_user_must_choose_a_password_at_first_sign_in(
    app: Flask, admin: FlaskClient
) -> None:
    password = invite(admin, "new@test.org")
    newcomer = app.test_client()
    reply = log_in(newcomer, "new@test.org", password)
    assert reply.status_code == 303
    assert reply.headers["Location"].startswith("/account/password")
    page = newcomer.get("/account/password").get_data(as_text=True)
    assert "Choose a new password" in page
    assert 'name="current"' not in page
    reply = choose(newcomer, NEW_PASSWORD)
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/insights/"
    assert newcomer.get("/account").status_code == 200
    # The one-time password is spent; the chosen one works.
    assert log_in(app.test_client(), "new@test.org", password).status_code == 422
    assert log_in(app.test_client(), "new@test.org", NEW_PASSWORD).status_code == 303


def every_route_but_the_open_ones(app: Flask) -> list[tuple[str, str]]:
    """Return (method, url) for every route a signed-in user might use, ids filled with 1."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_WHILE_CHOOSING:
            continue
        path = re.sub(r"<any\([^)]*\):[^>]+>", "t", rule.rule)
        path = re.sub(r"<[^>]+>", "1", path)
        urls += [(method, path) for method in sorted(rule.methods & {"GET", "POST"})]
    assert len(urls) >= 40
    return urls


def test_every_other_route_waits_for_the_new_password(app: Flask, admin: FlaskClient) -> None:
    newcomer = app.test_client()
    log_in(newcomer, "new@test.org", invite(admin, "new@test.org", "admin"))
    token = csrf_from(newcomer, "/account/password")
    for method, url in every_route_but_the_open_ones(app):
        reply = newcomer.open(url, method=method, data={"csrf_token": token})
        assert reply.status_code == 303, (method, url)
        assert reply.headers["Location"] == "/account/password", (method, url)
        reply = newcomer.open(
            url, method=method, data={"csrf_token": token}, headers={"HX-Request": "true"}
        )
        assert reply.headers["HX-Redirect"] == "/account/password", (method, url)
        assert reply.get_data() == b"", (method, url)
    # Sign-out still works.
    assert newcomer.post("/logout", data={"csrf_token": token}).status_code == 303
    assert newcomer.get("/account").status_code == 302


def test_expired_one_time_password_fails_like_any_wrong_password(
    app: Flask, admin: FlaskClient
) -> None:
    password = invite(admin, "late@test.org")
    set_column(app, "late@test.org", password_expires_at=utcnow() - timedelta(minutes=1))
    expired = log_in(app.test_client(), "late@test.org", password)
    unknown = log_in(app.test_client(), "nobody@test.org", password)
    assert expired.status_code == unknown.status_code == 422

    def page(reply, email: str) -> str:
        """Return the page with its CSRF tokens and the e-mail typed taken out."""
        return TOKENS.sub("", reply.get_data(as_text=True)).replace(email, "EMAIL")

    assert "Enter a correct email address and password" in page(expired, "late@test.org")
    assert page(expired, "late@test.org") == page(unknown, "nobody@test.org")


def test_one_time_passwords_last_the_configured_days(app: Flask, admin: FlaskClient) -> None:
    invite(admin, "week@test.org")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "week@test.org")).one()
        left = user.password_expires_at - utcnow()
    assert timedelta(days=7) - timedelta(minutes=5) < left <= timedelta(days=7)


def test_a_session_on_a_one_time_password_ends_when_it_expires(
    app: Flask, admin: FlaskClient
) -> None:
    newcomer = app.test_client()
    log_in(newcomer, "new@test.org", invite(admin, "new@test.org"))
    assert newcomer.get("/account/password").status_code == 200
    set_column(app, "new@test.org", password_expires_at=utcnow() - timedelta(seconds=1))
    reply = newcomer.get("/account/password")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login")


def test_admin_issues_a_new_one_time_password(app: Flask, admin: FlaskClient) -> None:
    email = ACCOUNTS["analyst"][0]
    analyst = signed_in(app, email)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    edit = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Reset password" in edit
    reply = post(admin, f"/admin/users/{user_id}/password")
    assert reply.status_code == 200
    password = ONE_TIME.search(reply.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    # Their sessions end and their old password stops working; the new one leads to a change.
    assert analyst.get("/account").status_code == 302
    assert log_in(app.test_client(), email, PASSWORD).status_code == 422
    reply = log_in(app.test_client(), email, password)
    assert reply.headers["Location"].startswith("/account/password")
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.action == "user.password_reset"
        assert email in entry.detail
        assert password not in entry.detail


def test_admin_cannot_reset_their_own_password_from_the_users_page(
    app: Flask, admin: FlaskClient
) -> None:
    with app.app_context():
        own = db.session.scalar(select(User.id).where(User.email == ACCOUNTS["admin"][0]))
    assert "Reset password" not in admin.get(f"/admin/users/{own}").get_data(as_text=True)
    assert post(admin, f"/admin/users/{own}/password").status_code == 409
    assert post(admin, "/admin/users/999999/password").status_code == 404
    assert admin.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("wrong password!!", NEW_PASSWORD, NEW_PASSWORD, "current", "not correct"),
        ("", NEW_PASSWORD, NEW_PASSWORD, "current", "Enter your current password"),
        (PASSWORD, "short", "short", "new", "12 to 200 characters"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "confirm", "same new password twice"),
        (PASSWORD, PASSWORD, PASSWORD, "new", "different from your current one"),
    ],
)
def test_changing_your_password_explains_each_problem_beside_its_field(
    app: Flask, accounts: None, current: str, new: str, confirm: str, field: str, message: str
) -> None:
    analyst = signed_in(app, ACCOUNTS["analyst"][0])
    reply = choose(analyst, new, confirm, current=current)
    assert reply.status_code == 422
    assert message in field_error(reply, field)
    assert log_in(app.test_client(), ACCOUNTS["analyst"][0], PASSWORD).status_code == 303


def test_changing_your_password_ends_your_other_sessions_and_keeps_this_one(
    app: Flask, accounts: None
) -> None:
    email = ACCOUNTS["manager"][0]
    here, elsewhere = signed_in(app, email), signed_in(app, email)
    assert elsewhere.get("/account").status_code == 200
    reply = choose(here, NEW_PASSWORD, current=PASSWORD)
    assert reply.status_code == 303
    landing = here.get(reply.headers["Location"])
    assert landing.status_code == 200
    assert "Your password has been changed" in landing.get_data(as_text=True)
    reply = elsewhere.get("/account")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/login")
    assert log_in(app.test_client(), email, PASSWORD).status_code == 422
    assert log_in(app.test_client(), email, NEW_PASSWORD).status_code == 303


def test_every_signed_in_user_can_reach_the_password_page(app: Flask, accounts: None) -> None:
    for who in ACCOUNTS:
        client = app.test_client()
        sign_in(client, who)
        assert "Change your password" in client.get("/account").get_data(as_text=True)
        assert client.get("/account/password").status_code == 200
    assert app.test_client().get("/account/password").status_code == 302


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOGIN_LIMIT_PER_ACCOUNT", "lots"),
        ("LOGIN_LIMIT_PER_ADDRESS", 5),
        ("ONE_TIME_PASSWORD_DAYS", 0),
        ("ONE_TIME_PASSWORD_DAYS", "7"),
    ],
)
def test_account_settings_that_cannot_work_are_refused(name: str, value: object) -> None:
    config = {key: getattr(Defaults, key) for key in dir(Defaults) if key.isupper()}
    check_accounts(config)
    with pytest.raises(ValueError, match=name):
        check_accounts({**config, name: value})
