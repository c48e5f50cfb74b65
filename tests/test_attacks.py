"""Attacks on anonymity, replayed over HTTP as a determined admin, analyst or manager would.

Each test is one class of attack from issue 10 and asserts that nothing about a group under the
threshold, or about one person, can be learnt from everything the attacker collects.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from survey import create_app
from survey.aggregation import SETTLE
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Answer, QuestionVersion, Response, Role, Unit, utcnow
from survey.services import insights
from survey.services.exporting import RESPONSE_COLUMNS
from survey.services.users import set_user
from tests.helpers import (
    PASSWORD,
    Clock,
    Org,
    Respondent,
    answer,
    answers_with,
    good_answers,
    launch_tree,
    participation,
    post,
    response_count,
    set_wave_times,
    signed_in,
    team_tokens,
    unit_id,
)
from tests.test_admin_waves import stamp, wave_form
from tests.test_exports import table
from tests.test_import import import_text

THRESHOLD = 5  # the default; every wave here is launched with it
SCREENS = ("", "heatmap", "trends", "definition", "comments", "rates")
CSRF_VALUE = re.compile(r'("X-CSRFToken": "|name="csrf_token"[^>]*value=")[^"]+')


def released(app: Flask, wave_id: int) -> None:
    """Close a wave long enough ago for its results to be out."""
    set_wave_times(app, wave_id, -timedelta(days=2), -2 * SETTLE)


def looks(client: FlaskClient, wave_id: int, units: list[int]) -> dict[str, str]:
    """Return every insights screen for each unit, and the aggregates file, as text."""
    seen = {}
    for screen, unit in itertools.product(SCREENS, units):
        reply = client.get(f"/insights/{screen}?wave={wave_id}&unit={unit}")
        assert reply.status_code == 200
        seen[f"{screen}:{unit}"] = CSRF_VALUE.sub(r"\1", reply.get_data(as_text=True))
    reply = client.get(f"/insights/export/aggregates.csv?wave={wave_id}&from={wave_id}")
    seen["aggregates.csv"] = reply.get_data(as_text=True)
    return seen


def close_now(app: Flask, admin: FlaskClient, wave_id: int) -> int:
    """Press "Close now" on the wave page; return the status."""
    return post(
        admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, action="close")
    ).status_code


def move_close(app: Flask, admin: FlaskClient, wave_id: int, delta: timedelta) -> str:
    """Try to move a wave's close to now+delta; return the page, asserting it was refused."""
    reply = post(admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, closes_at=stamp(delta)))
    assert reply.status_code == 422
    return reply.get_data(as_text=True)


# a. Time ------------------------------------------------------------------------------------


