"""Bad input of every kind gets a clear error and stores nothing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import AuditEntry, Survey, SurveyItem, Wave
from tests.helpers import Org, Respondent, csrf_from, good_answers, post, response_count


def field_of(org: Org, code: str) -> str:
    return org.item(code).field


def other_option(org: Org) -> str:
    """Return an option id that belongs to another question than 'mainly_about'."""
    return str(org.item("recognition").choices[0].id)


BAD_ANSWERS = {
    "scale above range": lambda org: {field_of(org, "awareness"): ["6"]},
    "scale below range": lambda org: {field_of(org, "awareness"): ["0"]},
    "scale not a number": lambda org: {field_of(org, "awareness"): ["lots"]},
    "0-10 above range": lambda org: {field_of(org, "advocacy"): ["11"]},
    "another question's option": lambda org: {field_of(org, "mainly_about"): [other_option(org)]},
    "multi with foreign option": lambda org: {
        field_of(org, "recognition"): [str(org.item("mainly_about").choices[0].id)]
    },
    "multi option twice": lambda org: {
        field_of(org, "recognition"): [str(org.item("recognition").choices[0].id)] * 2
    },
    "exclusive combined": lambda org: {
        field_of(org, "recognition"): [
            str(org.item("recognition").choices[0].id),
            str(org.item("recognition").choices[-1].id),
        ]
    },
    "text too long": lambda org: {field_of(org, "comment"): ["x" * 2001]},
    "required missing": lambda org: {field_of(org, "knowledge"): []},
}


@pytest.mark.parametrize("case", BAD_ANSWERS)
def test_bad_answer_is_refused_beside_its_field(
    app: Flask, client: FlaskClient, org: Org, case: str
) -> None:
    person = Respondent(client, f"/t/{org.team_token}", headers={"HX-Request": "true"})
    person.open()
    answers = good_answers(org) | BAD_ANSWERS[case](org)
    page = person.submit(answers)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "There is a problem" in html
    assert 'class="govuk-error-message"' in html
    assert response_count(app) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"a99999": ["1"]}, "does not have a field"),
        ({"is_admin": ["1"]}, "does not have a field"),
        ({"nav": "explode"}, "not part of this pulse"),
        ({"nav": "change-999"}, "not part of this pulse"),
        ({"step": "-1"}, "not part of this pulse"),
        ({"step": "99"}, "not part of this pulse"),
        ({"nonce": "short"}, "incomplete"),
        ({"nonce": ""}, "incomplete"),
    ],
)
def test_tampered_form_is_a_clear_400(
    app: Flask, client: FlaskClient, org: Org, extra: dict, message: str
) -> None:
    person = Respondent(client, f"/i/{org.invitations[0]}")
    person.open()
    data = {"csrf_token": person.csrf, "nonce": person.nonce, "nav": "submit", "step": "review"}
    data.update(good_answers(org))
    data.update(extra)
    page = client.post(person.url, data=data)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    assert response_count(app) == 0


def test_missing_csrf_token_is_refused(app: Flask, client: FlaskClient, org: Org) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    person.csrf = ""
    page = person.submit(good_answers(org))
    assert page.status_code == 400
    assert "This page has expired" in page.get_data(as_text=True)
    assert response_count(app) == 0


def test_huge_body_is_refused_with_413(app: Flask, client: FlaskClient, org: Org) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    page = person.submit(good_answers(org) | {field_of(org, "comment"): ["x" * 400_000]})
    assert page.status_code == 413
    assert "too much to send" in page.get_data(as_text=True)
    assert response_count(app) == 0


def test_markup_in_answers_is_escaped_on_review(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    answers = good_answers(org) | {field_of(org, "comment"): ['<script>alert("x")</script>']}
    html = person.post("next", str(len(org.pulse.items) - 1), answers).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_optional_comment_may_be_left_empty(app: Flask, client: FlaskClient, org: Org) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    assert person.submit(good_answers(org) | {field_of(org, "comment"): ["   "]}).status_code == 303
    assert response_count(app) == 1


NUL_POSTS = {
    "unit name": ("/admin/units", {"name": "A\x00B", "parent_id": "", "headcount": "1"}),
    "survey name": ("/admin/surveys", {"name": "Pulse\x00"}),
    "wave name": ("/admin/waves", {"name": "\x00", "survey_id": "1"}),
    "question text": ("/admin/questions/new", {"code": "q1", "text": "Why\x00?", "kind": "text"}),
    "definition": ("/admin/definition", {"text": "A definition long enough\x00", "based_on": "0"}),
    "field name": ("/admin/surveys", {"na\x00me": "Pulse"}),
}


@pytest.mark.parametrize("case", NUL_POSTS)
def test_nul_in_any_admin_field_is_a_clear_400(app: Flask, admin: FlaskClient, case: str) -> None:
    url, data = NUL_POSTS[case]
    before = audit_count(app)
    reply = post(admin, url, data)
    assert reply.status_code == 400
    assert "NUL byte" in reply.get_data(as_text=True)
    assert audit_count(app) == before  # nothing was changed, so nothing audited


@pytest.mark.parametrize(
    "url", ["/admin/questions?q=a%00b", "/admin/questions?q%00=a", "/admin/units%00"]
)
def test_nul_in_the_address_is_a_clear_400(admin: FlaskClient, url: str) -> None:
    reply = admin.get(url)
    assert reply.status_code in (400, 404)
    if reply.status_code == 400:
        assert "NUL byte" in reply.get_data(as_text=True)


def test_nul_in_a_sign_in_or_a_comment_is_refused(
    app: Flask, client: FlaskClient, org: Org
) -> None:
    token = csrf_from(client, "/login")
    reply = client.post("/login", data={"csrf_token": token, "email": "a\x00@b.c", "password": "x"})
    assert reply.status_code == 400
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    page = person.submit(good_answers(org) | {org.item("comment").field: ["Fine\x00"]})
    assert page.status_code == 400
    assert "NUL byte" in page.get_data(as_text=True)
    assert response_count(app) == 0


def test_nul_in_json_is_refused(client: FlaskClient) -> None:
    assert client.post("/login", json={"email": ["a\x00"]}).status_code == 400


@pytest.mark.parametrize("body", ["[" * 50_000, '{"a":' * 30_000])
def test_json_nested_past_the_parsers_depth_is_a_400(client: FlaskClient, body: str) -> None:
    # Anyone can send it, before any CSRF check: the parser's recursion must not be a 500.
    reply = client.post("/login", data=body, content_type="application/json")
    assert reply.status_code == 400
    assert "nested too deeply" in reply.get_data(as_text=True)


NOT_AN_ANSWER = ["5 ", " 5", "+5", "05", "\u0665", "\uff15", "\u00b2", "\u2460", "5.0"]


@pytest.mark.parametrize("value", NOT_AN_ANSWER)
def test_scale_answers_must_be_plain_digits(
    app: Flask, client: FlaskClient, org: Org, value: str
) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    page = person.submit(good_answers(org) | {org.item("awareness").field: [value]})
    assert page.status_code == 422
    assert "There is a problem" in page.get_data(as_text=True)
    assert response_count(app) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"step": "\u00b2"}, "not part of this pulse"),
        ({"step": "\u0661"}, "not part of this pulse"),
        ({"step": "01"}, "not part of this pulse"),
        ({"step": "+1"}, "not part of this pulse"),
        ({"nav": "change-\u0661"}, "not part of this pulse"),
        ({"nav": "change-01"}, "not part of this pulse"),
    ],
)
def test_steps_must_be_plain_digits(
    client: FlaskClient, org: Org, extra: dict, message: str
) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    reply = person.post(extra.get("nav", "next"), extra.get("step", "0"))
    assert reply.status_code == 400
    assert message in reply.get_data(as_text=True)


def test_preview_and_composer_refuse_non_ascii_digits(app: Flask, admin: FlaskClient) -> None:
    survey = admin_survey(app)
    preview = post(admin, f"/admin/surveys/{survey}/preview", {"nav": "next", "step": "\u00b2"})
    assert preview.status_code == 400
    for position in ("\u00b2", "\u0661", "+1", "01"):
        reply = post(
            admin, f"/admin/surveys/{survey}/items", {"action": "up", "position": position}
        )
        assert reply.status_code == 400
        assert "whole number" in reply.get_data(as_text=True)


@pytest.mark.parametrize("move", [("start", "review"), ("start", "0"), ("next", "0")])
def test_a_survey_with_no_questions_previews_no_card(
    app: Flask, admin: FlaskClient, move: tuple[str, str]
) -> None:
    with app.app_context(), write_transaction() as session:
        empty = Survey(name="Nothing yet", items=[])
        session.add(empty)
        session.flush()
        survey = empty.id
    page = admin.get(f"/admin/surveys/{survey}/preview").get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page)
    assert nonce is not None
    nav, step = move
    reply = post(
        admin,
        f"/admin/surveys/{survey}/preview",
        {"nav": nav, "step": step, "nonce": nonce.group(1)},
    )
    assert reply.status_code == 400
    assert "no questions yet" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/waves/99999999999999999999",
        "/admin/waves/2147483648",
        "/admin/waves/0",
        "/admin/waves/01",
        "/admin/waves/%D9%A1",  # Arabic-Indic one
        "/admin/units/99999999999999999999/edit",
        "/insights/?wave=99999999999999999999",
        "/insights/?wave=%C2%B2",
        "/insights/?from=2147483648",
        "/insights/?unit=99999999999999999999",
        "/insights/heatmap?unit=-1",
        "/insights/trends?compare=99999999999999999999",
        "/insights/export/aggregates.csv?unit=99999999999999999999",
    ],
)
def test_ids_out_of_range_are_404(admin: FlaskClient, url: str) -> None:
    assert admin.get(url).status_code == 404


@pytest.mark.parametrize("page", ["\u00b2", "0", "-1", "99999999999999999999", "1.5"])
def test_page_numbers_are_plain_digits(admin: FlaskClient, page: str) -> None:
    reply = admin.get("/admin/audit", query_string={"page": page})
    assert reply.status_code == 400
    assert "whole number" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("closes_at", "9999-12-31T23:59", "years 2000 to 2100"),
        ("opens_at", "1999-12-31T09:00", "years 2000 to 2100"),
        ("opens_at", "\uff12026-03-01T09:00", "Enter a date and time"),
    ],
)
def test_wave_dates_outside_the_window_are_refused(
    app: Flask, admin: FlaskClient, field: str, value: str, message: str
) -> None:
    data = {
        "name": "Far away",
        "survey_id": admin_survey(app),
        "opens_at": "2026-03-01T09:00",
        "closes_at": "2026-03-20T17:00",
        "cadence": "",
    } | {field: value}
    reply = post(admin, "/admin/waves", data)
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Wave)) == 1  # the org's own


@pytest.mark.parametrize("count", ["\u0665", "\uff15", "05", " 5", "+5"])
def test_invitation_count_is_plain_digits(admin: FlaskClient, org: Org, count: str) -> None:
    reply = post(
        admin, f"/admin/waves/{org.wave_id}/invitations", {"unit_id": org.unit_id, "count": count}
    )
    assert reply.status_code == 422
    assert "whole number from 1 to 5,000" in reply.get_data(as_text=True)


@pytest.mark.parametrize("headcount", ["\u00b2", "\u0665", "+3", "03"])
def test_unit_headcount_is_plain_digits(admin: FlaskClient, org: Org, headcount: str) -> None:
    reply = post(admin, "/admin/units", {"name": "New", "parent_id": "", "headcount": headcount})
    assert reply.status_code == 422
    assert "whole number from 0 to 1,000,000" in reply.get_data(as_text=True)


def audit_count(app: Flask) -> int:
    """Return how many changes have been audited."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def admin_survey(app: Flask) -> int:
    """Return the id of a survey no wave uses, with the default questions."""
    with app.app_context(), write_transaction() as session:
        items = session.scalars(select(SurveyItem.question_version_id).limit(3)).all()
        draft = Survey(
            name="Draft",
            items=[SurveyItem(position=n, question_version_id=v) for n, v in enumerate(items)],
        )
        session.add(draft)
        session.flush()
        return draft.id


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [("delete", "/login", {"GET", "POST"}), ("put", "/admin/waves", {"GET", "POST"})],
)
def test_a_wrong_method_says_which_are_allowed(
    client: FlaskClient, method: str, url: str, allowed: set[str]
) -> None:
    reply = getattr(client, method)(url)
    assert reply.status_code == 405
    assert allowed <= {m.strip() for m in reply.headers["Allow"].split(",")}
    assert reply.mimetype == "text/html"
