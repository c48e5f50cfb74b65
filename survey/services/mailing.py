"""Invitations and reminders by e-mail: queue them, send them one claimed address at a time.

Never twice. Before each SMTP conversation the address's state becomes "sending" in its own
committed transaction (a conditional update, so two threads cannot both claim it); after the
server's answer it becomes sent, retry or failed. A worker killed in between leaves "sending",
and the next worker cannot tell whether the server had accepted the message, so it marks it
"unsure" and does NOT send it again: the admin sees it beside the delivery failures and may
send it again by hand. That is the trade-off chosen: at most once, never twice. A lost
invitation is mended by the next reminder (which carries the same link) or by the admin; a
duplicate cannot be unsent, and the window it covers (between "sending" being committed and the
server's reply) is one message per worker thread.

Anonymity. An address points at its invitation only so that a reminder goes to unused links;
a response points at neither. The admin never sees an address's reminder state, nor how many
reminders went (that count is the number who have not answered, finer than the wave page's
participation steps). Addresses are deleted when the wave closes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from survey import mail
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Invitation, Recipient, Wave, WaveUnit
from survey.services import letters, recipients, tokens
from survey.services.letters import INVITE, REMIND
from survey.services.recipients import STOPPED_MID_SEND
from survey.web import staff_link

log = logging.getLogger("survey.mail")

STATUS = {INVITE: Recipient.invite_status, REMIND: Recipient.remind_status}
BATCH = 500
UNSURE = "it may have arrived, so it is not sent again unless you choose to"
NOT_IN_AUDIENCE = "This address's unit is not part of the wave's audience: correct or remove it"

Enqueue = Callable[[int], object]


def queue_invitations(session: Session, wave: Wave) -> int:
    """Give every waiting address of a launched wave its invitation and queue it; return how many.

    An address whose unit is not in the wave's audience snapshot is marked failed for the admin.
    """
    waiting = session.execute(
        select(Recipient.id, Recipient.unit_id, Recipient.link_key).where(
            Recipient.wave_id == wave.id, Recipient.invite_status == "waiting"
        )
    ).all()
    if not waiting:
        return 0
    asked = set(session.scalars(select(WaveUnit.unit_id).where(WaveUnit.wave_id == wave.id)))
    inside = [row for row in waiting if row.unit_id in asked]
    outside = [row.id for row in waiting if row.unit_id not in asked]
    if outside:
        session.execute(
            update(Recipient)
            .where(Recipient.id.in_(outside))
            .values(invite_status="failed", problem=NOT_IN_AUDIENCE)
        )
    if inside:
        hashes = {row.id: tokens.token_hash(letters.link_token(row.link_key)) for row in inside}
        made = session.execute(
            insert(Invitation).returning(Invitation.id, Invitation.token_hash),
            [
                {"wave_id": wave.id, "unit_id": row.unit_id, "token_hash": hashes[row.id]}
                for row in inside
            ],
        ).all()
        by_hash = {token_hash: invitation_id for invitation_id, token_hash in made}
        session.execute(
            update(Recipient),
            [
                {"id": rid, "invitation_id": by_hash[h], "invite_status": "queued"}
                for rid, h in hashes.items()
            ],
        )
    return len(inside)


def start_invitations(wave_id: int, enqueue: Enqueue) -> int:
    """Queue the invitations of a launched wave's waiting addresses and wake the worker."""
    with write_transaction() as session:
        wave = session.get_one(Wave, wave_id)
        if wave.launched_at is None:
            return 0
        queued = queue_invitations(session, wave)
    if queued:
        wake(wave_id, enqueue)
    return queued


def queue_reminders(session: Session, wave: Wave, now: datetime) -> None:
    """Queue a reminder for every address whose invitation went out and is still unused.

    No count is returned on purpose: it would be the number of people yet to answer.
    """
    unused = exists().where(Invitation.id == Recipient.invitation_id, Invitation.used.is_(False))
    session.execute(
        update(Recipient)
        .where(
            Recipient.wave_id == wave.id,
            # An invitation that may not have arrived is reminded too: the same link, so a lost
            # one is mended and a delivered one is merely reminded.
            Recipient.invite_status.in_(("sent", "unsure")),
            Recipient.remind_status.not_in(("queued", "retry", "sending")),
            or_(Recipient.last_mailed_on.is_(None), Recipient.last_mailed_on < now.date()),
            unused,
        )
        .values(remind_status="queued", attempts=0, retry_at=None)
        .execution_options(synchronize_session=False)
    )