def test_time_views_close_and_extend_release_nothing_but_one_final_result(
    app: Flask, org: Org, accounts: None, admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    analyst = signed_in(app, "analyst@test.org")
    links = team_tokens(app, org.wave_id)
    names = ["Test Council", "Operations", "Team A", "Team B"]
    ids = [unit_id(app, name) for name in names]
    team_a, team_b = (
        links["Test Council > Operations > Team A"],
        links["Test Council > Operations > Team B"],
    )
    late = Respondent(app.test_client(), f"/t/{team_b}")
    late.open()  # a pulse opened before the close and sent after it
    counts: dict[str, list[int]] = defaultdict(list)
    for step in range(13):
        # Team B (12 people) gets one in three answers, so it stays under or near the threshold.
        token = team_b if step % 3 == 0 else team_a
        comment = f"private note {step}"
        assert answer(app, f"/t/{token}", answers_with(org, comment=comment)) == 303
        seen = looks(analyst, org.wave_id, ids)
        for key, page in seen.items():
            assert "private note" not in page, key  # no comment before the release
            if key.startswith(("rates", "aggregates")):
                continue
            assert "Results not out yet" in page, key
            assert "Suppressed" not in page, key
            assert "people;" not in page, key
        assert {row["suppressed"] for row in table(seen["aggregates.csv"])} == {"true"}
        for name, count in participation(analyst, org.wave_id, ids).items():
            counts[name].append(count or 0)
    for name, seen_counts in counts.items():
        # Counts move only in whole steps of the threshold: no view pins down a few answers.
        assert all(n % THRESHOLD == 0 for n in seen_counts), name
        assert all(b - a in (0,) or b - a >= THRESHOLD for a, b in itertools.pairwise(seen_counts))
    assert max(counts["Team A"]) > 0

    assert close_now(app, admin, org.wave_id) == 303
    # Closed, not yet settled: still nothing but participation; and it cannot be reopened.
    assert "Results not out yet" in analyst.get(f"/insights/?wave={org.wave_id}").get_data(True)
    assert "cannot be reopened" in move_close(app, admin, org.wave_id, timedelta(days=3))
    move_close(app, admin, org.wave_id, -timedelta(days=1))
    clock.passes(2 * SETTLE)
    first = looks(analyst, org.wave_id, ids)
    assert "Results not out yet" not in first[f":{ids[0]}"]
    assert (
        "private note" in first[f"comments:{ids[0]}"] or "Not shown" in first[f"comments:{ids[0]}"]
    )

    # Released means final: no late pulse, no new link, no extension, nothing moves.
    assert late.submit(good_answers(org)).status_code == 410
    assert app.test_client().get(f"/t/{team_a}").status_code == 410
    assert "cannot be reopened" in move_close(app, admin, org.wave_id, timedelta(days=3))
    assert close_now(app, admin, org.wave_id) == 422
    clock.passes(timedelta(days=1))
    assert looks(analyst, org.wave_id, ids) == first


# b. Padding ---------------------------------------------------------------------------------

CARE = "Padded Council > Care"


def padded_wave(app: Flask, home_headcount: int) -> tuple[Org, dict[str, str]]:
    """A care home (a colleague plus an insider's 4 dummies) and a depot of 6, released."""
    org = launch_tree(app, {f"{CARE} > Home": home_headcount, f"{CARE} > Depot": 40})
    links = team_tokens(app, org.wave_id)
    home, depot = f"/t/{links[f'{CARE} > Home']}", f"/t/{links[f'{CARE} > Depot']}"
    assert answer(app, home, answers_with(org, knowledge="1")) == 303  # the colleague
    for _ in range(4):  # the insider, from four fresh browsers
        assert answer(app, home, answers_with(org, knowledge="5")) == 303
    for _ in range(6):
        assert answer(app, depot, answers_with(org, knowledge="3")) == 303
    released(app, org.wave_id)
    return org, links


def knowledge_rows(client: FlaskClient, wave_id: int) -> dict[str, dict[str, str]]:
    """Return the aggregates file's knowledge rows, by unit path."""
    text = client.get(f"/insights/export/aggregates.csv?wave={wave_id}&from={wave_id}")
    return {
        row["unit_path"]: row
        for row in table(text.get_data(as_text=True))
        if row["measure"] == "knowledge"
    }


def test_padding_over_the_headcount_gets_the_team_withheld(app: Flask, accounts: None) -> None:
    org, _links = padded_wave(app, home_headcount=3)
    analyst = signed_in(app, "analyst@test.org")
    rows = knowledge_rows(analyst, org.wave_id)
    assert rows[f"{CARE} > Home"]["suppressed"] == "true"
    # The padded home is left out of every figure, so no subtraction can reach the colleague's
    # answer (1): every figure shown is the depot's answers (3) alone.
    shown = [row for row in rows.values() if row["suppressed"] == "false"]
    assert shown
    assert {(row["n"], row["mean"]) for row in shown} == {("6", "3.0")}
    rates = analyst.get(f"/insights/rates?wave={org.wave_id}&unit={org.unit_id}")
    assert "more responses than people" in rates.get_data(as_text=True)


def test_padding_within_the_headcount_is_the_risk_the_readme_states(
    app: Flask, accounts: None
) -> None:
    # What remains possible, as the README says: with an open team link and no more responses
    # than people, the threshold is the only rule, so an insider who pads a team up to it can
    # subtract their own dummies. Invitations-only waves (below) close this for small teams.
    org, _links = padded_wave(app, home_headcount=12)
    rows = knowledge_rows(signed_in(app, "analyst@test.org"), org.wave_id)
    home = rows[f"{CARE} > Home"]
    assert home["n"] == "5"
    assert round(float(home["mean"]) * 5 - 4 * 5) == 1  # the colleague's answer


def test_an_invitations_only_wave_gives_a_small_team_no_open_link(app: Flask) -> None:
    org = launch_tree(app, {f"{CARE} > Home": 3, f"{CARE} > Depot": 40}, invitations_only=True)
    links = team_tokens(app, org.wave_id)
    # No open link exists for the small team, so nobody can pad it; the large one keeps its.
    assert f"{CARE} > Home" not in links
    assert app.test_client().get(f"/t/{links[f'{CARE} > Depot']}").status_code == 200


def test_a_team_link_takes_one_response_per_browser(app: Flask, org: Org) -> None:
    insider = Respondent(app.test_client(), f"/t/{org.team_token}")
    insider.open()
    assert insider.submit(good_answers(org)).status_code == 303
    second = Respondent(insider.client, insider.url)
    if insider.client.get(insider.url).status_code == 200:
        second.open()
        second.submit(good_answers(org))
    assert response_count(app) == 1


@pytest.mark.parametrize("state", ["open", "released"])
def test_imports_never_add_to_an_open_or_released_wave(app: Flask, state: str) -> None:
    org = launch_tree(app, {f"{CARE} > Home": 12, f"{CARE} > Depot": 40})
    if state == "released":
        released(app, org.wave_id)
    with app.app_context():
        wave = insights.find_wave(org.wave_id)
        head = f"{wave.name},{wave.opens_at.date()},{wave.closes_at.date()},{CARE} > Home"
    knowledge = org.item("knowledge")
    rows = [
        f"{head},pad{n},knowledge,1,{knowledge.text},knowledge,scale5,5,,\r\n" for n in range(4)
    ]
    report = import_text(app, ",".join(RESPONSE_COLUMNS) + "\r\n" + "".join(rows))
    assert not report.ok
    assert report.added == 0


# c. Screens minus the raw export -------------------------------------------------------------

EXPORTED = {
    "Export Council > Ops > A": 7,
    "Export Council > Ops > B": 2,
    "Export Council > Ops > Solo": 1,
    "Export Council > Care > D": 11,
    "Export Council > Care > E": 6,
}


def marked(org: Org, number: int) -> dict[str, list[str]]:
    """Return answers that say which submission they were (three scale answers, base 5)."""
    digits = {
        code: str(number // 5**i % 5 + 1)
        for i, code in enumerate(("knowledge", "ability", "desire"))
    }
    return answers_with(org, comment=f"comment number {number}", **digits)


# Scores may show for Beta and for Dir (its 2 and Alpha's 4 make a remainder of 6), but
# comments need 10 and a remainder of 11: they show for Dir as a whole and nowhere below.
COMMENTED = {"Comment Council > Dir": 2, "Comment Council > Dir > Alpha": 4}
COMMENTED["Comment Council > Dir > Beta"] = 12


def exported_wave(
    app: Flask, release: bool = True, tree: dict[str, int] = EXPORTED
) -> tuple[Org, list[str]]:
    """Answer a tree (the export tree unless told), one submission after another (then release
    it unless told not to); return the wave and the paths in submission order."""
    org = launch_tree(app, tree)
    links = team_tokens(app, org.wave_id)
    order = [path for path, n in tree.items() for _ in range(n)]
    for number, path in enumerate(order):
        assert answer(app, f"/t/{links[path]}", marked(org, number)) == 303
    if release:
        released(app, org.wave_id)
    return org, order


def responses_export(admin: FlaskClient, wave_id: int) -> list[dict[str, str]]:
    """Return the admin's raw export of one wave, row by row."""
    reply = admin.get(f"/insights/export/responses.csv?wave={wave_id}&from={wave_id}")
    assert reply.status_code == 200
    return table(reply.get_data(as_text=True))


def blocks(rows: list[dict[str, str]]) -> list[tuple[str, dict[str, str]]]:
    """Return each response in the export, in file order: its path and its answers by code."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for row in rows:
        if not row["response_id"]:
            continue  # a comment: they belong to no response
        _path, answers = found.setdefault(row["response_id"], (row["unit_path"], {}))
        answers[row["question_code"]] = row["value"] or row["text"]
    return list(found.values())


def screen_comments(client: FlaskClient, wave_id: int, unit: int) -> set[str]:
    """Return the comments the comments screen lists for a unit (and those below it)."""
    page = client.get(f"/insights/comments?wave={wave_id}&unit={unit}").get_data(as_text=True)
    return set(re.findall(r"comment number \d+", page))


def test_the_export_names_no_path_the_screens_hide(
    app: Flask, accounts: None, admin: FlaskClient
) -> None:
    org, _order = exported_wave(app)
    found = Counter(path for path, _ in blocks(responses_export(admin, org.wave_id)))
    with app.app_context():
        view = insights.frame(insights.find_wave(org.wave_id), None, utcnow())
        shown = {view.paths[unit] for unit in view.visible}
    assert sum(found.values()) == sum(EXPORTED.values())
    assert set(found) <= shown
    assert min(found.values()) >= THRESHOLD
    assert "Export Council > Ops > Solo" not in found  # a one-person unit under its own path


@pytest.mark.parametrize("tree", [EXPORTED, COMMENTED], ids=["export", "commented"])
def test_the_exports_comments_are_the_screens_groups_and_tied_to_nobody(
    app: Flask, accounts: None, admin: FlaskClient, tree: dict[str, int]
) -> None:
    org, _order = exported_wave(app, tree=tree)
    rows = responses_export(admin, org.wave_id)
    texts = [row for row in rows if row["kind"] == "text"]
    assert texts
    # Apart from every response: no id, and after all the answers, so not even next to one.
    assert {row["response_id"] for row in texts} == {""}
    assert rows[-len(texts) :] == texts
    exported: dict[str, set[str]] = defaultdict(set)
    for row in texts:
        exported[row["unit_path"]].add(row["text"])
    with app.app_context():
        view = insights.frame(insights.find_wave(org.wave_id), None, utcnow())
        ids = {path: unit for unit, path in view.paths.items()}
    screens = {path: screen_comments(admin, org.wave_id, ids[path]) for path in ids}
    for path, found in exported.items():
        # Exactly what the screens list for the path less what they list for paths below it:
        # a group that subtraction of the screens already gives, never a smaller one.
        below = [p for p in exported if p.startswith(path + " > ")]
        assert found == screens[path] - set().union(*(screens[p] for p in below)), path
        assert len(found) >= THRESHOLD, path
    assert set().union(*exported.values()) == set().union(*screens.values())


def test_export_order_says_nothing_of_who_answered_when(
    app: Flask, accounts: None, admin: FlaskClient
) -> None:
    # An admin who mail-merged single-use links can see which were used when; if the export kept
    # submission order, that order would map each link to its answers.
    org, order = exported_wave(app)
    codes = ("knowledge", "ability", "desire")
    numbers = [
        sum((int(answers[code]) - 1) * 5**i for i, code in enumerate(codes))
        for _path, answers in blocks(responses_export(admin, org.wave_id))
    ]
    assert sorted(numbers) == list(range(len(order)))
    assert numbers != sorted(numbers)


def test_response_ids_are_stable_but_carry_no_order(
    app: Flask, accounts: None, admin: FlaskClient
) -> None:
    # Stable, so a re-import recognises them; keyed hashes, so they say nothing of submission
    # order (the rows' order is the stored random one, the same in every export).
    org, _order = exported_wave(app)
    first = [row["response_id"] for row in responses_export(admin, org.wave_id)]
    second = [row["response_id"] for row in responses_export(admin, org.wave_id)]
    assert first
    assert first == second
    ids = list(dict.fromkeys(first))
    assert ids != sorted(ids)
    with app.app_context():
        internal = db.session.scalars(
            select(Response.id).where(Response.wave_id == org.wave_id)
        ).all()
    assert not {str(i) for i in internal} & set(ids)


def test_the_export_waits_for_the_release(app: Flask, accounts: None, admin: FlaskClient) -> None:
    org, _order = exported_wave(app, release=False)
    assert close_now(app, admin, org.wave_id) == 303
    with admin.get(
        f"/insights/export/responses.csv?wave={org.wave_id}&from={org.wave_id}"
    ) as reply:
        assert reply.status_code == 409


# d. A figure's own n ------------------------------------------------------------------------


def test_an_optional_question_answered_by_one_shows_nowhere(
    app: Flask, org: Org, accounts: None
) -> None:
    optional = ("leaders_back", "advocacy")
    with app.app_context(), write_transaction() as session:
        session.execute(
            update(QuestionVersion)
            .where(QuestionVersion.id.in_([org.item(code).id for code in optional]))
            .values(required=False)
        )
    app.extensions.pop("pulse_cache", None)
    skipped = dict.fromkeys(optional)
    for number in range(5):
        answers = good_answers(org) if number == 0 else answers_with(org, **skipped)
        assert answer(app, f"/t/{org.team_token}", answers) == 303
    released(app, org.wave_id)
    analyst = signed_in(app, "analyst@test.org")
    team = org.unit_id
    seen = looks(analyst, org.wave_id, [unit_id(app, "Test Council"), team])
    for measure in ("leaders_back", "leadership", "advocacy"):
        page = analyst.get(f"/insights/trends?wave={org.wave_id}&unit={team}&measure={measure}")
        seen[f"measure:{measure}"] = page.get_data(as_text=True)
    rows = table(seen["aggregates.csv"])
    for row in rows:
        assert row["n"] != "1", row
        if row["measure"] in ("leaders_back", "leadership", "enps"):
            assert row["suppressed"] == "true", row
    assert any(r["measure"] == "knowledge" and r["n"] == "5" for r in rows)  # the group shows
    for key, page in seen.items():
        assert not re.search(r"\b1 (people|person)\b", page), key
        if key.startswith("measure:"):
            assert "Suppressed" in page
            assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' not in page


# e. Admin counts minus visible units ---------------------------------------------------------

COUNTED = {"Counted > North > A": 40, "Counted > North > B": 12, "Counted > South": 2}


def admin_numbers(admin: FlaskClient, wave_id: int) -> Counter:
    """Return every whole number on the admin dashboard and the wave's admin page."""
    found: Counter = Counter()
    for url in ("/admin/", f"/admin/waves/{wave_id}"):
        text = re.sub(r"<[^>]+>", " ", admin.get(url).get_data(as_text=True))
        found.update(int(n) for n in re.findall(r"(?<![\d:-])\d+(?![\d:-])", text))
    return found


def test_admin_pages_give_no_count_that_visible_units_do_not(
    app: Flask, accounts: None, admin: FlaskClient
) -> None:
    org = launch_tree(app, COUNTED)
    links = team_tokens(app, org.wave_id)
    analyst = signed_in(app, "analyst@test.org")
    issued = post(
        admin,
        f"/admin/waves/{org.wave_id}/invitations",
        {"unit_id": unit_id(app, "South"), "count": "3"},
    )
    invitations = [row["link"].rsplit("/", 1)[1] for row in table(issued.get_data(True))]
    before = admin_numbers(admin, org.wave_id)
    moved: list[Counter] = []
    # South (2 people) answers 3 times through its single-use links: withheld for padding.
    for token in invitations:
        assert answer(app, f"/i/{token}", good_answers(org)) == 303
        moved.append(admin_numbers(admin, org.wave_id) - before)
    for _ in range(7):
        assert answer(app, f"/t/{links['Counted > North > A']}", good_answers(org)) == 303
        moved.append(admin_numbers(admin, org.wave_id) - before)
    # While open, any number that answers move goes in whole steps of the threshold.
    for counts in moved:
        assert all(n % THRESHOLD == 0 for n in counts), counts
    released(app, org.wave_id)
    shown = [
        n for n in participation(analyst, org.wave_id, [org.unit_id]).values() if n is not None
    ]
    hidden = 3  # South's responses: withheld, so no screen may give them
    after = admin_numbers(admin, org.wave_id) - before
    for number in after:
        for size in range(len(shown) + 1):
            for subset in itertools.combinations(shown, size):
                assert number - sum(subset) != hidden, (number, subset)


# f. Configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("ANONYMITY_THRESHOLD", "1", "ANONYMITY_THRESHOLD must be a whole number of at least 3"),
        ("ANONYMITY_THRESHOLD", "2", "ANONYMITY_THRESHOLD must be a whole number of at least 3"),
        ("COMMENT_THRESHOLD", "0", "COMMENT_THRESHOLD must be a whole number of at least 5"),
        ("COMMENT_THRESHOLD", "1", "COMMENT_THRESHOLD must be a whole number of at least 5"),
        ("COMMENT_THRESHOLD", "4", "COMMENT_THRESHOLD must be a whole number of at least 5"),
    ],
)
def test_an_admin_cannot_lower_the_floors_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path, setting: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"FLASK_{setting}", value)
    monkeypatch.setenv("FLASK_SECRET_KEY", "x")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/floors.sqlite")
    with pytest.raises(ValueError, match=message):
        create_app()


