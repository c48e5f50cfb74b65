"""Fuzz: every route in the URL map, for every role, with malformed values in every path part,
query argument and form field it reads: a clear 4xx (or the page), never a 5xx.

Deterministic: each route first answers a plain request (a form as its page fills it in) while
the names it reads from the query and the form are recorded; then each of those names, and each
path part, gets every malformed value from the first role the route lets in and a rotating
sample from the other roles, plus the same name twice and every name malformed at once. A path
the URL map itself refuses (most malformed ids) never reaches a view, so it goes once, from one
role in turn, rather than from all four. Forms carry a valid CSRF token and, in their other
fields, the values their page renders, so the form and service code really run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote_from_bytes

import pytest
from bs4 import BeautifulSoup
from flask import Flask, Request
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.test import EnvironBuilder

from survey.database import write_transaction
from survey.extensions import db
from survey.models import (
    Action,
    ImportJob,
    Question,
    Recipient,
    Role,
    Survey,
    SurveyItem,
    utcnow,
)
from survey.services.users import set_user
from tests.helpers import ACCOUNTS, CSRF, PASSWORD, Org

MALFORMED: list[bytes] = [
    b"\x00",
    b"a\x00b",
    b"\xed\xa0\x80",  # a lone surrogate, as WTF-8
    b"\xff\xfe",  # not UTF-8 at all
    b"99999999999999999999",  # beyond 64 bits
    b"2147483648",  # beyond 32 bits
    b"9" * 5000,  # beyond Python's int-from-text limit
    b"-1",
    b"0",
    b"+5",
    b" 5",
    b"05",
    "\u00b2".encode(),  # superscript two
    "\u2460".encode(),  # circled one
    "\u0665".encode(),  # Arabic-Indic five
    "\uff15".encode(),  # full-width five
    b"x" * 100_000,
    b"9999-12-31T23:59",
]
# The routes are dealt into shards, each its own test, so parallel workers share them out.
SHARDS = 8
PER_NAME = 4  # malformed values per name for a role after the first one the route lets in
ROLES = ("anonymous", "admin", "analyst", "manager")
VICTIM = "victim@test.org"  # the user the user-editing routes are pointed at
PLACEHOLDER = re.compile(r"<(?:[^<>]*:)?(\w+)>")


class Recording(ImmutableMultiDict):
    """Query or form data that notes every name a view asks it for."""

    read: ClassVar[set[str]] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return super().__contains__(key)

    def getlist(self, key: str, type: Any = None) -> list[Any]:
        self.read.add(key)
        return super().getlist(key, type)


class RecordingRequest(Request):
    """A request whose query and form record what is read."""

    parameter_storage_class = Recording


@dataclass
class Visitor:
    """A client in one role, with its CSRF token and a fresh address per request."""

    role: str
    client: FlaskClient
    csrf: str = ""
    sent: int = 0

    def open(self, method: str, url: str, body: bytes = b"", htmx: bool = False) -> Any:
        """Send one request (the form body already encoded) and read all of the answer."""
        self.sent += 1
        headers = {"HX-Request": "true"} if htmx else {}
        # Each request from its own address, so sign-in throttling never hides a route's code.
        address = f"10.{self.sent // 65536 % 256}.{self.sent // 256 % 256}.{self.sent % 256}"
        reply = self.client.open(
            url,
            method=method,
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers=headers,
            environ_base={"REMOTE_ADDR": address},
        )
        reply.get_data()  # a download streams: any failure shows while it is read
        return reply


@dataclass
class Findings:
    """Every 5xx (or exception) seen, briefly described."""

    failures: list[str] = field(default_factory=list)
    requests: int = 0
    entered: set[tuple[str, str]] = field(default_factory=set)  # routes some role got into

    def check(self, visitor: Visitor, method: str, url: str, body: bytes = b"", **kw: Any) -> Any:
        """Send a request and note it if the server failed."""
        self.requests += 1
        try:
            reply = visitor.open(method, url, body, **kw)
        except Exception as error:  # the failure itself is the finding
            self.failures.append(f"{visitor.role} {method} {url[:120]} {body[:120]!r}: {error!r}")
            return None
        if reply.status_code >= 500:
            self.failures.append(
                f"{visitor.role} {method} {url[:120]} {body[:120]!r}: {reply.status_code}"
            )
        return reply


def encode(pairs: list[tuple[str, bytes]]) -> bytes:
    """Return pairs as a query string or form body, every byte sent exactly as given."""
    return b"&".join(
        quote_from_bytes(name.encode(), safe="").encode()
        + b"="
        + quote_from_bytes(value, safe="").encode()
        for name, value in pairs
    )


def rotation(seed: int, full: bool) -> list[bytes]:
    """Return every malformed value, or PER_NAME of them starting at a place set by `seed`."""
    if full:
        return MALFORMED
    return [MALFORMED[(seed * PER_NAME + n) % len(MALFORMED)] for n in range(PER_NAME)]


def path_values(app: Flask, org: Org) -> dict[str, str]:
    """Return a real value for every path part the URL map uses."""
    with app.app_context(), write_transaction() as session:
        session.add(Action(wave_id=org.wave_id, text="An action"))
        session.add(ImportJob(filename="past.csv", status="done", finished_at=utcnow()))
        victim = set_user(session, VICTIM, PASSWORD, Role.ANALYST)
        # A survey no wave uses, so its composer's buttons are there to press.
        versions = session.scalars(select(SurveyItem.question_version_id).limit(3)).all()
        draft = Survey(
            name="Draft",
            items=[SurveyItem(position=n, question_version_id=v) for n, v in enumerate(versions)],
        )
        session.add(draft)
        # An address whose invitation bounced, so the form that corrects one has a real target.
        bounced = Recipient(
            wave_id=org.wave_id,
            unit_id=org.unit_id,
            email="bounced@council.example",
            invite_status="failed",
            problem="550 5.1.1 No such mailbox",
        )
        session.add(bounced)
        session.flush()
        victim_id, draft_id, bounced_id = victim.id, draft.id, bounced.id
    with app.app_context():
        return {
            "unit_id": str(org.unit_id),
            "wave_id": str(org.wave_id),
            "survey_id": str(draft_id),
            "question_id": str(db.session.scalar(select(Question.id))),
            "user_id": str(victim_id),
            "action_id": str(db.session.scalar(select(Action.id))),
            "job_id": str(db.session.scalar(select(ImportJob.id))),
            "recipient_id": str(bounced_id),
            "prefix": "t",
            "kind": "privacy",
            "token": org.team_token,
        }


def urls(rule: Rule, real: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Yield (argument, url): first the URL with real values, then one per argument to fuzz."""
    yield "", PLACEHOLDER.sub(lambda m: real[m.group(1)], rule.rule)
    for name in sorted(rule.arguments):
        yield (
            name,
            PLACEHOLDER.sub(
                lambda m, n=name: "{}" if m.group(1) == n else real[m.group(1)], rule.rule
            ),
        )


