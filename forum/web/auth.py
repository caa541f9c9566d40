"""Register, log in, log out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from forum.errors import ValidationError
from forum.extensions import limiter
from forum.i18n import _
from forum.services import accounts
from forum.web.forms import LoginForm, RegisterForm
from forum.web.utils import apply_errors, safe_next

bp = Blueprint("auth", __name__)


def _address_key() -> str:
    return f"login-addr:{request.remote_addr or 'unknown'}"


def _typed_login() -> str:
    value = request.form.get("login")
    if value is None and request.is_json:
        value = (request.get_json(silent=True) or {}).get("login")
    return value.strip()[:254] if isinstance(value, str) else ""


def _account_key() -> str:
    """Failed logins count per account, whether the person typed its username or its email (or
    another capitalisation): the login is resolved to the account first. An unknown login counts
    under what was typed."""
    if "login_account_key" not in g:
        typed = _typed_login()
        user = accounts.find_by_login(typed) if typed else None
        g.login_account_key = f"login-account:{user.id}" if user is not None else f"login-unknown:{typed.lower()}"
    return g.login_account_key


def _failed(response: Response) -> bool:
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], methods=["POST"], key_func=_address_key)
def register() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register(form.username.data, form.email.data, form.password.data,
                              form.display_name.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # The same answer whether the address was new or already had an account (its owner is
            # told by email): the page never says which addresses are registered.
            address = " ".join((form.email.data or "").split())[:254]
            flash(_("Thank you! We sent a message to %(address)s: open it to confirm your address. Then log in with your username and password.", address=address), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"], methods=["POST"], key_func=_address_key)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"], methods=["POST"], key_func=_account_key,
               deduct_when=_failed)
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data, url_for("main.index")))
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data, form.password.data, ip_address=request.remote_addr or "",
                                     user_agent=request.headers.get("User-Agent", ""))
        if user is not None:
            first_visit = user.previous_login_at is None
            target = safe_next(form.next.data, url_for("main.index"))
            session.clear()  # no session fixation: a fresh session for the signed-in user
            login_user(user, remember=form.remember.data)
            if not user.is_suspended:  # a suspended person is told of the suspension instead
                if first_visit:
                    flash(_("Welcome, %(name)s.", name=user.name), "success")
                else:
                    flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(target)
        form.form_errors.append(_("That username or email and password do not match an account."))
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    # Ends this session and every other one (including remember-me cookies on other devices).
    accounts.end_other_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))