# g. Insiders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("big", "small"), [(6, 2), (6, 5), (9, 0), (5, 5)])
def test_a_director_alone_in_their_remainder_still_faces_the_threshold(
    app: Flask, big: int, small: int
) -> None:
    directorate = "Insider Council > Directorate"
    org = launch_tree(
        app, {directorate: 1, f"{directorate} > Big": 40, f"{directorate} > Small": 12}
    )
    links = team_tokens(app, org.wave_id)
    assert answer(app, f"/t/{links[directorate]}", good_answers(org)) == 303  # the director
    for path, count in ((f"{directorate} > Big", big), (f"{directorate} > Small", small)):
        for _ in range(count):
            assert answer(app, f"/t/{links[path]}", good_answers(org)) == 303
    released(app, org.wave_id)
    with app.app_context(), write_transaction() as session:
        unit = session.scalars(select(Unit).where(Unit.name == "Directorate")).one()
        set_user(session, "director@test.org", PASSWORD, Role.MANAGER, unit)
    director = signed_in(app, "director@test.org")
    ids = {name: unit_id(app, name) for name in ("Directorate", "Big", "Small")}
    counts = participation(director, org.wave_id, [ids["Directorate"]])
    figures = {
        path.rsplit(" > ", 1)[-1]: int(row["n"])
        for path, row in knowledge_rows(director, org.wave_id).items()
        if row["n"]
    }
    for seen in (counts, figures):
        total = seen["Directorate"]
        assert total == 1 + big + small
        rest = total - sum(seen.get(name) or 0 for name in ("Big", "Small"))
        # What the director can subtract: the remainder, less their own answers.
        assert rest == 0 or rest - 1 >= THRESHOLD, seen


