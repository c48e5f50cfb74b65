"""E-mail invitations and reminders through a real SMTP server: what staff receive, that each link
works once, reminders only to the unused, nothing after close, no duplicate after a worker dies,
and addresses gone when the wave closes."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey import mail, tasks
from survey.database import write_transaction
from survey.extensions import db
from survey.models import AuditEntry, Invitation, Recipient, Response, Wave, utcnow
from survey.services import mailing
from tests.helpers import (
    TEAM_PATH,
    Clock,
    Org,
    Respondent,
    csrf_from,
    good_answers,
    post,
    sign_in,
)
from tests.smtp_server import Mailbox, smtp_server
from tests.test_admin_waves import draft, stamp, wave_form
from tests.worker import use_queue, wait_until, worker_process

LINK = re.compile(r"http://pulse\.example/i/([A-Za-z0-9_-]{32})")
PEOPLE = ["ann@council.example", "bob@council.example", "cat@council.example"]


@pytest.fixture
def smtp(app: Flask) -> Iterator[Mailbox]:
    """A real SMTP server, and the app set to send through it quickly."""
    with smtp_server() as mailbox:
        app.config.update(
            MAIL_HOST="127.0.0.1",
            MAIL_PORT=mailbox.port,
            MAIL_TLS="none",
            MAIL_FROM="Staff pulse <pulse@council.example>",
            MAIL_RATE=1000.0,
            MAIL_TIMEOUT=5.0,
            BASE_URL="http://pulse.example",
        )
        yield mailbox


def paste(admin: FlaskClient, wave_id: int, unit_id: int, addresses: list[str]):
    """Paste addresses for one unit on the wave page."""
    data = {"unit_id": str(unit_id), "addresses": "\n".join(addresses)}
    return post(admin, f"/admin/waves/{wave_id}/addresses/paste", data)


def upload(admin: FlaskClient, wave_id: int, text: str):
    """Upload an address list CSV on the wave page."""
    from io import BytesIO

    data = {"file": (BytesIO(text.encode()), "staff.csv")}
    return post(admin, f"/admin/waves/{wave_id}/addresses", data)


def parts(message: EmailMessage) -> tuple[str, str]:
    """Return a message's plain-text and HTML parts."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def link_in(message: EmailMessage) -> str:
    """Return the path of the single-use link a message carries."""
    found = LINK.search(parts(message)[0])
    assert found is not None
    return f"/i/{found.group(1)}"


def recipients(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Recipient)) or 0


def send_due(app: Flask, wave_id: int) -> None:
    """Run the worker's send task once, as `flask worker` would."""
    with app.app_context():
        # Through the tasks module's clock, which a test's Clock replaces.
        mailing.send_due(wave_id, lambda: tasks.utcnow())


def test_launching_sends_each_address_its_own_working_link(
    app: Flask, admin: FlaskClient, smtp: Mailbox
) -> None:
    wave_id = draft(app, admin, opens_at=stamp(-timedelta(hours=1)), cadence="")
    rows = "".join(f"{person},{TEAM_PATH}\r\n" for person in PEOPLE)
    reply = upload(admin, wave_id, "email,unit_path\r\n" + rows)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    assert smtp.messages == []  # nothing goes before launch
    page = admin.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    assert "single-use link when you launch the wave" in page
    assert "3 addresses: 0 invitations sent, 3 waiting to be sent" in page
    reply = post(admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, action="launch"))
    assert reply.status_code == 303
    assert sorted(m["To"] for m in smtp.messages) == PEOPLE
    with app.app_context():
        wave = db.session.get_one(Wave, wave_id)
        closes = f"{wave.closes_at:%-d %B %Y at %H:%M}"
    links = set()
    for message in smtp.messages:
        assert message["From"] == "Staff pulse <pulse@council.example>"
        assert message["Message-ID"].endswith("@council.example>")
        text, html = parts(message)
        for body in (text, html):
            assert "short questions about how the change programme is going" in body
            assert closes in body
            assert "Your answers are anonymous" in body
            assert "deleted when the pulse closes" in body
        link = link_in(message)
        assert f'href="http://pulse.example{link}"' in html
        links.add(link)
    assert len(links) == 3
    person = Respondent(app.test_client(), links.pop())
    assert "Start" in person.open()
    with app.app_context():
        made = select(func.count()).where(Invitation.wave_id == wave_id)
        assert db.session.scalar(made) == 3


