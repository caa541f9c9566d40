"""The moderators' panel (/moderation), the public moderation log, and the pages a person meets
when moderation concerns them: flagging, warnings to acknowledge, the appeal of a suspension."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, user_logged_in
from werkzeug.wrappers import Response

from forum import pagecache, policy
from forum.errors import DomainError, NotFound, ValidationError
from forum.extensions import db, login_manager
from forum.i18n import _
from forum.models import FLAG_REASONS, Post
from forum.models.moderation import REVIEW_KINDS, SYSTEM_REASONS
from forum.services import moderation
from forum.web import audit_targets
from forum.web.utils import page_arg, safe_next, wants_json

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
conduct = Blueprint("conduct", __name__)

PUBLIC_ENDPOINTS = {"moderation.public_log"}


@bp.before_request
def require_moderator() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.require(current_user, "moderation.access")
    return None


def _back(default: str) -> Response:
    return redirect(safe_next(request.form.get("next") or request.args.get("next"), default))


# --- the queue --------------------------------------------------------------------------------

@bp.get("/")
def index() -> str:
    kind = request.args.get("kind", "")
    reason = request.args.get("reason", "")
    pagination = moderation.queue(current_user, kind=kind, reason=reason, page=page_arg())
    return render_template("moderation/queue.html", pagination=pagination, kind=kind, reason=reason,
                           kinds=REVIEW_KINDS, reasons={**FLAG_REASONS, **SYSTEM_REASONS},
                           threshold=moderation.setting("flag_threshold"))


@bp.get("/items/<int:item_id>")
def item(item_id: int) -> str:
    return _item_page(moderation.get_item(current_user, item_id))


def _item_page(found: Any, form: Any = None) -> str:
    kind, obj = found.kind, found.post or found.concept or found.user or found.suspension
    actions = moderation.offered(current_user, kind, obj, found) if obj is not None else []
    return render_template("moderation/item.html", item=found, actions=actions,
                           threshold=moderation.setting("flag_threshold"), form=form)


@bp.post("/items/<int:item_id>/act")
def act(item_id: int) -> Any:
    found = moderation.get_item(current_user, item_id)
    action = request.form.get("action", "")
    try:
        action, then = _chosen()
        moderation.act_on_item(current_user, found, action, request.form.get("reason"),
                               body=request.form.get("body"), until=request.form.get("until"), then=then)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _item_page(found, request.form), exc.status
    flash(_("Done. The person concerned has been told, and the action is in the audit log."), "success")
    return redirect(url_for("moderation.index"))


@bp.get("/posts/<int:post_id>")
def post(post_id: int) -> str:
    return _post_page(_post(post_id))


def _post_page(found: Post, form: Any = None) -> str:
    actions = moderation.offered(current_user, "post", found, moderation.item_about("post", found))
    return render_template("moderation/post.html", post=found, actions=actions, form=form)


@bp.post("/posts/<int:post_id>/act")
def act_on_post(post_id: int) -> Any:
    found = _post(post_id)
    try:
        action, then = _chosen()
        moderation.act_on_post(current_user, found, action, request.form.get("reason"),
                               body=request.form.get("body"), until=request.form.get("until"), then=then)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _post_page(found, request.form), exc.status
    flash(_("Done. The person concerned has been told, and the action is in the audit log."), "success")
    return redirect(url_for("board.post", post_id=found.id))


def _chosen() -> tuple[str, str | None]:
    """The form's decision on the thing and, optionally, on its author; an action on the author
    alone is the decision itself."""
    action, then = request.form.get("action") or "", request.form.get("then") or None
    return (action, then) if action else (then or "", None)


def _post(post_id: int) -> Post:
    found = db.session.get(Post, post_id)
    if found is None:
        raise NotFound(_("There is no post at that address."))
    return found


# --- people -----------------------------------------------------------------------------------

@bp.get("/people")
def people() -> str:
    q = (request.args.get("q") or "").strip()[:32]
    return render_template("moderation/people.html", pagination=moderation.find_people(current_user, q, page_arg()),
                           q=q)


@bp.get("/people/<username>")
def person(username: str) -> str:
    return _person_page(moderation.user_by_name(username))


def _person_page(user: Any, form: Any = None) -> str:
    actions = [a for a in moderation.offered(current_user, "person", user) if a.name != "lift"]
    return render_template("moderation/person.html", person=user, actions=actions,
                           record=moderation.person_record(current_user, user),
                           levels=moderation.TRUST_LEVELS, form=form, label=moderation.action_label)


@bp.post("/people/<username>/act")
def act_on_person(username: str) -> Any:
    user = moderation.user_by_name(username)
    try:
        moderation.act_on_person(current_user, user, request.form.get("action", ""), request.form.get("reason"),
                                 until=request.form.get("until"), level=request.form.get("level"),
                                 suspension_id=request.form.get("suspension_id"))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _person_page(user, request.form), exc.status
    flash(_("Done. %(name)s has been told, and the action is in the audit log.", name=user.username), "success")
    return redirect(url_for("moderation.person", username=user.username))


# --- the record -------------------------------------------------------------------------------

@bp.get("/audit")
def audit() -> Any:
    args = {name: (request.args.get(name) or "").strip()[:100] for name in ("person", "action", "since", "until", "q")}
    status = 200
    try:
        pagination = moderation.audit_log(current_user, page=page_arg(), **args)
    except ValidationError as exc:  # a date it cannot read: said so, with the whole log (and a 400)
        flash(exc.message, "error")
        status = exc.status
        args["since"] = args["until"] = ""
        pagination = moderation.audit_log(current_user, page=page_arg(), **args)
    return render_template("moderation/audit.html", pagination=pagination, args=args,
                           actions=moderation.audit_actions(), label=moderation.action_label,
                           targets=audit_targets.targets(pagination.items)), status


@bp.get("/log")
def public_log() -> str:
    return render_template("moderation/public_log.html", log=moderation.public_log())


# --- blocked words and domains ------------------------------------------------------------------

@bp.get("/blocked")
def blocked() -> str:
    return render_template("moderation/blocked.html", terms=moderation.blocked_terms())


@bp.post("/blocked")
def add_blocked() -> Any:
    try:
        term = moderation.add_blocked_term(current_user, request.form.get("kind"), request.form.get("value"))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("moderation/blocked.html", terms=moderation.blocked_terms(),
                               form=request.form), exc.status
    flash(_("Posts with “%(term)s” now wait for review.", term=term.value), "success")
    return redirect(url_for("moderation.blocked"))


@bp.post("/blocked/<int:term_id>/delete")
def remove_blocked(term_id: int) -> Response:
    moderation.remove_blocked_term(current_user, term_id)
    flash(_("Removed from the list."), "success")
    return redirect(url_for("moderation.blocked"))


# =============================================================================================
# What a person meets: flags, warnings, the appeal
# =============================================================================================

@conduct.post("/flag")
@login_required
def flag() -> Response:
    kind = request.form.get("kind", "")
    try:
        moderation.flag(current_user, kind, request.form.get("target_id"), request.form.get("reason"),
                        request.form.get("note", ""))
    except DomainError as exc:
        if exc.status in (403, 404, 429) or wants_json():
            raise
        db.session.rollback()
        flash(exc.message, "error")
    else:
        message = _("Thank you: the moderators will look at it. You will be told what they decide; "
                    "your flags are listed on your flags page.")
        if wants_json():  # static/js/app.js: the page stays where it is and the post says so
            return jsonify(ok=True, message=message)
        flash(message, "success")
    return _back("/")


@conduct.get("/flags")
@login_required
def my_flags() -> str:
    return render_template("moderation/my_flags.html",
                           pagination=moderation.my_flags(current_user, page_arg()))


@conduct.post("/flags/<int:flag_id>/withdraw")
@login_required
def withdraw_flag(flag_id: int) -> Response:
    moderation.withdraw_flag(current_user, flag_id)
    flash(_("Your flag is withdrawn."), "success")
    return _back(url_for("conduct.my_flags"))


@conduct.get("/warnings")
@login_required
def warnings() -> str:
    return render_template("moderation/warnings.html", warnings=moderation.pending_warnings(current_user))


@conduct.post("/warnings/<int:warning_id>/acknowledge")
@login_required
def acknowledge(warning_id: int) -> Response:
    moderation.acknowledge_warning(current_user, warning_id)
    if current_user.warning_pending:
        return redirect(url_for("conduct.warnings"))
    flash(_("Thank you. You can carry on."), "success")
    return redirect(url_for("main.index"))


@conduct.route("/appeal", methods=["GET", "POST"])
@login_required
def appeal() -> Any:
    suspension = moderation.active_suspension(current_user)
    policy.require(current_user, "moderation.appeal", suspension)
    if request.method == "POST":
        try:
            moderation.appeal(current_user, request.form.get("text"))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("moderation/appeal.html", suspension=suspension,
                                   text=request.form.get("text", "")), exc.status
        flash(_("Your appeal is with the moderators. You will be told their answer."), "success")
        return redirect(url_for("conduct.appeal"))
    return render_template("moderation/appeal.html", suspension=suspension, text="")


# --- wiring -------------------------------------------------------------------------------------

#: Where a person with a warning to acknowledge may still go.
WARNING_EXEMPT = {"conduct.warnings", "conduct.acknowledge", "auth.logout", "static", "main.healthz"}


def warning_gate() -> Response | None:
    """A person with an unacknowledged warning sees it before anything else."""
    user = pagecache.reader()
    if user.is_authenticated and user.warning_pending:
        endpoint = request.endpoint
        if endpoint not in WARNING_EXEMPT and endpoint is not None:
            return redirect(url_for("conduct.warnings"))
    return None


def _on_login(app: Flask, user: Any) -> None:
    """At sign-in: a restricted person is told why and until when; trust levels catch up."""
    notice = moderation.suspension_notice(user)
    if notice:
        flash(notice, "error")
    if moderation.promote(user):
        db.session.commit()


def register(app: Flask) -> None:
    app.before_request(warning_gate)
    user_logged_in.connect(_on_login, app)

    @app.context_processor
    def moderation_context() -> dict[str, Any]:
        return {"moderation_waiting": moderation.waiting_count, "flag_reasons": FLAG_REASONS}
