"""The bulletin board: boards, topics, posts, preview, and the admins' board management."""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import pagecache, policy
from forum.errors import NotFound, ValidationError
from forum.i18n import _
from forum.models import Post, Topic
from forum.services import boards, page_keys, posting
from forum.services.ids import parse_id
from forum.web.board_forms import BoardForm, EditPostForm, PostForm, PreviewForm, TopicForm
from forum.web.utils import apply_errors, page_arg, wants_json

bp = Blueprint("board", __name__)

LAST_PAGE = 10**6  # ?page=last: the service clamps it to the last page


def post_url(post: Post, page: int | None = None) -> str:
    """Where a post is: its topic page, with its anchor."""
    page = page or posting.page_of(post)
    return url_for("board.topic", topic_id=post.topic_id, page=page if page > 1 else None,
                   _anchor=f"p{post.id}")


def _topic_page_arg() -> int:
    return LAST_PAGE if "page" in request.args and request.args["page"] == "last" else page_arg()


# --- reading ----------------------------------------------------------------------------------

@bp.get("/boards")
def index() -> str:
    return render_template("board/index.html", summaries=boards.listing(current_user),
                           concept_topics=boards.concept_topics(viewer=current_user))


@bp.get("/boards/<slug>")
def show(slug: str) -> str:
    board = boards.get_by_slug(slug)
    return render_template("board/board.html", board=board,
                           pagination=boards.topics(board, page_arg(), current_user))


@bp.get("/t/<int:topic_id>")
def topic(topic_id: int) -> Response:
    """Served from the page cache (forum/pagecache.py) under the topic room's number and the page: a
    post, an edit, a hide, a pin or a lock moves the number. The room's number is read before the
    content (the live client replays what lands in between), in one statement with what the policy
    needs of the topic and the reader's own facts (forum/services/page_keys.py)."""
    page = _topic_page_arg()
    user = pagecache.reader()
    row = page_keys.topic(topic_id, user)
    if row is None:
        policy.require(user, "topic.view", None)  # NotFound, in the policy's words
    page_keys.remember_reader(user, row.organization_id, row)
    pagecache.remember_unread(row.unread)
    shown = _shown(row, topic_id)
    policy.require(user, "topic.view", shown)
    perms = topic_perms(user, shown)
    key = ("topic", topic_id, row.seq, page, row.title, row.pinned, row.locked, row.hidden_at)
    follow_key = ("follow", "topic", topic_id, row.title, bool(row.following), request.full_path,
                  perms["signed_in"])  # a visitor's button says "Log in to follow"
    return pagecache.page(key, lambda: _render_cached_topic(posting.get_topic(topic_id, current_user), page, row.seq,
                                                            perms),
                          perms=perms, parts={"follow": pagecache.Part(follow_key, lambda: pagecache.fragment(
                              follow_key, lambda: render_template("_follow_button.html", concept=None,
                                                                  topic=posting.get_topic(topic_id, current_user))))})


def topic_perms(user: Any, topic: Any) -> dict[str, Any]:
    """What a topic page shows depends on about its reader (besides their own posts, which get them a
    copy of their own): the permissions its template reads, through the policy."""
    perms = pagecache.permissions(user, {
        "moderate": ("moderation.access", None), "flag": ("flag.create", None),
        "reply": ("post.create", topic), "answer": ("post.mark_answered", topic),
        "pin": ("topic.pin", topic), "lock": ("topic.lock", topic)})
    perms["suspended_until"] = user.suspended_until if perms["signed_in"] and user.is_suspended else None
    return perms


def post_perms(user: Any, posts: Any) -> dict[int, dict[str, bool]]:
    """Each post's own controls for the reader, through the policy. On a shared page they follow from
    the page's `perms` (moderator, may flag) and the topic in its key; a reader whose own posts the
    page shows gets a copy of their own (forum/pagecache.py)."""
    mine = user.id if user.is_authenticated else None
    may_flag = policy.can(user, "flag.create")
    return {post.id: {"view": policy.can(user, "post.view", post), "edit": policy.can(user, "post.edit", post),
                      "delete": mine == post.author_id and policy.can(user, "post.delete", post),
                      "history": policy.can(user, "post.history", post),
                      "flag": may_flag and mine is not None and mine != post.author_id,
                      "react": mine is not None and policy.can(user, "post.react", post),
                      "quote": post.reply_to is not None and policy.can(user, "post.view", post.reply_to)}
            for post in posts}


def _shown(row: Any, topic_id: int) -> SimpleNamespace:
    """What the policy reads of a topic and its concept, from its key row."""
    concept = (SimpleNamespace(id=row.concept_id, organization_id=row.organization_id, hidden_at=row.concept_hidden_at)
               if row.concept_id is not None else None)
    return SimpleNamespace(id=topic_id, title=row.title, pinned=row.pinned, locked=row.locked,
                           hidden_at=row.hidden_at, concept_id=row.concept_id, concept=concept)


