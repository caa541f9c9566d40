"""The moderation record: flags and the review queue, actions taken (the audit log), warnings,
silences and suspensions with their appeal, blocked words and domains, and the site settings."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.i18n import _l
from forum.models.base import utcnow

#: Why someone flags something: code -> what the flagger reads.
FLAG_REASONS = {
    "spam": _l("Spam or advertising"),
    "abusive": _l("Abusive or harassing"),
    "off_topic": _l("Off-topic"),
    "personal_info": _l("Personal information exposed"),
    "other": _l("Something else"),
}
#: Why the system put something in the queue on its own.
SYSTEM_REASONS = {
    "blocked_word": _l("Contains a blocked word"),
    "blocked_domain": _l("Links to a blocked domain"),
    "appeal": _l("Appeal against a suspension"),
}
REVIEW_KINDS = ("post", "concept", "user", "appeal")
#: What a person's restriction is: read-only for a while, suspended until a date, or banned.
RESTRICTION_KINDS = ("silence", "suspension", "ban")


class ReviewItem(db.Model):
    """One thing waiting in the moderators' queue, with all its flags grouped under it.

    `open_key` is "<kind>:<target id>" while the item is open and NULL once resolved, so a unique
    constraint keeps one open item per thing (NULLs never collide) and resolved items stay as record.
    """

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    concept_id: Mapped[int | None] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    suspension_id: Mapped[int | None] = mapped_column(ForeignKey("suspensions.id", ondelete="CASCADE"))
    # The system's own reason (blocked word, appeal) or "flags".
    reason: Mapped[str] = mapped_column(String(32), default="flags")
    detail: Mapped[str] = mapped_column(String(500), default="")
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    open_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(32), default="")

    post = relationship("Post")
    concept = relationship("Concept")
    user = relationship("User", foreign_keys=[user_id])
    suspension = relationship("Suspension")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    flags = relationship("Flag", back_populates="item", order_by="Flag.created_at")

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Flag(db.Model):
    """One person's flag on a post, a concept or a profile: one per person per thing."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("reporter_id", "post_id"),
        UniqueConstraint("reporter_id", "concept_id"),
        UniqueConstraint("reporter_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    concept_id: Mapped[int | None] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"))
    # A flagged profile.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_items.id", ondelete="SET NULL"), index=True)
    # A code of FLAG_REASONS (the column once held free text; the note holds that now).
    reason: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(500), default="")
    # How much this flag counts, fixed when it is raised (the flagger's trust and record then).
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # "upheld" (the moderator acted on it) or "dismissed"; "" while open.
    resolution: Mapped[str] = mapped_column(String(32), default="")

    reporter = relationship("User", foreign_keys=[reporter_id])
    item = relationship("ReviewItem", back_populates="flags")

    @property
    def reason_label(self) -> str:
        return FLAG_REASONS.get(self.reason, self.reason)


class ModerationAction(db.Model):
    """The audit log: every action a moderator or admin takes. Append-only: rows are never changed
    or removed by the application (see the listeners below)."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_action_created", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int]
    # The person the action concerns (a post's author, the suspended user), for "by person" search.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    # For edits and settings: what it was and what it became.
    before: Mapped[str | None] = mapped_column(Text, default=None)
    after: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor = relationship("User", foreign_keys=[actor_id])
    subject = relationship("User", foreign_keys=[subject_id])


@event.listens_for(ModerationAction, "before_update")
def _audit_is_append_only(mapper: Any, connection: Any, target: ModerationAction) -> None:
    raise RuntimeError("The audit log is append-only: its entries are never changed.")


@event.listens_for(ModerationAction, "before_delete")
def _audit_is_never_deleted(mapper: Any, connection: Any, target: ModerationAction) -> None:
    raise RuntimeError("The audit log is append-only: its entries are never removed.")


class Suspension(db.Model):
    """A restriction of a person: silenced (read-only), suspended, or banned (ends_at far away).

    The user row carries the effective end (`suspended_until`, `silenced_until`) so every request
    knows without a query; an end is a timestamp compared with the clock, so it lifts on its date
    without anyone acting. `lifted_at` records an early end by a moderator.
    """

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default="suspension")
    reason: Mapped[str] = mapped_column(String(500))
    ends_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The one appeal a suspended person may send.
    appeal: Mapped[str | None] = mapped_column(Text, default=None)
    appealed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    moderator = relationship("User", foreign_keys=[moderator_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])

    def active(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.lifted_at is None and self.ends_at > now

    @property
    def is_ban(self) -> bool:
        return self.kind == "ban"


class ModeratorWarning(db.Model):
    """A moderator's warning: the person sees it before anything else until they acknowledge it."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)

    user = relationship("User", foreign_keys=[user_id])
    moderator = relationship("User", foreign_keys=[moderator_id])


class BlockedTerm(db.Model):
    """A word or a link domain that sends a post to the queue instead of publishing it."""

    __tablename__ = "blocked_terms"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "word" or "domain"
    value: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("User")


class SiteSetting(db.Model):
    """One admin-editable setting (flag threshold, trust rules, limits); defaults live in code."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