def test_addresses_added_to_an_open_wave_are_sent_at_once(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox
) -> None:
    reply = paste(admin, org.wave_id, org.unit_id, ["Ann@Council.example", "bob@council.example"])
    assert reply.status_code == 303
    assert sorted(m["To"] for m in smtp.messages) == PEOPLE[:2]
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert "2 invitations sent" in page
    # The same addresses again add nothing and send nothing.
    paste(admin, org.wave_id, org.unit_id, ["ann@council.example"])
    assert len(smtp.messages) == 2


def test_a_bilingual_survey_invites_in_welsh_then_english(
    app: Flask, admin: FlaskClient, smtp: Mailbox
) -> None:
    wave_id = draft(app, admin, opens_at=stamp(-timedelta(hours=1)), cadence="")
    with app.app_context(), write_transaction() as session:
        session.get_one(Wave, wave_id).survey.bilingual = True  # as its page sets it before launch
    upload(admin, wave_id, f"email,unit_path\r\n{PEOPLE[0]},{TEAM_PATH}\r\n")
    reply = post(admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, action="launch"))
    assert reply.status_code == 303
    [message] = smtp.messages
    welsh_subject, english_subject = message["Subject"].split(" / ")
    assert welsh_subject.startswith("Eich arolwg staff dienw:")
    assert english_subject.startswith("Your anonymous staff pulse:")
    text, html = parts(message)
    assert text.index("Mae eich atebion yn ddienw.") < text.index("Your answers are anonymous.")
    assert '<div lang="cy">' in html
    assert '<div lang="en">' in html
    assert "tîm" in text
    # Each part's link opens the pulse in its own language: the same single-use link.
    link = link_in(message)
    assert f"http://pulse.example{link}?lang=cy" in text
    assert re.search(rf"http://pulse\.example{re.escape(link)}\s", text)
    welsh = Respondent(app.test_client(), f"{link}?lang=cy").open()
    assert 'lang="cy"' in welsh
    assert "Dechrau nawr" in welsh


def test_a_list_with_mistakes_is_refused_whole_with_line_numbers(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox
) -> None:
    text = (
        "email,unit_path\r\n"
        f"ann@council.example,{TEAM_PATH}\r\n"
        f"not-an-address,{TEAM_PATH}\r\n"
        "bob@council.example,Test Council > Nowhere\r\n"
        f"ANN@council.example,{TEAM_PATH}\r\n"
        "cat@council.example\r\n"
    )
    reply = upload(admin, org.wave_id, text)
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert "Line 3: &#39;not-an-address&#39; is not an e-mail address" in page
    assert "Line 4: there is no unit &#39;Test Council &gt; Nowhere&#39; in this wave" in page
    assert "Line 5: ann@council.example is also on line 2" in page
    assert "Line 6: expected 2 values" in page
    assert recipients(app) == 0
    assert smtp.messages == []
    reply = upload(admin, org.wave_id, "address,unit\r\nann@council.example,x\r\n")
    assert "Line 1: the first line must be the header email,unit_path" in reply.get_data(
        as_text=True
    )
    reply = paste(admin, org.wave_id, org.unit_id, ["ann@council.example", "bad@"])
    assert reply.status_code == 422
    assert "Line 2: &#39;bad@&#39; is not an e-mail address" in reply.get_data(as_text=True)
    assert recipients(app) == 0


def answer_through(app: Flask, org: Org, link: str) -> None:
    person = Respondent(app.test_client(), link)
    person.open()
    assert person.submit(good_answers(org)).status_code in (200, 303)


