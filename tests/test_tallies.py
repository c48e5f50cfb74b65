"""Tallies equal a fresh count of the raw answers, and open waves only move in checkpoints."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, text

from survey import tasks
from survey.aggregation import SETTLE, ancestors
from survey.extensions import db
from survey.models import Answer, Option, Question, QuestionVersion, Response, Wave, utcnow
from survey.services import tallies
from tests.helpers import (
    Org,
    Respondent,
    answer,
    answers_with,
    good_answers,
    launch_tree,
    set_wave_times,
    sqlite_file,
    team_tokens,
)


def raw_answer_counts(wave_ids: list[int]) -> dict:
    """Count answers straight from the answer table, the slow way, rolled up the unit tree."""
    rows = db.session.execute(
        select(
            Response.wave_id,
            Response.unit_id,
            Answer.question_version_id,
            func.coalesce(Answer.value, Answer.option_id),
            func.count(),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id.in_(wave_ids), Answer.text.is_(None))
        .group_by(
            Response.wave_id,
            Response.unit_id,
            Answer.question_version_id,
            func.coalesce(Answer.value, Answer.option_id),
        )
    ).all()
    counts: dict = defaultdict(Counter)
    trees = {wave: tallies.snapshot_tree(wave) for wave in wave_ids}
    for wave, unit, version, choice, n in rows:
        for node in ancestors(unit, trees[wave]):
            counts[(wave, node, version)][choice] += n
    return {key: dict(value) for key, value in counts.items()}


def raw_readings(wave_ids: list[int]) -> Counter:
    """Count "mainly about" answers per (wave, unit, option code) from the raw answers."""
    rows = db.session.execute(
        select(Response.wave_id, Response.unit_id, Option.code, func.count())
        .join(Answer, Answer.response_id == Response.id)
        .join(Option, Option.id == Answer.option_id)
        .join(QuestionVersion, QuestionVersion.id == Answer.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Response.wave_id.in_(wave_ids), Question.code == "mainly_about")
        .group_by(Response.wave_id, Response.unit_id, Option.code)
    ).all()
    trees = {wave: tallies.snapshot_tree(wave) for wave in wave_ids}
    counts: Counter = Counter()
    for wave, unit, code, n in rows:
        for node in ancestors(unit, trees[wave]):
            counts[(wave, node, code)] += n
    return counts


def test_tallies_equal_the_raw_answers_on_the_demo(app: Flask, demo: None) -> None:
    now = utcnow()
    with app.app_context():
        closed = list(db.session.scalars(select(Wave.id).where(Wave.closes_at <= now)))
        assert len(closed) == 6
        tallies.refresh(closed, now)
        assert tallies.answer_counts(closed) == raw_answer_counts(closed)
        readings = Counter()
        for (wave, unit), facts in tallies.understanding_counts(closed).items():
            for (_claims, _shows, reading), n in facts.items():
                if reading:
                    readings[(wave, unit, reading)] += n
        assert readings == raw_readings(closed)
        # Reading again changes nothing: catching up is idempotent.
        tallies.refresh(closed, now)
        assert tallies.answer_counts(closed) == raw_answer_counts(closed)
        # Each question's n is people, also where one person picks several options (which
        # is why it is not the sum of a question's option counts).
        for wave in closed:
            picks: Counter = Counter()
            for (_w, unit, version), counts in raw_answer_counts([wave]).items():
                picks[(version, unit)] += sum(counts.values())
            people = raw_respondents(wave)
            assert tallies.measure_counts(wave, people) == people
            assert any(picks[(v, u)] > n for v, units in people.items() for u, n in units.items())


def raw_respondents(wave_id: int) -> dict[int, dict[int, int]]:
    """Return {version: {unit: responses that answered it, with units below}} from the raw
    answers."""
    tree = tallies.snapshot_tree(wave_id)
    found: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = db.session.execute(
        select(
            Answer.question_version_id, Response.unit_id, func.count(Answer.response_id.distinct())
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id == wave_id)
        .group_by(Answer.question_version_id, Response.unit_id)
    )
    for version, unit, n in rows:
        for node in ancestors(unit, tree):
            found[version][node] += n
    return {version: dict(units) for version, units in found.items()}


def respond(client, org: Org, times: int) -> None:
    """Send `times` complete pulses through the team link, each from its own browser."""
    for _ in range(times):
        person = Respondent(client.application.test_client(), f"/t/{org.team_token}")
        person.open()
        assert person.submit(good_answers(org)).status_code == 303


def test_an_open_wave_is_tallied_only_once_its_results_are_released(
    app: Flask, client, org: Org
) -> None:
    awareness = (org.wave_id, org.unit_id, org.item("awareness").id)
    respond(client, org, 7)
    with app.app_context():
        closes = db.session.get(Wave, org.wave_id).closes_at
        # Open, then closed but still settling: nothing is counted, so nothing can be compared.
        for moment in (utcnow(), closes, closes + SETTLE - timedelta(seconds=1)):
            tallies.refresh([org.wave_id], moment)
            assert awareness not in tallies.answer_counts([org.wave_id])
        tallies.refresh([org.wave_id], closes + SETTLE)
        assert tallies.answer_counts([org.wave_id])[awareness] == {4: 7}


def test_understanding_facts_of_one_response(app: Flask, client, org: Org) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()
    recognition = org.item("recognition")
    aims = [str(c.id) for c in recognition.choices if c.code in ("outcomes", "joined_up")]
    answers = good_answers(org) | {recognition.field: aims}
    person.submit(answers)
    with app.app_context():
        tallies.refresh([org.wave_id], utcnow() + timedelta(days=30))
        facts = tallies.understanding_counts([org.wave_id])[(org.wave_id, org.unit_id)]
    # Agree (4) on awareness and knowledge claims understanding; "better services" and two of
    # three aims with no decoy demonstrate it.
    assert facts == Counter({(True, True, "better_services"): 1})


def test_closed_wave_tallies_become_final_until_its_close_moves(
    app: Flask, client, org: Org
) -> None:
    respond(client, org, 6)
    later = utcnow() + timedelta(days=30)
    with app.app_context():
        tallies.refresh([org.wave_id], later)
        wave = db.session.get(Wave, org.wave_id)
        assert wave.tallies_final_for == wave.closes_at
        version = wave.row_version
    awareness = (org.wave_id, org.unit_id, org.item("awareness").id)
    # Final tallies are not looked at again (an import must clear the mark itself).
    respond(client, org, 1)
    with app.app_context():
        tallies.refresh([org.wave_id], later)
        assert tallies.answer_counts([org.wave_id])[awareness] == {4: 6}
    # A new closing time (only a database edit can move a released wave's close) makes the
    # wave catch up again.
    set_wave_times(app, org.wave_id, timedelta(days=-1), timedelta(days=3))
    respond(client, org, 4)
    with app.app_context():
        tallies.refresh([org.wave_id], later)
        assert tallies.answer_counts([org.wave_id])[awareness] == {4: 11}
        # Marking tallies final is not an edit: only the move above changed the row version.
        assert db.session.get(Wave, org.wave_id).row_version == version + 1


# The transactions that last wrote a wave's responses and its answers (PostgreSQL's xmin).
WRITERS = (
    "select distinct r.xmin::text from response r where r.wave_id = :wave",
    "select distinct a.xmin::text from answer a join response r on r.id = a.response_id"
    " where r.wave_id = :wave",
)


def stored_rows(wave_id: int) -> list[tuple]:
    """Return a wave's responses in the order of their ids: nonce, shuffle, and every answer."""
    found: dict[int, tuple] = {}
    for response, nonce, shuffle in db.session.execute(
        select(Response.id, Response.nonce, Response.shuffle)
        .where(Response.wave_id == wave_id)
        .order_by(Response.id)
    ):
        answers = db.session.execute(
            select(Answer.question_version_id, Answer.value, Answer.option_id, Answer.text)
            .where(Answer.response_id == response)
            .order_by(Answer.question_version_id, Answer.option_id)
        ).all()
        found[response] = (nonce, shuffle, tuple(map(tuple, answers)))
    return list(found.values())


