"""Domain errors, raised by the policy and the services.

The web layer maps them to 400 / 403 / 404 / 409 with the message shown.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, message: Any, errors: dict[str, list[Any]] | None = None) -> None:
        # Messages may be lazy (_l): they are read in the language of the request that raised them.
        # Titles stay English codes here (a pure module): the web layer translates them.
        message = str(message)
        super().__init__(message)
        self.message = message
        # Per-field messages, for forms: {"email": ["That email is already registered."]}
        self.errors = {name: [str(m) for m in messages] for name, messages in (errors or {}).items()}


class ValidationError(DomainError):
    status = 400
    title = "Please check your input"


class PermissionDenied(DomainError):
    status = 403
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class RateLimited(DomainError):
    """A per-action limit (new accounts' posts, votes, flags): answered 429 with when to come back."""

    status = 429
    title = "Slow down"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
