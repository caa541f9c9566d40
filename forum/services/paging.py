"""What a pager needs, for result pages that are not SQLAlchemy paginations (same attribute names as
Flask-SQLAlchemy's Pagination, so templates/_macros.html's pager() takes either)."""
from __future__ import annotations


class Pager:
    """Mix into a class that has `page` and `pages`."""

    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None
