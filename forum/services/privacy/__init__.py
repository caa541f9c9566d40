"""Personal data: privacy settings, unsubscribe links, the data archive, account deletion, the digest.

Deleting an account keeps the `users` row as a tombstone ("deleted user") so that posts keep an
author and, with feedback="keep", votes and answers keep counting anonymously; everything that
names the person is removed or overwritten in the same transaction:
- the row's username, email, display name, bio and password hash (the password can never match
  again, the session token changes so every session ends);
- memberships, follows, their own notifications, sign-in history, their queued email, API tokens;
- their name in other people's notifications and in queued email, their @mentions in other people's
  posts (re-rendered and re-indexed, so the full-text index forgets them too), and the audit log
  keeps the action but not who took it (actor cleared, names in reasons replaced);
- with feedback="withdraw", their feature votes, Kano answers and price answers are deleted, so
  every tally and summary drops by exactly their answers.

In rooms by purpose: `settings` (privacy settings, unsubscribe links), `digest` (the weekly email),
`archive` (the data archive), `names` (every way a person is named), `erasure` (taking them out of
what stays) and `deletion` (the checks, their own rows, the tombstone). Other modules use the names
below, as `privacy.<name>`.
"""
from __future__ import annotations

from forum.services.privacy.archive import export_archive, export_files
from forum.services.privacy.deletion import FEEDBACK_CHOICES, delete_account
from forum.services.privacy.digest import send_digests
from forum.services.privacy.names import DELETED_NAME
from forum.services.privacy.settings import EMAIL_SETTINGS, read_unsubscribe, unsubscribe, update_settings

__all__ = ["DELETED_NAME", "EMAIL_SETTINGS", "FEEDBACK_CHOICES", "delete_account", "export_archive",
           "export_files", "read_unsubscribe", "send_digests", "unsubscribe", "update_settings"]
