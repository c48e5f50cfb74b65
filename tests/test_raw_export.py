"""The raw responses export releases nothing the screens do not: coarsened unit paths, the
screens' counts, comments where the screens show them, withheld units left out, random order."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from survey import aggregation as agg
from survey.database import write_transaction
from survey.extensions import db
from survey.models import (
    Answer,
    AnswerTally,
    CommentNote,
    RespondentTally,
    Response,
    TallyMark,
    UnderstandingTally,
    Wave,
    utcnow,
)
from survey.services import comments, exporting, insights, units
from tests.helpers import Org, build_org, insert_responses, unit_id

TEAM_C = "Test Council > Operations > Team C"


def released_org(app: Flask, counts: dict[str, int], more: dict[str, int] | None = None) -> Org:
    """Return an organisation whose wave closed two days ago, with `counts` responses per team
    name, each with a comment."""
    with app.app_context():
        org = build_org(app, -timedelta(days=20), -timedelta(days=2), more=more)
        for name, count in counts.items():
            said = f"{name} said {{}}".format
            insert_responses(org, unit_id(app, name), count, random.Random(count), said)
    return org


def exported(app: Flask, org: Org) -> str:
    """Return the wave's raw responses file."""
    with app.app_context():
        scope = exporting.Scope([org.wave_id])
        return "".join(exporting.responses_csv(scope, utcnow()))


def rows_of(text: str) -> list[dict[str, str]]:
    """Read the file's rows."""
    return list(csv.DictReader(io.StringIO(text)))


def released_view(app: Flask, org: Org) -> insights.WaveView:
    """Return the wave as the screens see it."""
    with app.app_context():
        return insights.frame(db.session.get_one(Wave, org.wave_id), None, utcnow())


def responses_per_path(rows: list[dict[str, str]]) -> Counter:
    """Return how many responses the file has under each unit path (comments belong to none)."""
    ids = {(r["unit_path"], r["response_id"]) for r in rows if r["response_id"]}
    return Counter(path for path, _ in ids)


SMALL = {"Team A": 12, "Team B": 6, "Team C": 1}


def test_small_units_appear_only_inside_the_nearest_shown_unit(app: Flask) -> None:
    org = released_org(app, SMALL, {TEAM_C: 5})
    view = released_view(app, org)
    found = responses_per_path(rows_of(exported(app, org)))
    # Team C's one person (and Team B, hidden so that Operations' remainder is not one person)
    # are counted under Operations, which the screens show; never under their own paths.
    assert not [path for path in found if path.endswith(("Team C", "Team B"))]
    assert found["Test Council > Operations"] == 7
    assert found["Test Council > Operations > Team A"] == 12
    shown = view.release.export
    expected = {
        view.paths[u]: agg.uncovered(u, view.totals, shown, view.tree)
        for u in shown
        if agg.uncovered(u, view.totals, shown, view.tree)
    }
    assert found == expected
    assert all(n >= view.wave.anonymity_threshold for n in found.values())


def test_comments_go_out_exactly_where_the_screens_show_them(app: Flask) -> None:
    org = released_org(app, SMALL, {TEAM_C: 5})
    view = released_view(app, org)
    texts: dict[str, list[str]] = {}
    for row in rows_of(exported(app, org)):
        if row["kind"] == "text":
            texts.setdefault(row["unit_path"], []).append(row["text"])
    paths = {path: u for u, path in view.paths.items()}
    with app.app_context():
        for path in responses_per_path(rows_of(exported(app, org))):
            unit = paths[path]
            screen = comments.listing([view], unit, comments.lexicon(), "", "", 1)
            assert (path in texts) == comments.shows_comments(view, unit) == screen.shown, path
            on_screen = {comment.text for comment in screen.page.rows}
            assert set(texts.get(path, [])) <= on_screen
    # Both sides are tested: Operations' comments show; Team A's alone do not (Operations minus
    # Team A would be seven people's, under the comment threshold). So every comment, Team A's
    # too, goes out under Operations: never the seven people's alone, which no screen lists.
    assert set(texts) == {"Test Council > Operations"}
    assert len(texts["Test Council > Operations"]) == sum(SMALL.values())


