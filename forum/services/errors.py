"""Moved to forum/errors.py (the policy raises them too). Kept as a re-export for older imports."""
from forum.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError

__all__ = ["Conflict", "DomainError", "NotFound", "PermissionDenied", "ValidationError"]
