"""Attacks on e-mail invitations by an admin who wants to learn who has answered.

Each test replays what an insider can do on the wave page over time (send, wait, remind,
correct an address) and checks that nothing they can see depends on whether someone answered.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from survey import mail, tasks
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Invitation, Recipient, Wave
from survey.services import mailing
from tests import test_email as email_tests
from tests.helpers import Clock, Org, post
from tests.smtp_server import Mailbox
from tests.test_admin_waves import wave_form
from tests.test_email import PEOPLE, answer_through, link_in, paste

# test_email's real SMTP server fixture, used here under the same name.
smtp = email_tests.smtp

ADMIN_MAILBOX = "nosy.admin@council.example"


def paste_unsure(
    admin: FlaskClient, org: Org, people: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paste addresses whose invitations all arrive but leave the sender unsure of them (the
    server's reply never came), so each is listed as "may have arrived"."""
    real_send = mail.Postman.send

    def breaks(self: mail.Postman, to: str, message: bytes) -> None:
        real_send(self, to, message)
        self.close()
        raise mail.Unsure("Connection unexpectedly closed")

    with monkeypatch.context() as patch:
        patch.setattr(mail.Postman, "send", breaks)
        paste(admin, org.wave_id, org.unit_id, people)


def address_url(app: Flask, org: Org, email: str) -> str:
    """Return the address of the form that corrects or removes one e-mail address."""
    with app.app_context():
        found = db.session.scalars(select(Recipient.id).where(Recipient.email == email)).one()
    return f"/admin/waves/{org.wave_id}/addresses/{found}"


def email_section(admin: FlaskClient, wave_id: int) -> str:
    """Return the wave page's e-mail section, as the admin reads it."""
    page = admin.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    start = page.index('id="email"')
    section = page[start : page.index("</section>", start)]
    # The forms' CSRF tokens carry the second they were made in: not about anyone's answers.
    return re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", section)


