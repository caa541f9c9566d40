"""Site settings: the numbers admins tune (the flag threshold, the trust rules, the limits on new
accounts), their defaults, and the one query a request that reads them. Moderation and the demand
numbers both read them here; admins change them through forum/services/moderation/site_settings.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context
from sqlalchemy import select

from forum.extensions import db
from forum.i18n import _l
from forum.models import SiteSetting


@dataclass(frozen=True)
class Setting:
    key: str
    default: float | int
    label: Any
    help: Any
    group: str
    minimum: float = 0
    maximum: float = 10_000


SETTINGS: tuple[Setting, ...] = (
    Setting("flag_threshold", 6.0, _l("Flag weight that hides an item"),
            _l("When the flags on an item weigh this much together, it is hidden at once, pending review. "
               "A new account's flag weighs 0.5 to 1.5; a regular's up to 6."), "flags", 0.5, 1000),
    Setting("tl1_days", 1, _l("Basic: days since joining"), _l("Trust level 1 needs an account this old…"),
            "trust", 0, 3650),
    Setting("tl1_posts", 1, _l("Basic: posts written"), _l("…and this many visible posts."), "trust", 0, 100_000),
    Setting("tl2_days", 14, _l("Member: days since joining"), _l("Trust level 2 needs an account this old…"),
            "trust", 0, 3650),
    Setting("tl2_posts", 10, _l("Member: posts written"),
            _l("…this many visible posts, and no post removed after flags in that time."), "trust", 0, 100_000),
    Setting("tl3_days", 60, _l("Regular: days since joining"), _l("Trust level 3 needs an account this old…"),
            "trust", 0, 3650),
    Setting("tl3_posts", 50, _l("Regular: posts written"),
            _l("…this many visible posts, no post removed after flags in that time, and at least one "
               "flag of theirs upheld."), "trust", 0, 100_000),
    Setting("new_posts_per_hour", 10, _l("New accounts: posts per hour"), _l("Topics and replies."),
            "limits", 1, 10_000),
    Setting("new_votes_per_hour", 30, _l("New accounts: votes and answers per hour"),
            _l("Feature votes, Kano and price answers."), "limits", 1, 10_000),
    Setting("new_flags_per_day", 5, _l("New accounts: flags per day"), "", "limits", 1, 10_000),
    Setting("flags_per_day", 30, _l("Everyone else: flags per day"), "", "limits", 1, 10_000),
    Setting("new_link_cap", 2, _l("New accounts: links per post"), _l("In each of their first posts (below)."),
            "limits", 0, 1000),
    Setting("new_link_posts", 5, _l("New accounts: first posts with the link cap"), "", "limits", 0, 1000),
    Setting("new_vote_delay_minutes", 60, _l("New accounts: minutes before votes count"),
            _l("A brand-new account's feature votes join the public tallies after this wait."),
            "limits", 0, 100_000),
)
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


def settings() -> dict[str, float | int]:
    """Every setting's current value (defaults overridden by the admins' values); one query a request."""
    cache = g.get("_site_settings") if has_app_context() else None
    if cache is not None:
        return cache
    values: dict[str, float | int] = {s.key: s.default for s in SETTINGS}
    for key, value in db.session.execute(select(SiteSetting.key, SiteSetting.value)):
        if key in SETTINGS_BY_KEY and isinstance(value, int | float):
            values[key] = value
    if has_app_context():
        g._site_settings = values
    return values


def setting(key: str) -> Any:
    return settings()[key]


def forget() -> None:
    """Drop this request's copies of the settings and the blocked terms (after a change)."""
    if has_app_context():
        g.pop("_site_settings", None)
        g.pop("_blocked_terms", None)
