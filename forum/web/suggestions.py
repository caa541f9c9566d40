"""Suggestions on a concept: suggest, see similar ones while typing, support, and the organization's
adopt / decline / merge. Thin views over forum/services/suggestions.py."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import policy
from forum.errors import ValidationError
from forum.i18n import _
from forum.services import concepts, similar
from forum.services import suggestions as service
from forum.web.suggestion_forms import AdoptForm, DeclineForm, MergeForm, SuggestionForm, SupportForm
from forum.web.utils import apply_errors, wants_json

bp = Blueprint("suggestions", __name__, url_prefix="/concepts")


def _back(concept: Any, suggestion: Any = None) -> str:
    anchor = f"suggestion-{suggestion.id}" if suggestion is not None else "suggestions"
    return url_for("concepts.show", slug=concept.slug, _anchor=anchor)


def _suggestion(slug: str, suggestion_id: int, decide: bool = False) -> tuple[Any, Any]:
    """The concept and its suggestion as the reader may see them (404 otherwise); with `decide`,
    only for those who may adopt, decline or merge it (403 otherwise)."""
    concept = concepts.get_by_slug(slug, current_user)
    suggestion = service.get(concept, suggestion_id, current_user)
    if decide:
        policy.require(current_user, "suggestion.decide", suggestion)
    return concept, suggestion


@bp.route("/<slug>/suggestions/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Response | tuple[str, int]:
    concept = concepts.get_by_slug(slug, current_user)
    policy.require(current_user, "suggestion.create", concept)
    form = SuggestionForm()
    if form.validate_on_submit():
        try:
            suggestion = service.suggest(current_user, concept, form.title.data, form.why.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if suggestion.post is not None and suggestion.post.hidden_at is not None:
                flash(_("Your suggestion waits for a moderator's review before others see it."), "info")
            else:
                flash(_("Your suggestion is posted. Others can support it now."), "success")
            return redirect(_back(concept, suggestion), 303)
    return render_template("concepts/suggestion_new.html", concept=concept, form=form), \
        400 if form.is_submitted() else 200


@bp.get("/<slug>/suggestions/similar")
def similar_to(slug: str) -> Response:
    """Features and suggestions of the concept that match what is being typed (full-text search)."""
    concept = concepts.get_by_slug(slug, current_user)
    found = similar.similar(current_user, concept, request.args.get("q", ""))
    return jsonify(results=found)


@bp.get("/<slug>/suggestions/<int:suggestion_id>")
def show(slug: str, suggestion_id: int) -> str:
    concept, suggestion = _suggestion(slug, suggestion_id)
    deciding = policy.can(current_user, "suggestion.decide", suggestion)
    merge = MergeForm(formdata=None) if deciding else None
    if merge is not None:
        merge.target.choices = _targets(concept, suggestion)
    return render_template(
        "concepts/suggestion.html", concept=concept, suggestion=suggestion,
        support=service.support_of(suggestion), mine=suggestion.id in service.supported_by(current_user, concept),
        adopt_form=AdoptForm(formdata=None, title=suggestion.title) if deciding else None,
        decline_form=DeclineForm(formdata=None) if deciding else None, merge_form=merge)


def _targets(concept: Any, suggestion: Any) -> list[tuple[str, str]]:
    features = [(f"feature:{f.id}", _("Feature: %(title)s", title=f.title)) for f in concepts.active_features(concept)]
    others = [(f"suggestion:{s.id}", _("Suggestion: %(title)s", title=s.title))
              for s in service.of_concept(current_user, concept) if s.status == "open" and s.id != suggestion.id]
    return features + others


def _done(concept: Any, suggestion: Any, message: str, **payload: Any) -> Response:
    if wants_json():
        return jsonify(message=message, suggestion_id=suggestion.id, **payload)
    flash(message, "success")
    return redirect(_back(concept, suggestion), 303)


@bp.post("/<slug>/suggestions/<int:suggestion_id>/support")
@login_required
def support(slug: str, suggestion_id: int) -> Response:
    concept, suggestion = _suggestion(slug, suggestion_id)
    form = SupportForm()
    value = (form.value.data or "on") if isinstance(form.value.data, str) else "on"
    count = service.support(current_user, suggestion, value)
    message = _("Your support is counted.") if value == "on" else _("Your support is withdrawn.")
    return _done(concept, suggestion, message, support=count, supported=value == "on")


@bp.post("/<slug>/suggestions/<int:suggestion_id>/adopt")
@login_required
def adopt(slug: str, suggestion_id: int) -> Response:
    concept, suggestion = _suggestion(slug, suggestion_id, decide=True)
    feature = service.adopt(current_user, suggestion, AdoptForm().title.data or None)
    return _done(concept, suggestion, _("“%(title)s” is now a feature; its supporters' votes are in.",
                                        title=feature.title), feature_id=feature.id)


@bp.post("/<slug>/suggestions/<int:suggestion_id>/decline")
@login_required
def decline(slug: str, suggestion_id: int) -> Response:
    concept, suggestion = _suggestion(slug, suggestion_id, decide=True)
    service.decline(current_user, suggestion, DeclineForm().reason.data)
    return _done(concept, suggestion, _("Declined. The reason is shown with the suggestion."))


@bp.post("/<slug>/suggestions/<int:suggestion_id>/merge")
@login_required
def merge(slug: str, suggestion_id: int) -> Response:
    concept, suggestion = _suggestion(slug, suggestion_id, decide=True)
    service.merge(current_user, suggestion, MergeForm().target.data)
    return _done(concept, suggestion, _("Merged. Its supporters' support moved with it."))
