"""Respondent routes. Each screen is one form, answered as a page or, for htmx, a fragment."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request, url_for

from survey import devices
from survey.models import utcnow
from survey.respond import bp, flow, forms, language
from survey.services import landing, notices, pulses, submissions, tokens
from survey.services.pulses import INVITATION, TEAM, Link, LinkProblem, Pulse
from survey.web import see_other, wants_fragment

KINDS = {"i": INVITATION, "t": TEAM}
# How long a kiosk shows its thank-you page before going back to the start for the next person.
KIOSK_RESTART_SECONDS = 20


def _problem(problem: LinkProblem) -> Response:
    """Return the page that explains why a link cannot take answers, with its status."""
    if wants_fragment():
        # A card asked: the whole page goes to the link's own page, which says why, rather than
        # a page landing inside the card.
        response = make_response("", problem.status)
        response.headers["HX-Redirect"] = request.path
        return response
    # A link that is not found belongs to no pulse: its page follows any choice made before.
    language.choose(problem.bilingual or problem.reason == "unknown")
    page = render_template("respond/link_problem.html", problem=problem)
    return make_response(page, problem.status)


def _resolve(prefix: str, token: str) -> tuple[Link, Pulse] | Response:
    """Return the link and pulse for a URL, or the rendered page explaining why there are none."""
    try:
        link, pulse = pulses.resolve(KINDS[prefix], token, utcnow())
    except LinkProblem as problem:
        return _problem(problem)
    if devices.answered_here(link):
        # One response per browser through a team link, so nobody pads a small team alone.
        return _problem(LinkProblem(409, "answered_here", bilingual=pulse.bilingual))
    # Every screen of the pulse, its errors included, speaks the language chosen for it.
    return link, pulses.in_language(pulse, language.choose(pulse.bilingual))


def _screen(
    prefix: str,
    link: Link,
    pulse: Pulse,
    form: forms.PulseFormBase,
    screen: flow.Screen | None,
    template: str,
    **extra: object,
) -> str:
    """Render a pulse screen as a page or fragment; its form posts back to the same link."""
    action = url_for("respond.pulse", prefix=prefix, token=link.token)
    # `remember`: the page's script keeps the answers so far in this tab (not in a preview).
    return render_template(
        template,
        link=link,
        pulse=pulse,
        form=form,
        screen=screen,
        action=action,
        remember=True,
        **extra,
    )


def _moved(
    prefix: str, link: Link, pulse: Pulse, form: forms.PulseFormBase, screen: flow.Screen
) -> Response:
    """Answer a move between screens; htmx puts each new screen in the history as its own URL."""
    template = "respond/_screen.html" if wants_fragment() else "respond/pulse.html"
    response = make_response(_screen(prefix, link, pulse, form, screen, template), screen.status)
    if wants_fragment() and screen.status == 200 and not screen.restored:
        # Only the card's number goes in the address: answers stay in the form and the tab.
        query = flow.card_query(screen)
        response.headers["HX-Push-Url"] = url_for(
            "respond.pulse", prefix=prefix, token=link.token, **query
        )
    return response


@bp.route("/<any(i, t):prefix>/<token>", methods=["GET", "POST"])
def pulse(prefix: str, token: str) -> object:
    """Show the landing page, or move through the cards and store the finished pulse."""
    resolved = _resolve(prefix, token)
    if isinstance(resolved, Response):
        if request.method == "POST" and submissions.sent_before(request.form.get("nonce", "")):
            # The same pulse sent twice (a double click without JavaScript, a retry): the first
            # send used the link up, and the second is thanked as a repeat, not turned away.
            return _thank(prefix, token, again=True)
        return resolved
    link, pulse = resolved
    form = forms.form_class(pulse, language.current())()
    if request.method == "GET":
        # A card's address loaded afresh (?card=3) shows the welcome: the answers, if any, are
        # in this tab's storage, and the page's script posts them back for that card.
        form.nonce.data = tokens.new_nonce()
        return _screen(prefix, link, pulse, form, None, "respond/pulse.html")
    screen = flow.advance(pulse, form, request.form)
    if screen is not None:
        return _moved(prefix, link, pulse, form, screen)
    outcome = submissions.submit(link, pulse, flow.answers(pulse, form), form.nonce.data, utcnow())
    if outcome is submissions.Outcome.CLOSED:
        return _problem(LinkProblem(410, "closed", link.closes_at, pulse.bilingual))
    response = _thank(prefix, token, again=outcome is submissions.Outcome.DUPLICATE)
    devices.remember_answer(response, link, link.closes_at)
    return response


def _thank(prefix: str, token: str, *, again: bool) -> Response:
    """Send the browser on to the thank-you page, saying whether this send was a repeat."""
    query = {"again": "1"} if again else {}
    return see_other(url_for("respond.thanks", prefix=prefix, token=token, **query))


@bp.get("/<any(i, t):prefix>/<token>/thanks")
def thanks(prefix: str, token: str) -> object:
    """Thank the respondent and show what their area heard back last time."""
    try:
        answered = pulses.resolve_answered(KINDS[prefix], token)
    except LinkProblem as problem:
        return _problem(problem)
    if answered is None:
        # An unused invitation has nothing to thank anyone for yet.
        return redirect(url_for("respond.pulse", prefix=prefix, token=token))
    link, pulse = answered
    pulse = pulses.in_language(pulse, language.choose(pulse.bilingual))
    # A kiosk's thank-you page holds nothing of this person's and hands over to the next one.
    kiosk = devices.on_kiosk(link)
    return render_template(
        "respond/thanks.html",
        pulse=pulse,
        recap=landing.recap(link, pulse),
        again=request.args.get("again") == "1",
        restart=url_for("respond.pulse", prefix=prefix, token=token) if kiosk else None,
        restart_after=KIOSK_RESTART_SECONDS,
    )


@bp.get("/<any(privacy, accessibility):kind>")
def notice(kind: str) -> str:
    """Show the privacy notice or the accessibility statement, as HR last saved it."""
    text = notices.current_text(kind)
    return render_template(
        "respond/notice.html", title=notices.TITLES[kind], blocks=notices.blocks(text)
    )


@bp.get("/")
def home() -> str:
    """Tell a visitor without a link how staff take part."""
    return render_template("respond/home.html")