def remind_now(wave_id: int, now: datetime, enqueue: Enqueue) -> bool:
    """Queue reminders to every unused link of an open wave now; False if the wave is not open."""
    with write_transaction() as session:
        wave = session.get_one(Wave, wave_id)
        if not wave.is_open(now):
            return False
        queue_reminders(session, wave, now)
    wake(wave_id, enqueue)
    return True


def wake(wave_id: int, enqueue: Enqueue) -> None:
    """Ask the worker to send a wave's due messages; a queue that is down is caught up by tick."""
    try:
        enqueue(wave_id)
    except Exception as error:  # the queue's storage is unreachable: the next tick retries
        log.warning("mail could not be queued", extra={"wave_id": wave_id, "error": str(error)})


def _due(kind: str, now: datetime) -> object:
    """Return the condition for an address's message of `kind` to be sent now."""
    status = STATUS[kind]
    return or_(status == "queued", and_(status == "retry", Recipient.retry_at <= now))


@dataclass(frozen=True)
class Claimed:
    """An address whose message this thread is now sending."""

    email: str
    link_key: str
    attempts: int


def _claim(recipient_id: int, kind: str, now: datetime) -> Claimed | None:
    """Mark an address's message as being sent, in its own committed transaction; None if it is
    not due (already taken, sent, answered for a reminder, or the wave is not open)."""
    open_wave = exists().where(
        Wave.id == Recipient.wave_id,
        Wave.launched_at.is_not(None),
        Wave.opens_at <= now,
        Wave.closes_at > now,
    )
    conditions = [Recipient.id == recipient_id, _due(kind, now), open_wave]
    if kind == REMIND:
        conditions += [
            or_(Recipient.last_mailed_on.is_(None), Recipient.last_mailed_on < now.date()),
            exists().where(Invitation.id == Recipient.invitation_id, Invitation.used.is_(False)),
        ]
    with write_transaction() as session:
        # One statement claims and reads the row (RETURNING: SQLite 3.35+, PostgreSQL).
        row = session.execute(
            update(Recipient)
            .where(*conditions)
            .values(
                {
                    STATUS[kind]: "sending",
                    Recipient.attempts: Recipient.attempts + 1,
                    Recipient.last_mailed_on: now.date(),
                }
            )
            .returning(Recipient.email, Recipient.link_key, Recipient.attempts)
            .execution_options(synchronize_session=False)
        ).first()
    return None if row is None else Claimed(row.email, row.link_key, row.attempts)


def _record(recipient_id: int, kind: str, **values: object) -> None:
    """Write the outcome of one message (the row may have gone if the wave closed meanwhile)."""
    with write_transaction() as session:
        session.execute(
            update(Recipient)
            .where(Recipient.id == recipient_id, STATUS[kind] == "sending")
            .values(values)
            .execution_options(synchronize_session=False)
        )


def deliver(recipient_id: int, kind: str, facts: letters.WaveFacts, now: datetime) -> str:
    """Send one address its invitation or reminder if still due; return the state it ends in."""
    recipient = _claim(recipient_id, kind, now)
    if recipient is None:
        return "skipped"
    status = STATUS[kind].key
    config = current_app.config
    settings = mail.Settings.of(config)
    letter = letters.write(facts, kind, staff_link("i", letters.link_token(recipient.link_key)))
    message = mail.build(settings, recipient.email, letter.subject, letter.text, letter.html)
    mail.pacer().wait()
    # A reminder goes only to unused links, so its outcome must never show: the reason beside
    # an address on the wave page is the invitation's alone (written for invitations only).
    explain = kind == INVITE
    try:
        mail.postman().send(recipient.email, message)
    except mail.Temporary as refusal:
        if recipient.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            outcome: dict[str, object] = {status: "failed"}
            if explain:
                outcome["problem"] = f"Not accepted after {recipient.attempts} tries: {refusal}"[
                    :300
                ]
        else:
            delay = config["MAIL_RETRY_SECONDS"] * 2 ** (recipient.attempts - 1)
            outcome = {status: "retry", "retry_at": now + timedelta(seconds=delay)}
        # Nothing went out today after all, so the one-a-day rule is not spent.
        _record(recipient_id, kind, last_mailed_on=None, **outcome)
        return str(outcome[status])
    except mail.Permanent as refusal:
        outcome = {status: "failed"}
        if explain:
            outcome["problem"] = str(refusal)[:300]
        _record(recipient_id, kind, last_mailed_on=None, **outcome)
        return "failed"
    except mail.Unsure as broken:
        outcome = {status: "unsure"}
        if explain:
            outcome["problem"] = f"The connection broke during sending ({broken}): {UNSURE}"[:300]
        _record(recipient_id, kind, **outcome)
        return "unsure"
    outcome = {status: "sent", "retry_at": None}
    if explain:
        outcome["problem"] = ""
    _record(recipient_id, kind, **outcome)
    return "sent"


