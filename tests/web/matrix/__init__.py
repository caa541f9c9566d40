"""The role matrix: what every route gives every role.

Each area of the forum has a module here with
    CASES: dict[tuple[str, str], Case]   # (endpoint, HTTP method) -> case
    def build(people) -> dict            # the objects its URLs point at (optional)
Register the module in AREAS below. tests/web/test_role_matrix.py walks app.url_map and fails for
any route that has no case, so a new route cannot slip in unchecked.

Expected outcomes per role: an HTTP status (200, 400, 403, 404, 409, ...), "login" (a redirect to
the login page), or "redirect" (any other redirect, e.g. after a successful POST).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("visitor", "consumer", "member", "owner", "moderator", "admin")

Expect = int | str


@dataclass(frozen=True)
class Case:
    url: Callable[[dict[str, Any]], str]
    expect: dict[str, Expect]
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    json: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"Case misses roles {sorted(missing)}")


def same(outcome: Expect, **overrides: Expect) -> dict[str, Expect]:
    """Every role gets `outcome`, except those named."""
    result: dict[str, Expect] = dict.fromkeys(ROLES, outcome)
    result.update(overrides)
    return result


def signed_in(outcome: Expect, **overrides: Expect) -> dict[str, Expect]:
    """Visitors are sent to log in; every signed-in role gets `outcome` unless named."""
    return same(outcome, visitor="login", **overrides)


AREAS = ["foundation", "concepts", "board", "feedback", "discovery", "privacy", "api", "moderation", "cocreation",
         "research", "language"]


def load() -> tuple[dict[tuple[str, str], Case], list[Callable[[dict[str, Any]], dict[str, Any]]]]:
    cases: dict[tuple[str, str], Case] = {}
    builders = []
    for area in AREAS:
        try:
            module = importlib.import_module(f"tests.web.matrix.{area}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tests.web.matrix.{area}":
                continue
            raise
        overlap = set(cases) & set(module.CASES)
        if overlap:
            raise ValueError(f"{area} repeats cases {sorted(overlap)}")
        cases.update(module.CASES)
        if hasattr(module, "build"):
            builders.append(module.build)
    return cases, builders


__all__ = ["ROLES", "Case", "field", "load", "same", "signed_in"]
