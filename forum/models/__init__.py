"""Every model, imported here so that Alembic and create_all() see them all."""
from forum.models.activity import Event, Follow, Notification, RoomSequence
from forum.models.api import ApiToken, SummaryVisit
from forum.models.base import utcnow
from forum.models.board import Board, Post, PostRevision, Topic
from forum.models.cocreation import REACTION_KINDS, SUGGESTION_STATES, Reaction, Suggestion, SuggestionSupport
from forum.models.concepts import STAGES, Concept, Feature, StageChange, Tag, concept_tags
from forum.models.decisions import FEATURE_OUTCOMES, Decision, DecisionFeature
from forum.models.feedback import FeatureVote, KanoAnswer, PriceResponse
from forum.models.moderation import (
    FLAG_REASONS,
    BlockedTerm,
    Flag,
    ModerationAction,
    ModeratorWarning,
    ReviewItem,
    SiteSetting,
    Suspension,
)
from forum.models.organizations import MEMBER_ROLES, Membership, Organization
from forum.models.privacy import OutboxMessage, SignIn
from forum.models.research import (
    GaborGrangerAnswer,
    GaborGrangerResponse,
    MaxDiffAnswer,
    SegmentAnswer,
    SegmentChoice,
    SegmentQuestion,
)
from forum.models.search import SEARCH_KINDS, SearchDocument
from forum.models.summaries import ConceptSummary
from forum.models.users import ROLES, User
from forum.models.webhooks import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint

__all__ = [
    "FEATURE_OUTCOMES", "Decision", "DecisionFeature", "OutboxMessage", "SignIn",
    "MEMBER_ROLES", "ROLES", "STAGES", "ApiToken", "Board", "Concept", "ConceptSummary", "Event", "Feature",
    "FeatureVote",
    "Flag", "Follow", "KanoAnswer", "Membership", "ModerationAction", "Notification",
    "Organization", "Post", "PostRevision", "PriceResponse", "RoomSequence", "SEARCH_KINDS", "SearchDocument",
    "StageChange", "SummaryVisit", "Suspension", "Tag", "FLAG_REASONS", "BlockedTerm", "ReviewItem",
    "SiteSetting", "ModeratorWarning",
    "GaborGrangerAnswer", "GaborGrangerResponse", "MaxDiffAnswer", "SegmentAnswer", "SegmentChoice",
    "SegmentQuestion",
    "Topic", "User", "concept_tags", "utcnow",
    "REACTION_KINDS", "SUGGESTION_STATES", "Reaction", "Suggestion", "SuggestionSupport",
    "WEBHOOK_EVENTS", "WebhookDelivery", "WebhookEndpoint",
]
