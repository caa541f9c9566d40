"""Concepts: list, post, show, edit, stage changes and features."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import pagecache, policy
from forum.errors import ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import STAGES, Concept
from forum.services import concepts, demand, events, page_keys
from forum.services import decisions as decisions_service
from forum.services import feedback as feedback_service
from forum.services import suggestions as suggestions_service
from forum.web.concept_forms import ConceptForm, FeatureForm, MoveForm, NewConceptForm, StageForm
from forum.web.utils import apply_errors, page_arg

bp = Blueprint("concepts", __name__, url_prefix="/concepts")


def _arg(name: str) -> str:
    args = request.args  # `in` first: Werkzeug's get() raises and catches an HTTP error for a missing key
    return concepts.clean_text(args[name])[:80].strip() if name in args else ""


@bp.get("/")
def index() -> Response:
    """Served from the page cache (forum/pagecache.py) under what the list shows: one statement over
    every concept (page_keys.listing) whose numbers move with any change the list shows, plus the
    filters and the page. Viewers who see different concepts (hidden ones: moderators, the
    organization's members) never share a copy."""
    stage = _arg("stage").lower() or None
    org = _arg("org") or None
    tag = _arg("tag").lower() or None
    sort = _arg("sort").lower() or "newest"
    notices = []
    if stage and stage not in STAGES:
        notices.append(_("There is no stage called “%(value)s”; showing every stage.", value=stage[:40]))
        stage = None
    if sort not in concepts.SORTS:
        notices.append(_("Concepts cannot be sorted by “%(value)s”; showing the newest first.", value=sort[:40]))
        sort = "newest"
    page = page_arg()

    def render(perms: dict[str, Any]) -> str:
        pagination = concepts.listing(current_user, stage=stage, organization=org, tag=tag, sort=sort, page=page)
        filters = {k: v for k, v in (("stage", stage), ("org", org), ("tag", tag)) if v}
        if sort != "newest":
            filters["sort"] = sort
        return render_template("concepts/index.html", pagination=pagination, filters=filters, sort=sort,
                               stage=stage, org=org, tag=tag, notices=notices, sorts=concepts.SORTS,
                               stages=STAGES, stage_labels=concepts.STAGE_LABELS, perms=perms,
                               organizations=concepts.filter_organizations())

    user = pagecache.reader()
    numbers, memberships, unread = page_keys.listing(user)
    pagecache.remember_unread(unread)
    perms = listing_perms(user, memberships)
    key = ("concepts", *numbers, stage, org, tag, sort, page, *notices)
    return pagecache.page(key, lambda: render(perms), perms=perms)


def listing_perms(user: Any, memberships: tuple[int, ...]) -> dict[str, Any]:
    """Who sees which concepts (policy.concept_filter): visitors and signed-in people the visible
    ones, moderators all, an organization's members its hidden ones too."""
    perms = pagecache.permissions(user, {"moderate": ("moderation.access", None)})
    perms["organizations"] = memberships if perms["signed_in"] and not perms["moderate"] else ()
    return perms


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int]:
    orgs = concepts.organizations_for(current_user)
    if not orgs:
        if request.method == "POST":
            abort(403)
        return render_template("concepts/new.html", form=None, orgs=orgs), 200
    form = NewConceptForm()
    form.organization.choices = [(org.slug, org.name) for org in orgs]
    if request.method == "GET" and request.args.get("org") in {o.slug for o in orgs}:
        form.organization.data = request.args["org"]
    if form.validate_on_submit():
        org = next((o for o in orgs if o.slug == form.organization.data), None)
        try:
            concept = concepts.create(
                current_user, org, form.title.data, form.summary.data, form.description.data,
                form.stage.data, form.tags.data, form.currency.data, form.feedback_open.data,
                form.kano_enabled.data, form.price_question_enabled.data,
                price_asks_too_cheap=not form.price_three_questions.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your concept is posted. Add the features you want people to weigh in on."), "success")
            return redirect(url_for("concepts.show", slug=concept.slug))
    return render_template("concepts/new.html", form=form, orgs=orgs), 400 if form.is_submitted() else 200


def _render_show(concept, status: int = 200, feature_form: FeatureForm | None = None,
                 stage_form: StageForm | None = None, live_seq: int | None = None,
                 perms: dict[str, Any] | None = None) -> tuple[str, int]:
    perms = perms if perms is not None else concept_perms(current_user, concept)
    editing = perms["edit"]
    if live_seq is None:
        # The room's number is read before the content (the concept row is read again after it), so
        # the live client replays anything that lands in between: at worst twice, never missed.
        live_seq = events.seq_before(events.concept_room(concept.id), concept)
    return render_template(
        "concepts/show.html", concept=concept, live_seq=live_seq, perms=perms,
        decisions=decisions_service.of_concept(concept), money=feedback_service.money,
        active_features=concepts.active_features(concept),
        retired_features=concepts.retired_features(concept),
        stage_labels=concepts.STAGE_LABELS, stages=STAGES,
        feedback=feedback_service.panel(current_user, concept),
        suggestions=suggestions_service.panel(current_user, concept),
        credits=suggestions_service.adopted_credits(concept),
        # Forms (and their CSRF token, kept in the session) only for people who may use them: a
        # visitor's page sets no cookie.
        feature_form=feature_form or (FeatureForm(formdata=None) if editing else None),
        stage_form=stage_form or (StageForm(formdata=None, stage=_next_stage(concept.stage)) if editing else None),
        move_form=MoveForm(formdata=None) if editing else None), status


def _next_stage(stage: str) -> str:
    index = STAGES.index(stage) if stage in STAGES else 0
    return STAGES[min(index + 1, len(STAGES) - 1)]


@bp.get("/<slug>")
def show(slug: str) -> Response:
    """Served from the page cache (forum/pagecache.py) under the concept room's number: a vote, an
    answer, an edit or a stage change moves it. For a signed-in person the feedback panel (their
    votes) and the follow button are the personal parts, filled in per request."""
    user = pagecache.reader()
    row = page_keys.concept(slug, user) if concepts.is_slug(slug) else None
    if row is None:
        policy.require(user, "concept.view", None)  # NotFound, in the policy's words
    page_keys.remember_reader(user, row.organization_id, row)
    pagecache.remember_unread(row.unread)
    shown = _shown(row)
    policy.require(user, "concept.view", shown)
    demand.remember_seq(row.id, row.seq, row.topic_seq)
    perms = concept_perms(user, shown)
    key = ("concept", row.id, row.seq, row.name, row.verified_at, row.post_count, row.last_post_at)

    def render() -> str:
        # Read again after the number, with everything the page shows (see _render_show).
        return _render_show(concepts.get_by_slug(slug, current_user, refresh=True), live_seq=row.seq, perms=perms)[0]

    def render_panel() -> str:
        concept = concepts.get_by_slug(slug, current_user)
        return render_template("concepts/_feedback.html", concept=concept,
                               feedback=feedback_service.panel(current_user, concept),
                               suggestions=suggestions_service.panel(current_user, concept))

    feedback_key = (("feedback", row.id, row.seq, user.id, user.role, user.suspended_until, perms["edit"])
                    if perms["signed_in"] else ("feedback", row.id, row.seq))
    follow_key = ("follow", "concept", row.id, row.title, bool(row.following), request.full_path,
                  perms["signed_in"])  # a visitor's button says "Log in to follow"
    ttl = lambda: _concept_ttl(row.id)  # noqa: E731
    return pagecache.page(key, render, perms=perms, ttl=ttl, parts={
        # The person's own votes and answers move the room's number too: rendered once per change.
        "feedback": pagecache.Part(feedback_key, lambda: pagecache.fragment(feedback_key, render_panel, ttl=ttl)),
        "follow": pagecache.Part(follow_key, lambda: pagecache.fragment(follow_key, lambda: render_template(
            "notifications/_follow.html", concept=concepts.get_by_slug(slug, current_user))))})


def concept_perms(user: Any, concept: Any) -> dict[str, Any]:
    """What a concept page depends on about its reader: the permissions its template reads."""
    perms = pagecache.permissions(user, {"edit": ("concept.edit", concept), "member": ("org.member", concept),
                                         "flag": ("flag.create", None), "decide": ("decision.create", concept)})
    perms["role"] = user.role if perms["signed_in"] else None
    return perms


def _shown(row: Any) -> SimpleNamespace:
    """What the policy reads of a concept, from its key row."""
    return SimpleNamespace(id=row.id, organization_id=row.organization_id, hidden_at=row.hidden_at)


def _concept_ttl(concept_id: int) -> int:
    """Not past the moment a respondent's suspension ends (their answers then count again)."""
    concept = db.session.get(Concept, concept_id)  # loaded by the render: no query
    return pagecache.ttl_until(demand.get(concept).valid_until)


def _editable(slug: str):
    concept = concepts.get_by_slug(slug, current_user)
    if not policy.can(current_user, "concept.edit", concept):
        abort(403)
    return concept


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Response | tuple[str, int]:
    concept = _editable(slug)
    form = ConceptForm(obj=concept)
    if request.method == "GET":
        form.price_three_questions.data = not concept.price_asks_too_cheap
        form.description.data = concept.description_source
        form.tags.data = ", ".join(t.name for t in concept.tags)
    if form.validate_on_submit():
        try:
            concepts.update(current_user, concept, form.title.data, form.summary.data,
                            form.description.data, form.tags.data, form.currency.data,
                            form.feedback_open.data, form.kano_enabled.data,
                            form.price_question_enabled.data,
                            price_asks_too_cheap=not form.price_three_questions.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("concepts.show", slug=concept.slug))
    return render_template("concepts/edit.html", concept=concept, form=form), \
        400 if form.is_submitted() else 200


@bp.post("/<slug>/stage")
@login_required
def change_stage(slug: str) -> Response | tuple[str, int]:
    concept = _editable(slug)
    form = StageForm()
    if form.validate_on_submit():
        try:
            change = concepts.change_stage(current_user, concept, form.stage.data, form.note.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Moved to %(lower)s. Followers will hear about it.", lower=concepts.STAGE_LABELS[change.to_stage].lower()),
                  "success")
            return redirect(url_for("concepts.show", slug=concept.slug, _anchor="timeline"))
    return _render_show(concept, 400, stage_form=form)


@bp.post("/<slug>/features")
@login_required
def add_feature(slug: str) -> Response | tuple[str, int]:
    concept = _editable(slug)
    form = FeatureForm()
    if form.validate_on_submit():
        try:
            feature = concepts.add_feature(current_user, concept, form.title.data, form.description.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Added “%(title)s”.", title=feature.title), "success")
            return redirect(url_for("concepts.show", slug=concept.slug, _anchor="features"))
    return _render_show(concept, 400, feature_form=form)


@bp.route("/<slug>/features/<int:feature_id>/edit", methods=["GET", "POST"])
@login_required
def edit_feature(slug: str, feature_id: int) -> Response | tuple[str, int]:
    concept = _editable(slug)
    feature = concepts.get_feature(concept, feature_id)
    form = FeatureForm(obj=feature)
    if form.validate_on_submit():
        try:
            concepts.update_feature(current_user, feature, form.title.data, form.description.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Feature saved."), "success")
            return redirect(url_for("concepts.show", slug=concept.slug, _anchor="features"))
    return render_template("concepts/feature_edit.html", concept=concept, feature=feature, form=form), \
        400 if form.is_submitted() else 200


@bp.post("/<slug>/features/<int:feature_id>/move")
@login_required
def move_feature(slug: str, feature_id: int) -> Response:
    concept = _editable(slug)
    feature = concepts.get_feature(concept, feature_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    concepts.move_feature(current_user, feature, form.direction.data or "")
    return redirect(url_for("concepts.show", slug=concept.slug, _anchor=f"feature-{feature.id}"))


@bp.post("/<slug>/features/<int:feature_id>/retire")
@login_required
def retire_feature(slug: str, feature_id: int) -> Response:
    concept = _editable(slug)
    feature = concepts.get_feature(concept, feature_id)
    if not MoveForm().validate_on_submit():
        abort(400)
    concepts.retire_feature(current_user, feature)
    flash(_("Retired “%(title)s”. It stays in the history and can be restored.", title=feature.title), "success")
    return redirect(url_for("concepts.show", slug=concept.slug, _anchor="retired-features"))


@bp.post("/<slug>/features/<int:feature_id>/restore")
@login_required
def restore_feature(slug: str, feature_id: int) -> Response:
    concept = _editable(slug)
    feature = concepts.get_feature(concept, feature_id)
    if not MoveForm().validate_on_submit():
        abort(400)
    concepts.restore_feature(current_user, feature)
    flash(_("Restored “%(title)s”.", title=feature.title), "success")
    return redirect(url_for("concepts.show", slug=concept.slug, _anchor=f"feature-{feature.id}"))
