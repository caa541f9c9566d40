"""An organization's webhook settings (owners): endpoints, their deliveries, "send a test"."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import policy
from forum.errors import ValidationError
from forum.i18n import _
from forum.models import WEBHOOK_EVENTS
from forum.services import organizations, webhooks
from forum.web.forms import ConfirmForm
from forum.web.suggestion_forms import WebhookForm
from forum.web.utils import apply_errors

bp = Blueprint("webhooks", __name__, url_prefix="/orgs")


def _page(org, form: WebhookForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:  # noqa: ANN001
    return render_template("orgs/webhooks.html", org=org, form=form, new_secret=secret,
                           hooks=webhooks.listing(current_user, org),
                           deliveries=webhooks.deliveries(current_user, org), events=WEBHOOK_EVENTS,
                           confirm_form=ConfirmForm(formdata=None)), status


def _org(slug: str):  # noqa: ANN202
    org = organizations.get_by_slug(slug)
    policy.require(current_user, "webhook.manage", org)
    return org


@bp.get("/<slug>/webhooks")
@login_required
def index(slug: str) -> tuple[str, int]:
    return _page(_org(slug), WebhookForm(formdata=None))


@bp.post("/<slug>/webhooks")
@login_required
def create(slug: str) -> tuple[str, int]:
    org = _org(slug)
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            _endpoint, secret = webhooks.create(current_user, org, form.url.data, form.events.data or [])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Shown in this response only, never flashed (the session cookie is signed, not secret).
            return _page(org, WebhookForm(formdata=None), secret=secret, status=201)
    return _page(org, form, status=400)


@bp.post("/<slug>/webhooks/<int:endpoint_id>/test")
@login_required
def send_test(slug: str, endpoint_id: int) -> Response:
    org = _org(slug)
    webhooks.send_test(current_user, org, endpoint_id)
    flash(_("A test delivery is on its way; its result shows in the list below."), "success")
    return redirect(url_for("webhooks.index", slug=org.slug, _anchor="deliveries"), 303)


@bp.post("/<slug>/webhooks/<int:endpoint_id>/enable")
@login_required
def enable(slug: str, endpoint_id: int) -> Response:
    org = _org(slug)
    webhooks.enable(current_user, org, endpoint_id)
    flash(_("The endpoint is on again; deliveries that were waiting will be sent."), "success")
    return redirect(url_for("webhooks.index", slug=org.slug), 303)


@bp.post("/<slug>/webhooks/<int:endpoint_id>/delete")
@login_required
def delete(slug: str, endpoint_id: int) -> Response:
    org = _org(slug)
    webhooks.delete(current_user, org, endpoint_id)
    flash(_("The endpoint is deleted; nothing more is sent to it."), "success")
    return redirect(url_for("webhooks.index", slug=org.slug), 303)
