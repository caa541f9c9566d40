"""Organizations: list, create, show, edit, members."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import policy
from forum.errors import DomainError, ValidationError
from forum.i18n import _
from forum.services import concepts, organizations
from forum.web.forms import ConfirmForm, MemberForm, OrganizationForm
from forum.web.utils import apply_errors, page_arg

bp = Blueprint("orgs", __name__, url_prefix="/orgs")


@bp.get("/")
def index() -> str:
    return render_template("orgs/index.html", pagination=organizations.listing(page_arg()))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int]:
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = organizations.create(current_user, form.name.data, form.description.data or "",
                                       form.website.data or "", form.logo_url.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("%(name)s is created. An admin will verify it soon; until then its concepts carry a “not yet verified” mark.", name=org.name), "success")
            return redirect(url_for("orgs.show", slug=org.slug))
    return render_template("orgs/new.html", form=form), 400 if form.is_submitted() else 200


@bp.get("/<slug>")
def show(slug: str) -> tuple[str, int]:
    return _show(organizations.get_by_slug(slug), MemberForm(formdata=None))


def _show(org, member_form: MemberForm, status: int = 200) -> tuple[str, int]:
    return render_template("orgs/show.html", org=org, member_form=member_form,
                           confirm_form=ConfirmForm(formdata=None),
                           concepts=concepts.of_organization(current_user, org),
                           record=organizations.track_record(org)), status


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Response | tuple[str, int]:
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "org.edit", org)
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        try:
            organizations.update(current_user, org, form.name.data, form.description.data or "",
                                 form.website.data or "", form.logo_url.data or "",
                                 form.publish_price_summary.data, form.commitments.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("orgs.show", slug=org.slug))
    return render_template("orgs/edit.html", org=org, form=form), 400 if form.is_submitted() else 200


@bp.post("/<slug>/members")
@login_required
def add_member(slug: str) -> Response | tuple[str, int]:
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "org.manage_members", org)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            membership = organizations.add_member(current_user, org, form.username.data, form.role.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("%(username)s is invited as %(value)s of %(name)s. They become one when they accept.", username=membership.user.username, value=_("an owner") if membership.role == "owner" else _("a member"), name=org.name), "success")
            return redirect(url_for("orgs.show", slug=org.slug))
    return _show(org, form, 400)


@bp.post("/<slug>/members/<int:user_id>/remove")
@login_required
def remove_member(slug: str, user_id: int) -> Response:
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "org.manage_members", org)
    try:
        organizations.remove_member(current_user, org, user_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("orgs.show", slug=org.slug), 303)
    flash(_("Done: they are no longer a member (or invited)."), "success")
    return redirect(url_for("orgs.show", slug=org.slug))