def send_due(wave_id: int, clock: Callable[[], datetime]) -> float | None:
    """Send every message of a wave that is due (the worker's task); return the seconds until
    the next retry falls due, or None when nothing waits for one."""
    wave = db.session.get(Wave, wave_id)
    if wave is None or not mail.configured(current_app.config):
        return None
    invitations: dict[str, int] = {}
    for kind in (INVITE, REMIND):
        after = 0
        while True:
            now = clock()
            ids = list(
                db.session.scalars(
                    select(Recipient.id)
                    .where(Recipient.wave_id == wave_id, Recipient.id > after, _due(kind, now))
                    .order_by(Recipient.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                break
            facts = letters.facts_of(db.session.get_one(Wave, wave_id))
            for recipient_id in ids:
                state = deliver(recipient_id, kind, facts, clock())
                if kind == INVITE:
                    invitations[state] = invitations.get(state, 0) + 1
            after = ids[-1]
        if kind == INVITE and invitations:
            # Invitations' outcomes only, never addresses: how many reminders went (or were
            # skipped) is how many have not (or have) answered, which no log line may say; and
            # written before the reminders go, so that its time does not measure them either.
            log.info("invitations sent", extra={"wave_id": wave_id, "outcomes": invitations})
    mail.postman().close()
    waiting = db.session.scalar(
        select(func.min(Recipient.retry_at)).where(
            Recipient.wave_id == wave_id,
            or_(Recipient.invite_status == "retry", Recipient.remind_status == "retry"),
        )
    )
    db.session.commit()
    return None if waiting is None else max(0.0, (waiting - clock()).total_seconds())


def recover() -> None:
    """On the worker's start: a message left "sending" by the last worker may have gone, so it is
    marked unsure and never sent again (see the module's docstring)."""
    with write_transaction() as session:
        for kind, status in STATUS.items():
            values: dict[str, object] = {status.key: "unsure"}
            if kind == INVITE:
                values["problem"] = STOPPED_MID_SEND
            session.execute(
                update(Recipient)
                .where(status == "sending")
                .values(values)
                .execution_options(synchronize_session=False)
            )


def tick(now: datetime) -> list[int]:
    """Delete closed waves' addresses, queue due scheduled reminders and invitations of launched
    waves; return the waves with messages due or a reminder day just come, for the worker."""
    with write_transaction() as session:
        recipients.forget_closed(session, now)
        open_waves = session.scalars(
            select(Wave).where(
                Wave.launched_at.is_not(None), Wave.opens_at <= now, Wave.closes_at > now
            )
        ).all()
        reminded: list[int] = []
        for wave in open_waves:
            queue_invitations(session, wave)
            days = wave.remind_days_before
            if (
                days
                and now >= wave.closes_at - timedelta(days=days)
                and wave.reminded_for != wave.closes_at
            ):
                queue_reminders(session, wave, now)
                reminded.append(wave.id)
                session.execute(
                    update(Wave)
                    .where(Wave.id == wave.id)
                    .values(reminded_for=wave.closes_at)
                    .execution_options(synchronize_session=False)
                )
        due = session.scalars(
            select(Recipient.wave_id)
            .where(
                Recipient.wave_id.in_([w.id for w in open_waves]),
                or_(_due(INVITE, now), _due(REMIND, now)),
            )
            .distinct()
        ).all()
    # A wave whose reminder day came is woken whether or not anyone is left to remind, as "Send a
    # reminder now" is: the worker's log must not say that everyone has answered.
    return sorted(set(due) | set(reminded))