def test_reminders_go_only_to_unused_links_and_at_most_once_a_day(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    paste(admin, org.wave_id, org.unit_id, PEOPLE)
    answer_through(app, org, link_in(smtp.to(PEOPLE[0])[0]))
    first_links = {p: link_in(smtp.to(p)[0]) for p in PEOPLE}
    smtp.clear()
    # The same day as the invitation: no reminder yet.
    assert post(admin, f"/admin/waves/{org.wave_id}/reminders/now").status_code == 303
    assert smtp.messages == []
    clock.passes(timedelta(days=1))
    reply = post(admin, f"/admin/waves/{org.wave_id}/reminders/now")
    assert reply.status_code == 303
    assert sorted(m["To"] for m in smtp.messages) == PEOPLE[1:]
    for message in smtp.messages:
        assert message["Subject"].startswith("Reminder:")
        assert "still waiting for you" in parts(message)[0]
        assert link_in(message) == first_links[message["To"]]  # the same link again
    smtp.clear()
    post(admin, f"/admin/waves/{org.wave_id}/reminders/now")
    assert smtp.messages == []  # once a day at most
    # The reminder's link works: the second person answers through it.
    answer_through(app, org, first_links[PEOPLE[1]])
    clock.passes(timedelta(days=1))
    post(admin, f"/admin/waves/{org.wave_id}/reminders/now")
    assert [m["To"] for m in smtp.messages] == [PEOPLE[2]]


def test_a_scheduled_reminder_goes_once_the_day_comes(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:2])
    answer_through(app, org, link_in(smtp.to(PEOPLE[0])[0]))
    reply = post(admin, f"/admin/waves/{org.wave_id}/reminders", {"days": "3"})
    assert reply.status_code == 303
    smtp.clear()
    with app.app_context():
        tasks.run_tick()
    assert smtp.messages == []  # the wave closes in six days: not yet
    clock.passes(timedelta(days=3, hours=1))
    with app.app_context():
        tasks.run_tick()
        tasks.run_tick()
    assert [m["To"] for m in smtp.messages] == [PEOPLE[1]]
    assert post(admin, f"/admin/waves/{org.wave_id}/reminders", {"days": "0"}).status_code == 422


def test_nothing_goes_after_close_and_the_addresses_are_deleted(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    paste(admin, org.wave_id, org.unit_id, PEOPLE)
    post(admin, f"/admin/waves/{org.wave_id}/reminders", {"days": "1"})
    assert recipients(app) == 3
    smtp.clear()
    clock.passes(timedelta(days=7))  # past the close (six days away)
    with app.app_context():
        tasks.run_tick()
    assert smtp.messages == []
    assert recipients(app) == 0
    reply = post(admin, f"/admin/waves/{org.wave_id}/reminders/now")
    assert reply.status_code == 422
    assert smtp.messages == []
    with app.app_context():
        audit = " ".join(db.session.scalars(select(AuditEntry.detail)))
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.wave_id == org.wave_id)
        )
        # What stays of an e-mailed invitation is its hash and a used flag, nothing else.
        assert {c.name for c in Invitation.__table__.columns} == {
            "id",
            "wave_id",
            "unit_id",
            "token_hash",
            "used",
        }
        assert len(list(invitations)) == 5 + 3
    assert not any(person in audit for person in PEOPLE)
    assert "invitation" not in {c.name for c in Response.__table__.columns} | {
        c.name.removesuffix("_id") for c in Response.__table__.columns
    }


def test_closing_early_deletes_the_addresses_at_once(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox
) -> None:
    paste(admin, org.wave_id, org.unit_id, PEOPLE)
    reply = post(admin, f"/admin/waves/{org.wave_id}", wave_form(app, org.wave_id, action="close"))
    assert reply.status_code == 303
    assert recipients(app) == 0
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert not any(person in page for person in PEOPLE)
    reply = paste(admin, org.wave_id, org.unit_id, PEOPLE)
    assert reply.status_code == 422
    assert "This wave has closed" in reply.get_data(as_text=True)
    assert (
        upload(admin, org.wave_id, f"email,unit_path\r\n{PEOPLE[0]},{TEAM_PATH}\r\n").status_code
        == 422
    )
    assert recipients(app) == 0


