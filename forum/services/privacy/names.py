"""Every way a person is named, and text with those names taken out."""
from __future__ import annotations

import re
from typing import Any

from forum.models import User

DELETED_NAME = "deleted user"


def names(user: User) -> list[str]:
    """Every way the person is named: display name, username, email; longest first."""
    found = {n for n in (user.display_name, user.username, user.email) if n and len(n) >= 2}
    return sorted(found, key=len, reverse=True)


def without_names(text: str, user: User, replacement: str = DELETED_NAME) -> str:
    for name in names(user):
        text = re.sub(rf"(?<![\w@.]){re.escape(name)}(?![\w])", replacement, text, flags=re.IGNORECASE)
    return text


def scrub_json(value: Any, user: User) -> Any:
    """A JSON value (strings, lists, objects) with the person's names taken out of every string."""
    if isinstance(value, str):
        return without_names(value, user)
    if isinstance(value, list):
        return [scrub_json(v, user) for v in value]
    if isinstance(value, dict):
        return {k: scrub_json(v, user) for k, v in value.items()}
    return value