def harvest(html: str, path: str, own_page: bool) -> dict[str, bytes]:
    """Return the values the page's first form posting to `path` would send as it stands (on
    its own page, a form without an action posts there too)."""
    soup = BeautifulSoup(html, "html.parser")
    forms = [f for f in soup.find_all("form") if f.get("action") == path]
    if not forms and own_page:
        forms = soup.find_all("form")
    values: dict[str, bytes] = {}
    for form in forms[:1]:
        for element in form.find_all(["input", "textarea", "select", "button"]):
            name = element.get("name")
            if not name or name in values:
                continue
            if element.name == "textarea":
                values[name] = element.get_text().encode()
            elif element.name == "select":
                chosen = element.find("option", selected=True) or element.find("option")
                values[name] = (chosen.get("value", "") if chosen else "").encode()
            elif element.get("type") not in ("checkbox", "radio") or element.has_attr("checked"):
                values[name] = element.get("value", "").encode()
    return values


def visitors(app: Flask) -> list[Visitor]:
    """Return a visitor per role, signed in, each with a CSRF token of its own session."""
    found = []
    for role in ROLES:
        visitor = Visitor(role, app.test_client())
        if role != "anonymous":
            token = CSRF.search(visitor.client.get("/login").get_data(as_text=True)).group(1)
            body = encode(
                [
                    ("csrf_token", token.encode()),
                    ("email", ACCOUNTS[role][0].encode()),
                    ("password", PASSWORD.encode()),
                ]
            )
            assert visitor.open("POST", "/login", body).status_code == 303
        page = visitor.client.get("/login").get_data(as_text=True)
        visitor.csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
        found.append(visitor)
    return found


