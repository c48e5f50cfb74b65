"""The staff pulse in Welsh: chosen by a link, kept for the pulse, and the same questions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_datetime
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from survey import bank
from survey.database import write_transaction
from survey.extensions import db
from survey.models import (
    Answer,
    Definition,
    Option,
    Question,
    QuestionVersion,
    Response,
    Survey,
    Wave,
    utcnow,
)
from survey.services import questions
from tests.helpers import Org, Respondent, good_answers, post, set_wave_times
from tests.test_landing import previous_wave

WELSH = {spec.code: spec for spec in bank.DEFAULT_QUESTIONS}


def team_url(org: Org) -> str:
    return f"/t/{org.team_token}"


def invitation_url(org: Org, index: int = 0) -> str:
    return f"/i/{org.invitations[index]}"


def make_bilingual(app: Flask, org: Org) -> None:
    """Offer the org's launched survey in Welsh too (as if set before launch)."""
    with app.app_context(), write_transaction() as session:
        session.get_one(Survey, org.pulse.survey_id).bilingual = True
    app.extensions.pop("pulse_cache", None)


@pytest.fixture
def welsh(app: Flask, org: Org) -> Org:
    """The org with its pulse offered in Welsh and English."""
    make_bilingual(app, org)
    return org


def text_of(html: str) -> str:
    """Return a page's visible text, entities decoded, whitespace collapsed."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def lang_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").html["lang"]  # type: ignore[index,return-value]


def in_welsh(client: FlaskClient, url: str) -> Respondent:
    """Choose Welsh by the landing page's link and return a respondent on the pulse."""
    person = Respondent(client, url)
    landing = client.get(url).get_data(as_text=True)
    link = BeautifulSoup(landing, "html.parser").find("a", string="Cymraeg")
    assert link is not None
    assert link["lang"] == "cy"
    client.get(link["href"])
    person.open()
    return person


