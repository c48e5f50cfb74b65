"""The privacy notice and accessibility statement: HR edit them, every save a new version."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import select

from survey import notice_texts
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Notice, User
from survey.services import audit, versioning

TITLES = {
    "privacy": lazy_gettext("Privacy notice"),
    "accessibility": lazy_gettext("Accessibility statement"),
}
DEFAULTS = {"privacy": notice_texts.PRIVACY, "accessibility": notice_texts.ACCESSIBILITY}


@dataclass(frozen=True)
class Block:
    """A piece of a notice as it is drawn: a heading, a paragraph or a list."""

    kind: str
    lines: tuple[str, ...]


def history(kind: str) -> list[Notice]:
    """Return every saved version of one notice, newest first."""
    return list(
        db.session.scalars(
            select(Notice).where(Notice.kind == kind).order_by(Notice.version.desc())
        )
    )


def default_text(kind: str) -> str:
    """Return the built-in text of a notice, with this installation's thresholds."""
    config = current_app.config
    return DEFAULTS[kind].format(
        threshold=config["ANONYMITY_THRESHOLD"], comment_threshold=config["COMMENT_THRESHOLD"]
    )


def current_text(kind: str) -> str:
    """Return the latest saved version of a notice, or its default when none is saved."""
    versions = history(kind)
    return versions[0].text if versions else default_text(kind)


def save(actor: User, kind: str, text: str, based_on: str) -> int:
    """Store `text` as the notice's next version, unless someone saved another since."""
    with write_transaction() as session:
        version = versioning.next_version(session, Notice.version, based_on, Notice.kind == kind)
        session.add(Notice(kind=kind, version=version, text=text.strip()))
        audit.record(session, actor, f"{kind}.save", f"Version {version}")
        return version


def blocks(text: str) -> list[Block]:
    """Split a notice into headings, paragraphs and lists, in order, for the template to draw."""
    result: list[Block] = []
    in_list = False
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith("- ") and in_list:
            result[-1] = Block("list", (*result[-1].lines, line[2:]))
        elif line.startswith("- "):
            result.append(Block("list", (line[2:],)))
        elif line.startswith("## "):
            result.append(Block("heading", (line[3:],)))
        elif line:
            result.append(Block("paragraph", (line,)))
        # A blank line or any other block ends a list.
        in_list = line.startswith("- ")
    return result
