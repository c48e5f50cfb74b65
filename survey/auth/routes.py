"""Sign in, sign out and passwords; failed password checks throttled (survey/auth/throttle.py)."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from survey.access import safe_next
from survey.auth import bp, throttle
from survey.auth.forms import LoginForm, PasswordForm
from survey.models import Role
from survey.services import accounts
from survey.services.problems import Invalid
from survey.services.users import MIN_PASSWORD_LENGTH
from survey.web import see_other

SIGN_IN_FAILED = "Enter a correct email address and password"
# What a user who must choose a new password may still reach.
OPEN_WHILE_CHOOSING = frozenset(
    {"auth.change_password", "auth.logout", "auth.login", "static", "healthz"}
)


def home_for(role: Role) -> str:
    """Return where a user lands after signing in: the overview for admins, else their account."""
    return url_for("admin.dashboard" if role is Role.ADMIN else "insights.overview")


@bp.before_app_request
def choose_password_first() -> object:
    """Send a user signed in with a one-time password to choose their own before anything else."""
    if request.endpoint in OPEN_WHILE_CHOOSING:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return see_other(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> object:
    """Show the sign-in form, or sign the user in and send them on."""
    form = LoginForm()
    if form.validate_on_submit():
        attempt = throttle.Attempt.here(form.email.data or "")
        throttle.check(attempt)
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            throttle.succeeded(attempt)
            attempt.log("signed_in", logging.INFO)
            # A fresh session on sign-in, so a planted session id is worth nothing.
            session.clear()
            login_user(user)
            session.permanent = True
            next_url = safe_next(request.args.get("next"))
            if user.must_change_password:
                return redirect(url_for("auth.change_password", next=next_url), 303)
            return redirect(next_url or home_for(user.role), 303)
        throttle.failed(attempt)
        form.form_errors.append(SIGN_IN_FAILED)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.get("/account")
@login_required
def account() -> str:
    """Show who is signed in, their role and the units they may see."""
    return render_template("auth/account.html", scope=accounts.scope_path(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> object:
    """Let a user choose a new password, ending their other sessions and keeping this one."""
    first = current_user.must_change_password
    form = PasswordForm()
    if first:
        del form.current
    if form.validate_on_submit():
        # A stolen session must not become a way to guess the password it would need here.
        attempt = throttle.Attempt.here(current_user.email)
        throttle.check(attempt)
        try:
            user = accounts.change_password(
                current_user.id, None if first else form.current.data, form.new.data
            )
        except Invalid as problem:
            if problem.field == "current":
                throttle.failed(attempt, "password_check_failed")
            form[problem.field].errors.append(problem.message)
        else:
            # The new session token ended every other session; carry this one over to it.
            login_user(user)
            attempt.log("password_changed", logging.INFO)
            flash("Your password has been changed. Any other sessions have been signed out.")
            return redirect(safe_next(request.args.get("next")) or home_for(user.role), 303)
    status = 422 if form.errors else 200
    return render_template(
        "auth/password.html", form=form, first=first, min_length=MIN_PASSWORD_LENGTH
    ), status


@bp.post("/logout")
@login_required
def logout() -> object:
    """End this and every other session of the user, then confirm."""
    accounts.end_sessions(current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", signed_out=1), 303)
