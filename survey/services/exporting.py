"""CSV exports: aggregates through the insights view (so through every anonymity rule), and raw
responses for admins in long form, streamed in constant memory.

Formats are in the README ("CSV formats") and are what `importing` reads back.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from flask import current_app
from sqlalchemy import Select, select

from survey import aggregation as agg
from survey.database import driver_rows
from survey.exports import line, rows_to_csv, safe_cell
from survey.extensions import db
from survey.models import (
    Answer,
    CommentNote,
    Kind,
    Option,
    Question,
    QuestionVersion,
    Response,
    User,
    Wave,
)
from survey.services import comments, insights
from survey.services.problems import Invalid
from survey.services.pulses import load_pulse

RESPONSE_COLUMNS = (
    "wave",
    "wave_start",
    "wave_end",
    "unit_path",
    "response_id",
    "question_code",
    "question_version",
    "question_text",
    "dimension",
    "kind",
    "value",
    "option",
    "text",
)
AGGREGATE_COLUMNS = (
    "wave",
    "wave_end",
    "unit_path",
    "measure",
    "n",
    "mean",
    "favourable_pct",
    "ci_low",
    "ci_high",
    "change",
    "significant",
    "suppressed",
)


@dataclass(frozen=True)
class Scope:
    """What to export: launched waves by id (oldest first) and a unit whose subtree to include.

    Ids, not loaded waves: a download is written after its request's view has returned.
    """

    wave_ids: list[int]
    unit: int | None = None

    def waves(self) -> list[Wave]:
        """Return the waves, loaded in the current session."""
        found = db.session.scalars(select(Wave).where(Wave.id.in_(self.wave_ids))).all()
        return sorted(found, key=lambda wave: self.wave_ids.index(wave.id))


def _subtree(unit: int | None, tree: agg.Tree) -> set[int]:
    """Return the units of a wave's tree at or below `unit` (all of them for None)."""
    if unit is None:
        return set(tree)
    return {u for u in tree if unit in agg.ancestors(u, tree)}


# Aggregates ----------------------------------------------------------------------------------


def _measures(wave: Wave) -> list[str]:
    """Return a wave's measures: dimensions, then scale questions, then indices."""
    items = [i for i in load_pulse(wave.id).items if i.kind in (Kind.SCALE5, Kind.SCALE11)]
    dimensions = {i.dimension or i.code for i in items if i.kind is Kind.SCALE5}
    return [
        *(d for d in insights.DIMENSIONS if d in dimensions),
        *sorted(dimensions - set(insights.DIMENSIONS)),
        *(i.code for i in items if i.code not in dimensions),
        *insights.INDICES,
    ]


def _percent(value: float | None) -> float | None:
    """Return a 0-1 share as a percentage with one decimal."""
    return None if value is None else round(value * 100, 1)


def _figures(measure: str, now: insights.Figure, before: insights.Figure | None) -> tuple:
    """Return n, mean, favourable_pct, ci_low, ci_high, change, significant, suppressed."""
    if now.suppressed:
        return (None, None, None, None, None, None, None, True)
    moved = insights.change(before, now) if before is not None else None
    if measure == "enps":  # eNPS and its interval are already on their own -100 to +100 scale
        mean, share = (None if now.value is None else round(now.value, 1)), None
        low, high = (None if x is None else round(x, 1) for x in (now.low, now.high))
    else:
        mean = None if now.mean is None else round(now.mean, 2)
        share, low, high = _percent(now.value), _percent(now.low), _percent(now.high)
    return (
        now.n,
        mean,
        share,
        low,
        high,
        None if moved is None else _percent(moved.difference),
        None if moved is None else moved.significant,
        False,
    )


