"""The SQL statements a piece of work runs: every engine's, through SQLAlchemy, and the page cache
fast path's own statement, which on PostgreSQL runs on the driver's cursor where SQLAlchemy does not
see it (forum/pagecache.py FastPath._first). Used by the tests and by bench/pages.py."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def statements_run(app: Any = None) -> Iterator[list[str]]:
    """Collect the statements run inside the block (with `app`, its fast path's too)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []
    inside: list[bool] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not inside:  # the fast path's statement is counted once, below
            seen.append(statement)

    fast_path = getattr(app, "wsgi_app", None)
    first = getattr(fast_path, "_first", None)

    def counted_first(statement: Any, params: dict[str, Any]) -> Any:
        seen.append(str(statement))
        inside.append(True)
        try:
            return first(statement, params)
        finally:
            inside.pop()

    event.listen(Engine, "before_cursor_execute", count)
    if first is not None:
        fast_path._first = counted_first
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)
        if first is not None:
            del fast_path._first
