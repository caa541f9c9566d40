"""Finding things and hearing about them: search, follows, notifications."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import HiddenField

from forum.errors import ValidationError
from forum.i18n import _, _l
from forum.services import notifications
from forum.services import search as search_service
from forum.web.bodies import ForumForm
from forum.web.utils import page_arg, safe_next

search_bp = Blueprint("search", __name__)
bp = Blueprint("notifications", __name__)

KIND_CHOICES = [("", _l("Everything")), ("concept", _l("Concepts")), ("post", _l("Posts"))]


class FollowForm(ForumForm):
    concept_id = HiddenField()
    topic_id = HiddenField()
    next = HiddenField()


# --- search -------------------------------------------------------------------------------------

@search_bp.get("/search", endpoint="index")
def search_page() -> str:
    query = (request.args.get("q") or "")[: search_service.QUERY_MAX]
    kind = request.args.get("kind") or None
    if kind not in search_service.KINDS:
        kind = None
    results = search_service.search(current_user, query, kind=kind, page=page_arg())
    return render_template("search/index.html", results=results, query=results.query,
                           kind=kind, kind_choices=KIND_CHOICES)


# --- notifications ------------------------------------------------------------------------------

@bp.get("/notifications", endpoint="index")
@login_required
def notifications_page() -> str:
    pagination = notifications.listing(current_user, page_arg())
    return render_template("notifications/index.html", pagination=pagination,
                           unread=notifications.unread_count(current_user))


@bp.post("/notifications/read-all")
@login_required
def read_all() -> Response:
    count = notifications.mark_all_read(current_user)
    flash(_("All notifications are marked as read.") if count else _("Nothing was unread."), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> Response:
    notification = notifications.mark_read(current_user, notification_id)
    return redirect(safe_next(notification.url, url_for("notifications.index")))


def _follow(following: bool) -> Response:
    form = FollowForm()
    try:
        obj = notifications.set_following(current_user, following, concept_id=form.concept_id.data,
                                          topic_id=form.topic_id.data)
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(safe_next(form.next.data, url_for("main.index")))
    if form.concept_id.data:
        default = notifications.concept_url(obj)  # type: ignore[arg-type]
    else:
        default = f"/t/{obj.id}"
    if following:
        if form.concept_id.data:
            flash(_("You are following “%(title)s”. You will be told about official answers and stage changes.",
                    title=obj.title), "success")
        else:
            flash(_("You are following “%(title)s”. You will be told about official answers.", title=obj.title),
                  "success")
    else:
        flash(_("You no longer follow “%(title)s”.", title=obj.title), "success")
    return redirect(safe_next(form.next.data, default))


@bp.post("/follow")
@login_required
def follow() -> Response:
    return _follow(True)


@bp.post("/unfollow")
@login_required
def unfollow() -> Response:
    return _follow(False)


@bp.app_context_processor
def follow_helpers() -> dict[str, Any]:
    def is_following(concept: Any = None, topic: Any = None) -> bool:
        if concept is None and topic is None:
            return False
        if concept is not None:
            return notifications.is_following(current_user, concept=concept)
        return notifications.is_following(current_user, topic=topic)

    return {"is_following": is_following}