def aggregate_rows(scope: Scope, user: User | None, now: datetime) -> Iterator[tuple]:
    """Yield aggregate rows, wave by wave, for the units the user may see, suppressed as on screen.

    `change` compares with the launched wave before each one, whether or not it is exported.
    """
    launched = insights.launched_waves()
    order = [w.id for w in launched]
    for wave in scope.waves():
        index = order.index(wave.id)
        pair = launched[max(0, index - 1) : index + 1]
        views = insights.frames(pair, user, now)
        current = views[-1]
        allowed = insights.scope(user, current.tree) & _subtree(scope.unit, current.tree)
        units = sorted(allowed, key=lambda u: current.paths[u])
        insights.fill(views, units)
        before = views[0] if len(views) == 2 else None
        for unit in units:
            for measure in _measures(wave):
                figure = current.figure(unit, measure)
                earlier = before.figure(unit, measure) if before else None
                yield (
                    wave.name,
                    wave.closes_at.date().isoformat(),
                    current.paths[unit],
                    measure,
                    *_figures(measure, figure, earlier),
                )


def aggregates_csv(scope: Scope, user: User | None, now: datetime) -> Iterator[str]:
    """Yield the aggregates file in chunks, computed wave by wave as it streams."""
    return rows_to_csv(AGGREGATE_COLUMNS, aggregate_rows(scope, user, now))


# Responses ---------------------------------------------------------------------------------

STREAM_ROWS = 10_000  # rows per chunk: about 1.5 MB of CSV
ID_PURPOSE = b"change pulse: response_id in raw exports"


def id_key() -> bytes:
    """Return the key of exported response ids: derived from the app's secret, for this alone."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.digest(secret, ID_PURPOSE, "sha256")[:32]


def public_id(key: bytes, nonce: str) -> str:
    """Return a response's exported id: a keyed hash of its nonce, which is random and kept when
    a released wave's rows are written again (`tallies._reorder`), so the id carries no order
    and is the same in every export of one database."""
    return hashlib.blake2b(nonce.encode(), key=key, digest_size=8).hexdigest()


def released_only(waves: list[Wave], now: datetime) -> list[Wave]:
    """Return the waves whose results are released: the only ones whose raw answers may go out."""
    return [wave for wave in waves if agg.results_released(wave.closes_at, now)]


def _released(scope: Scope, now: datetime) -> list[Wave]:
    """Return the scope's waves, refusing any whose results are not out."""
    waves = scope.waves()
    pending = [wave.name for wave in waves if wave not in released_only(waves, now)]
    if pending:
        raise Invalid(
            "wave",
            f"Raw responses of {', '.join(pending)} can be exported once "
            f"{'its' if len(pending) == 1 else 'their'} results are released, after closing",
        )
    return waves


def _version_cells() -> dict[int, str]:
    """Return each question version's constant cells, already made safe and joined."""
    rows = db.session.execute(
        select(
            QuestionVersion.id,
            Question.code,
            QuestionVersion.version,
            QuestionVersion.text,
            QuestionVersion.dimension,
            QuestionVersion.kind,
        ).join(Question, Question.id == QuestionVersion.question_id)
    )
    return {
        vid: ",".join(map(safe_cell, (code, version, text, dimension, kind.value)))
        for vid, code, version, text, dimension, kind in rows
    }


def _nearest(view: insights.WaveView, unit: int | None, shown: Collection[int]) -> dict[int, int]:
    """Return each unit's nearest unit (itself or an ancestor) in `shown`, within the scope's
    subtree; withheld units, and units with no such unit, are absent."""
    inside = _subtree(unit, view.tree)
    found = {}
    for node in view.tree:
        if node in view.withheld:
            continue
        target = agg.nearest_shown(node, view.tree, shown)
        if target is not None and target in inside:
            found[node] = target
    return found


def coarse_units(view: insights.WaveView, unit: int | None) -> dict[int, int]:
    """Return where each unit's responses go in a raw export: its nearest unit that the export
    may name, within the scope's subtree; units whose responses stay out are absent."""
    return _nearest(view, unit, view.release.export)


def comment_units(view: insights.WaveView, unit: int | None) -> dict[int, int]:
    """Return where each unit's comments go in a raw export: its nearest unit whose comments
    the comments screen shows. Coarser than a response's path where need be, as comments need
    larger groups than scores, so a path never holds a group of comments the screens hide."""
    shown = [node for node in view.tree if comments.shows_comments(view, node)]
    return _nearest(view, unit, shown)


