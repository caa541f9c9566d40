"""The SQL statements a piece of work runs, on every engine (SQLAlchemy's cursor events). Used by
the tests and by bench/pages.py."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def statements_run(app: Any = None) -> Iterator[list[str]]:
    """Collect the statements run inside the block (`app` is accepted for the callers' sake)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)