def _render_cached_topic(topic: Topic, page: int, live_seq: int, perms: dict[str, Any]) -> tuple[str, list[int]]:
    posts = posting.topic_posts(topic, page)
    return _topic_html(topic, posts, live_seq, perms), [post.author_id for post in posts.items]


def _topic_html(topic: Topic, posts: Any, live_seq: int, perms: dict[str, Any], form: PostForm | None = None) -> str:
    return render_template("board/topic.html", topic=topic, posts=posts, live_seq=live_seq, perms=perms,
                           post_perms=post_perms(current_user, posts.items),
                           form=form or (PostForm(formdata=None) if current_user.is_authenticated else None))


@bp.get("/p/<int:post_id>")
def post(post_id: int) -> Response:
    """A post's permanent address: sends you to the page of its topic where it is. Asked for JSON
    (the live page script), it answers the post as the topic page shows it to this person."""
    found = posting.get_post(post_id, current_user)
    if wants_json():
        return jsonify(post_fragment(found))
    return redirect(post_url(found))


def post_fragment(post: Post) -> dict[str, Any]:
    """{"id", "page", "url", "html"}: the post's <article> as its topic page renders it for the viewer
    (the same macro, so the same controls and the same sanitized HTML)."""
    topic = post.topic
    page = posting.page_of(post)
    return {"id": post.id, "page": page, "url": post_url(post, page), "hidden": post.hidden_at is not None,
            "deleted": post.deleted_at is not None,
            "html": render_template("board/_post.html", post=post, topic=topic, perms=topic_perms(current_user, topic),
                                    post_perms=post_perms(current_user, [post]))}


# --- writing ----------------------------------------------------------------------------------

def _compose(form: Any, save: Callable[[], Response]) -> tuple[Response | None, str | None, int]:
    """A composer's round trip: "Preview" shows the rendering, the other button saves; a refusal keeps
    what was typed on the form. Returns (the response after saving, the preview HTML, the status)."""
    if not form.validate_on_submit():
        return None, None, 400 if form.is_submitted() else 200
    try:
        if form.preview.data:
            return None, posting.preview(current_user, form.body.data), 200
        return save(), None, 200
    except ValidationError as exc:
        apply_errors(form, exc)
        return None, None, 400


@bp.route("/boards/<slug>/new", methods=["GET", "POST"])
@login_required
def new_topic(slug: str) -> Response | tuple[str, int]:
    board = boards.get_by_slug(slug)
    policy.require(current_user, "topic.create", board)
    form = TopicForm(board=str(board.id))
    form.board.choices = [(str(b.id), b.name) for b in boards.all_boards()
                          if policy.can(current_user, "topic.create", b)]

    def save() -> Response:
        created = posting.create_topic(current_user, form.board.data, form.title.data, form.body.data,
                                       announcement=bool(form.announcement.data))
        flash(_("Your topic is up."), "success")
        return redirect(url_for("board.topic", topic_id=created.id))

    done, preview_html, status = _compose(form, save)
    if done is not None:
        return done
    return render_template("board/new_topic.html", board=board, form=form, preview_html=preview_html), status


@bp.route("/t/<int:topic_id>/reply", methods=["GET", "POST"])
@login_required
def reply(topic_id: int) -> Response | tuple[str, int]:
    topic = posting.get_topic(topic_id, current_user)
    policy.require(current_user, "post.create", topic)
    form = PostForm()
    if request.method == "GET":
        form.reply_to_id.data = request.args.get("to", "")
    if request.method == "POST" and wants_json() and not form.preview.data:
        return _reply_json(topic, form)
    done, preview_html, status = _compose(
        form, lambda: redirect(post_url(posting.reply(current_user, topic, form.body.data, form.reply_to_id.data))))
    if done is not None:
        return done
    target = _reply_target(topic, form.reply_to_id.data)
    return render_template("board/reply.html", topic=topic, form=form, target=target,
                           preview_html=preview_html), status


def _reply_json(topic: Topic, form: PostForm) -> Any:
    """The topic page's script posts a reply and shows it in place: the post as the page renders it,
    or the messages per field (400)."""
    if not form.validate_on_submit():
        errors = {name: list(messages) for name, messages in form.errors.items()}
        return jsonify(error=_("Please check your input"), message=_("Please correct the marked fields."),
                       errors=errors), 400
    try:
        created = posting.reply(current_user, topic, form.body.data, form.reply_to_id.data)
    except ValidationError as exc:
        return jsonify(error=exc.title, message=exc.message, errors=exc.errors), exc.status
    return jsonify(post_fragment(created)), 201