def test_a_released_waves_rows_say_nothing_of_when_each_came(app: Flask, client, org: Org) -> None:
    # Ids rise as pulses are sent (and on PostgreSQL so do the ids of the transactions that
    # wrote them): beside a web server's log of each send's time they would date each response.
    for number in range(12):
        person = Respondent(client.application.test_client(), f"/t/{org.team_token}")
        person.open()
        assert person.submit(answers_with(org, comment=f"sent {number}")).status_code == 303
    with app.app_context():
        sent = stored_rows(org.wave_id)
    set_wave_times(app, org.wave_id, -timedelta(days=2), -2 * SETTLE)
    with app.app_context():
        tallies.refresh([org.wave_id], utcnow())
        now = stored_rows(org.wave_id)
        assert sorted(now) == sorted(sent)  # every response and answer kept, nonces too
        assert [shuffle for _n, shuffle, _a in now] == sorted(s for _n, s, _a in sent)
        said = [next(a[3] for a in answers if a[3]) for _n, _s, answers in now]
        assert said != [f"sent {number}" for number in range(12)]
        if db.engine.dialect.name == "postgresql":
            for query in WRITERS:
                writers = db.session.scalars(text(query), {"wave": org.wave_id}).all()
                assert len(writers) == 1, query  # all rows written by one transaction
        assert tallies.answer_counts([org.wave_id]) == raw_answer_counts([org.wave_id])
        # SQLite's write-ahead log held the pages as each send left them: it is emptied.
        path = sqlite_file()
        if path is not None:
            log = path.with_name(path.name + "-wal")
            assert b"sent " not in (log.read_bytes() if log.exists() else b"")


def test_a_wave_whose_every_unit_is_withheld_is_reordered_too(app: Flask) -> None:
    # More answers than the team's two people: withheld, so never counted, and the one unit
    # whose rows most need to lose their order.
    org = launch_tree(app, {"Padded Council > Pair": 2})
    link = f"/t/{team_tokens(app, org.wave_id)['Padded Council > Pair']}"
    for number in range(6):
        assert answer(app, link, answers_with(org, comment=f"sent {number}")) == 303
    set_wave_times(app, org.wave_id, -timedelta(days=2), -2 * SETTLE)
    with app.app_context():
        tallies.refresh([org.wave_id], utcnow())
        now = stored_rows(org.wave_id)
        assert [shuffle for _n, shuffle, _a in now] == sorted(s for _n, s, _a in now)
        assert tallies.answer_counts([org.wave_id]) == {}


def test_the_workers_tick_tallies_and_reorders_a_wave_once_its_results_are_out(
    app: Flask, client, org: Org
) -> None:
    respond(client, org, 6)
    set_wave_times(app, org.wave_id, -timedelta(days=2), -2 * SETTLE)
    with app.app_context():
        tasks.run_tick()
        wave = db.session.get_one(Wave, org.wave_id)
        assert wave.tallies_final_for == wave.closes_at  # nobody has looked yet
        now = stored_rows(org.wave_id)
        assert [shuffle for _n, shuffle, _a in now] == sorted(s for _n, s, _a in now)
