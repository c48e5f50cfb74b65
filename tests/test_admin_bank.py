"""The question bank and survey composer: versions keep answers' meaning; launched is locked."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, Question, QuestionVersion, Survey, SurveyItem
from survey.services import questions
from tests.helpers import Org, Respondent, good_answers, post, response_count

NEW_QUESTION = {
    "code": "trust_leaders",
    "text": "I trust senior leaders to see the change through.",
    "hint": "",
    "kind": "scale5",
    "dimension": "leadership",
    "options": "",
    "required": "y",
}


def question_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Question.id).where(Question.code == code)).one()


def versions(app: Flask, code: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(QuestionVersion.text)
                .join(Question)
                .where(Question.code == code)
                .order_by(QuestionVersion.version)
            )
        )


def test_add_custom_question_and_find_it_by_search(admin: FlaskClient, org: Org) -> None:
    assert post(admin, "/admin/questions/new", NEW_QUESTION).status_code == 303
    found = admin.get("/admin/questions?q=TRUST", headers={"HX-Request": "true"})
    html = found.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="question-results">')
    assert "trust_leaders" in html
    assert "1 question matching" in html
    assert "awareness" not in html


def test_codes_other_tools_write_are_kept_as_written(app: Flask, admin: FlaskClient) -> None:
    assert (
        post(admin, "/admin/questions/new", NEW_QUESTION | {"code": "HX_Trust-2.a"}).status_code
        == 303
    )
    assert question_id(app, "HX_Trust-2.a")


def test_search_url_loads_as_a_full_page(admin: FlaskClient, org: Org) -> None:
    page = admin.get("/admin/questions?q=lead").get_data(as_text=True)
    assert page.startswith("<!DOCTYPE html>")
    assert "leaders_back" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "Bad Code"}, "letters, digits, _, - and . only"),
        ({"code": "awareness"}, "already exists"),
        ({"code": "AWARENESS"}, "already exists"),  # codes match whatever their case
        ({"text": ""}, "Enter the question"),
        ({"kind": "single", "options": "Only one"}, "at least 2 choices"),
        ({"kind": "scale5", "options": "A\nB"}, "Only one-choice and several-choice"),
        ({"kind": "single", "options": "Same\nsame"}, "repeats another"),
        ({"kind": "grid"}, "Choose one of the options"),
    ],
)
def test_bad_question_is_refused_with_a_reason(
    app: Flask, admin: FlaskClient, org: Org, changes: dict, message: str
) -> None:
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Question))
    reply = post(admin, "/admin/questions/new", NEW_QUESTION | changes)
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == before


def test_recognition_markers_set_aims_decoys_and_exclusive(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    post(
        admin,
        "/admin/questions/new",
        NEW_QUESTION
        | {
            "code": "aims",
            "kind": "multi",
            "options": "Better outcomes [aim]\nFewer staff [decoy]\nNot sure [only]",
        },
    )
    with app.app_context():
        options = (
            db.session.scalars(
                select(QuestionVersion).join(Question).where(Question.code == "aims")
            )
            .one()
            .options
        )
        assert [(o.label, o.is_aim, o.exclusive) for o in options] == [
            ("Better outcomes", True, False),
            ("Fewer staff", False, False),
            ("Not sure", None, True),
        ]


def test_editing_an_unused_question_changes_it_in_place(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    post(admin, "/admin/questions/new", NEW_QUESTION)
    qid = question_id(app, "trust_leaders")
    post(admin, f"/admin/questions/{qid}", NEW_QUESTION | {"text": "Reworded."})
    assert versions(app, "trust_leaders") == ["Reworded."]


def test_editing_an_answered_question_makes_a_new_version(
    app: Flask, client: FlaskClient, admin: FlaskClient, org: Org
) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    person.submit(good_answers(org))
    qid = question_id(app, "knowledge")
    old = org.item("knowledge")
    reply = post(
        admin,
        f"/admin/questions/{qid}",
        {
            "code": "knowledge",
            "text": "I know what the change means for my team.",
            "hint": "",
            "kind": "scale5",
            "dimension": "knowledge",
            "options": "",
            "required": "y",
        },
    )
    assert reply.status_code == 303
    assert versions(app, "knowledge") == [old.text, "I know what the change means for my team."]
    with app.app_context():
        # The stored answer still points at the wording it was given to.
        answered = db.session.scalars(
            select(Answer.question_version_id).where(Answer.question_version_id == old.id)
        ).all()
        assert answered == [old.id]
    assert response_count(app) == 1


def survey_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Survey.id).where(Survey.name == name)).one()


def item_codes(app: Flask, sid: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Question.code)
                .join(QuestionVersion)
                .join(SurveyItem, SurveyItem.question_version_id == QuestionVersion.id)
                .where(SurveyItem.survey_id == sid)
                .order_by(SurveyItem.position)
            )
        )


def version_of(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalars(
            select(QuestionVersion.id).join(Question).where(Question.code == code)
        ).first()


def test_compose_reorder_and_remove(app: Flask, admin: FlaskClient, org: Org) -> None:
    assert post(admin, "/admin/surveys", {"name": "Short pulse"}).status_code == 303
    sid = survey_id(app, "Short pulse")
    url = f"/admin/surveys/{sid}/items"
    for code in ("awareness", "knowledge", "advocacy"):
        reply = post(
            admin, url, {"action": "add", "question_version_id": version_of(app, code)}, htmx=True
        )
        assert reply.status_code == 200
    assert item_codes(app, sid) == ["awareness", "knowledge", "advocacy"]
    moved = post(admin, url, {"action": "up", "position": "2"}, htmx=True)
    assert item_codes(app, sid) == ["awareness", "advocacy", "knowledge"]
    # Focus stays on the moved question's control after the swap.
    assert re.search(r'value="up"[^>]*autofocus', moved.get_data(as_text=True))
    post(admin, url, {"action": "down", "position": "0"}, htmx=True)
    assert item_codes(app, sid) == ["advocacy", "awareness", "knowledge"]
    post(admin, url, {"action": "remove", "position": "1"})
    assert item_codes(app, sid) == ["advocacy", "knowledge"]
    assert "about 1 minute" in admin.get(f"/admin/surveys/{sid}").get_data(as_text=True)


def test_same_question_twice_is_refused(app: Flask, admin: FlaskClient, org: Org) -> None:
    post(admin, "/admin/surveys", {"name": "Twice"})
    sid = survey_id(app, "Twice")
    data = {"action": "add", "question_version_id": version_of(app, "awareness")}
    post(admin, f"/admin/surveys/{sid}/items", data)
    reply = post(admin, f"/admin/surveys/{sid}/items", data)
    assert reply.status_code == 422
    assert "already in the survey" in reply.get_data(as_text=True)


def test_launched_survey_is_locked_but_can_be_copied(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    sid = survey_id(app, "Understanding the change")
    before = item_codes(app, sid)
    reply = post(admin, f"/admin/surveys/{sid}/items", {"action": "remove", "position": "0"})
    assert reply.status_code == 422
    assert "launched wave uses this survey" in reply.get_data(as_text=True)
    assert item_codes(app, sid) == before
    copied = post(admin, f"/admin/surveys/{sid}/copy")
    assert copied.status_code == 303
    copy_id = survey_id(app, "Understanding the change (copy)")
    assert item_codes(app, copy_id) == before
    assert (
        post(
            admin, f"/admin/surveys/{copy_id}/items", {"action": "remove", "position": "0"}
        ).status_code
        == 303
    )


def test_preview_runs_the_card_flow_and_stores_nothing(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    sid = survey_id(app, "Understanding the change")
    url = f"/admin/surveys/{sid}/preview"
    preview = Respondent(admin, url)
    page = preview.open()
    assert "Answers you give here are not stored" in page
    card = preview.post("start")
    assert "Question 1 of 13" in card.get_data(as_text=True)
    done = preview.post("submit", "review", good_answers(org))
    assert "Nothing was stored" in done.get_data(as_text=True)
    assert response_count(app) == 0


def test_an_edit_keeps_the_codes_of_the_choices_it_leaves_alone(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    # The readings and "show they understand" find the built-in choices by code: an edit that
    # only unticked "required" once renamed cost_cutting to cutting_costs, and every unit read 0%.
    qid = question_id(app, "mainly_about")

    def edit(change: Callable[[list[str]], list[str]]) -> tuple[list[str], list[str]]:
        """Post the question with its choices changed; return the codes before and after."""
        with app.app_context():
            before = questions.latest(qid)
            lines = change(questions.options_text(before).splitlines())
            form = {"code": "mainly_about", "text": before.text, "hint": before.hint}
            codes = [option.code for option in before.options]
        form |= {"kind": "single", "dimension": "", "options": "\n".join(lines)}
        assert post(admin, f"/admin/questions/{qid}", form).status_code == 303
        with app.app_context():
            after = questions.latest(qid)
            assert after.required is False
            return codes, [option.code for option in after.options]

    # Another order, and one new choice: the others keep their codes by label.
    codes, found = edit(lambda lines: [*reversed(lines), "Something else entirely"])
    assert found == [*reversed(codes), "something_else_entirely"]
    # A typo put right in one choice, in its place: it keeps its code too.
    codes, found = edit(lambda lines: [lines[0] + ", that is", *lines[1:]])
    assert found == codes