def test_withheld_units_are_left_out(app: Flask) -> None:
    org = released_org(app, {"Team A": 12, "Team B": 13})  # Team B has 12 people
    view = released_view(app, org)
    assert unit_id(app, "Team B") in view.withheld
    found = responses_per_path(rows_of(exported(app, org)))
    assert found == {"Test Council > Operations > Team A": 12}


def test_blocks_come_in_the_stored_random_order_with_stable_ids(app: Flask) -> None:
    org = released_org(app, {"Team A": 30})
    text = exported(app, org)
    assert exported(app, org) == text  # the same database gives the same file
    rows = rows_of(text)
    said = [int(r["text"].rsplit(" ", 1)[1]) for r in rows if r["kind"] == "text"]
    assert sorted(said) == list(range(30))
    assert said != list(range(30))
    with app.app_context():
        in_shuffle_order = db.session.execute(
            select(Response.nonce, Answer.text)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.wave_id == org.wave_id, Answer.text.is_not(None))
            .order_by(Response.shuffle, Response.id)
        ).all()
        key = exporting.id_key()
    ids = [r["response_id"] for r in rows if r["response_id"]]
    blocks = [i for n, i in enumerate(ids) if n == 0 or ids[n - 1] != i]
    # One block per response, in the stored random order, each named by its keyed id.
    assert blocks == [exporting.public_id(key, nonce) for nonce, _text in in_shuffle_order]
    # The comments come in an order of their own, so their place ties them to no response.
    assert said != [int(text.rsplit(" ", 1)[1]) for _nonce, text in in_shuffle_order]


def test_ids_stay_the_same_when_the_rows_are_written_again(app: Flask) -> None:
    # Roll-ups emptied, as a migration that rebuilds them does, write a wave's rows again:
    # exports taken before must still be recognised by an import.
    org = released_org(app, {"Team A": 12})
    before = exported(app, org)
    with app.app_context(), write_transaction() as session:
        for derived in (CommentNote, AnswerTally, RespondentTally, UnderstandingTally, TallyMark):
            session.execute(delete(derived).where(derived.wave_id == org.wave_id))
        session.execute(update(Wave).where(Wave.id == org.wave_id).values(tallies_final_for=None))
        ids = session.scalars(select(Response.id).where(Response.wave_id == org.wave_id)).all()
    app.extensions.pop("release_cache", None)
    after = exported(app, org)
    with app.app_context():
        moved = db.session.scalars(select(Response.id).where(Response.wave_id == org.wave_id))
        assert not set(moved) & set(ids)  # written again
    first, second = rows_of(before), rows_of(after)
    # The same responses under the same ids, in the same order; comments drawn anew.
    assert [r for r in second if r["response_id"]] == [r for r in first if r["response_id"]]
    assert sorted(r["text"] for r in second if r["text"]) == sorted(
        r["text"] for r in first if r["text"]
    )


def test_a_response_outside_the_launch_snapshot_is_skipped(app: Flask) -> None:
    org = released_org(app, {"Team A": 12})
    with app.app_context():
        with write_transaction() as session:
            late = units.ensure_path(session, "Test Council > Late Team", 9).id
        insert_responses(org, late, 1, random.Random(1), lambda _n: "late")
    found = responses_per_path(rows_of(exported(app, org)))
    assert found == {"Test Council > Operations > Team A": 12}


@pytest.mark.parametrize("closes", [timedelta(days=1), timedelta(seconds=-5)])
def test_only_released_waves_are_exported(app: Flask, closes: timedelta) -> None:
    with app.app_context():
        org = build_org(app, -timedelta(days=20), closes)
        insert_responses(org, org.unit_id, 12, random.Random(0), lambda _n: None)
    with pytest.raises(exporting.Invalid, match="once its results are released"):
        exported(app, org)
