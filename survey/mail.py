"""SMTP: build a message with plain-text and HTML parts and hand it to the configured server.

The standard library does this well (smtplib speaks STARTTLS, implicit TLS and AUTH; email builds
multipart/alternative messages), so no mail library is added. The conversation is split into its
steps because what may be retried depends on where it failed: a refusal or a broken connection
before the message body was handed over is safe to retry; a connection that breaks while the
server is taking the body may have delivered it (RFC 1047), so that one is never retried.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import Flask, current_app

TLS_MODES = ("starttls", "ssl", "none")
EXTENSION = "mail"


class Temporary(Exception):
    """The server said "not now" (a 4xx reply) or could not be reached: try again later."""


class Permanent(Exception):
    """The server refused for good (a 5xx reply): the address needs correcting."""


class Unsure(Exception):
    """The connection broke while the server was taking the message: it may have arrived."""


@dataclass(frozen=True)
class Settings:
    """Where and how to send: the MAIL_* settings."""

    host: str
    port: int
    tls: str
    username: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Settings:
        """Return the settings of an app's configuration."""
        return cls(
            str(config["MAIL_HOST"]),
            int(config["MAIL_PORT"]),
            str(config["MAIL_TLS"]),
            str(config["MAIL_USERNAME"]),
            str(config["MAIL_PASSWORD"]),
            str(config["MAIL_FROM"]),
            float(config["MAIL_TIMEOUT"]),
        )


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse mail settings that cannot work, at start-up, with a message saying what to set."""
    if config["MAIL_TLS"] not in TLS_MODES:
        raise ValueError("MAIL_TLS must be starttls, ssl or none")
    port = config["MAIL_PORT"]
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise ValueError("MAIL_PORT must be a port number from 1 to 65535")
    for name in ("MAIL_RATE", "MAIL_TIMEOUT", "MAIL_RETRY_SECONDS"):
        value = config[name]
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a number above 0")
    attempts = config["MAIL_MAX_ATTEMPTS"]
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise ValueError("MAIL_MAX_ATTEMPTS must be a whole number, at least 1")
    if config["MAIL_HOST"] and "@" not in str(config["MAIL_FROM"]):
        raise ValueError("MAIL_FROM must be an e-mail address when MAIL_HOST is set")


def configured(config: Mapping[str, Any]) -> bool:
    """Return whether e-mail can be sent at all (a server is set)."""
    return bool(config["MAIL_HOST"])


def build(settings: Settings, to: str, subject: str, text: str, html: str) -> bytes:
    """Return a message with a plain-text part and an HTML alternative, ready for DATA."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    # MAIL_FROM may carry a display name ("Staff pulse <pulse@council.gov.uk>").
    domain = parseaddr(settings.sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=SMTP_POLICY)


class Pacer:
    """Spaces messages evenly at `rate` a second across all of a worker's threads."""

    def __init__(self, rate: float) -> None:
        self.gap = 1.0 / rate
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        """Block until this thread's turn to send."""
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next)
            self.next = slot + self.gap
        if slot > now:
            time.sleep(slot - now)


def _reply(code: int, text: bytes | str) -> str:
    """Return an SMTP reply as one short line for a person to read."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"[:300]


def _judge(code: int, text: bytes | str) -> None:
    """Raise for a reply that is not success: 4xx is temporary, anything else permanent."""
    if 200 <= code < 300:
        return
    if 400 <= code < 500:
        raise Temporary(_reply(code, text))
    raise Permanent(_reply(code, text))


class Postman:
    """One SMTP connection, opened on first use and kept open between messages (one thread's)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        """Connect, secure and sign in as the settings say."""
        s = self.settings
        context = ssl.create_default_context()
        if s.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        smtp.ehlo()
        if s.tls == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if s.username:
            smtp.login(s.username, s.password)
        return smtp

    def close(self) -> None:
        """Say goodbye to the server, ignoring a connection that is already gone."""
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _reset(self) -> None:
        """Forget a refused transaction; a connection that broke meanwhile is dropped."""
        if self.smtp is None:
            return
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def _envelope(self, to: str) -> smtplib.SMTP:
        """Open the connection if needed and name the sender and the recipient."""
        if self.smtp is None:
            self.smtp = self._open()
        smtp = self.smtp
        try:
            _judge(*smtp.mail(self.settings.sender))
            _judge(*smtp.rcpt(to))
        except (Temporary, Permanent):
            self._reset()
            raise
        return smtp

    def send(self, to: str, message: bytes) -> None:
        """Deliver one message or raise Temporary, Permanent or Unsure."""
        try:
            smtp = self._envelope(to)
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            raise Temporary(_reply(error.smtp_code, error.smtp_error)) from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise Temporary(f"the mail server could not be reached: {error}"[:300]) from error
        try:
            code, text = smtp.data(message)
        except smtplib.SMTPDataError as error:  # DATA itself refused: no body was sent
            self._reset()
            _judge(error.smtp_code, error.smtp_error)
            raise Temporary(_reply(error.smtp_code, error.smtp_error)) from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise Unsure(str(error)[:300]) from error
        if not 200 <= code < 300:
            self._reset()
        _judge(code, text)


def postman(app: Flask | None = None) -> Postman:
    """Return this thread's connection to the app's mail server (one per worker thread)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    local: threading.local = app.extensions.setdefault(EXTENSION, threading.local())
    if getattr(local, "postman", None) is None:
        local.postman = Postman(Settings.of(app.config))
    return local.postman


def pacer(app: Flask | None = None) -> Pacer:
    """Return the app's one pacer, shared by every worker thread (MAIL_RATE a second)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.setdefault("mail_pacer", Pacer(float(app.config["MAIL_RATE"])))
