"""Bad input of every kind gets a clear error and stores nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import Org, Respondent, good_answers, response_count


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
