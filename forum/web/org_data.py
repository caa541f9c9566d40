"""An organization's data pages: its API tokens (owners) and the overview of all its concepts."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import policy
from forum.errors import ValidationError
from forum.i18n import _
from forum.services import api_tokens, concepts, demand, organizations
from forum.web.forms import ApiTokenForm, ConfirmForm
from forum.web.utils import apply_errors

bp = Blueprint("org_data", __name__, url_prefix="/orgs")


def _tokens_page(org, form: ApiTokenForm, new_secret: str | None = None, status: int = 200):  # noqa: ANN001, ANN202
    return render_template("orgs/tokens.html", org=org, form=form, new_secret=new_secret,
                           tokens=api_tokens.listing(current_user, org), confirm_form=ConfirmForm(formdata=None)), status


@bp.get("/<slug>/tokens")
@login_required
def tokens(slug: str) -> tuple[str, int]:
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "org.api_tokens", org)
    return _tokens_page(org, ApiTokenForm(formdata=None))


@bp.post("/<slug>/tokens")
@login_required
def create_token(slug: str) -> tuple[str, int]:
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "org.api_tokens", org)
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = api_tokens.create(current_user, org, form.name.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Shown in this response only: never flashed (the session cookie is signed, not secret).
            return _tokens_page(org, ApiTokenForm(formdata=None), new_secret=secret, status=201)
    return _tokens_page(org, form, status=400)


@bp.post("/<slug>/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(slug: str, token_id: int) -> Response:
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "org.api_tokens", org)
    token = api_tokens.revoke(current_user, org, token_id)
    flash(_("The token “%(name)s” is revoked; it no longer works.", name=token.name), "success")
    return redirect(url_for("org_data.tokens", slug=org.slug), 303)


@bp.get("/<slug>/overview")
@login_required
def overview(slug: str) -> str:
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "org.member", org)
    rows = demand.overview(concepts.of_organization(current_user, org, limit=200))
    return render_template("orgs/overview.html", org=org, rows=rows)
