"""Your settings, your data, and everyone's public profile; the links sent by email."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forum import policy
from forum.errors import DomainError, ValidationError
from forum.extensions import csrf, limiter
from forum.i18n import _
from forum.models import User, utcnow
from forum.services import accounts, mail, organizations, privacy
from forum.web.forms import (
    ConfirmForm,
    DeleteAccountForm,
    EmailChangeForm,
    PasswordChangeForm,
    PrivacyForm,
    ProfileForm,
    ResendVerificationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from forum.web.utils import after_response, apply_errors

bp = Blueprint("account", __name__)


def _privacy_form(user: User) -> PrivacyForm:
    return PrivacyForm(obj=user, formdata=None)


def _settings(status: int = 200, **forms: object) -> tuple[str, int]:
    user = current_user
    context = {
        "profile_form": forms.get("profile_form") or ProfileForm(obj=user, formdata=None),
        "password_form": forms.get("password_form") or PasswordChangeForm(formdata=None),
        "email_form": forms.get("email_form") or EmailChangeForm(formdata=None),
        "privacy_form": forms.get("privacy_form") or _privacy_form(user),
        "verify_form": ResendVerificationForm(formdata=None),
        "sessions_form": ConfirmForm(formdata=None),
    }
    return render_template("account/settings.html", **context), status


@bp.get("/settings")
@login_required
def settings() -> tuple[str, int]:
    return _settings()


@bp.post("/settings/profile")
@login_required
def update_profile() -> WerkzeugResponse | tuple[str, int]:
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, form.display_name.data or "", form.bio.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.settings"))
    return _settings(400, profile_form=form)


@bp.post("/settings/password")
@login_required
def change_password() -> WerkzeugResponse | tuple[str, int]:
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
            flash(_("Your password is changed. Your other sessions have been signed out."), "success")
            return redirect(url_for("account.settings"))
    return _settings(400, password_form=form)


@bp.post("/settings/email")
@login_required
def change_email() -> WerkzeugResponse | tuple[str, int]:
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            new_email = accounts.change_email(current_user, form.password.data, form.email.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if new_email:
                flash(_("We sent a confirmation link to %(new_email)s. Your address changes when you open it.", new_email=new_email), "success")
            return redirect(url_for("account.settings"))
    return _settings(400, email_form=form)


@bp.post("/settings/privacy")
@login_required
def update_privacy() -> WerkzeugResponse | tuple[str, int]:
    form = PrivacyForm()
    if form.validate_on_submit():
        privacy.update_settings(current_user, **{f.name: bool(f.data) for f in form if f.type == "BooleanField"})
        flash(_("Your privacy settings are saved."), "success")
        return redirect(url_for("account.settings") + "#privacy-h")
    return _settings(400, privacy_form=form)


@bp.post("/settings/verify-email")
@login_required
def resend_verification() -> WerkzeugResponse:
    if ResendVerificationForm().validate_on_submit() and accounts.send_verification(current_user):
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    else:
        flash(_("Your email address is already confirmed."), "info")
    return redirect(url_for("account.settings"))


@bp.post("/settings/sessions")
@login_required
def end_other_sessions() -> WerkzeugResponse:
    user = current_user._get_current_object()
    accounts.end_other_sessions(user)
    session.clear()
    login_user(user)
    flash(_("Every other session has been signed out."), "success")
    return redirect(url_for("account.settings"))


# --- your data -----------------------------------------------------------------------------------------

@bp.get("/account/export")
@login_required
def export() -> Response:
    archive = privacy.export_archive(current_user)
    name = f"sounding-board-{current_user.username}-{utcnow():%Y-%m-%d}.zip"
    return Response(archive, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete() -> WerkzeugResponse | tuple[str, int]:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), form.password.data, form.feedback.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            return render_template("account/delete.html", form=form), exc.status
        else:
            logout_user()
            session.clear()
            flash(_("Your account is deleted. Thank you for the part you played."), "success")
            return redirect(url_for("main.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/delete.html", form=form), status


@bp.get("/privacy")
def privacy_page() -> str:
    return render_template("account/privacy.html", history_days=current_app.config["SIGNIN_HISTORY_DAYS"])


# --- links sent by email -------------------------------------------------------------------------------

@bp.get("/verify-email/<token>")
def verify_email(token: str) -> WerkzeugResponse:
    accounts.verify_email(token)
    flash(_("Thank you: your email address is confirmed."), "success")
    return redirect(url_for("account.settings") if current_user.is_authenticated else url_for("auth.login"))


@bp.get("/confirm-email/<token>")
def confirm_email(token: str) -> WerkzeugResponse:
    user = accounts.confirm_email_change(token)
    flash(_("Your email address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("account.settings") if current_user.is_authenticated else url_for("auth.login"))


def _reset_key() -> str:
    return f"reset-addr:{request.remote_addr or 'unknown'}"


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], methods=["POST"], key_func=_reset_key)
def reset_request() -> WerkzeugResponse | tuple[str, int]:
    form = ResetRequestForm()
    if form.validate_on_submit():
        # After the answer is sent: the answer (and its timing) is the same whether or not the
        # address has an account.
        after_response(accounts.request_password_reset, form.email.data)
        # The same words whether or not the address has an account.
        flash(_("If an account uses that address, we have sent it a link to choose a new password. The link works once, for %(value)s minutes.", value=current_app.config['PASSWORD_RESET_MAX_AGE'] // 60), "info")
        return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/reset_request.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> WerkzeugResponse | tuple[str, int]:
    try:
        accounts.user_for_reset(token)
    except ValidationError as exc:  # a used, expired or forged link: why, and a way to a new one
        return render_template("account/reset_link_invalid.html", reason=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            logout_user()
            session.clear()
            flash(_("Your password is changed and every session signed out. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/reset_password.html", form=form), status


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> str:
    user, kind = privacy.read_unsubscribe(token)
    return render_template("account/unsubscribe.html", token=token, what=mail.UNSUBSCRIBE_KINDS[kind],
                           done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str) -> str:
    # Mail clients send RFC 8058 one-click POSTs ("List-Unsubscribe=One-Click") with no form token:
    # the signed token in the address is the proof then. The page's own button carries a CSRF token.
    if request.form.get("List-Unsubscribe") != "One-Click" and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    user, kind = privacy.unsubscribe(token)
    return render_template("account/unsubscribe.html", token=token, what=mail.UNSUBSCRIBE_KINDS[kind],
                           done=True)


@bp.get("/u/<username>")
def profile(username: str) -> str:
    user = accounts.get_by_username(username)
    public = policy.can(current_user, "profile.view", user)
    return render_template("account/profile.html", user=user, public=public,
                           organizations=organizations.organizations_of(user) if public else [])


# --- invitations to organizations -------------------------------------------------------------------

@bp.get("/invitations")
@login_required
def invitations() -> str:
    return render_template("account/invitations.html", invitations=organizations.invitations_for(current_user),
                           confirm_form=ConfirmForm(formdata=None))


@bp.post("/invitations/<int:membership_id>/accept")
@login_required
def accept_invitation(membership_id: int) -> WerkzeugResponse:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("account.invitations"))
    membership = organizations.accept_invitation(current_user, membership_id)
    org = membership.organization
    flash(_("You are now %(value)s of %(name)s. Your own votes and price answers on its concepts no longer count while you are.", value=_("an owner") if membership.role == "owner" else _("a member"), name=org.name), "success")
    return redirect(url_for("orgs.show", slug=org.slug))


@bp.post("/invitations/<int:membership_id>/decline")
@login_required
def decline_invitation(membership_id: int) -> WerkzeugResponse:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("account.invitations"))
    org = organizations.decline_invitation(current_user, membership_id)
    flash(_("You declined the invitation to %(name)s.", name=org.name), "success")
    return redirect(url_for("account.invitations"))
