"""Your settings, and everyone's public profile."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from forum.errors import ValidationError
from forum.services import accounts, organizations
from forum.web.forms import ConfirmForm, EmailChangeForm, PasswordChangeForm, ProfileForm
from forum.web.utils import apply_errors

bp = Blueprint("account", __name__)


def _settings(status: int = 200, **forms: object) -> tuple[str, int]:
    user = current_user
    context = {
        "profile_form": forms.get("profile_form") or ProfileForm(obj=user, formdata=None),
        "password_form": forms.get("password_form") or PasswordChangeForm(formdata=None),
        "email_form": forms.get("email_form") or EmailChangeForm(formdata=None),
        "sessions_form": ConfirmForm(formdata=None),
    }
    return render_template("account/settings.html", **context), status


@bp.get("/settings")
@login_required
def settings() -> tuple[str, int]:
    return _settings()


@bp.post("/settings/profile")
@login_required
def update_profile() -> Response | tuple[str, int]:
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, form.display_name.data or "", form.bio.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("account.settings"))
    return _settings(400, profile_form=form)


@bp.post("/settings/password")
@login_required
def change_password() -> Response | tuple[str, int]:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # The token changed, so other devices are signed out; keep this one signed in.
            user = current_user._get_current_object()
            session.clear()
            login_user(user)
            flash("Your password is changed. Your other sessions have been signed out.", "success")
            return redirect(url_for("account.settings"))
    return _settings(400, password_form=form)


@bp.post("/settings/email")
@login_required
def change_email() -> Response | tuple[str, int]:
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_email(current_user, form.password.data, form.email.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash("Your email address is changed.", "success")
            return redirect(url_for("account.settings"))
    return _settings(400, email_form=form)


@bp.post("/settings/sessions")
@login_required
def end_other_sessions() -> Response:
    user = current_user._get_current_object()
    accounts.end_other_sessions(user)
    session.clear()
    login_user(user)
    flash("Every other session has been signed out.", "success")
    return redirect(url_for("account.settings"))


@bp.get("/u/<username>")
def profile(username: str) -> str:
    user = accounts.get_by_username(username)
    return render_template("account/profile.html", user=user, organizations=organizations.organizations_of(user))
