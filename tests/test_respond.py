"""A respondent answers a pulse through a link: the flow, its pages and what gets stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from survey.extensions import db
from survey.models import Answer, Invitation, Response
from tests.helpers import Org, Respondent, good_answers, response_count, set_wave_times


def team_url(org: Org) -> str:
    return f"/t/{org.team_token}"


def invitation_url(org: Org, index: int = 0) -> str:
    return f"/i/{org.invitations[index]}"


def test_landing_is_a_short_neutral_welcome(client: FlaskClient, org: Org) -> None:
    page = client.get(team_url(org))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your answers are anonymous" in html
    assert "Team A" in html
    assert "13 short questions, about 3 minutes" in html
    # Nothing names an aim before the recognition check: the definition comes after sending.
    assert "better outcomes for the residents we serve" not in html
    assert "What we mean by the change" not in html


def test_definition_is_on_no_screen_before_sending_and_on_the_thank_you_page(
    client: FlaskClient, org: Org
) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    answers = good_answers(org)
    screens = [person.post("start")]
    screens += [person.post("next", str(step), answers) for step in range(len(org.pulse.items))]
    assert "Check your answers" in screens[-1].get_data(as_text=True)
    assert all("better outcomes for the residents" not in s.get_data(as_text=True) for s in screens)
    thanks = client.get(person.submit(answers).headers["Location"]).get_data(as_text=True)
    assert "Here is what we mean by the change" in thanks
    assert "better outcomes for the residents we serve" in thanks


def test_staff_and_hr_see_the_same_time_estimate(app: Flask, client: FlaskClient, org: Org) -> None:
    from survey.services import surveys

    with app.app_context():
        hr = surveys.get(org.pulse.survey_id).minutes
    assert hr == org.pulse.minutes == 3
    assert f"about {hr} minutes" in client.get(team_url(org)).get_data(as_text=True)


def test_survey_pages_send_security_headers(client: FlaskClient, org: Org) -> None:
    headers = client.get(team_url(org)).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in headers["Vary"]


def test_whole_pulse_without_javascript_stores_one_anonymous_response(
    app: Flask, client: FlaskClient, org: Org
) -> None:
    person = Respondent(client, invitation_url(org))
    person.open()
    answers = good_answers(org)
    screen = person.post("start")
    assert "Question 1 of 13" in screen.get_data(as_text=True)
    for step in range(len(org.pulse.items)):
        screen = person.post("next", str(step), answers)
        assert screen.status_code == 200
    assert "Check your answers" in screen.get_data(as_text=True)
    done = person.submit(answers)
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"{invitation_url(org)}/thanks")
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        stored = db.session.scalars(select(Answer).where(Answer.response_id == response.id)).all()
        assert response.unit_id == org.unit_id
        assert response.wave_id == org.wave_id
        # One row per answer, and one per option chosen in the multiple-choice question.
        assert len(stored) == 14
        comment = org.item("comment")
        assert [a.text for a in stored if a.question_version_id == comment.id] == [
            "Plain English, please."
        ]
        used = db.session.scalars(select(Invitation.used)).all()
        assert used.count(True) == 1


def test_response_table_holds_nothing_that_identifies_a_person(app: Flask) -> None:
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("response")}
    # `shuffle` is random, drawn afresh per response: it orders raw exports, says nothing.
    assert columns == {
        "id",
        "wave_id",
        "unit_id",
        "definition_id",
        "nonce",
        "submitted_on",
        "shuffle",
    }


def test_thank_you_page_after_submit(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    done = person.submit(good_answers(org))
    page = client.get(done.headers["Location"])
    assert page.status_code == 200
    assert "Thank you, your answers have been sent" in page.get_data(as_text=True)


def test_htmx_gets_fragment_and_redirect_header(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org), headers={"HX-Request": "true"})
    person.open()
    card = person.post("start")
    html = card.get_data(as_text=True)
    assert card.status_code == 200
    assert html.lstrip().startswith("<form")
    assert "<html" not in html
    assert "HX-Request" in card.headers["Vary"]
    done = person.submit(good_answers(org))
    assert done.status_code == 200
    assert done.headers["HX-Redirect"].endswith("/thanks")


def test_csrf_token_in_header_is_accepted_for_htmx(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    data = {"nonce": person.nonce, "nav": "start", "step": "0"}
    accepted = client.post(
        team_url(org), data=data, headers={"HX-Request": "true", "X-CSRFToken": person.csrf}
    )
    assert accepted.status_code == 200
    refused = client.post(team_url(org), data=data, headers={"HX-Request": "true"})
    assert refused.status_code == 400


def test_missing_answer_shows_error_beside_field(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org), headers={"HX-Request": "true"})
    person.open()
    card = person.post("next", "0")
    html = card.get_data(as_text=True)
    assert card.status_code == 422
    field = org.pulse.items[0].field
    assert f'id="{field}-error"' in html
    assert f'aria-describedby="{field}-error"' in html
    assert "Select how much you agree" in html
    assert "There is a problem" in html


def test_back_keeps_answers_given_so_far(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    first, second = org.pulse.items[0], org.pulse.items[1]
    card = person.post("back", "1", {first.field: ["2"], second.field: ["5"]})
    html = card.get_data(as_text=True)
    assert "Question 1 of 13" in html
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one(f'input[type=radio][name={first.field}][value="2"]').has_attr("checked")
    assert page.select_one(f"input[type=hidden][name={second.field}]")["value"] == "5"


def test_change_from_review_returns_to_review(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    answers = good_answers(org)
    card = person.post("change-2", "review", answers)
    assert "Question 3 of 13" in card.get_data(as_text=True)
    answers[org.pulse.items[2].field] = ["1"]
    review = person.post("next", "2", answers, **{"return": "review"})
    html = review.get_data(as_text=True)
    assert "Check your answers" in html
    assert "Strongly disagree" in html


def test_same_nonce_twice_stores_once(app: Flask, client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    answers = good_answers(org)
    first = person.submit(answers)
    # A retry whose first reply (and so its answered-here cookie) never arrived.
    client.delete_cookie("pulse_answered", path=team_url(org))
    again = person.submit(answers)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"].endswith("/thanks?again=1")
    assert "We already have your answers" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert response_count(app) == 1


def test_one_invitation_in_two_tabs_stores_once(app: Flask, client: FlaskClient, org: Org) -> None:
    tab_one, tab_two = (
        Respondent(client, invitation_url(org)),
        Respondent(client, invitation_url(org)),
    )
    tab_one.open()
    tab_two.open()
    assert tab_one.nonce != tab_two.nonce
    assert tab_one.submit(good_answers(org)).status_code == 303
    second = tab_two.submit(good_answers(org))
    assert second.status_code == 410
    assert "already received your answers" in second.get_data(as_text=True)
    assert response_count(app) == 1


@pytest.mark.parametrize("link", ["invitation", "team"])
def test_a_send_repeated_after_it_used_the_link_is_thanked_as_a_repeat(
    app: Flask, client: FlaskClient, org: Org, link: str
) -> None:
    # Without JavaScript a double click sends the review twice; the first send uses the
    # invitation up (or marks a team link answered in this browser) before the second arrives.
    url = invitation_url(org) if link == "invitation" else team_url(org)
    person = Respondent(client, url)
    person.open()
    assert person.submit(good_answers(org)).status_code == 303
    again = person.submit(good_answers(org))
    assert again.status_code == 303
    assert again.headers["Location"].endswith("/thanks?again=1")
    assert "We already have your answers" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert response_count(app) == 1
    # Another tab's form, never sent, still meets the used link's own page.
    other = Respondent(client, url)
    other.nonce = "A" * 22
    other.csrf = person.csrf
    assert other.submit(good_answers(org)).status_code in (409, 410)


def test_a_card_sent_to_a_link_that_closed_meanwhile_goes_to_the_links_own_page(
    app: Flask, client: FlaskClient, org: Org
) -> None:
    person = Respondent(client, team_url(org), headers={"HX-Request": "true"})
    person.open()
    set_wave_times(app, org.wave_id, timedelta(days=-3), timedelta(seconds=-1))
    card = person.post("next", "0", good_answers(org))
    # Never the whole "closed" page inside the card: the browser goes to the link's page.
    assert card.status_code == 410
    assert card.headers["HX-Redirect"] == team_url(org)
    assert card.get_data(as_text=True) == ""
    page = client.get(team_url(org))
    assert page.status_code == 410
    assert "This pulse has closed" in page.get_data(as_text=True)


def test_used_invitation_gets_clear_page(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, invitation_url(org))
    person.open()
    person.submit(good_answers(org))
    page = client.get(invitation_url(org))
    assert page.status_code == 410
    assert "already received your answers" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("opens", "closes", "status", "message"),
    [
        (timedelta(days=1), timedelta(days=5), 403, "not open yet"),
        (-timedelta(days=5), -timedelta(days=1), 410, "has closed"),
    ],
)
def test_link_outside_wave_window(
    app: Flask,
    client: FlaskClient,
    org: Org,
    opens: timedelta,
    closes: timedelta,
    status: int,
    message: str,
) -> None:
    set_wave_times(app, org.wave_id, opens, closes)
    for url in (team_url(org), invitation_url(org)):
        page = client.get(url)
        assert page.status_code == status
        assert message in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "token", ["short", "x" * 32, "A" * 31 + "!", "../../etc/passwd", "0" * 300]
)
def test_unknown_or_malformed_token_is_404(client: FlaskClient, org: Org, token: str) -> None:
    for prefix in ("i", "t"):
        page = client.get(f"/{prefix}/{token}")
        assert page.status_code == 404
        assert "Traceback" not in page.get_data(as_text=True)


def test_switched_off_team_link(app: Flask, client: FlaskClient, org: Org) -> None:
    from survey.database import write_transaction
    from survey.models import TeamLink

    with app.app_context(), write_transaction() as session:
        session.scalars(
            select(TeamLink).where(TeamLink.token == org.team_token)
        ).one().active = False
    page = client.get(team_url(org))
    assert page.status_code == 410
    assert "switched off" in page.get_data(as_text=True)


def test_wave_closing_mid_pulse_stores_nothing(app: Flask, client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    set_wave_times(app, org.wave_id, -timedelta(days=5), -timedelta(seconds=1))
    page = person.submit(good_answers(org))
    assert page.status_code == 410
    assert response_count(app) == 0


def test_home_page_explains_how_to_take_part(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "open the link in your invitation" in page.get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(client: FlaskClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)


def test_health_check_answers_plain_ok(client: FlaskClient) -> None:
    page = client.get("/healthz")
    assert (page.status_code, page.get_data(as_text=True)) == (200, "ok")


# Answers never lost: each screen is its own address, and a browser can ask for one again. ----


def test_each_htmx_screen_is_pushed_as_its_card_address_without_answers(
    client: FlaskClient, org: Org
) -> None:
    person = Respondent(client, team_url(org), headers={"HX-Request": "true"})
    person.open()
    answers = good_answers(org)
    assert person.post("start").headers["HX-Push-Url"] == f"{team_url(org)}?card=1"
    assert person.post("next", "0", answers).headers["HX-Push-Url"] == f"{team_url(org)}?card=2"
    assert person.post("back", "1", answers).headers["HX-Push-Url"] == f"{team_url(org)}?card=1"
    last = str(len(org.pulse.items) - 1)
    review = person.post("next", last, answers)
    assert review.headers["HX-Push-Url"] == f"{team_url(org)}?card=review"
    # A refused answer stays on its card: no new history entry.
    assert "HX-Push-Url" not in person.post("next", "1").headers


@pytest.mark.parametrize(
    ("step", "shows"),
    [("landing", "Start now"), ("2", "Question 3 of 13"), ("review", "Check your answers")],
)
def test_resume_shows_the_named_screen_with_the_answers_kept(
    client: FlaskClient, org: Org, step: str, shows: str
) -> None:
    person = Respondent(client, team_url(org), headers={"HX-Request": "true"})
    person.open()
    answers = good_answers(org)
    screen = person.post("resume", step, answers)
    html = screen.get_data(as_text=True)
    assert screen.status_code == 200
    assert shows in html
    assert "HX-Push-Url" not in screen.headers
    page = BeautifulSoup(html, "html.parser")
    first = org.pulse.items[0].field
    # Every answer comes back, checked on its card or carried in a hidden field.
    assert page.select(f"input[name={first}][value='4']")


def test_start_after_going_back_to_the_welcome_keeps_the_answers(
    client: FlaskClient, org: Org
) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    first = org.pulse.items[0].field
    welcome = person.post("resume", "landing", {first: ["2"]})
    hidden = BeautifulSoup(welcome.get_data(as_text=True), "html.parser")
    assert hidden.select_one(f"input[type=hidden][name={first}]")["value"] == "2"
    card = BeautifulSoup(
        person.post("start", "0", {first: ["2"]}).get_data(as_text=True), "html.parser"
    )
    assert card.select_one(f"input[type=radio][name={first}][value='2']").has_attr("checked")


@pytest.mark.parametrize("query", ["?card=3", "?card=review", "?card=99", "?card=abc", "?card="])
def test_a_card_address_loaded_afresh_shows_the_welcome(
    client: FlaskClient, org: Org, query: str
) -> None:
    page = client.get(team_url(org) + query)
    assert page.status_code == 200
    assert "Start now" in page.get_data(as_text=True)


@pytest.mark.parametrize(("nav", "step"), [("start", "landing"), ("resume", "99"), ("resume", "x")])
def test_a_screen_the_pulse_never_sends_is_refused(
    client: FlaskClient, org: Org, nav: str, step: str
) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    assert person.post(nav, step).status_code == 400


def test_pulse_pages_load_the_script_that_keeps_answers_and_thanks_forgets_them(
    client: FlaskClient, org: Org
) -> None:
    landing = client.get(team_url(org)).get_data(as_text=True)
    assert re.search(r'<script src="/static/js/pulse\.[0-9a-f]{12}\.js"', landing)
    assert f'data-pulse="{team_url(org)}"' in landing
    person = Respondent(client, team_url(org))
    person.open()
    thanks = client.get(person.submit(good_answers(org)).headers["Location"])
    assert "data-pulse-done" in thanks.get_data(as_text=True)


def test_not_sure_with_another_aim_is_still_refused(client: FlaskClient, org: Org) -> None:
    person = Respondent(client, team_url(org))
    person.open()
    recognition = org.item("recognition")
    unsure = next(c for c in recognition.choices if c.exclusive)
    answers = {recognition.field: [str(recognition.choices[0].id), str(unsure.id)]}
    step = str(org.pulse.items.index(recognition))
    card = person.post("next", step, answers)
    assert card.status_code == 422
    html = card.get_data(as_text=True)
    assert "on its own, or clear it" in html
    assert 'data-behaviour="exclusive"' in html
    assert "govuk-checkboxes__divider" in html
