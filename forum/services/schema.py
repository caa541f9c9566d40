"""Database objects the models do not describe: engine-specific extras (e.g. full-text indexes).

The migrations create them; tests that build the schema with create_all() call create_extras().
"""
from __future__ import annotations

from sqlalchemy.engine import Engine


def create_extras(engine: Engine) -> None:
    """Create the engine-specific objects (idempotent)."""


def clear_extras(engine: Engine) -> None:
    """Empty what create_extras() made, between tests."""
