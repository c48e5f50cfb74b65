"""Units: add, rename, move, retire and import, with clear errors and nothing half-saved."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import AuditEntry, Unit
from survey.services import units
from survey.services.problems import Invalid
from tests.helpers import Org, post, unit_id


def unit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Unit)) or 0


def test_add_unit_under_a_parent_is_audited(app: Flask, admin: FlaskClient, org: Org) -> None:
    parent = unit_id(app, "Operations")
    reply = post(admin, "/admin/units", {"name": "Team C", "parent_id": parent, "headcount": "9"})
    assert reply.status_code == 303
    page = admin.get("/admin/units").get_data(as_text=True)
    assert "Team C" in page
    assert "Added Test Council &gt; Operations &gt; Team C" in admin.get("/admin/audit").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "headcount": "3"}, "Enter a name"),
        ({"name": "Team A", "headcount": "-1"}, "whole number from 0"),
        ({"name": "Team A", "headcount": "lots"}, "Enter a whole number"),
        ({"name": "Team A", "headcount": "3", "parent_id": "999999"}, "Choose one of the options"),
    ],
)
def test_bad_unit_gets_error_beside_field(
    app: Flask, admin: FlaskClient, org: Org, data: dict, message: str
) -> None:
    before = unit_count(app)
    reply = post(admin, "/admin/units", {"parent_id": "", **data}, htmx=True)
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert message in html
    assert 'class="govuk-error-message"' in html
    assert html.lstrip().startswith("<form")
    assert unit_count(app) == before


def test_duplicate_name_in_same_place_is_refused(app: Flask, admin: FlaskClient, org: Org) -> None:
    parent = unit_id(app, "Operations")
    reply = post(admin, "/admin/units", {"name": "Team A", "parent_id": parent, "headcount": "1"})
    assert reply.status_code == 422
    assert "already a unit with this name" in reply.get_data(as_text=True)


def test_inline_rename_returns_the_row(app: Flask, admin: FlaskClient, org: Org) -> None:
    team = unit_id(app, "Team A")
    parent = unit_id(app, "Operations")
    form = admin.get(f"/admin/units/{team}/edit", headers={"HX-Request": "true"})
    assert form.get_data(as_text=True).lstrip().startswith("<tr")
    reply = post(
        admin,
        f"/admin/units/{team}/edit",
        {
            f"unit{team}-name": "Team Alpha",
            f"unit{team}-parent_id": parent,
            f"unit{team}-headcount": "41",
        },
        htmx=True,
    )
    assert reply.status_code == 200
    assert "Team Alpha" in reply.get_data(as_text=True)
    assert reply.get_data(as_text=True).lstrip().startswith("<tr")


def test_unit_cannot_move_inside_itself(app: Flask, admin: FlaskClient, org: Org) -> None:
    operations = unit_id(app, "Operations")
    team = unit_id(app, "Team A")
    reply = post(
        admin,
        f"/admin/units/{operations}/edit",
        {
            f"unit{operations}-name": "Operations",
            f"unit{operations}-parent_id": team,
            f"unit{operations}-headcount": "0",
        },
    )
    assert reply.status_code == 422
    assert "cannot move inside itself" in reply.get_data(as_text=True)


def test_retire_and_restore(app: Flask, admin: FlaskClient, org: Org) -> None:
    team = unit_id(app, "Team B")
    assert "Retired" in post(admin, f"/admin/units/{team}/retire", htmx=True).get_data(as_text=True)
    assert "Active" in post(admin, f"/admin/units/{team}/restore", htmx=True).get_data(as_text=True)


def test_unit_names_are_escaped(admin: FlaskClient, org: Org) -> None:
    reply = post(
        admin,
        "/admin/units",
        {"name": '<img src=x onerror="alert(1)" ', "parent_id": "", "headcount": "1"},
    )
    assert reply.status_code == 303
    html = admin.get("/admin/units").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;" in html


def upload(admin: FlaskClient, content: bytes):
    return post(
        admin,
        "/admin/units/import",
        {"file": (io.BytesIO(content), "units.csv")},
        content_type="multipart/form-data",
    )


def test_import_creates_and_updates_units(app: Flask, admin: FlaskClient, org: Org) -> None:
    csv = (
        b"unit_path,headcount\r\n"
        b"Test Council > Operations > Team A,44\r\n"
        b"Test Council > Finance > Payroll,12\r\n"
        b'"Test Council > Finance > Audit, Risk",5\r\n'
    )
    reply = upload(admin, csv)
    assert reply.status_code == 303
    assert unit_count(app) == 3 + 1 + 2 + 1  # Council, Operations, A, B + Finance, 2 teams
    with app.app_context():
        assert db.session.scalars(select(Unit.headcount).where(Unit.name == "Team A")).one() == 44
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (b"path,count\r\nA,1\r\n", ["missing unit_path, headcount"]),
        (b"unit_path,headcount\r\n", ["no units"]),
        (
            b"unit_path,headcount\r\nA > B,1\r\nA >  > C,2\r\nA > D,x\r\nA > B,3\r\n",
            [
                "Line 3: unit_path is empty",
                "Line 4: headcount must be a whole number",
                "Line 5: A &gt; B appears more than once",
            ],
        ),
        ("unit_path,headcount\r\nCaf\u00e9,1\r\n".encode("latin-1"), ["not UTF-8"]),
    ],
)
def test_bad_import_lists_every_problem_and_changes_nothing(
    app: Flask, admin: FlaskClient, org: Org, content: bytes, messages: list[str]
) -> None:
    before = unit_count(app)
    reply = upload(admin, content)
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "Nothing was imported" in html
    for message in messages:
        assert message in html
    assert unit_count(app) == before


def test_import_without_a_file_asks_for_one(admin: FlaskClient, org: Org) -> None:
    reply = post(admin, "/admin/units/import")
    assert reply.status_code == 422
    assert "Choose a CSV file to import" in reply.get_data(as_text=True)


def deep_path(levels: int) -> str:
    return " > ".join(f"L{n}" for n in range(levels))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            f"unit_path,headcount\r\n{deep_path(13)},1\r\n".encode(),
            "Line 2: unit_path has 13 levels",
        ),
        (b"unit_path,headcount\r\nA,1\r\nB\x00,2\r\n", "Line 3: a cell contains a NUL character"),
        (
            b"unit_path,headcount\r\nA,1\r\n" + b"B" * 200_000 + b",2\r\n",
            "Line 3: a cell is longer than 131,072 characters",
        ),
        ("unit_path,headcount\r\nA,\u00b2\r\n".encode(), "Line 2: headcount must be a whole"),
        ("unit_path,headcount\r\nA,\u0665\r\n".encode(), "Line 2: headcount must be a whole"),
    ],
)
def test_import_problems_are_reported_by_line(
    app: Flask, admin: FlaskClient, org: Org, content: bytes, message: str
) -> None:
    before = unit_count(app)
    reply = upload(admin, content)
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    assert unit_count(app) == before


def test_twelve_levels_import(app: Flask, admin: FlaskClient, org: Org) -> None:
    reply = upload(admin, f"unit_path,headcount\r\n{deep_path(12)},1\r\n".encode())
    assert reply.status_code == 303


def chain(app: Flask, levels: int, top: str = "Deep") -> list[int]:
    """Insert a chain of units directly (as an old import could), returning their ids."""
    ids: list[int] = []
    with app.app_context(), write_transaction() as session:
        parent = None
        for n in range(levels):
            unit = Unit(name=f"{top} {n}", parent=parent, headcount=1)
            session.add(unit)
            parent = unit
        session.flush()
        node = parent
        while node is not None:
            ids.append(node.id)
            node = node.parent
    return ids[::-1]


def test_adding_below_the_twelfth_level_is_refused(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    deepest = chain(app, 12)[-1]
    reply = post(admin, "/admin/units", {"name": "Too far", "parent_id": deepest, "headcount": "1"})
    assert reply.status_code == 422
    assert "at most 12 levels deep" in reply.get_data(as_text=True)


def test_moving_a_branch_too_deep_is_refused(app: Flask, admin: FlaskClient, org: Org) -> None:
    deep = chain(app, 10)
    branch = chain(app, 3, top="Branch")
    data = {"unit{0}-name": "Branch 0", "unit{0}-parent_id": deep[-1], "unit{0}-headcount": "1"}
    reply = post(
        admin,
        f"/admin/units/{branch[0]}/edit",
        {k.format(branch[0]): v for k, v in data.items()},
    )
    assert reply.status_code == 422
    assert "at most 12 levels deep" in reply.get_data(as_text=True)


def test_ensure_path_refuses_a_path_too_deep(app: Flask) -> None:
    with (
        app.app_context(),
        pytest.raises(Invalid, match="at most 12 levels"),
        write_transaction() as session,
    ):
        units.ensure_path(session, deep_path(13))


def test_a_tree_deeper_than_python_recursion_still_lists(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    chain(app, 1100)  # left by an import before depth was limited
    for url in ("/admin/units", "/admin/users", "/admin/waves", "/admin/actions"):
        assert admin.get(url).status_code == 200, url
    with app.app_context():
        rows = units.tree()
    assert max(row.depth for row in rows) == 1099
