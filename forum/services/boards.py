"""Boards: the categories admins set up, and the topic lists people browse."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum import policy
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import Board, Concept, Topic
from forum.models.board import TOPIC_STARTERS
from forum.services.organizations import slugify
from forum.services.tx import commit_and_publish

NAME_MAX = 80
SLUG_MAX = 80
DESCRIPTION_MAX = 500
POSITION_RANGE = (-1000, 1000)
TOPICS_PER_PAGE = 20
_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class BoardSummary:
    board: Board
    topic_count: int
    post_count: int
    last_post_at: datetime | None


def listing(viewer: Any = None) -> list[BoardSummary]:
    """Every board in order, with its topic and post totals and last activity: one query."""
    join_on = (Topic.board_id == Board.id) & policy.topic_filter(viewer)
    rows = db.session.execute(
        select(Board, func.count(Topic.id), func.coalesce(func.sum(Topic.post_count), 0),
               func.max(Topic.last_post_at))
        .outerjoin(Topic, join_on)
        .group_by(Board.id)
        .order_by(Board.position, Board.name)).all()
    return [BoardSummary(board, int(topics), int(posts), last) for board, topics, posts, last in rows]


def all_boards() -> list[Board]:
    return list(db.session.scalars(select(Board).order_by(Board.position, Board.name)))


def get_by_slug(slug: str) -> Board:
    board = db.session.scalar(select(Board).where(Board.slug == slug))
    if board is None:
        raise NotFound(_("There is no board at that address."))
    return board


def get(board_id: int) -> Board:
    board = db.session.get(Board, board_id)
    if board is None:
        raise NotFound(_("There is no such board."))
    return board


def topics(board: Board, page: int = 1, viewer: Any = None, per_page: int = TOPICS_PER_PAGE):
    """A board's topics, pinned first, then by last activity; author and last poster eager-loaded."""
    query = (select(Topic).where(Topic.board_id == board.id)
             .options(joinedload(Topic.author), joinedload(Topic.last_post_user))
             .order_by(Topic.pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc()))
    query = query.where(policy.topic_filter(viewer))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def concept_topics(limit: int = 8, viewer: Any = None) -> list[Topic]:
    """The liveliest concept discussions (pinned first), with concept and organization loaded."""
    query = (select(Topic).join(Concept, Topic.concept_id == Concept.id)
             .options(joinedload(Topic.concept).joinedload(Concept.organization),
                      joinedload(Topic.last_post_user))
             .order_by(Topic.pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc()).limit(limit))
    query = query.where(policy.topic_filter(viewer))
    return list(db.session.scalars(query))


# --- admin ------------------------------------------------------------------------------------

def _fail(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError(_("Please correct the marked fields."), errors)


def _check(name: str, slug: str, description: str, position: Any,
           board: Board | None, topic_starters: Any = "everyone") -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if topic_starters in (None, ""):
        topic_starters = "everyone"
    if topic_starters not in TOPIC_STARTERS:
        errors["topic_starters"] = [_("Choose who may start topics: everyone, or staff only.")]
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Give the board a name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("A board name has at most %(NAME_MAX)s characters.", NAME_MAX=NAME_MAX)]
    slug = (slug or "").strip().lower()
    if not slug and name:
        slug = slugify(name, SLUG_MAX)
    if slug and (problem := _slug_problem(slug, board)):
        errors["slug"] = [problem]
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("A description has at most %(DESCRIPTION_MAX)s characters.", DESCRIPTION_MAX=DESCRIPTION_MAX)]
    position, problem = _checked_position(position)
    if problem:
        errors["position"] = [problem]
    if errors:
        raise _fail(errors)
    return {"name": name, "slug": slug, "description": description, "position": position,
            "topic_starters": topic_starters}


def _slug_problem(slug: str, board: Board | None) -> str | None:
    """What is wrong with a board's address (None: nothing); `board` is the one being edited."""
    if len(slug) > SLUG_MAX:
        return _("An address has at most %(SLUG_MAX)s characters.", SLUG_MAX=SLUG_MAX)
    if not _SLUG_RE.fullmatch(slug):
        return _("Use lowercase letters, digits and single hyphens, e.g. “help-and-feedback”.")
    if slug in ("manage",):
        return _("That address is reserved; choose another.")
    taken = db.session.scalar(select(Board.id).where(Board.slug == slug))
    if taken is not None and (board is None or taken != board.id):
        return _("Another board already uses that address.")
    return None


def _checked_position(position: Any) -> tuple[int, str | None]:
    """A board's position as a number (0 when it is none), and what is wrong with it."""
    try:
        position = int(position if position not in (None, "") else 0)
        if abs(position) > 100_000:
            raise ValueError(position)
    except (TypeError, ValueError):
        return 0, _("The position is a whole number; lower numbers come first.")
    if not POSITION_RANGE[0] <= position <= POSITION_RANGE[1]:
        return position, _("Choose a position between %(value)s and %(value2)s.", value=POSITION_RANGE[0], value2=POSITION_RANGE[1])
    return position, None


def create(actor: Any, name: str, slug: str = "", description: str = "", position: Any = 0,
           topic_starters: str = "everyone") -> Board:
    """An admin creates a board. An empty slug is made from the name. `topic_starters`: who may start
    topics there, "everyone" or "staff"."""
    policy.require(actor, "board.manage")
    board = Board(**_check(name, slug, description, position, None, topic_starters))
    db.session.add(board)
    commit_and_publish(conflict=_("A board with that address was just created; choose another address."))
    return board


def update(actor: Any, board: Board, name: str, slug: str, description: str, position: Any,
           topic_starters: str | None = None) -> Board:
    policy.require(actor, "board.manage")
    if topic_starters is None:
        topic_starters = board.topic_starters
    for key, value in _check(name, slug, description, position, board, topic_starters).items():
        setattr(board, key, value)
    commit_and_publish(conflict=_("Another board took that address just now; choose another."))
    return board
