"""Moderation, in rooms by purpose:

- `site_settings`: the numbers admins tune (flag threshold, trust rules, limits on new accounts);
- `auditing`: the audit log and the public log's counts;
- `trust`: trust levels, and the limits on new accounts (rates, links, when votes count);
- `blocked`: blocked words and domains, and screening posts as they are written;
- `flags`: flags and the review queue;
- `effects`: what moderation does to content (hide, restore, delete, edit, lock);
- `people`: acting on people (warn, silence, suspend, ban, lift, trust level);
- `actions`: the one table of actions that the queue, a post's page and a person's page take;
- `record`: a person's side (warnings, the appeal, the notice at sign-in) and the person pages.

Every function that changes data takes the actor, asks the policy, writes its rows, the audit entry,
the notification to the person concerned and the live events in one transaction, commits, and then
publishes the events. The names below are the package's public face; other modules use them as
`moderation.<name>`.
"""
from __future__ import annotations

from forum.services.moderation.actions import (
    ACTIONS,
    TABLE,
    Action,
    act_on_item,
    act_on_person,
    act_on_post,
    actions_for,
    offered,
)
from forum.services.moderation.auditing import ACTION_LABELS, action_label, audit, audit_actions, audit_log, public_log
from forum.services.moderation.blocked import (
    add_blocked_term,
    blocked_match,
    blocked_terms,
    remove_blocked_term,
    screen_before_write,
    screen_post,
)
from forum.services.moderation.flags import (
    flag,
    flag_weight,
    get_item,
    item_about,
    my_flags,
    queue,
    waiting_count,
    withdraw_flag,
)
from forum.services.moderation.people import BAN_UNTIL, set_trust_level
from forum.services.moderation.record import (
    acknowledge_warning,
    active_suspension,
    appeal,
    find_people,
    pending_warnings,
    person_record,
    restrictions,
    suspension_notice,
    user_by_name,
)
from forum.services.moderation.site_settings import update_settings
from forum.services.moderation.trust import (
    TRUST_LEVELS,
    check_links,
    check_rate,
    earned_level,
    flag_record,
    is_new,
    promote,
)
from forum.services.site_settings import SETTINGS, Setting, setting, settings

__all__ = [
    "ACTIONS", "ACTION_LABELS", "BAN_UNTIL", "SETTINGS", "TABLE", "TRUST_LEVELS", "Action", "Setting",
    "acknowledge_warning", "act_on_item", "act_on_person", "act_on_post", "action_label", "actions_for",
    "active_suspension", "add_blocked_term", "appeal", "audit", "audit_actions", "audit_log", "blocked_match",
    "blocked_terms", "check_links", "check_rate", "earned_level", "find_people", "flag",
    "flag_record", "flag_weight", "get_item", "is_new", "item_about", "my_flags",
    "offered", "pending_warnings", "person_record", "promote", "public_log", "queue", "remove_blocked_term",
    "restrictions", "screen_before_write", "screen_post", "set_trust_level", "setting", "settings",
    "suspension_notice", "update_settings", "user_by_name", "waiting_count",
    "withdraw_flag",
]