def send(
    findings: Findings, visitor: Visitor, method: str, url: str, pairs: list, **kw: Any
) -> None:
    """Send `pairs` as the query of a GET or the form of a POST (with the CSRF token)."""
    token = ("csrf_token", visitor.csrf.encode())
    if method == "GET":
        findings.check(visitor, method, f"{url}?{encode(pairs).decode()}", **kw)
    else:
        findings.check(visitor, method, url, encode([token, *pairs]), **kw)


def routed(app: Flask, method: str, url: str) -> bool:
    """Return whether the URL map sends this request to a view (as the app would match it)."""
    environ = EnvironBuilder(path=url, method=method).get_environ()
    try:
        app.url_map.bind_to_environ(environ, server_name=app.config["SERVER_NAME"]).match()
    except HTTPException:  # not found, method not allowed, or a redirect to the slashed path
        return False
    return True


def fuzz_route(
    findings: Findings, visitor: Visitor, rule: Rule, method: str, real: dict[str, str], seed: int
) -> None:
    """Fuzz one route's path parts, then what it reads from the query or the form."""
    token_pair = ("csrf_token", visitor.csrf.encode())
    token = encode([token_pair])
    (_, base_url), *by_argument = urls(rule, real)
    turn = ROLES.index(visitor.role)
    for place, (_argument, url) in enumerate(by_argument):
        for number, value in enumerate(MALFORMED):
            address = url.format(quote_from_bytes(value, safe=""))
            refused = not routed(visitor.client.application, method, address)
            if refused and (place + number + turn) % len(ROLES):
                continue  # another role sends this one
            findings.check(visitor, method, address, token)
    form: dict[str, bytes] = {}
    if method == "POST":
        # The form's own page, or for a post-only route the page above it (the composer's
        # buttons live on the survey's page).
        own_page = "GET" in rule.methods
        page = visitor.open("GET", base_url if own_page else base_url.rsplit("/", 1)[0] or "/")
        if page.status_code == 200:
            form = harvest(page.get_data(as_text=True), base_url, own_page)
            form.pop("csrf_token", None)
    Recording.read.clear()
    first = findings.check(visitor, method, base_url, encode([token_pair, *form.items()]))
    if first is None:
        return
    read = sorted(n for n in Recording.read | set(form) if not n.endswith("csrf_token"))
    entered = first.status_code not in (302, 401, 403)
    full = entered and (method, rule.rule) not in findings.entered
    if entered:
        findings.entered.add((method, rule.rule))
    for number, name in enumerate(read):
        for turn, value in enumerate(rotation(seed + number, full)):
            others = [(k, v) for k, v in form.items() if k != name]
            send(findings, visitor, method, base_url, [*others, (name, value)], htmx=turn % 2 == 1)
    if not read:
        return
    worst = MALFORMED[seed % len(MALFORMED)]
    twice = [pair for name in read for pair in ((name, b"1"), (name, worst))]
    everything = [(name, worst) for name in read] + [(name + "[]", b"1") for name in read]
    for pairs in (twice, everything):
        send(findings, visitor, method, base_url, pairs)
        if method == "POST":  # the same names in the query string of a post
            findings.check(visitor, method, f"{base_url}?{encode(pairs).decode()}", token)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_input_anywhere_gets_a_5xx(app: Flask, org: Org, accounts: None, shard: int) -> None:
    app.request_class = RecordingRequest
    real = path_values(app, org)
    findings = Findings()
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"),
        # Signing out last, so every other route is fuzzed while signed in.
        key=lambda r: (r.endpoint == "auth.logout", r.rule),
    )
    for seed, visitor in enumerate(visitors(app)):
        for number, rule in enumerate(rules):
            if number % SHARDS != shard:
                continue
            for method in sorted(rule.methods & {"GET", "POST"}):
                fuzz_route(findings, visitor, rule, method, real, seed * 5 + number)
    assert findings.requests > 1000 // SHARDS
    assert not findings.failures, "\n".join(findings.failures[:30])


def test_every_id_in_a_path_goes_through_the_bounded_converter(app: Flask) -> None:
    converters = {
        name: type(converter).__name__
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
    }
    assert {name for name, kind in converters.items() if name.endswith("_id")} == {
        name for name, kind in converters.items() if kind == "IdConverter"
    }
    assert "IntegerConverter" not in converters.values()
