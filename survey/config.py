"""Default settings and the order in which deployments override them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from flask import Flask
from limits import parse

from survey.aggregation import COMMENT_FLOOR, FLOOR
from survey.mail import check_settings as check_mail

LOGIN_LIMITS = (
    "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
    "LOGIN_LIMIT_PER_ADDRESS",
    "LOGIN_LIMIT_PER_ACCOUNT",
)


class Defaults:
    """Settings every deployment starts from; all may be overridden, none hold secrets."""

    # A pulse submission is a few KB; anything far larger is not a respondent.
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    # Except an admin's upload of past results, which may be large (it is spooled to disk).
    IMPORT_MAX_BYTES = 512 * 1024 * 1024
    TEXT_ANSWER_MAX_CHARS = 2000

    # Configurable upward only: start-up refuses less than survey.aggregation's fixed floors.
    ANONYMITY_THRESHOLD = 5
    COMMENT_THRESHOLD = 10
    # Theme -> words and phrases ("cut*" matches any word starting "cut"); None: the built-in
    # lexicon in survey/aggregation/comments.py. A JSON object in FLASK_COMMENT_THEMES also works.
    COMMENT_THEMES: ClassVar[dict[str, list[str]] | None] = None
    # Word or phrase -> tone from -4 to 4, added to (or replacing) the built-in workplace lexicon
    # in survey/aggregation/tone.py for comments tallied from then on; FLASK_COMMENT_TONE_WORDS too.
    COMMENT_TONE_WORDS: ClassVar[dict[str, float] | None] = None

    # The CSRF token lives as long as the session: a respondent who pauses mid-pulse keeps going.
    WTF_CSRF_TIME_LIMIT = None
    # Survey pages send no Referer (tokens must not leak), so the HTTPS referrer check cannot run;
    # the synchronizer token and SameSite cookies carry CSRF protection instead.
    WTF_CSRF_SSL_STRICT = False
    WTF_CSRF_HEADERS: ClassVar[list[str]] = ["X-CSRFToken"]

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)

    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {}

    # Background work (imports, the periodic tick) runs in `flask worker` through Huey: "" keeps
    # the queue in instance/tasks.sqlite, "sqlite:///path" elsewhere, "redis://..." in Redis.
    TASK_QUEUE_URL = ""
    # Run tasks at once inside the caller instead (tests that are not about the queue).
    TASK_QUEUE_IMMEDIATE = False
    TICK_EVERY_MINUTES = 5

    # Where staff reach the service. Every link handed to staff (team links, invitation CSVs,
    # the demo's printout) is built on it, never on a request's Host header. Set it in production.
    BASE_URL = "http://127.0.0.1:5000"

    # E-mail invitations and reminders, sent by the worker through this SMTP server (a council's
    # relay or Office 365: smtp.office365.com, 587, starttls). No MAIL_HOST: no e-mail is sent.
    MAIL_HOST = ""
    MAIL_PORT = 587
    MAIL_TLS = "starttls"  # starttls, ssl (implicit TLS, usually port 465) or none
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = ""
    # Messages a second at most, across the worker's threads (relays throttle bursts).
    MAIL_RATE = 5.0
    MAIL_TIMEOUT = 30.0
    # A temporary refusal is tried again after this many seconds, doubling each time, up to
    # MAIL_MAX_ATTEMPTS tries in all; then it is shown to the admin as not delivered.
    MAIL_RETRY_SECONDS = 60.0
    MAIL_MAX_ATTEMPTS = 6
    # An admin's list of staff addresses may be larger than a form (10,000 addresses ~ 400 KB).
    MAIL_LIST_MAX_BYTES = 5 * 1024 * 1024

    # Login throttling state; set a redis:// URL when several workers or hosts must share it.
    RATELIMIT_STORAGE_URI = "memory://"
    # A moving window, so a 429's Retry-After is when the oldest counted failure ages out.
    RATELIMIT_STRATEGY = "moving-window"
    # Failed sign-ins allowed (see survey/auth/throttle.py): for one account from one address,
    # from one address whatever the account, and for one account from everywhere (a backstop
    # that still admits the right password from an address with no failures for the account).
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = "5 per 5 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "100 per hour"
    # How long a one-time password handed out by an admin works before it must be used.
    ONE_TIME_PASSWORD_DAYS = 7


def database_url(app: Flask) -> str:
    """Return the configured database URL, defaulting to SQLite in the instance folder."""
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(app.instance_path) / "changepulse.sqlite")
    # Hosting platforms hand out postgres:// URLs; we always talk to PostgreSQL through psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(app: Flask) -> str:
    """Return the configured secret, or one generated once and kept in the instance folder."""
    if app.config.get("SECRET_KEY"):
        return str(app.config["SECRET_KEY"])
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Apply defaults, instance/config.py, FLASK_* environment variables, then test settings."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app)
    app.config["SECRET_KEY"] = secret_key(app)
    # SQLAlchemy's error messages carry statement parameters (a respondent's comment, say) into
    # logs; no setting may bring them back.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        "hide_parameters": True,
    }
    themes = app.config["COMMENT_THEMES"]
    if themes is not None and not (
        isinstance(themes, dict)
        and all(isinstance(t, list) and all(isinstance(w, str) for w in t) for t in themes.values())
    ):
        raise ValueError("COMMENT_THEMES must map each theme to a list of words and phrases")
    check_tone_words(app.config["COMMENT_TONE_WORDS"])
    check_thresholds(app.config["ANONYMITY_THRESHOLD"], app.config["COMMENT_THRESHOLD"])
    check_accounts(app.config)
    check_mail(app.config)
    base = urlsplit(str(app.config["BASE_URL"]))
    if base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
        raise ValueError(
            "BASE_URL must be an http:// or https:// address, like https://pulse.example"
        )


def check_thresholds(scores: object, comments: object) -> None:
    """Refuse thresholds below the fixed floors, with a message that says what is allowed."""
    if not isinstance(scores, int) or isinstance(scores, bool) or scores < FLOOR:
        raise ValueError(f"ANONYMITY_THRESHOLD must be a whole number of at least {FLOOR}")
    lowest = max(scores, COMMENT_FLOOR)
    if not isinstance(comments, int) or isinstance(comments, bool) or comments < lowest:
        raise ValueError(
            f"COMMENT_THRESHOLD must be a whole number of at least {lowest} "
            f"(never below ANONYMITY_THRESHOLD or {COMMENT_FLOOR})"
        )


def check_tone_words(words: object) -> None:
    """Refuse extra tone words that are not a map of words or phrases to tones from -4 to 4."""
    if words is None:
        return
    if not isinstance(words, dict) or not all(
        isinstance(word, str)
        and word.strip()
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and -4 <= value <= 4
        for word, value in words.items()
    ):
        raise ValueError(
            "COMMENT_TONE_WORDS must map each word or phrase to a tone from -4 to 4, "
            'like {"cuts": -2}'
        )


def check_accounts(config: Mapping[str, Any]) -> None:
    """Refuse sign-in limits that do not parse and one-time passwords that never work."""
    for name in LOGIN_LIMITS:
        text = config[name]
        try:
            parse(text)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{name} must read like '5 per 5 minutes', not {text!r}") from error
    days = config["ONE_TIME_PASSWORD_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError("ONE_TIME_PASSWORD_DAYS must be a whole number of days, at least 1")
