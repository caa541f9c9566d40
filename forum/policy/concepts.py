"""Concepts and what people give on them: feedback (votes, Kano and price answers), its results and
raw answers, the names of people credited, suggestions, research set-up and decision updates."""
from __future__ import annotations

from typing import Any

from forum.errors import Conflict, NotFound
from forum.i18n import _l
from forum.policy.memberships import is_member
from forum.policy.refusals import (
    CLOSED_MESSAGE,
    Refusal,
    Rule,
    active,
    admin,
    deny,
    is_token,
    org_id,
    signed_in,
    token_concept,
    writer,
)
from forum.policy.visibility import concept_view, post_view

# The refusals a concept page asks about on every view, made once (translated when read).
_EDIT_REFUSED = Refusal(_l("Only members of the organization can edit this concept."))
_DECIDE_REFUSED = Refusal(_l("Only members of the concept's organization post its decisions."))


def _feedback(what: str) -> Rule:
    """Votes and answers come from signed-in people in good standing outside the owning
    organization, while the concept is open for feedback."""
    def rule(a: Any, concept: Any) -> Refusal | None:
        refused = concept_view(a, concept)
        if refused:
            return refused
        if concept.hidden_at is not None:
            # Staff (and the organization) still see a hidden concept; nobody's answer may count on it.
            return Refusal(_l("A moderator hid this concept: it takes no votes or answers until it is restored."),
                           Conflict)
        if not concept.feedback_open:
            return Refusal(CLOSED_MESSAGE, Conflict)
        refused = writer(a, _l("give feedback on this concept"), _l("give feedback"))
        if refused:
            return refused
        if is_member(a, concept.organization_id):
            return Refusal(_l("Members of %(name)s cannot %(what)s their own concepts.", name=concept.organization.name, what=what))
        return None
    return rule


def _feedback_results(a: Any, concept: Any) -> Refusal | None:
    """The demand summary and its exports: for the owning organization's members and site admins, or
    everyone who may see the concept if the organization publishes its summaries; its API tokens."""
    refused = concept_view(a, concept)
    if refused or is_token(a):
        return refused
    if is_member(a, concept.organization_id) or admin(a) or concept.organization.publish_price_summary:
        return None  # the refusal's words are made only for a refusal
    return Refusal(_l("Only members of %(name)s can see the demand summary of this concept.",
                      name=concept.organization.name))


def _feedback_export(a: Any, concept: Any) -> Refusal | None:
    """The raw answers (prices.csv, votes.csv, kano.csv, posts.csv, export.xlsx, summary.json): the
    owning organization's members, its API tokens and site admins. Publishing the summary never
    publishes the rows."""
    refused = concept_view(a, concept)
    if refused or is_token(a):
        return refused
    return deny(signed_in(a) and (is_member(a, concept.organization_id) or admin(a)),
                _l("Only members of %(organization)s (or its API tokens) can download the answers of this "
                   "concept.", organization=concept.organization.name))


def _feedback_names(a: Any, concept: Any) -> Refusal | None:
    """Who sees the names of people who chose to be credited: the owning organization only (its
    members and tokens), never a visitor nor a site admin outside it."""
    if is_token(a):
        return token_concept(a, concept)
    return deny(concept is not None and is_member(a, concept.organization_id),
                _l("Only the organization sees the names of the people who chose to be credited."))


# --- suggestions (forum/services/suggestions.py) -------------------------------------------------

def _suggestion_view(a: Any, suggestion: Any) -> Refusal | None:
    """A suggestion is seen where its concept is, and, as its post: held for review, only by its
    author and moderators; hidden or deleted, only by moderators."""
    if suggestion is None:
        return Refusal(_l("There is no such suggestion."), NotFound)
    refused = concept_view(a, suggestion.concept)
    if refused or suggestion.post is None:
        return refused
    if post_view(a, suggestion.post) is not None:
        return Refusal(_l("There is no such suggestion."), NotFound)
    return None


def _suggestion_support(a: Any, suggestion: Any) -> Refusal | None:
    refused = _suggestion_view(a, suggestion) or _feedback(_l("support suggestions on"))(a, suggestion.concept)
    if refused:
        return refused
    return deny(suggestion.status == "open" and (suggestion.post is None or suggestion.post.hidden_at is None),
                _l("This suggestion is no longer open for support."), Conflict)


def _suggestion_decide(a: Any, suggestion: Any) -> Refusal | None:
    """Adopt, decline or merge: the concept's organization, while the suggestion is open."""
    refused = _suggestion_view(a, suggestion)
    if refused:
        return refused
    if not (active(a) and is_member(a, suggestion.concept.organization_id)):
        return Refusal(_l("Only members of the concept's organization decide on suggestions."))
    return deny(suggestion.status == "open", _l("This suggestion has already been decided."), Conflict)


RULES: dict[str, Rule] = {
    # Co-creation feedback (obj: the Concept). "feedback.give" votes on features, "feedback.answer"
    # answers the Kano and price questions: the same rule, each refusal worded for what was tried.
    "feedback.give": _feedback(_l("vote on")),
    "feedback.answer": _feedback(_l("answer questions about")),
    "feedback.results": _feedback_results,
    "feedback.export": _feedback_export,
    "feedback.names": _feedback_names,
    # Concepts and their features (obj: the Organization for create, else the Concept or Feature).
    # Only the owning organization's members write; site admins and moderators do not edit
    # an organization's concepts (moderators hide them through moderation instead).
    "concept.view": concept_view,
    "concept.create": lambda a, org: deny(active(a) and is_member(a, org_id(org)),
                                          _l("Only members of an organization can post concepts for it.")),
    "concept.edit": lambda a, c: None if active(a) and is_member(a, org_id(c)) else _EDIT_REFUSED,
    # Research set-up (price ladder, best-worst sets, profile questions): the organization's members.
    # Answering them is "feedback.answer"; reading the figures is "feedback.results".
    "research.manage": lambda a, c: deny(active(a) and c is not None and is_member(a, org_id(c)),
                                         _l("Only members of the concept's organization set up its research "
                                            "questions.")),
    # Decision updates ("you said, we did"): the concept's organization posts them.
    "decision.create": lambda a, c: None if active(a) and c is not None and is_member(a, org_id(c)) else _DECIDE_REFUSED,
    # Suggestions from consumers (obj: the Concept for create, else the Suggestion).
    "suggestion.view": _suggestion_view,
    "suggestion.create": _feedback(_l("suggest features for")),
    "suggestion.support": _suggestion_support,
    "suggestion.decide": _suggestion_decide,
}