# What the export reads of each answer (the benchmark reads the same, unsorted, as its baseline).
READ_COLUMNS = (
    Answer.response_id,
    Response.nonce,
    Response.unit_id,
    Answer.question_version_id,
    Answer.value,
    Answer.option_id,
    Answer.text,
)


def answer_rows(wave_id: int, units: list[int] | None) -> Select:
    """Return the query of a wave's answers as the export reads them: with their response's
    unit, each response's rows together in the order stored, responses in their stored random
    order."""
    query = (
        select(*READ_COLUMNS)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.wave_id == wave_id)
    )
    if units is not None:
        query = query.where(Response.unit_id.in_(units))
    return query.order_by(Response.shuffle, Response.id, Answer.id)


def response_chunks(scope: Scope, now: datetime) -> Iterator[str]:
    """Yield the long-form responses file: the header, then a chunk per batch of responses.

    Released waves only, as the screens would show them: each response under its nearest unit
    the export may name (left out where there is none, or where its unit is withheld), in the
    stored random order; then the wave's comments, apart from the responses (`_comment_chunks`).
    Constant memory: responses stream in batches, and every cell that is the same for many rows
    (wave, unit path, question, value) is made safe and joined once.
    """
    waves = _released(scope, now)
    versions = _version_cells()
    options = {
        oid: safe_cell(code) for oid, code in db.session.execute(select(Option.id, Option.code))
    }
    key = id_key()
    ends: dict[tuple[int, int | None, int | None], str] = {}  # cells after response_id
    yield line(RESPONSE_COLUMNS)  # now: each wave's release is worked out as the file streams
    for wave in waves:
        view = insights.frame(wave, None, now)
        head = f"{safe_cell(wave.name)},{wave.opens_at.date()},{wave.closes_at.date()},"
        coarse = coarse_units(view, scope.unit)
        prefixes = {unit: head + safe_cell(view.paths[coarse[unit]]) + "," for unit in coarse}
        every = scope.unit is None and len(coarse) == len(view.tree)
        query = answer_rows(wave.id, None if every else sorted(coarse))
        last, start = None, None
        for rows in driver_rows(query, STREAM_ROWS):
            out: list[str] = []
            for response_id, nonce, unit_id, version, value, option, text in rows:
                if response_id != last:
                    prefix = prefixes.get(unit_id)  # None: outside the launch snapshot, unshown
                    start = None if prefix is None else prefix + public_id(key, nonce)
                    last = response_id
                if start is None or text is not None:
                    continue  # comments follow, apart from every response
                end = ends.get((version, value, option))
                if end is None:
                    cell = "" if value is None else value
                    end = f",{versions[version]},{cell},{options.get(option, '')},\r\n"
                    ends[(version, value, option)] = end
                out.append(start + end)
            yield "".join(out)
        yield from _comment_chunks(view, scope.unit, head, versions)


def _comment_chunks(
    view: insights.WaveView, unit: int | None, head: str, versions: dict[int, str]
) -> Iterator[str]:
    """Yield a wave's comment rows: after its responses, in their own random order, each under
    its comment path (`comment_units`) with no response_id. Tied to a response, a comment would
    give whoever recognises its words every answer of its writer, which no screen shows."""
    where = comment_units(view, unit)
    if not where:
        return
    prefixes = {node: f"{head}{safe_cell(view.paths[where[node]])},," for node in where}
    query = (
        select(CommentNote.unit_id, Answer.question_version_id, Answer.text)
        .join(Answer, Answer.id == CommentNote.answer_id)
        .where(CommentNote.wave_id == view.wave.id, CommentNote.unit_id.in_(sorted(where)))
        .order_by(CommentNote.shuffle, CommentNote.answer_id)
    )
    for rows in driver_rows(query, STREAM_ROWS):
        yield "".join(
            f"{prefixes[node]}{versions[version]},,,{safe_cell(text)}\r\n"
            for node, version, text in rows
        )


def responses_csv(scope: Scope, now: datetime) -> Iterator[str]:
    """Yield the responses file in chunks (checks the waves before the first chunk)."""
    chunks = response_chunks(scope, now)
    first = next(chunks)  # runs the checks now, so a refusal is an error page, not a broken file
    return chain([first], chunks)
