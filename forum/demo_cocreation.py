"""Demo data of issue 20: suggestions in every state (open with support, adopted, declined, merged)
and reactions on posts, written through the services (so they are screened, counted and logged as
real ones are). Running it twice changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Concept, Membership, Post, Reaction, Suggestion, Topic, User
from forum.services import reactions, suggestions

# concept title, author, title, why, supporters
OPEN = [
    ("Sourdough subscription box", "sofia", "Pause the box while I am away",
     "I travel for two or three weeks every summer and would rather pause than cancel.",
     ["liam", "elena", "jonas", "priya"]),
    ("Pulse One repairable earbuds", "noah_k", "A case that charges over USB-C and Qi",
     "Every other gadget on my desk charges on the pad; I do not want one more cable.",
     ["tomasz", "kwame"]),
    ("Modular standing desk", "kwame", "A memory for three heights",
     "I switch between sitting, standing and a bar-stool height; presets would save fiddling.",
     ["priya", "noah_k", "liam"]),
]
ADOPTED = ("Sourdough subscription box", "elena", "A half-size loaf option",
           "We are two at home and a full loaf goes stale before we finish it.", ["sofia", "amara", "hana"])
DECLINED = ("Pulse One repairable earbuds", "jonas", "Built-in FM radio",
            "Radio is free and I listen to it on runs.", ["tomasz"],
            "The radio module would take the room of the replaceable battery; repairability comes first.")
MERGED = ("Modular standing desk", "hana", "Preset heights you can save",
          "Pressing and holding to find my height every morning is tedious.", ["amara"])
# post author (whose first post in the concept's discussion gets them), reactions by others
REACTIONS = [("clara_bakes", {"helpful": ["sofia", "liam", "elena"], "agree": ["jonas"]}),
             ("ravi_pulse", {"insightful": ["noah_k", "tomasz"], "helpful": ["kwame"]})]


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username_key == username.lower()))


def _concept(title: str) -> Concept | None:
    return db.session.scalar(select(Concept).where(Concept.title == title))


def _owner(concept: Concept) -> User:
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == concept.organization_id, Membership.role == "owner").limit(1))


def _suggest(spec: tuple) -> Suggestion | None:
    concept_title, author, title, why, supporters = spec[:5]
    concept = _concept(concept_title)
    if concept is None or not concept.feedback_open:
        return None
    existing = db.session.scalar(select(Suggestion).where(Suggestion.concept_id == concept.id,
                                                          Suggestion.title == title))
    if existing is not None:
        return None
    suggestion = suggestions.suggest(_user(author), concept, title, why)
    for name in supporters:
        suggestions.support(_user(name), suggestion, "on")
    return suggestion


def seed_suggestions() -> None:
    opened = [_suggest(spec) for spec in OPEN]
    adopted = _suggest(ADOPTED)
    if adopted is not None:
        suggestions.adopt(_owner(adopted.concept), adopted)
    declined = _suggest(DECLINED)
    if declined is not None:
        suggestions.decline(_owner(declined.concept), declined, DECLINED[5])
    merged = _suggest(MERGED)
    target = next((s for s in opened if s is not None and s.concept_id == getattr(merged, "concept_id", None)), None)
    if merged is not None and target is not None:
        suggestions.merge(_owner(merged.concept), merged, f"suggestion:{target.id}")


def seed_reactions() -> None:
    for author, given in REACTIONS:
        post = db.session.scalar(select(Post).join(Topic, Topic.id == Post.topic_id).where(
            Post.author_id == _user(author).id, Topic.concept_id.is_not(None), Post.deleted_at.is_(None))
            .order_by(Post.id).limit(1))
        if post is None or db.session.scalar(select(Reaction.id).where(Reaction.post_id == post.id)):
            continue
        for kind, people in given.items():
            for name in people:
                reactions.toggle(_user(name), post, kind)


def seed() -> None:
    seed_suggestions()
    seed_reactions()