# d. An index built on a question few answered --------------------------------------------


@pytest.mark.parametrize(
    ("question", "indices"),
    [
        ("knowledge", {"claimed", "gap"}),
        ("mainly_about", {"demonstrated", "cost_cutting", "gap"}),
        ("recognition", {"demonstrated", "gap"}),
    ],
)
def test_an_index_does_not_show_a_question_that_one_person_answered(
    app: Flask, admin: FlaskClient, question: str, indices: set[str]
) -> None:
    # An admin makes a question of an index optional; in a team of 12 one person answers it.
    # The index counts all 12, so shown it would say what that one person answered.
    org = launch_tree(app, {"Index Council > Gamma": 12})
    links = team_tokens(app, org.wave_id)
    for _ in range(12):
        assert answer(app, f"/t/{links['Index Council > Gamma']}", good_answers(org)) == 303
    with app.app_context(), write_transaction() as session:
        answered = select(Answer.id).where(Answer.question_version_id == org.item(question).id)
        ids = session.scalars(answered.order_by(Answer.response_id)).all()
        kept = session.scalar(select(Answer.response_id).where(Answer.id == ids[0]))
        session.execute(
            delete(Answer).where(
                Answer.question_version_id == org.item(question).id, Answer.response_id != kept
            )
        )
    released(app, org.wave_id)
    gamma = unit_id(app, "Gamma")
    with app.app_context():
        view = insights.view(insights.find_wave(org.wave_id), None, utcnow())
        hidden = {m for m in insights.INDICES if view.figure(gamma, m).n is None}
        assert view.figure(gamma, "awareness").n == 12  # the group itself shows
    assert hidden == indices
    assert (gamma in view.readings) == ("cost_cutting" not in indices)
    rows = table(
        admin.get(
            f"/insights/export/aggregates.csv?wave={org.wave_id}&from={org.wave_id}"
        ).get_data(as_text=True)
    )
    assert {m for m in insights.INDICES if _is_suppressed(rows, m)} == indices


