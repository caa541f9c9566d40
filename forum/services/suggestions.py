"""Suggestions: features proposed by consumers, supported by others, decided by the organization.

A suggestion's text is also a post in the concept's discussion (its "discussion"), written through
the posting service, so new accounts' limits, the link cap, blocked words, flags and the moderation
queue apply to it exactly as to any post; the suggestion is seen wherever its post is
(policy "suggestion.view"). Every write records its event in the concept's room in the same
transaction (open pages update live, cached pages move on) and commits through tx.

Support: one per person, withdrawable; the author supports their own suggestion from the start (as
Fider counts the author's vote). Support counts follow the one rule of whose answer counts
(`demand.counted`). Adopting makes a Feature and turns each supporter's support into a "for" vote
they can change; merging moves support to a feature (as a "for" vote) or to another suggestion,
never counting anyone twice; declining keeps the suggestion, with its reason, for everyone to read.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from forum import policy
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _, _l
from forum.models import Concept, Event, Feature, FeatureVote, Suggestion, SuggestionSupport, User, utcnow
from forum.services import concepts, demand, events, moderation, notifications, posting, search
from forum.services.ids import parse_id
from forum.services.tx import commit_and_publish, lock_row

TITLE_MIN = 4
TITLE_MAX = 120
WHY_MAX = 2000
REASON_MIN = 5
REASON_MAX = 500
_MARKDOWN_RE = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


# --- reads ----------------------------------------------------------------------------------------

def get(concept: Concept, suggestion_id: Any, actor: Any = None) -> Suggestion:
    """A suggestion of `concept` that `actor` may see; NotFound otherwise."""
    try:
        number = parse_id(suggestion_id)
    except (TypeError, ValueError):
        number = None
    suggestion = db.session.get(Suggestion, number) if number is not None else None
    if suggestion is None or suggestion.concept_id != concept.id:
        raise NotFound(_("There is no such suggestion."))
    policy.require(actor, "suggestion.view", suggestion)
    return suggestion


def support_counts(concept_id: int) -> dict[int, int]:
    """{suggestion id: supporters who count} for a concept: one grouped query under the rule of
    whose answer counts."""
    rows = db.session.execute(
        select(SuggestionSupport.suggestion_id, func.count(SuggestionSupport.id))
        .join(Suggestion, Suggestion.id == SuggestionSupport.suggestion_id)
        .join(User, User.id == SuggestionSupport.user_id)
        .where(Suggestion.concept_id == concept_id, demand.counted(concept_id))
        .group_by(SuggestionSupport.suggestion_id))
    return {sid: int(n) for sid, n in rows}


def support_of(suggestion: Suggestion) -> int:
    return support_counts(suggestion.concept_id).get(suggestion.id, 0)


def of_concept(actor: Any, concept: Concept) -> list[Suggestion]:
    """The suggestions `actor` may see, open ones first by support, then the decided ones."""
    rows = db.session.scalars(select(Suggestion).where(Suggestion.concept_id == concept.id)
                              .order_by(Suggestion.created_at.desc()))
    visible = [s for s in rows if policy.can(actor, "suggestion.view", s)]
    counts = support_counts(concept.id)
    for s in visible:
        s.support = counts.get(s.id, 0)
    order = {"open": 0, "adopted": 1, "merged": 2, "declined": 3}
    return sorted(visible, key=lambda s: (order.get(s.status, 9), -s.support, -s.id))


def supported_by(actor: Any, concept: Concept) -> set[int]:
    if not getattr(actor, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(SuggestionSupport.suggestion_id).join(Suggestion).where(
        Suggestion.concept_id == concept.id, SuggestionSupport.user_id == actor.id)))


def panel(actor: Any, concept: Concept) -> dict[str, Any]:
    """Everything the concept page's suggestions section (templates/concepts/_suggestions.html) needs."""
    items = of_concept(actor, concept)
    return {"items": items, "open": [s for s in items if s.status == "open"],
            "decided": [s for s in items if s.status != "open"],
            "mine": supported_by(actor, concept),
            "may_suggest": policy.can(actor, "suggestion.create", concept),
            "refusal": policy.refusal(actor, "suggestion.create", concept),
            "may_decide": policy.can(actor, "concept.edit", concept),
            "features": concepts.active_features(concept)}


def adopted_credits(concept: Concept) -> dict[int, Suggestion]:
    """{feature id: the suggestion it came from}: the author is credited on the feature."""
    rows = db.session.scalars(select(Suggestion).where(
        Suggestion.concept_id == concept.id, Suggestion.status == "adopted", Suggestion.feature_id.is_not(None)))
    return {s.feature_id: s for s in rows}


# --- suggesting -----------------------------------------------------------------------------------

def _check(title: Any, why: Any) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    title = " ".join(str(title or "").split()) if isinstance(title, str) else ""
    why = str(why or "").strip() if isinstance(why, str) else ""
    if len(title) < TITLE_MIN:
        errors["title"] = [_("Give your suggestion a title of at least %(n)d characters.", n=TITLE_MIN)]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("A title has at most %(n)d characters.", n=TITLE_MAX)]
    if not why:
        errors["why"] = [_("Say why it matters: what would it let you do?")]
    elif len(why) > WHY_MAX:
        errors["why"] = [_("Keep it under %(n)d characters.", n=WHY_MAX)]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors)
    return title, why


