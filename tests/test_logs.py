"""Logs a service can run on: JSON lines with a request id, sent back and shown on the 500 page,
and nothing a respondent wrote (or a staff link's token) in any line."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import event

from survey.extensions import db
from tests.helpers import ACCOUNTS, Org, Respondent, csrf_from, good_answers

REQUEST_ID = re.compile(r"[0-9a-f]{16}")


def json_lines(err: str) -> list[dict]:
    """Parse captured stderr: every line must be one JSON object."""
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def request_lines(err: str) -> list[dict]:
    """Return the request log's lines."""
    return [line for line in json_lines(err) if line["logger"] == "survey.request"]


def test_each_request_has_an_id_sent_back_and_logged_with_it(client: FlaskClient, capsys) -> None:
    reply = client.get("/healthz?probe=1")
    request_id = reply.headers["X-Request-ID"]
    assert REQUEST_ID.fullmatch(request_id)
    (line,) = request_lines(capsys.readouterr().err)
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert "time" in line
    assert client.get("/healthz").headers["X-Request-ID"] != request_id


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("lb-7f3a9c2e-4b1d", True),
        ("0123456789abcdef0123456789abcdef", True),
        ("short", False),
        ("has spaces in it", False),
        ("x" * 65, False),
        ('"},{"level":"ERROR', False),
    ],
)
def test_a_sane_incoming_request_id_is_kept(client: FlaskClient, incoming: str, kept: bool) -> None:
    sent_back = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert (sent_back == incoming) is kept
    if not kept:
        assert REQUEST_ID.fullmatch(sent_back)


def test_staff_link_tokens_and_query_strings_never_reach_a_log_line(
    client: FlaskClient, org: Org, capsys
) -> None:
    client.get(f"/t/{org.team_token}?from=poster-42")
    client.get(f"/i/{org.invitations[0]}")
    client.get(f"/t/{org.team_token}/thanks")
    err = capsys.readouterr().err
    assert [line["path"] for line in request_lines(err)] == ["/t/…", "/i/…", "/t/…/thanks"]
    for secret in (org.team_token, org.invitations[0], "poster-42"):
        assert secret not in err


def test_sign_in_throttling_is_logged_as_json_with_the_request_id(
    client: FlaskClient, accounts: None, capsys
) -> None:
    token = csrf_from(client, "/login")
    form = {"csrf_token": token, "email": ACCOUNTS["admin"][0], "password": "wrong guess"}
    for _ in range(30):
        reply = client.post("/login", data=form)
        if reply.status_code == 429:
            break
    assert reply.status_code == 429
    throttled = [
        line for line in json_lines(capsys.readouterr().err) if line["logger"] == "survey.auth"
    ]
    assert throttled[-1]["request_id"] == reply.headers["X-Request-ID"]
    assert throttled[-1]["event"] == "sign_in_throttled"
    assert "wrong guess" not in json.dumps(throttled)
    assert ACCOUNTS["admin"][0] not in json.dumps(throttled)


def test_survey_loggers_write_json_with_the_request_id(app: Flask, capsys) -> None:
    with app.test_request_context():
        app.preprocess_request()
        logging.getLogger("survey.auth").warning("sign-in failed")
        request_id = g.request_id
    (line,) = json_lines(capsys.readouterr().err)
    assert line == line | {"logger": "survey.auth", "level": "WARNING", "request_id": request_id}


MARKER = "Zq9-private-comment-Xv7"


def test_a_database_error_while_submitting_logs_nothing_the_respondent_wrote(
    app: Flask, client: FlaskClient, org: Org, caplog: pytest.LogCaptureFixture, capsys
) -> None:
    comment = next(item for item in org.pulse.items if item.kind == "text")
    answers = good_answers(org) | {comment.field: [f"My manager {MARKER} said so"]}
    respondent = Respondent(client, f"/t/{org.team_token}")
    respondent.open()

    def lose_the_answer_table(_conn, _cursor, statement, parameters, _context, _many):
        # A database error whose parameters include the comment, as a real failure would have.
        return statement.replace("INSERT INTO answer ", "INSERT INTO answer_gone "), parameters

    with app.app_context():
        assert db.engine.hide_parameters
        event.listen(db.engine, "before_cursor_execute", lose_the_answer_table, retval=True)
    try:
        with caplog.at_level(logging.DEBUG):
            reply = respondent.submit(answers)
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", lose_the_answer_table)
    assert reply.status_code == 500
    assert reply.headers["X-Request-ID"] in reply.get_data(as_text=True)
    err = capsys.readouterr().err
    assert MARKER not in err
    assert MARKER not in caplog.text
    for record in caplog.records:
        assert MARKER not in record.getMessage()
        assert MARKER not in repr(record.__dict__)
    (error,) = [line for line in json_lines(err) if line["level"] == "ERROR"]
    assert error["error_type"].startswith("sqlalchemy.exc.")
    assert "submissions.py" in error["traceback"]
    assert error["request_id"] == reply.headers["X-Request-ID"]