def test_landing_offers_welsh_by_a_plain_link(client: FlaskClient, welsh: Org) -> None:
    english = client.get(team_url(welsh)).get_data(as_text=True)
    assert lang_of(english) == "en-GB"
    assert "Tell us how the change is going" in english
    page = client.get(f"{team_url(welsh)}?lang=cy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert lang_of(html) == "cy"
    words = text_of(html)
    assert "Dywedwch wrthym sut mae'r newid yn mynd" in words
    assert "13 cwestiwn byr, tua 3 munud." in words
    assert "Dechrau nawr" in words
    assert "Tell us how" not in words
    back = BeautifulSoup(html, "html.parser").find("a", string="English")
    assert back is not None
    assert back["lang"] == "en"
    # The choice goes back the same way.
    assert lang_of(client.get(back["href"]).get_data(as_text=True)) == "en-GB"


def test_a_survey_in_english_only_offers_no_welsh(client: FlaskClient, org: Org) -> None:
    html = client.get(f"{team_url(org)}?lang=cy").get_data(as_text=True)
    assert lang_of(html) == "en-GB"
    assert "Cymraeg" not in html
    assert "Tell us how the change is going" in html


def expected_words(item_code: str, kind: str) -> list[str]:
    """Return Welsh words each card of a kind must show, besides its question."""
    spec = WELSH[item_code]
    if kind == "scale5":
        return ["Anghytuno'n gryf", "Ddim yn cytuno nac yn anghytuno", "Cytuno'n gryf"]
    if kind == "scale11":
        return ["Ddim yn debygol o gwbl", "Hynod o debygol", spec.hint_cy]
    if kind in ("single", "multi"):
        return [spec.hint_cy, *(option.label_cy for option in spec.options)]
    return ["Eich ateb (dewisol)", spec.hint_cy]


def test_every_card_kind_is_in_welsh_and_the_choice_lasts(client: FlaskClient, welsh: Org) -> None:
    person = in_welsh(client, team_url(welsh))
    answers = good_answers(welsh)
    total = len(welsh.pulse.items)
    screen = person.post("start")
    for step, item in enumerate(welsh.pulse.items):
        html = screen.get_data(as_text=True)
        assert screen.status_code == 200
        assert lang_of(html) == "cy", item.code
        words = text_of(html)
        assert f"Cwestiwn {step + 1} o {total}" in words
        assert WELSH[item.code].text_cy in words
        assert item.text not in words  # the English wording is not shown beside it
        for expected in expected_words(item.code, item.kind):
            assert expected in words, (item.code, expected)
        assert "Parhau" in words
        screen = person.post("next", str(step), answers)
    assert lang_of(screen.get_data(as_text=True)) == "cy"


def test_an_htmx_card_is_in_welsh_too(client: FlaskClient, welsh: Org) -> None:
    person = in_welsh(client, team_url(welsh))
    person.headers = {"HX-Request": "true"}
    fragment = person.post("start").get_data(as_text=True)
    assert WELSH["awareness"].text_cy in text_of(fragment)
    assert "Cwestiwn 1 o 13" in text_of(fragment)


def test_a_missing_answer_is_explained_in_welsh(client: FlaskClient, welsh: Org) -> None:
    person = in_welsh(client, team_url(welsh))
    reply = person.post("next", "0", {})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert lang_of(html) == "cy"
    words = text_of(html)
    assert "Mae problem wedi codi" in words
    assert "Gwall: Dewiswch i ba raddau rydych yn cytuno" in words
    assert BeautifulSoup(html, "html.parser").title.string.startswith("Gwall:")  # type: ignore[union-attr]


def test_a_bad_request_is_explained_in_welsh(client: FlaskClient, welsh: Org) -> None:
    person = in_welsh(client, team_url(welsh))
    reply = person.post("leap")
    assert reply.status_code == 400
    html = reply.get_data(as_text=True)
    assert lang_of(html) == "cy"
    assert "Nid yw'r botwm hwnnw'n rhan o'r arolwg hwn." in text_of(html)
    assert "Roedd rhywbeth o'i le yn y cais hwnnw" in text_of(html)


def test_review_and_thank_you_are_in_welsh(client: FlaskClient, welsh: Org) -> None:
    person = in_welsh(client, invitation_url(welsh))
    answers = good_answers(welsh)
    review = person.post("next", str(len(welsh.pulse.items) - 1), answers, **{"return": "review"})
    html = review.get_data(as_text=True)
    assert lang_of(html) == "cy"
    words = text_of(html)
    assert "Gwirio eich atebion" in words
    assert "Cyflwyno fy atebion" in words
    assert "Cytuno" in words  # the answers read back in Welsh
    assert WELSH["mainly_about"].options[1].label_cy in words
    sent = person.submit(answers)
    assert sent.status_code == 303
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert lang_of(thanks) == "cy"
    words = text_of(thanks)
    assert "Diolch, mae eich atebion wedi'u cyflwyno" in words
    assert "Dyma beth rydym yn ei olygu wrth y newid" in words
    assert bank.DEFAULT_DEFINITION_CY in words
    assert bank.DEFAULT_DEFINITION not in words


def test_used_and_closed_links_are_explained_in_welsh(
    app: Flask, client: FlaskClient, welsh: Org
) -> None:
    person = in_welsh(client, invitation_url(welsh))
    assert person.submit(good_answers(welsh)).status_code == 303
    used = client.get(invitation_url(welsh))
    assert used.status_code == 410
    html = used.get_data(as_text=True)
    assert lang_of(html) == "cy"
    assert "Rydym eisoes wedi cael eich atebion" in text_of(html)

    set_wave_times(app, welsh.wave_id, -timedelta(days=3), -timedelta(days=1))
    closed = client.get(invitation_url(welsh, 1))
    assert closed.status_code == 410
    html = closed.get_data(as_text=True)
    assert lang_of(html) == "cy"
    words = text_of(html)
    assert "Mae'r arolwg hwn wedi cau" in words
    with app.app_context():
        closes = db.session.get_one(Wave, welsh.wave_id).closes_at
    # The date in Welsh: its month's Welsh name, and "am" before the time.
    assert format_datetime(closes, "d MMMM y 'am' HH:mm", locale="cy") in words
    # A fresh browser that never chose Welsh is offered it on the same page.
    fresh = app.test_client().get(invitation_url(welsh, 1)).get_data(as_text=True)
    assert lang_of(fresh) == "en-GB"
    assert BeautifulSoup(fresh, "html.parser").find("a", string="Cymraeg") is not None


def test_answers_in_welsh_and_english_are_answers_to_the_same_questions(
    app: Flask, client: FlaskClient, welsh: Org
) -> None:
    answers = good_answers(welsh)
    welsh_person = in_welsh(client, invitation_url(welsh, 0))
    assert welsh_person.submit(answers).status_code == 303
    english_person = Respondent(app.test_client(), invitation_url(welsh, 1))
    assert "Tell us how" in english_person.open()
    assert english_person.submit(answers).status_code == 303
    with app.app_context():
        rows = db.session.execute(
            select(Answer.response_id, Answer.question_version_id, Answer.value, Answer.option_id)
        ).all()
        responses = db.session.scalars(select(Response.id).order_by(Response.id)).all()
    assert len(responses) == 2
    given = [sorted((r[1], r[2], r[3]) for r in rows if r[0] == response) for response in responses]
    assert given[0] == given[1]
    assert {r[1] for r in rows} <= {item.id for item in welsh.pulse.items}


QUESTION = {
    "code": "trust_leaders",
    "text": "Which of these do you trust?",
    "hint": "Pick one.",
    "kind": "single",
    "dimension": "leadership",
    "options": "Senior leaders\nMy manager",
    "required": "y",
    "text_cy": "Pa rai o'r rhain ydych chi'n ymddiried ynddynt?",
    "hint_cy": "Dewiswch un.",
    "options_cy": "Uwch arweinwyr\nFy rheolwr",
}


def test_admin_enters_welsh_text_for_a_question(app: Flask, admin: FlaskClient) -> None:
    assert post(admin, "/admin/questions/new", QUESTION).status_code == 303
    with app.app_context():
        version = db.session.scalars(
            select(QuestionVersion).join(Question).where(Question.code == "trust_leaders")
        ).one()
        assert version.text_cy == QUESTION["text_cy"]
        assert version.hint_cy == "Dewiswch un."
        assert [o.label_cy for o in version.options] == ["Uwch arweinwyr", "Fy rheolwr"]
        question_id = version.question_id
    page = admin.get(f"/admin/questions/{question_id}").get_data(as_text=True)
    assert "Fy rheolwr" in page
    assert 'lang="cy"' in page or "lang=cy" in page


def test_welsh_choices_must_pair_with_the_english_ones(app: Flask, admin: FlaskClient) -> None:
    reply = post(admin, "/admin/questions/new", QUESTION | {"options_cy": "Uwch arweinwyr"})
    assert reply.status_code == 422
    assert "Enter one Welsh choice for each of the 2 English choices" in reply.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(Question).where(Question.code == "trust_leaders")) is None


