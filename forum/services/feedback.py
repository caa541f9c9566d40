"""Feature votes, Kano answers and price answers (contract; the co-creation work fills it in)."""
from __future__ import annotations

from typing import Any


def panel(actor: Any, concept: Any) -> dict[str, Any]:
    """Everything the concept page's feedback section (templates/concepts/_feedback.html) needs."""
    return {}