def test_a_reminder_leaves_no_trace_on_invitations_that_may_not_have_arrived(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both invitations arrive, but the connection broke before the server's reply, so both are
    # listed as "may have arrived" with that reason. Reminders still go to their unused links.
    clock = Clock(monkeypatch)
    paste_unsure(admin, org, PEOPLE[:2], monkeypatch)
    assert sorted(m["To"] for m in smtp.messages) == PEOPLE[:2]
    answer_through(app, org, link_in(smtp.to(PEOPLE[0])[0]))
    before = email_section(admin, org.wave_id)
    assert PEOPLE[0] in before
    assert PEOPLE[1] in before
    clock.passes(timedelta(days=1))
    smtp.clear()
    assert post(admin, f"/admin/waves/{org.wave_id}/reminders/now").status_code == 303
    assert [m["To"] for m in smtp.messages] == [PEOPLE[1]]  # only the one who has not answered
    # The reminder's outcome must not rewrite the reason shown beside the address: a reason
    # that changed for one row and not the other would say which of the two has answered.
    assert email_section(admin, org.wave_id) == before


def test_a_refused_reminder_leaves_no_trace_either(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    paste_unsure(admin, org, PEOPLE[:2], monkeypatch)
    answer_through(app, org, link_in(smtp.to(PEOPLE[0])[0]))
    before = email_section(admin, org.wave_id)
    clock.passes(timedelta(days=1))
    for person in PEOPLE[:2]:
        smtp.refuse(person, "550 5.2.1 Mailbox disabled")
    assert post(admin, f"/admin/waves/{org.wave_id}/reminders/now").status_code == 303
    assert "Mailbox disabled" not in email_section(admin, org.wave_id)
    assert email_section(admin, org.wave_id) == before


def test_correcting_an_address_never_hands_the_admin_someones_link(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ann's invitation arrived but is listed as "may have arrived"; she answers. The admin then
    # "corrects" her address to their own mailbox: the link they receive must not be Ann's, or
    # opening it ("We already have your answers") would tell them she has answered.
    paste_unsure(admin, org, PEOPLE[:1], monkeypatch)
    anns_link = link_in(smtp.to(PEOPLE[0])[0])
    answer_through(app, org, anns_link)
    url = address_url(app, org, PEOPLE[0])
    assert post(admin, url, {"email": ADMIN_MAILBOX, "action": "send"}).status_code == 303
    (received,) = smtp.to(ADMIN_MAILBOX)
    admins_link = link_in(received)
    assert admins_link != anns_link
    reply = app.test_client().get(admins_link)
    assert reply.status_code == 200
    assert "Start" in reply.get_data(as_text=True)
    # The link that went to the old address stops working: it went somewhere it should not.
    assert app.test_client().get(anns_link).status_code == 404


def test_sending_again_to_the_same_address_keeps_the_persons_link(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Send again" to an unchanged address mends a lost invitation without a second link, so
    # nobody gets two chances to answer.
    paste_unsure(admin, org, PEOPLE[:1], monkeypatch)
    first = link_in(smtp.to(PEOPLE[0])[0])
    url = address_url(app, org, PEOPLE[0])
    assert post(admin, url, {"email": PEOPLE[0].upper(), "action": "send"}).status_code == 303
    assert [link_in(m) for m in smtp.to(PEOPLE[0])] == [first, first]


def test_the_logs_do_not_time_the_reminders(
    app: Flask,
    admin: FlaskClient,
    org: Org,
    smtp: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Messages are paced (MAIL_RATE a second), so the time the mail task took to send the
    # reminders is the number of people yet to answer: no log line may carry it, as a duration
    # or as the time of a line written after the reminders went.
    clock = Clock(monkeypatch)
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:2])
    answer_through(app, org, link_in(smtp.to(PEOPLE[0])[0]))
    clock.passes(timedelta(days=1))
    logged_before_the_reminder: list[str] = []
    real_send = mail.Postman.send

    def note(self: mail.Postman, to: str, message: bytes) -> None:
        if to == PEOPLE[1]:
            logged_before_the_reminder.extend(r.getMessage() for r in caplog.records)
        real_send(self, to, message)

    monkeypatch.setattr(mail.Postman, "send", note)
    caplog.clear()
    with app.app_context(), write_transaction() as session:
        # Reminders queued as "Send a reminder now" queues them, without waking the worker yet.
        mailing.queue_reminders(session, session.get_one(Wave, org.wave_id), tasks.utcnow())
    with caplog.at_level(logging.INFO):
        # A new address wakes the worker: its invitation and the reminder go in one task.
        paste(admin, org.wave_id, org.unit_id, [PEOPLE[2]])
    assert smtp.to(PEOPLE[1])[-1]["Subject"].startswith("Reminder:")
    assert "invitations sent" in logged_before_the_reminder  # written before the reminders
    timings = [r.getMessage() for r in caplog.records if "executed in" in r.getMessage()]
    assert not [line for line in timings if "send_mail" in line]


def mailed_invitations(app: Flask, wave_id: int) -> list[int]:
    """Return the ids of the invitations a wave's addresses point at (while it is open)."""
    with app.app_context():
        found = select(Recipient.invitation_id).where(Recipient.wave_id == wave_id)
        return sorted(i for i in db.session.scalars(found) if i is not None)


def traces_of_answering(app: Flask, invitation_ids: list[int]) -> set[object]:
    """Return what the database still says, per e-mailed invitation, about its use: the used
    flag and, on PostgreSQL, whether its row was last written by a response's transaction."""
    with app.app_context():
        rows = db.session.execute(
            select(Invitation.id, Invitation.used).where(Invitation.id.in_(invitation_ids))
        ).all()
        traces: set[object] = {used for _, used in rows}
        if db.engine.dialect.name == "postgresql":
            written_with_a_response = db.session.scalars(
                text(
                    "select i.id from invitation i join response r on r.xmin = i.xmin "
                    "where i.id = any(:ids)"
                ),
                {"ids": invitation_ids},
            ).all()
            traces.add(("with a response", tuple(written_with_a_response)))
        return traces


@pytest.mark.parametrize("closing", ["close now", "closing time passes"])
def test_after_the_close_the_database_no_longer_says_who_answered(
    app: Flask,
    admin: FlaskClient,
    org: Org,
    smtp: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    closing: str,
) -> None:
    # An admin who kept the address list they uploaded knows its order, and invitations are
    # made in that order: after the close, the e-mailed invitations' used flags (or, on
    # PostgreSQL, which rows a response's transaction wrote) must not say who answered.
    clock = Clock(monkeypatch)
    paste(admin, org.wave_id, org.unit_id, PEOPLE)
    invitation_ids = mailed_invitations(app, org.wave_id)
    assert len(invitation_ids) == 3
    answer_through(app, org, link_in(smtp.to(PEOPLE[1])[0]))
    if closing == "close now":
        reply = post(
            admin, f"/admin/waves/{org.wave_id}", wave_form(app, org.wave_id, action="close")
        )
        assert reply.status_code == 303
    else:
        clock.passes(timedelta(days=7))
        with app.app_context():
            tasks.run_tick()
    assert traces_of_answering(app, invitation_ids) in ({True}, {True, ("with a response", ())})
    # Every e-mailed link now says the pulse has closed, whether it was used or not.
    for person in PEOPLE:
        assert app.test_client().get(link_in(smtp.to(person)[0])).status_code == 410


def test_while_open_used_invitations_carry_no_trace_of_their_response(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox
) -> None:
    # A copy of the database taken while the wave is open (a physical backup, a replica) holds
    # each address beside its invitation. On PostgreSQL every row carries the id of the
    # transaction that last wrote it, and ids are handed out in order: the used invitations must
    # not carry their response's id, nor ids that follow the responses one by one.
    paste(admin, org.wave_id, org.unit_id, PEOPLE)
    invitation_ids = mailed_invitations(app, org.wave_id)
    for person in PEOPLE[:2]:
        answer_through(app, org, link_in(smtp.to(person)[0]))
    assert ("with a response", ()) in traces_of_answering(app, invitation_ids) or db_is_sqlite(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            writers = db.session.scalars(
                text("select distinct xmin::text from invitation where used and unit_id = :unit"),
                {"unit": org.unit_id},
            ).all()
            assert len(writers) == 1  # every used invitation of the unit was last written alike
    # The used links still take nothing more; the unused one still works.
    assert app.test_client().get(link_in(smtp.to(PEOPLE[0])[0])).status_code == 410
    assert app.test_client().get(link_in(smtp.to(PEOPLE[2])[0])).status_code == 200


def db_is_sqlite(app: Flask) -> bool:
    """Return whether the test runs on SQLite (whose rows carry no transaction ids)."""
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def test_a_removed_address_leaves_no_used_flag_behind(
    app: Flask, admin: FlaskClient, org: Org, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two invitations "may have arrived" (they did); one person answers. The admin removes both
    # addresses and closes the wave: the invitations they were sent (whose order the admin
    # knows from their own list) must not say which of the two answered.
    paste_unsure(admin, org, PEOPLE[:2], monkeypatch)
    invitation_ids = mailed_invitations(app, org.wave_id)
    answer_through(app, org, link_in(smtp.to(PEOPLE[0])[0]))
    with app.app_context():
        rows = db.session.scalars(select(Recipient.id).where(Recipient.wave_id == org.wave_id))
        for recipient_id in rows.all():
            url = f"/admin/waves/{org.wave_id}/addresses/{recipient_id}"
            assert post(admin, url, {"action": "remove"}).status_code == 303
    reply = post(admin, f"/admin/waves/{org.wave_id}", wave_form(app, org.wave_id, action="close"))
    assert reply.status_code == 303
    traces = traces_of_answering(app, invitation_ids)
    assert len({trace for trace in traces if isinstance(trace, bool)}) <= 1


@pytest.mark.parametrize("answered", [0, 2])
def test_the_scheduled_reminder_runs_the_mail_task_whoever_has_answered(
    app: Flask,
    admin: FlaskClient,
    org: Org,
    smtp: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    answered: int,
) -> None:
    # On the reminder's day the tick hands the worker the waves with messages due. Had it
    # skipped a wave whose people have all answered, the worker's log ("Executing send_mail"
    # or not) would say that everyone had, which participation in threshold steps does not.
    clock = Clock(monkeypatch)
    paste(admin, org.wave_id, org.unit_id, PEOPLE[:2])
    for person in PEOPLE[:answered]:
        answer_through(app, org, link_in(smtp.to(person)[0]))
    assert post(admin, f"/admin/waves/{org.wave_id}/reminders", {"days": "3"}).status_code == 303
    clock.passes(timedelta(days=3, hours=1))
    caplog.clear()
    with caplog.at_level(logging.INFO), app.app_context():
        tasks.run_tick()
    runs = [r for r in caplog.records if r.getMessage().startswith("Executing survey.tasks.send")]
    assert len(runs) == 1
    assert len(smtp.messages) == 2 + (2 - answered)