def test_adding_welsh_to_an_answered_question_keeps_its_version(
    app: Flask, client: FlaskClient, admin: FlaskClient, org: Org
) -> None:
    item = org.item("good_for_me")
    with app.app_context(), write_transaction() as session:
        session.get_one(QuestionVersion, item.id).text_cy = None
    answers = good_answers(org)
    person = Respondent(client, invitation_url(org))
    person.open()
    assert person.submit(answers).status_code == 303
    with app.app_context():
        question_id = db.session.get_one(QuestionVersion, item.id).question_id
    form = {
        "code": "good_for_me",
        "text": item.text,
        "hint": "",
        "kind": "scale5",
        "dimension": "valence",
        "options": "",
        "required": "y",
        "text_cy": "Bydd y newid yn dda i mi.",
    }
    assert post(admin, f"/admin/questions/{question_id}", form).status_code == 303
    with app.app_context():
        versions = db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.question_id == question_id)
        ).all()
        assert [(v.id, v.text_cy) for v in versions] == [(item.id, "Bydd y newid yn dda i mi.")]


def test_admin_enters_the_definition_in_welsh(app: Flask, admin: FlaskClient) -> None:
    text = "Our change is about better services for residents and simpler work."
    text_cy = "Mae ein newid yn ymwneud â gwell gwasanaethau i drigolion a gwaith symlach."
    page = admin.get("/admin/definition").get_data(as_text=True)
    based_on = BeautifulSoup(page, "html.parser").find("input", {"name": "based_on"})["value"]
    reply = post(
        admin,
        "/admin/definition",
        {"action": "save", "text": text, "text_cy": text_cy, "based_on": based_on},
    )
    assert reply.status_code == 303
    with app.app_context():
        latest = db.session.scalars(select(Definition).order_by(Definition.version.desc())).first()
        assert latest is not None
        assert latest.text_cy == text_cy
    assert text_cy in admin.get("/admin/definition").get_data(as_text=True)