def test_a_worker_killed_mid_send_never_sends_twice(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks.queue(app).huey.immediate = False  # the worker, not the request, sends
    app.config["TASK_QUEUE_IMMEDIATE"] = False
    paste(admin, org.wave_id, org.unit_id, PEOPLE)
    assert smtp.messages == []
    real_send = mail.Postman.send

    def dies_after_the_server_accepts(self: mail.Postman, to: str, message: bytes) -> None:
        real_send(self, to, message)
        if to == PEOPLE[1]:
            raise SystemExit("killed")  # the process dies before it records "sent"

    monkeypatch.setattr(mail.Postman, "send", dies_after_the_server_accepts)
    with pytest.raises(SystemExit):
        send_due(app, org.wave_id)
    monkeypatch.setattr(mail.Postman, "send", real_send)
    with app.app_context():
        db.session.rollback()
        mail.postman().close()
        mailing.recover()  # what a restarted worker does first
    send_due(app, org.wave_id)
    send_due(app, org.wave_id)
    assert sorted(m["To"] for m in smtp.messages) == PEOPLE  # each exactly once
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert "it may have arrived" in page
    # The next day's reminder carries the same link, so an invitation lost that way is mended.
    smtp.clear()
    monkeypatch.setattr(tasks, "utcnow", lambda: utcnow() + timedelta(days=1))
    with app.app_context():
        assert mailing.remind_now(org.wave_id, tasks.utcnow(), lambda _wave: None)
    send_due(app, org.wave_id)
    assert sorted(m["To"] for m in smtp.messages) == PEOPLE
    assert PEOPLE[1] in page
    assert PEOPLE[0] not in page


def test_temporary_refusals_are_retried_and_permanent_ones_shown_to_correct(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    smtp.refuse(PEOPLE[0], "451 4.7.1 Greylisted, try again later", times=1)
    smtp.refuse(PEOPLE[1], "550 5.1.1 No such mailbox")
    paste(admin, org.wave_id, org.unit_id, PEOPLE)
    assert [m["To"] for m in smtp.messages] == [PEOPLE[2]]
    send_due(app, org.wave_id)
    assert len(smtp.messages) == 1  # the retry waits for its back-off
    clock.passes(timedelta(seconds=61))
    send_due(app, org.wave_id)
    assert sorted(m["To"] for m in smtp.messages) == [PEOPLE[0], PEOPLE[2]]
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert "550 5.1.1 No such mailbox" in page
    assert PEOPLE[1] in page
    with app.app_context():
        bob = db.session.scalars(select(Recipient.id).where(Recipient.email == PEOPLE[1])).one()
    url = f"/admin/waves/{org.wave_id}/addresses/{bob}"
    reply = post(admin, url, {"email": "not an address", "action": "send"})
    assert reply.status_code == 422
    assert "is not an e-mail address" in reply.get_data(as_text=True)
    reply = post(admin, url, {"email": "robert@council.example", "action": "send"})
    assert reply.status_code == 303
    assert smtp.to("robert@council.example")
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert "No such mailbox" not in page


def test_the_admin_never_learns_who_has_answered(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    smtp.refuse(PEOPLE[2], "550 5.1.1 No such mailbox")
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:2])
    clock.passes(timedelta(days=1))

    def email_section() -> str:
        page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
        return page[page.index('id="email"') : page.index("</section>")]

    before = email_section()
    answer_through(app, org, link_in(smtp.to(PEOPLE[0])[0]))
    reply = post(admin, f"/admin/waves/{org.wave_id}/reminders/now", follow_redirects=True)
    assert "Reminders are on their way to everyone who has not answered yet" in reply.get_data(
        as_text=True
    )
    assert email_section() == before


def test_only_admins_may_manage_addresses_and_every_form_needs_its_token(
    app: Flask, client: FlaskClient, org: Org, accounts: None, smtp: Mailbox
) -> None:
    url = f"/admin/waves/{org.wave_id}/addresses/paste"
    data = {"unit_id": str(org.unit_id), "addresses": PEOPLE[0]}
    sign_in(client, "analyst")
    token = csrf_from(client, "/insights/")  # the sign-out form's
    assert client.post(url, data={"csrf_token": token, **data}).status_code == 403
    admin = app.test_client()
    sign_in(admin, "admin")
    assert admin.post(url, data=data).status_code == 400  # no CSRF token
    for path in ("reminders/now", "reminders", "addresses", "addresses/1"):
        assert admin.post(f"/admin/waves/{org.wave_id}/{path}").status_code == 400
    assert recipients(app) == 0


def test_mail_settings_are_checked_at_start(app: Flask) -> None:
    config = dict(app.config)
    for name, value, message in [
        ("MAIL_TLS", "maybe", "MAIL_TLS must be starttls, ssl or none"),
        ("MAIL_PORT", 0, "MAIL_PORT must be a port number"),
        ("MAIL_RATE", 0, "MAIL_RATE must be a number above 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            mail.check_settings(config | {name: value})
    with pytest.raises(ValueError, match="MAIL_FROM"):
        mail.check_settings(config | {"MAIL_HOST": "smtp.example", "MAIL_FROM": ""})


def test_claims_are_exclusive(app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox) -> None:
    tasks.queue(app).huey.immediate = False
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:1])
    now = utcnow()
    with app.app_context():
        rid = db.session.scalars(select(Recipient.id)).one()
        assert mailing._claim(rid, mailing.INVITE, now) is not None
        assert mailing._claim(rid, mailing.INVITE, now) is None
        with write_transaction() as session:
            session.get_one(Recipient, rid).invite_status = "queued"


def test_sending_is_paced_to_the_configured_rate(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox
) -> None:
    tasks.queue(app).huey.immediate = False
    people = [f"person{n}@council.example" for n in range(11)]
    paste(admin, org.wave_id, org.unit_id, people)
    app.config["MAIL_RATE"] = 20.0
    app.extensions.pop("mail_pacer", None)
    started = time.monotonic()
    send_due(app, org.wave_id)
    assert len(smtp.messages) == 11
    assert time.monotonic() - started >= 10 / 20  # ten gaps of 1/20 s


def test_a_server_that_keeps_refusing_for_now_ends_as_not_delivered(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    smtp.refuse(PEOPLE[0], "452 4.2.2 Mailbox full")
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:1])
    for wait in (60, 120):  # the back-off doubles
        clock.passes(timedelta(seconds=wait - 1))
        send_due(app, org.wave_id)
        with app.app_context():
            assert db.session.scalars(select(Recipient.invite_status)).one() == "retry"
        clock.passes(timedelta(seconds=1))
        send_due(app, org.wave_id)
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert "Not accepted after 3 tries: 452 4.2.2 Mailbox full" in page
    assert smtp.messages == []