def _is_suppressed(rows: list[dict[str, str]], measure: str) -> bool:
    """Return whether Gamma's row of a measure in the aggregates file is suppressed."""
    row = next(r for r in rows if r["unit_path"].endswith("Gamma") and r["measure"] == measure)
    return row["suppressed"] == "true" and row["favourable_pct"] == ""


@pytest.mark.parametrize("hidden", ["1", "5"])
def test_the_barrier_point_says_nothing_of_a_hidden_step(
    app: Flask, admin: FlaskClient, hidden: str
) -> None:
    # Knowledge (mean 2) is under the line; awareness comes first and one person answered it.
    # A barrier at knowledge would say their hidden answer was above the line; none, below.
    org = launch_tree(app, {"Barrier Council > Gamma": 12})
    links = team_tokens(app, org.wave_id)
    steps = answers_with(org, awareness="4", desire="4", knowledge="2")
    for _ in range(12):
        assert answer(app, f"/t/{links['Barrier Council > Gamma']}", steps) == 303
    awareness = org.item("awareness").id
    with app.app_context(), write_transaction() as session:
        first = session.scalars(
            select(Answer.id).where(Answer.question_version_id == awareness).order_by(Answer.id)
        ).first()
        session.execute(
            delete(Answer).where(Answer.question_version_id == awareness, Answer.id != first)
        )
        session.execute(update(Answer).where(Answer.id == first).values(value=int(hidden)))
    released(app, org.wave_id)
    gamma = unit_id(app, "Gamma")
    with app.app_context():
        view = insights.view(insights.find_wave(org.wave_id), None, utcnow())
        assert view.figure(gamma, "awareness").n is None
        assert view.figure(gamma, "knowledge").mean == 2
        assert view.barriers[gamma] is None
    page = admin.get(f"/insights/?wave={org.wave_id}&unit={gamma}").get_data(as_text=True)
    assert ">Barrier point<" not in page


def test_comments_need_enough_people_not_enough_comments(app: Flask, admin: FlaskClient) -> None:
    # Three people each answer two free-text questions: six comments, but three people, under
    # the threshold of commenters. Their words show nowhere.
    org = launch_tree(app, {"Words Council > Team": 12})
    links = team_tokens(app, org.wave_id)
    link = f"/t/{links['Words Council > Team']}"
    for number in range(12):
        said = f"comment number {number}" if number < 3 else None
        assert answer(app, link, answers_with(org, comment=said)) == 303
    comment = org.item("comment").id
    with app.app_context(), write_transaction() as session:
        # A second free-text answer of each commenter, as a survey with two such questions has.
        rows = session.execute(
            select(Answer.response_id, Answer.text).where(Answer.question_version_id == comment)
        ).all()
        second = org.item("awareness").id
        session.execute(
            Answer.__table__.insert(),
            [
                {"response_id": r, "question_version_id": second, "text": f"{text}, again"}
                for r, text in rows
            ],
        )
    released(app, org.wave_id)
    team = unit_id(app, "Team")
    assert not screen_comments(admin, org.wave_id, team)
    texts = [row for row in responses_export(admin, org.wave_id) if row["text"]]
    assert texts == []