def new_wave(app: Flask, admin: FlaskClient, survey: int) -> int:
    stamp = (utcnow() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    opens = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "name": "Welsh pulse",
        "survey_id": survey,
        "opens_at": opens,
        "closes_at": stamp,
        "cadence": "",
        "audience_unit_id": "",
    }
    reply = post(admin, "/admin/waves", data)
    assert reply.status_code == 303, text_of(reply.get_data(as_text=True))[:2000]
    return int(reply.headers["Location"].rsplit("/", 1)[1])


def launch(app: Flask, admin: FlaskClient, wave_id: int):
    with app.app_context():
        wave = db.session.get_one(Wave, wave_id)
        data = {
            "row_version": str(wave.row_version),
            "name": wave.name,
            "survey_id": wave.survey_id,
            "opens_at": wave.opens_at.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": wave.closes_at.strftime("%Y-%m-%dT%H:%M"),
            "cadence": "",
            "audience_unit_id": "",
            "action": "launch",
        }
    return post(admin, f"/admin/waves/{wave_id}", data)


def test_a_bilingual_survey_without_welsh_text_cannot_launch(
    app: Flask, admin: FlaskClient
) -> None:
    english_only = QUESTION | {"text_cy": "", "hint_cy": "", "options_cy": ""}
    assert post(admin, "/admin/questions/new", english_only).status_code == 303
    reply = post(admin, "/admin/surveys", {"name": "Trust pulse"})
    survey = int(reply.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        version = db.session.scalars(
            select(QuestionVersion.id).join(Question).where(Question.code == "trust_leaders")
        ).one()
    items = f"/admin/surveys/{survey}/items"
    post(admin, items, {"action": "add", "question_version_id": str(version)})
    assert post(admin, f"/admin/surveys/{survey}/languages", {"bilingual": "y"}).status_code == 303
    composer = admin.get(f"/admin/surveys/{survey}").text
    assert "Offer this survey in Welsh and English" in composer
    assert "No Welsh yet" in composer  # HR see which question to fix before launching
    wave_id = new_wave(app, admin, survey)
    refused = launch(app, admin, wave_id)
    assert refused.status_code == 422
    assert "these questions have no Welsh text yet: trust_leaders" in text_of(refused.text)
    with app.app_context():
        assert db.session.get_one(Wave, wave_id).launched_at is None
        question = db.session.scalars(
            select(Question.id).where(Question.code == "trust_leaders")
        ).one()
    # With the Welsh text entered, the same wave launches and offers Welsh.
    assert post(admin, f"/admin/questions/{question}", QUESTION).status_code == 303
    assert launch(app, admin, wave_id).status_code == 303
    with app.app_context():
        assert db.session.get_one(Wave, wave_id).launched_at is not None
        assert all(o.label_cy for o in db.session.scalars(select(Option)).all())


def test_languages_of_a_launched_survey_are_locked(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    reply = post(admin, f"/admin/surveys/{org.pulse.survey_id}/languages", {"bilingual": "y"})
    assert reply.status_code == 422
    assert "A launched wave uses this survey" in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Survey, org.pulse.survey_id).bilingual is False


def test_hr_preview_a_bilingual_survey_in_welsh(app: Flask, admin: FlaskClient, org: Org) -> None:
    make_bilingual(app, org)
    url = f"/admin/surveys/{org.pulse.survey_id}/preview"
    english = admin.get(url).get_data(as_text=True)
    assert BeautifulSoup(english, "html.parser").find("a", string="Cymraeg") is not None
    html = admin.get(f"{url}?lang=cy").get_data(as_text=True)
    assert lang_of(html) == "cy"
    assert "Dywedwch wrthym sut mae'r newid yn mynd" in text_of(html)
    # HR's own pages stay in English whatever the preview chose.
    assert lang_of(admin.get("/admin/questions").get_data(as_text=True)) == "en-GB"


def test_upgrade_gives_the_untouched_default_bank_its_welsh(app: Flask) -> None:
    with app.app_context():
        with write_transaction() as session:
            questions.ensure_default_survey(session)
        downgrade(revision="0010")
        with db.engine.begin() as connection:
            # HR reworded one default question before the upgrade: its Welsh would not match.
            connection.execute(
                text(
                    "UPDATE question_version SET text = 'Reworded.' WHERE question_id IN "
                    "(SELECT id FROM question WHERE code = 'desire')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            welsh_text = dict(
                connection.execute(
                    text(
                        "SELECT q.code, qv.text_cy FROM question_version qv "
                        "JOIN question q ON q.id = qv.question_id"
                    )
                ).all()
            )
            labels = connection.execute(text('SELECT label_cy FROM "option"')).scalars().all()
            definition = connection.execute(text("SELECT text_cy FROM definition")).scalar_one()
            bilingual = connection.execute(text("SELECT bilingual FROM survey")).scalar_one()
    assert welsh_text["awareness"] == WELSH["awareness"].text_cy
    assert welsh_text["desire"] is None
    assert all(labels)
    assert definition == bank.DEFAULT_DEFINITION_CY
    assert not bilingual


def test_a_bilingual_survey_cannot_launch_without_a_welsh_definition(
    app: Flask, admin: FlaskClient
) -> None:
    reply = post(admin, "/admin/surveys", {"name": "Default in Welsh"})
    survey = int(reply.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        versions = db.session.scalars(
            select(QuestionVersion.id).join(Question).where(Question.code.in_(["awareness"]))
        ).all()
    post(
        admin,
        f"/admin/surveys/{survey}/items",
        {"action": "add", "question_version_id": str(versions[0])},
    )
    post(admin, f"/admin/surveys/{survey}/languages", {"bilingual": "y"})
    page = admin.get("/admin/definition").get_data(as_text=True)
    based_on = BeautifulSoup(page, "html.parser").find("input", {"name": "based_on"})["value"]
    english_only = "Our change is about better services for residents and simpler work."
    data = {"action": "save", "text": english_only, "text_cy": "", "based_on": based_on}
    assert post(admin, "/admin/definition", data).status_code == 303
    wave_id = new_wave(app, admin, survey)
    refused = launch(app, admin, wave_id)
    assert refused.status_code == 422
    assert "the definition of the change has no Welsh text yet" in text_of(refused.text)


def test_last_waves_headline_and_actions_are_introduced_in_welsh(
    app: Flask, client: FlaskClient, welsh: Org
) -> None:
    previous_wave(app, welsh, team_a=6, team_b=6)
    client.get(f"{team_url(welsh)}?lang=cy")
    words = text_of(client.get(f"{team_url(welsh)}/thanks").get_data(as_text=True))
    assert "Y tro diwethaf yn Team A" in words
    assert "dywedodd 50% o'r 6 o bobl a atebodd" in words
    assert "Dywedoch chi, gwnaethom ni" in words


def test_the_notices_say_in_welsh_that_hr_wrote_them_in_english(
    client: FlaskClient, welsh: Org
) -> None:
    client.get(f"{team_url(welsh)}?lang=cy")
    html = client.get("/privacy").get_data(as_text=True)
    assert lang_of(html) == "cy"
    page = BeautifulSoup(html, "html.parser")
    assert page.find("h1").get_text(strip=True) == "Hysbysiad preifatrwydd"  # type: ignore[union-attr]
    assert "Mae eich sefydliad wedi ysgrifennu'r hysbysiad hwn yn Saesneg." in text_of(html)
    assert "Who runs the pulse" in page.find(attrs={"lang": "en"}).get_text()  # type: ignore[union-attr]
