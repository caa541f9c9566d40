from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow

ROLES = ("consumer", "moderator", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased copies carry the unique constraints: "Alice" and "alice" are one name.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(16), default="consumer")
    # Flask-Login's alternative id: changing it ends every other session of the user.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # Indexed, as created_at: whose answers do not count now is found by them (demand.rule.excluded).
    suspended_until: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # Read-only until then (a silence): no posting, voting, answering or flagging.
    silenced_until: Mapped[datetime | None] = mapped_column(default=None)
    # 0 new, 1 basic, 2 member, 3 regular, 4 leader (by hand only). See services/moderation.py.
    trust_level: Mapped[int] = mapped_column(default=0)
    # Set by a moderator by hand: automatic promotion leaves it alone.
    trust_level_locked: Mapped[bool] = mapped_column(default=False)
    # Set while a moderator's warning waits to be acknowledged: every page leads to it first.
    warning_pending: Mapped[bool] = mapped_column(default=False)
    # A profile hidden by flags or a moderator: its bio and display name are not shown.
    profile_hidden_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # Privacy: whether organizations may credit this person by name (username) in their exports.
    # Off by default: exports then carry only a pseudonym.
    credit_by_name: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Email: nothing but the verification and reset messages goes to an unverified address.
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # Privacy settings: a private profile shows only the name; which emails the person gets.
    profile_public: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_decisions: Mapped[bool] = mapped_column(default=True, server_default=true())
    email_digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    digest_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # The language chosen in Settings or the footer ("en", "zh_Hans"); none: the browser's.
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    # Set when the person deleted their account: the row stays as "deleted user" so that their posts
    # (and, if they chose so, their anonymous answers) keep an author; everything personal is gone.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan",
                               foreign_keys="Membership.user_id")

    def get_id(self) -> str:  # Flask-Login
        return self.session_token

    @property
    def name(self) -> str:
        if self.deleted_at is not None:
            return "deleted user"
        return self.display_name or self.username

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_silenced(self) -> bool:
        return self.silenced_until is not None and self.silenced_until > utcnow()

    @property
    def is_read_only(self) -> bool:
        """Suspended or silenced: may read, may not write anything public."""
        return self.is_suspended or self.is_silenced

    def __repr__(self) -> str:
        return f"<User {self.username}>"