def test_a_worker_process_killed_while_the_server_takes_a_message_never_sends_it_twice(
    app: Flask,
    admin: FlaskClient,
    org: Org,
    smtp: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    use_queue(app)
    for name in ("MAIL_HOST", "MAIL_PORT", "MAIL_TLS", "MAIL_FROM", "MAIL_RATE", "BASE_URL"):
        monkeypatch.setenv(f"FLASK_{name}", json.dumps(app.config[name]))
    smtp.slow[PEOPLE[1]] = 3.0
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:2])
    assert smtp.messages == []  # queued for the worker

    def state(person: str) -> str:
        with app.app_context():
            found = db.session.scalars(
                select(Recipient.invite_status).where(Recipient.email == person)
            ).one()
            db.session.rollback()
        return found

    log = tmp_path / "worker.log"
    first = worker_process(app, log)
    try:
        wait_until(lambda: PEOPLE[1] in smtp.holding, every=0.05)
        # (The worker has two threads; the other one finishes the quick message meanwhile.)
        wait_until(lambda: state(PEOPLE[0]) == "sent", seconds=2.5, every=0.05)
    finally:
        # The server has the message but has not said so yet: the worker dies now.
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    paste(admin, org.wave_id, org.unit_id, PEOPLE[2:])  # queued while no worker runs
    assert len(smtp.to(PEOPLE[1])) == 1
    second = worker_process(app, log)

    def settled() -> bool:
        with app.app_context():
            states = set(db.session.scalars(select(Recipient.invite_status)))
            db.session.rollback()
        return states <= {"sent", "unsure"}

    try:
        wait_until(settled, every=0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert sorted(m["To"] for m in smtp.messages) == PEOPLE  # each exactly once
    with app.app_context():
        states = dict(db.session.execute(select(Recipient.email, Recipient.invite_status)).all())
    assert states == {PEOPLE[0]: "sent", PEOPLE[1]: "unsure", PEOPLE[2]: "sent"}


def test_a_corrected_address_is_reminded_like_any_other(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:1])
    with app.app_context(), write_transaction() as session:
        ann = session.scalars(select(Recipient).where(Recipient.email == PEOPLE[0])).one()
        # Its invitation may not have arrived, and a reminder to it was refused for now.
        ann.invite_status, ann.remind_status = "unsure", "retry"
        ann.retry_at = utcnow() + timedelta(minutes=5)
        ann_id = ann.id
    new = "ann.new@council.example"
    url = f"/admin/waves/{org.wave_id}/addresses/{ann_id}"
    assert post(admin, url, {"email": new, "action": "send"}).status_code == 303
    assert smtp.to(new)
    smtp.clear()
    clock.passes(timedelta(days=1))
    assert post(admin, f"/admin/waves/{org.wave_id}/reminders/now").status_code == 303
    assert [m["To"] for m in smtp.messages] == [new]
