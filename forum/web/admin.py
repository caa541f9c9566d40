"""The admin area: roles and organization verification."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from forum import policy
from forum.errors import DomainError, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import ModerationAction, Organization, User
from forum.services import accounts, moderation, organizations
from forum.web import audit_targets
from forum.web.forms import ConfirmForm, RoleForm
from forum.web.utils import page_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin() -> None:
    policy.require(current_user, "admin.access")


@bp.get("/")
def index() -> str:
    pending = db.session.scalars(select(Organization).where(Organization.verified_at.is_(None))
                                 .order_by(Organization.created_at)).all()
    recent = db.session.scalars(select(ModerationAction).order_by(ModerationAction.id.desc()).limit(20)).all()
    return render_template("admin/index.html", pending=pending, recent=recent, user_count=accounts.user_count(),
                           confirm_form=ConfirmForm(formdata=None), targets=audit_targets.targets(recent),
                           label=moderation.action_label)


@bp.get("/users")
def users() -> str:
    q = (request.args.get("q") or "").strip()[:64]
    query = select(User).order_by(User.created_at.desc())
    if q:
        query = query.where(User.username_key.contains(q.lower()))
    pagination = db.paginate(query, page=page_arg(), per_page=50, error_out=False)
    return render_template("admin/users.html", pagination=pagination, q=q, role_form=RoleForm(formdata=None))


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the roles offered."), "error")
        return redirect(url_for("admin.users"))
    try:
        accounts.set_role(current_user, user, form.role.data)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(username)s is now %(role)s.", username=user.username, role=user.role), "success")
    return redirect(url_for("admin.users"))


@bp.get("/orgs")
def orgs() -> str:
    pagination = organizations.listing(page_arg(), per_page=50)
    return render_template("admin/orgs.html", pagination=pagination, confirm_form=ConfirmForm(formdata=None))


@bp.post("/orgs/<slug>/verify")
def verify(slug: str) -> Response:
    org = organizations.get_by_slug(slug)
    verified = request.form.get("verified", "1") != "0"
    organizations.set_verified(current_user, org, verified)
    flash(_("%(name)s is %(value)s.", name=org.name, value='verified' if verified else 'no longer verified'), "success")
    return redirect(url_for("admin.orgs"))


@bp.get("/settings")
def settings() -> str:
    return render_template("admin/settings.html", values=moderation.settings(), specs=moderation.SETTINGS)


@bp.post("/settings")
def update_settings() -> Response | tuple[str, int]:
    try:
        moderation.update_settings(current_user, request.form.to_dict())
    except DomainError as exc:
        db.session.rollback()
        return render_template("admin/settings.html", values={**moderation.settings(), **request.form.to_dict()},
                               specs=moderation.SETTINGS, errors=exc.errors, message=exc.message), exc.status
    flash(_("Settings saved. Each change is in the audit log."), "success")
    return redirect(url_for("admin.settings"))
