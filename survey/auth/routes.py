"""Sign-in and sign-out routes, throttled per address and per account."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from survey.access import safe_next
from survey.auth import bp
from survey.auth.forms import LoginForm
from survey.extensions import limiter
from survey.models import Role
from survey.services import accounts

SIGN_IN_FAILED = "Enter a correct email address and password"


def _account_key() -> str:
    """Key the per-account limit on the e-mail typed, whether or not such an account exists."""
    return "login:" + request.form.get("email", "").strip().lower()[:254]


def home_for(role: Role) -> str:
    """Return where a user lands after signing in: the overview for admins, else their account."""
    return url_for("admin.dashboard" if role is Role.ADMIN else "insights.overview")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"]
)
def login() -> object:
    """Show the sign-in form, or sign the user in and send them on."""
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            # A fresh session on sign-in, so a planted session id is worth nothing.
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or home_for(user.role), 303)
        form.form_errors.append(SIGN_IN_FAILED)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.get("/account")
@login_required
def account() -> str:
    """Show who is signed in, their role and the units they may see."""
    return render_template("auth/account.html", scope=accounts.scope_path(current_user))


@bp.post("/logout")
@login_required
def logout() -> object:
    """End this and every other session of the user, then confirm."""
    accounts.end_sessions(current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", signed_out=1), 303)