def _duplicate(concept: Concept, title: str) -> Suggestion | None:
    return db.session.scalar(select(Suggestion).where(
        Suggestion.concept_id == concept.id, Suggestion.status == "open",
        func.lower(Suggestion.title) == title.lower()))


def suggest(actor: Any, concept: Concept, title: Any, why: Any) -> Suggestion:
    """Propose a feature. Its text becomes a post in the concept's discussion (screened as posts are)."""
    policy.require(actor, "suggestion.create", concept)
    title, why = _check(title, why)
    if _duplicate(concept, title) is not None:
        message = _("There is already an open suggestion with this title: support it instead.")
        raise ValidationError(message, {"title": [message]})
    topic = posting.concept_topic(concept)
    db.session.flush()
    escaped = _MARKDOWN_RE.sub(r"\\\1", title)
    body = f"**{_('Suggested feature')}: {escaped}**\n\n{why}"
    post, post_event = posting.add_post(actor, topic, body)
    suggestion = Suggestion(concept_id=concept.id, author_id=actor.id, post_id=post.id, title=title, why=why)
    db.session.add(suggestion)
    db.session.flush()
    db.session.add(SuggestionSupport(suggestion_id=suggestion.id, user_id=actor.id))
    event = _event(suggestion, "suggestion.added", title=title, author=actor.name, held=post.hidden_at is not None)
    commit_and_publish(post_event, event)
    return suggestion


def _event(suggestion: Suggestion, kind: str, **payload: Any) -> events.Event:
    db.session.flush()
    return events.record(events.concept_room(suggestion.concept_id), kind, {
        "suggestion_id": suggestion.id, "status": suggestion.status, "support": support_of(suggestion),
        **payload})


# --- support --------------------------------------------------------------------------------------

def support(actor: Any, suggestion: Suggestion, on: Any = True) -> int:
    """Support (on) or withdraw support (off). Returns the new count."""
    policy.require(actor, "suggestion.support", suggestion)
    moderation.check_rate(actor, "vote")
    lock_row(Suggestion, suggestion.id)
    if on in (True, "on", "1", "true", 1):
        exists = db.session.scalar(select(SuggestionSupport.id).where(
            SuggestionSupport.suggestion_id == suggestion.id, SuggestionSupport.user_id == actor.id))
        if exists is None:
            db.session.add(SuggestionSupport(suggestion_id=suggestion.id, user_id=actor.id))
    elif on in (False, "off", "0", "false", 0):
        db.session.execute(delete(SuggestionSupport).where(
            SuggestionSupport.suggestion_id == suggestion.id, SuggestionSupport.user_id == actor.id))
    else:
        raise ValidationError(_("Choose to support the suggestion or to withdraw your support."))
    event = _event(suggestion, "suggestion.support")
    commit_and_publish(event, conflict=_("You already support this suggestion."))
    return event.payload["support"]


def _supporters(suggestion: Suggestion) -> list[int]:
    return list(db.session.scalars(select(SuggestionSupport.user_id).where(
        SuggestionSupport.suggestion_id == suggestion.id).order_by(SuggestionSupport.id)))


def _votes_for(feature: Feature, user_ids: list[int]) -> list[int]:
    """A "for" vote on `feature` for each person who has none on it yet (nobody is counted twice)."""
    voted = set(db.session.scalars(select(FeatureVote.user_id).where(FeatureVote.feature_id == feature.id)))
    now = utcnow()
    added = [uid for uid in dict.fromkeys(user_ids) if uid not in voted]
    db.session.add_all([FeatureVote(feature_id=feature.id, user_id=uid, value=1, created_at=now, updated_at=now)
                        for uid in added])
    return added


def _decided(actor: Any, suggestion: Suggestion, status: str, note: str = "") -> None:
    suggestion.status = status
    suggestion.decision_note = note
    suggestion.decided_by_id = actor.id
    suggestion.decided_at = utcnow()


def _tell(suggestion: Suggestion, user_ids: list[int], message: Any, actor: Any) -> None:
    people = [uid for uid in dict.fromkeys(user_ids) if uid != actor.id]
    url = f"/concepts/{suggestion.concept.slug}#suggestion-{suggestion.id}"
    for uid in people:
        notifications.notify(uid, "suggestion", message, url, actor_id=actor.id)


# --- the organization's decisions -----------------------------------------------------------------