def _reply_target(topic: Topic, value: Any) -> Post | None:
    try:
        post_id = parse_id(value)
        post = posting.get_post(post_id, current_user) if post_id else None
    except (TypeError, ValueError, NotFound):
        return None
    return post if post is not None and post.topic_id == topic.id else None


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int) -> Response | tuple[str, int]:
    post = posting.get_post(post_id, current_user)
    policy.require(current_user, "post.edit", post)
    can_rename = post.topic.board_id is not None and posting.first_post_id(post.topic) == post.id
    form = EditPostForm(data={"body": post.body_source, "title": post.topic.title})

    def save() -> Response:
        posting.edit_post(current_user, post, form.body.data, form.title.data if can_rename else None)
        flash(_("Your changes are saved."), "success")
        return redirect(post_url(post))

    done, preview_html, status = _compose(form, save)
    if done is not None:
        return done
    return render_template("board/edit_post.html", post=post, form=form, can_rename=can_rename,
                           preview_html=preview_html), status


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete_post(post_id: int) -> Response:
    post = posting.get_post(post_id, current_user)
    posting.delete_post(current_user, post)
    flash(_("The post is deleted."), "success")
    return redirect(post_url(post))


@bp.get("/p/<int:post_id>/history")
@login_required
def history(post_id: int) -> str:
    post = posting.get_post(post_id, current_user)
    return render_template("board/history.html", post=post,
                           revisions=posting.revisions(current_user, post))


@bp.post("/p/<int:post_id>/answer")
@login_required
def mark_answered(post_id: int) -> Response:
    """Mark post `post_id` (a question) as answered by the official reply `answer_id`
    (empty: withdraw the mark)."""
    question = posting.get_post(post_id, current_user)
    answer_id = request.form.get("answer_id", "")
    posting.mark_answered(current_user, question, answer_id)
    flash(_("Marked as answered.") if answer_id else _("The answer mark is withdrawn."), "success")
    return redirect(post_url(question))


def _flag(name: str) -> bool | None:
    value = request.form.get(name)
    if value is None or value == "":
        return None
    return value not in ("0", "false", "off")


@bp.post("/t/<int:topic_id>/pin")
@login_required
def pin(topic_id: int) -> Response:
    topic = posting.get_topic(topic_id, current_user)
    pinned = posting.set_pinned(current_user, topic, _flag("pinned"))
    flash(_("The topic is pinned to the top.") if pinned else _("The topic is no longer pinned."), "success")
    return redirect(url_for("board.topic", topic_id=topic.id))


@bp.post("/t/<int:topic_id>/lock")
@login_required
def lock(topic_id: int) -> Response:
    topic = posting.get_topic(topic_id, current_user)
    locked = posting.set_locked(current_user, topic, _flag("locked"), request.form.get("reason", ""))
    flash(_("The topic is locked: nobody can post in it.") if locked else _("The topic is open again."), "success")
    return redirect(url_for("board.topic", topic_id=topic.id))


@bp.post("/preview")
@login_required
def preview() -> Any:
    """The HTML a post would show. JSON {"html": ...} when asked for JSON, else a page."""
    form = PreviewForm()
    if wants_json():
        try:
            return jsonify(html=posting.preview(current_user, form.body.data))
        except ValidationError as exc:
            return jsonify(error=exc.title, message=exc.message, errors=exc.errors), 400
    preview_html = None
    status = 200
    if form.validate_on_submit():
        try:
            preview_html = posting.preview(current_user, form.body.data)
        except ValidationError as exc:
            apply_errors(form, exc)
            status = 400
    return render_template("board/preview.html", form=form, preview_html=preview_html), status


# --- admin: boards --------------------------------------------------------------------------

def _require_manager() -> None:
    policy.require(current_user, "board.manage")


@bp.route("/boards/manage", methods=["GET", "POST"])
@login_required
def manage() -> Response | tuple[str, int]:
    _require_manager()
    form = BoardForm()
    status = 200
    if form.validate_on_submit():
        try:
            created = boards.create(current_user, form.name.data, form.slug.data, form.description.data,
                                    form.position.data, form.topic_starters.data)
        except ValidationError as exc:
            apply_errors(form, exc)
            status = 400
        else:
            flash(_("The board “%(name)s” is created.", name=created.name), "success")
            return redirect(url_for("board.manage"))
    elif form.is_submitted():
        status = 400
    return render_template("board/manage.html", summaries=boards.listing(current_user), form=form), status


@bp.route("/boards/manage/<int:board_id>", methods=["GET", "POST"])
@login_required
def edit_board(board_id: int) -> Response | tuple[str, int]:
    _require_manager()
    board = boards.get(board_id)
    form = BoardForm(obj=board)
    status = 200
    if form.validate_on_submit():
        try:
            boards.update(current_user, board, form.name.data, form.slug.data, form.description.data,
                          form.position.data, form.topic_starters.data)
        except ValidationError as exc:
            apply_errors(form, exc)
            status = 400
        else:
            flash(_("The board is saved."), "success")
            return redirect(url_for("board.manage"))
    elif form.is_submitted():
        status = 400
    return render_template("board/edit_board.html", board=board, form=form), status
