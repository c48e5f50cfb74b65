"""The staff pulse's language: Welsh or English, chosen with a plain link and kept in the session.

The session cookie already carries the pulse's CSRF token, so the choice rides along with every
screen (page loads and htmx posts alike) without a hidden field on each form. HR screens stay in
English whatever a browser chose.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import format_datetime, refresh

from survey.extensions import babel

LANGUAGES = ("en", "cy")
CHOICE = "pulse_language"
# What `<html lang>` says for each language.
HTML_LANG = {"en": "en-GB", "cy": "cy"}


def choose(bilingual: bool) -> str:
    """Settle this page's language: a `?lang=` link's, else the one chosen earlier; always English
    for a pulse that is not offered in Welsh. Return it."""
    asked = request.args.get("lang")
    if bilingual and asked in LANGUAGES:
        session[CHOICE] = asked
    language = _chosen() if bilingual else "en"
    g.pulse_language = language
    refresh()  # anything translated before this point was for the default language
    return language


def _chosen() -> str:
    """Return the language this browser chose for the pulse, English when it chose none."""
    language = session.get(CHOICE, "en")
    return language if language in LANGUAGES else "en"


def current() -> str:
    """Return the language of the page being drawn: the pulse's choice on staff pages (also for
    an error met before the view settled it), English everywhere else."""
    if not has_request_context():
        return "en"
    if "pulse_language" in g:
        return str(g.pulse_language)
    if request.blueprint == "respond" and CHOICE in session:
        return _chosen()
    return "en"


def html_lang() -> str:
    """Return the `lang` attribute of the page being drawn."""
    return HTML_LANG[current()]


def init_app(app: Flask) -> None:
    """Bind Flask-Babel, with the catalogues in survey/translations, to the staff pulse's choice."""
    babel.init_app(app, locale_selector=current, default_timezone="UTC")
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["format_datetime"] = format_datetime