def adopt(actor: Any, suggestion: Suggestion, title: Any = None) -> Feature:
    """Make the suggestion a feature everyone can vote on; its supporters' support becomes their
    "for" vote (changeable) and they are told; the author is credited on the feature."""
    policy.require(actor, "suggestion.decide", suggestion)
    concept = suggestion.concept
    name, description = concepts.check_feature(str(title or suggestion.title), suggestion.why[:1000])
    feature = Feature(concept=concept, title=name, description=description,
                      position=len(concept.features))
    db.session.add(feature)
    db.session.flush()
    search.index_feature(feature)
    supporters = _supporters(suggestion)
    _votes_for(feature, supporters)
    suggestion.feature_id = feature.id
    _decided(actor, suggestion, "adopted")
    _tell(suggestion, [suggestion.author_id, *supporters], _l(
        "“%(title)s”, a suggestion you supported, is now a feature of %(concept)s. Your support counts "
        "as a vote for it; you can change it.", title=suggestion.title, concept=concept.title), actor)
    concept.last_activity_at = utcnow()
    recorded = [demand.invalidate(concept),
                _event(suggestion, "suggestion.adopted", feature_id=feature.id, title=suggestion.title)]
    commit_and_publish(*recorded)
    return feature


def decline(actor: Any, suggestion: Suggestion, reason: Any) -> None:
    """Decline, with a reason everyone reads on the suggestion."""
    policy.require(actor, "suggestion.decide", suggestion)
    reason = " ".join(str(reason or "").split()) if isinstance(reason, str) else ""
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        message = _("Say why, in %(low)d to %(high)d characters: everyone will read it.",
                    low=REASON_MIN, high=REASON_MAX)
        raise ValidationError(message, {"reason": [message]})
    _decided(actor, suggestion, "declined", reason)
    _tell(suggestion, [suggestion.author_id, *_supporters(suggestion)], _l(
        "“%(title)s”, a suggestion you supported, was declined: %(reason)s",
        title=suggestion.title, reason=reason), actor)
    commit_and_publish(_event(suggestion, "suggestion.declined", reason=reason))


def _merge_target(suggestion: Suggestion, target: Any) -> Feature | Suggestion:
    """"feature:<id>" or "suggestion:<id>" of the same concept."""
    kind, _sep, number = str(target or "").partition(":")
    try:
        target_id = parse_id(number)
    except (TypeError, ValueError):
        target_id = None
    found: Any = None
    if kind == "feature" and target_id is not None:
        found = db.session.get(Feature, target_id)
        if found is not None and found.retired_at is not None:
            found = None
    elif kind == "suggestion" and target_id is not None and target_id != suggestion.id:
        found = db.session.get(Suggestion, target_id)
        if found is not None and found.status != "open":
            raise Conflict(_("Merge into an open suggestion (that one has been decided)."))
    if found is None or found.concept_id != suggestion.concept_id:
        message = _("Choose a feature or another open suggestion of this concept.")
        raise ValidationError(message, {"target": [message]})
    return found


def merge(actor: Any, suggestion: Suggestion, target: Any) -> None:
    """Merge into a feature (supporters get a "for" vote where they have none) or another suggestion
    (supporters move; someone who supports both is counted once)."""
    policy.require(actor, "suggestion.decide", suggestion)
    into = _merge_target(suggestion, target)
    supporters = _supporters(suggestion)
    recorded = []
    if isinstance(into, Feature):
        _votes_for(into, supporters)
        suggestion.feature_id = into.id
        recorded.append(demand.invalidate(suggestion.concept))
        where = into.title
    else:
        have = set(_supporters(into))
        db.session.add_all([SuggestionSupport(suggestion_id=into.id, user_id=uid)
                            for uid in supporters if uid not in have])
        suggestion.merged_into_id = into.id
        where = into.title
    db.session.execute(delete(SuggestionSupport).where(SuggestionSupport.suggestion_id == suggestion.id))
    _decided(actor, suggestion, "merged")
    _tell(suggestion, [suggestion.author_id, *supporters], _l(
        "“%(title)s”, a suggestion you supported, was merged into “%(into)s”; your support went with it.",
        title=suggestion.title, into=where), actor)
    recorded.append(_event(suggestion, "suggestion.merged", into=where))
    if isinstance(into, Suggestion):
        recorded.append(_event(into, "suggestion.support"))
    commit_and_publish(*recorded)


# --- a suggestion is seen where its post is ------------------------------------------------------

POST_SHOWN = ("post.hidden", "post.restored", "post.deleted")


@sa_event.listens_for(Session, "before_flush")
def _follow_post(session: Session, _context: Any, _instances: Any) -> None:
    """A moderator hides, restores (approves) or deletes a suggestion's post: the suggestion leaves or
    joins the concept page, so the concept's room records it too, in the same transaction (open
    pages refresh, the cached page moves on). Topic room first, then the concept's: the usual order."""
    moved = [e for e in session.new if isinstance(e, Event) and e.kind in POST_SHOWN and e.room.startswith("topic:")]
    if not moved:
        return
    with session.no_autoflush:
        for event in moved:
            post_id = (event.payload or {}).get("post_id")
            suggestion = session.scalar(select(Suggestion).where(Suggestion.post_id == post_id)) if post_id else None
            if suggestion is not None:
                events.record(events.concept_room(suggestion.concept_id), "suggestion.changed",
                              {"suggestion_id": suggestion.id, "post": event.kind})
