"""Every admin route, for every kind of visitor: roles are enforced on the server."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Action, AuditEntry, ImportJob, Question, Survey, User, utcnow
from tests.helpers import CSRF, Org, sign_in


def admin_urls(app: Flask, org: Org) -> list[tuple[str, str]]:
    """Return (method, url) for every admin route, with ids of real objects filled in."""
    with app.app_context():
        ids = {
            "unit_id": org.unit_id,
            "wave_id": org.wave_id,
            "survey_id": db.session.scalar(select(Survey.id)),
            "question_id": db.session.scalar(select(Question.id)),
            "user_id": db.session.scalar(select(User.id)),
            "action_id": db.session.scalar(select(Action.id)),
            "job_id": db.session.scalar(select(ImportJob.id)),
            # Roles are checked before a view looks the address up, so any id walks the route.
            "recipient_id": 1,
        }
        urls = []
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("admin."):
                continue
            path = rule.rule
            for name, value in ids.items():
                path = path.replace(f"<id:{name}>", str(value))
            # A route over a fixed set of names (`<any(a, b):kind>`) is walked with its first.
            path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
            urls += [(method, path) for method in sorted(rule.methods & {"GET", "POST"})]
    assert len(urls) >= 25
    return urls


@pytest.fixture
def routes(app: Flask, org: Org, accounts: None) -> list[tuple[str, str]]:
    with app.app_context(), write_transaction() as session:
        session.add(Action(wave_id=org.wave_id, text="An action"))
        session.add(ImportJob(filename="past.csv", status="done", finished_at=utcnow()))
    return admin_urls(app, org)


def token(client: FlaskClient) -> str:
    return CSRF.search(client.get("/login").get_data(as_text=True)).group(1)  # type: ignore


def audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, routes: list) -> None:
    csrf = token(client)
    for method, url in routes:
        reply = client.open(url, method=method, data={"csrf_token": csrf})
        assert reply.status_code == 302, (method, url)
        assert reply.headers["Location"].startswith("/login?next="), (method, url)


def test_signed_out_htmx_gets_401_and_never_a_fragment(client: FlaskClient, routes: list) -> None:
    csrf = token(client)
    for method, url in routes:
        reply = client.open(
            url, method=method, data={"csrf_token": csrf}, headers={"HX-Request": "true"}
        )
        assert reply.status_code == 401, (method, url)
        assert reply.headers["HX-Redirect"].startswith("/login?next=")
        assert reply.get_data() == b""


@pytest.mark.parametrize("who", ["analyst", "manager"])
def test_other_roles_are_forbidden_and_change_nothing(
    app: Flask, client: FlaskClient, routes: list, who: str
) -> None:
    sign_in(client, who)
    csrf = token(client)
    before = audit_count(app)
    for method, url in routes:
        reply = client.open(url, method=method, data={"csrf_token": csrf, "name": "x"})
        assert reply.status_code == 403, (who, method, url)
    assert audit_count(app) == before


def test_admins_reach_every_page(client: FlaskClient, routes: list) -> None:
    sign_in(client, "admin")
    for method, url in routes:
        if method == "GET":
            reply = client.get(url)
            assert reply.status_code == 200, url
            assert reply.headers["Cache-Control"] == "no-store", url


def test_admin_posts_without_csrf_are_refused(
    app: Flask, client: FlaskClient, routes: list
) -> None:
    sign_in(client, "admin")
    before = audit_count(app)
    for method, url in routes:
        if method == "POST":
            assert client.post(url, data={"name": "x"}).status_code == 400, url
    assert audit_count(app) == before


@pytest.mark.parametrize(
    "url",
    [
        "/admin/units/999999/edit",
        "/admin/waves/999999",
        "/admin/surveys/999999",
        "/admin/questions/999999",
        "/admin/users/999999",
        "/admin/actions/999999",
    ],
)
def test_unknown_objects_are_404(client: FlaskClient, accounts: None, url: str) -> None:
    sign_in(client, "admin")
    assert client.get(url).status_code == 404
