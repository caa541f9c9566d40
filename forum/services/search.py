"""Full-text search over concepts and posts (contract; the search work fills it in).

Services call index_*/remove inside their transaction, before commit.
"""
from __future__ import annotations

from typing import Any


def index_concept(concept: Any) -> None:
    """(Re)index a concept's title, summary, description and tags; drop it from results if hidden."""


def index_post(post: Any) -> None:
    """(Re)index a post; a deleted or hidden post is dropped from results."""
