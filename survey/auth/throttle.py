"""Sign-in throttling that an attacker cannot turn into a lockout of someone else.

Only failed password checks count, each in moving windows kept in Flask-Limiter's storage (in
memory per worker, or in Redis shared by every worker and host):

- per account and address (LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS): guessing one account from one
  place stops there, and only there;
- per address (LOGIN_LIMIT_PER_ADDRESS): one place trying many accounts stops;
- per account (LOGIN_LIMIT_PER_ACCOUNT, slower): a backstop against guessing from many places.
  While it is spent, only an address with no failures for that account within the backstop's
  period may try, so the owner still gets in from their own address with the right password.

Accounts and addresses are kept and logged only as keyed hashes: the store and the logs name
neither an e-mail address nor an IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass
from typing import NamedTuple, NoReturn

from flask import current_app, request
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests

from survey.extensions import limiter
from survey.services.users import signing_in_as

log = logging.getLogger("survey.auth")


def keyed_hash(kind: str, value: str) -> str:
    """Return a short keyed hash that tells accounts (or addresses) apart without naming them."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Attempt:
    """A password check: the account it is for and the address it comes from, hashed."""

    account: str
    address: str

    @classmethod
    def here(cls, email: str) -> Attempt:
        """Return an attempt on the account `email` names (existing or not) from this request."""
        return cls(
            keyed_hash("account", signing_in_as(email)[:254]),
            keyed_hash("address", request.remote_addr or ""),
        )

    def log(self, event: str, level: int = logging.WARNING, **fields: object) -> None:
        """Log an event of this attempt: never a password, an address or an e-mail in clear."""
        details = {"event": event, "account": self.account, "address": self.address, **fields}
        message = " ".join(f"{name}={value}" for name, value in details.items())
        log.log(level, message, extra=details)


class Window(NamedTuple):
    """One counter of failures: its name for the log, its limit and its storage key."""

    name: str
    limit: RateLimitItem
    keys: tuple[str, ...]

    def spent(self) -> bool:
        """Return whether the counter holds as many failures as its limit allows."""
        return not limiter.limiter.test(self.limit, *self.keys)

    def empty(self) -> bool:
        """Return whether the counter holds no failure at all."""
        return limiter.limiter.get_window_stats(self.limit, *self.keys).remaining >= (
            self.limit.amount
        )

    def seconds_left(self) -> int:
        """Return the whole seconds until the oldest failure counted here ages out."""
        reset = limiter.limiter.get_window_stats(self.limit, *self.keys).reset_time
        return max(1, math.ceil(reset - time.time()))


def _windows(attempt: Attempt) -> tuple[Window, Window, Window, Window]:
    """Return the pair, address, account and recent-pair counters of an attempt."""
    config = current_app.config
    prefix = str(config.get("RATELIMIT_KEY_PREFIX", ""))
    backstop = parse(config["LOGIN_LIMIT_PER_ACCOUNT"])
    pair = (attempt.account, attempt.address)
    return (
        Window(
            "account_and_address",
            parse(config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"]),
            (prefix, "login-pair", *pair),
        ),
        Window(
            "address", parse(config["LOGIN_LIMIT_PER_ADDRESS"]), (prefix, "login-address", pair[1])
        ),
        Window("account", backstop, (prefix, "login-account", pair[0])),
        # The pair's failures over the backstop's period: who may still try while it is spent.
        Window("recent", backstop, (prefix, "login-recent", *pair)),
    )


def check(attempt: Attempt) -> None:
    """Raise 429 with Retry-After, and log it, if this attempt may not be made now."""
    pair, address, account, recent = _windows(attempt)
    blocking = [window for window in (pair, address) if window.spent()]
    if account.spent() and not recent.empty():
        blocking.append(account)
    if blocking:
        # Every blocking counter must age out before the attempt is allowed, so wait for all.
        refuse(attempt, max(w.seconds_left() for w in blocking), [w.name for w in blocking])


def refuse(attempt: Attempt, seconds: int, limits: list[str]) -> NoReturn:
    """Log the refusal and raise 429 saying when to try again."""
    attempt.log("sign_in_throttled", limits=",".join(limits), retry_after=seconds)
    raise TooManyRequests(
        description=f"Try again in {wait_in_words(seconds)}.", retry_after=seconds
    )


def failed(attempt: Attempt, event: str = "sign_in_failed") -> None:
    """Count a failed password check in every counter and log it."""
    for window in _windows(attempt):
        limiter.limiter.hit(window.limit, *window.keys)
    attempt.log(event)


def succeeded(attempt: Attempt) -> None:
    """Forget this account's failures from this address: the owner has proved who they are."""
    pair, _address, _account, recent = _windows(attempt)
    for window in (pair, recent):
        limiter.limiter.clear(window.limit, *window.keys)


def wait_in_words(seconds: int) -> str:
    """Return a wait in words, rounded up: '40 seconds', '1 minute', '5 minutes'."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
