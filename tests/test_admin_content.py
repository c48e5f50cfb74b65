"""Definition versions, "you said, we did" actions, and user accounts."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Action, Definition, Role, Unit, User
from tests.helpers import ACCOUNTS, Org, post, sign_in

TEXT = "Our change means better outcomes for residents and simpler ways of working."


def test_definition_saves_a_new_version(app: Flask, admin: FlaskClient, org: Org) -> None:
    assert (
        post(
            admin, "/admin/definition", {"text": TEXT, "based_on": "1", "action": "save"}
        ).status_code
        == 303
    )
    with app.app_context():
        assert [d.version for d in db.session.scalars(select(Definition))] == [1, 2]
    assert "Version 2" in admin.get("/admin/definition").get_data(as_text=True)


def test_definition_preview_shows_escaped_text_and_saves_nothing(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    reply = post(
        admin,
        "/admin/definition",
        {"text": TEXT + " <b>bold</b>", "based_on": "1", "action": "preview"},
        htmx=True,
    )
    html = reply.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="definition-preview"')
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    with app.app_context():
        assert len(db.session.scalars(select(Definition)).all()) == 1


def test_definition_saved_meanwhile_is_a_conflict(app: Flask, admin: FlaskClient, org: Org) -> None:
    post(admin, "/admin/definition", {"text": TEXT, "based_on": "1", "action": "save"})
    stale = post(
        admin, "/admin/definition", {"text": TEXT + " Mine.", "based_on": "1", "action": "save"}
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Someone saved a new version" in html
    assert "Mine." in html  # the writer's own text is kept for them


def test_too_short_definition_is_refused(admin: FlaskClient, org: Org) -> None:
    reply = post(admin, "/admin/definition", {"text": "Change", "based_on": "1", "action": "save"})
    assert reply.status_code == 422
    assert "Write 20 to 4,000 characters" in reply.get_data(as_text=True)


def test_action_recorded_and_edited(app: Flask, admin: FlaskClient, org: Org) -> None:
    reply = post(
        admin,
        "/admin/actions",
        {
            "wave_id": org.wave_id,
            "unit_id": org.unit_id,
            "text": "Weekly Q&A with directors",
            "status": "planned",
        },
    )
    assert reply.status_code == 303
    with app.app_context():
        action = db.session.scalars(select(Action)).one()
        assert (action.published, action.unit_id) == (False, org.unit_id)
    post(
        admin,
        f"/admin/actions/{action.id}",
        {
            "wave_id": org.wave_id,
            "unit_id": "",
            "text": "Weekly Q&A with directors",
            "status": "done",
            "published": "y",
        },
    )
    with app.app_context():
        action = db.session.scalars(select(Action)).one()
        assert (action.published, action.unit_id, action.status.value) == (True, None, "done")
    assert "Weekly Q&amp;A with directors" in admin.get("/admin/actions").get_data(as_text=True)


def test_invite_shows_a_one_time_password_that_works(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    reply = post(
        admin, "/admin/users", {"email": "New.Person@Test.org", "role": "analyst", "unit_id": ""}
    )
    html = reply.get_data(as_text=True)
    assert "new.person@test.org can now sign in" in html
    password = html.split('class="app-secret">')[1].split("<")[0]
    with app.app_context():
        assert password not in db.session.scalars(select(User.password_hash)).all()
    fresh = app.test_client()
    ACCOUNTS["new"] = ("new.person@test.org", Role.ANALYST)
    try:
        assert sign_in(fresh, "new", password).status_code == 303
    finally:
        del ACCOUNTS["new"]


def test_manager_needs_a_unit(admin: FlaskClient, org: Org) -> None:
    reply = post(admin, "/admin/users", {"email": "m@test.org", "role": "manager", "unit_id": ""})
    assert reply.status_code == 422
    assert "Choose the unit this manager looks after" in reply.get_data(as_text=True)


def test_deactivating_a_user_signs_them_out(app: Flask, admin: FlaskClient, org: Org) -> None:
    analyst = app.test_client()
    sign_in(analyst, "analyst")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == ACCOUNTS["analyst"][0])).one()
    post(
        admin, f"/admin/users/{user.id}", {"email": user.email, "role": "analyst", "unit_id": ""}
    )  # active left unticked
    assert analyst.get("/admin/").status_code == 302
    assert sign_in(analyst, "analyst").status_code == 422


def test_admin_cannot_remove_their_own_access(app: Flask, admin: FlaskClient, org: Org) -> None:
    with app.app_context():
        me = db.session.scalars(select(User).where(User.email == ACCOUNTS["admin"][0])).one()
        team = db.session.scalars(select(Unit.id).where(Unit.name == "Team B")).one()
    reply = post(
        admin,
        f"/admin/users/{me.id}",
        {"email": me.email, "role": "manager", "unit_id": team, "active": "y"},
    )
    assert reply.status_code == 422
    assert "cannot remove your own admin access" in reply.get_data(as_text=True)


def test_every_change_is_in_the_audit_log(admin: FlaskClient, org: Org) -> None:
    post(admin, "/admin/definition", {"text": TEXT, "based_on": "1", "action": "save"})
    post(admin, "/admin/units", {"name": "Audit me", "parent_id": "", "headcount": "3"})
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "definition.save" in log
    assert "unit.add" in log
    assert "admin@test.org" in log


@pytest.mark.parametrize("email", ["bob smith@example.org", "bob@", "a@b@c.org"])
def test_the_users_form_and_the_cli_refuse_the_same_addresses(
    app: Flask, admin: FlaskClient, email: str
) -> None:
    reply = post(admin, "/admin/users", {"email": email, "role": "analyst", "unit_id": ""})
    assert reply.status_code == 422
    assert "Enter an email address like name@council.gov.uk" in reply.get_data(as_text=True)
    cli = app.test_cli_runner().invoke(args=["create-user", email, "--password", "long-enough-pw"])
    assert cli.exit_code != 0
    assert "Enter an email address like name@council.gov.uk" in cli.output
