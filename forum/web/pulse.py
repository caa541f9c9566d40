"""What people want at a glance: an organization's public roadmap, and the figures on concept cards."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template
from flask_login import current_user

from forum.models import Concept
from forum.services import concepts, organizations, pulse

bp = Blueprint("roadmap", __name__, url_prefix="/orgs")


@bp.get("/<slug>/roadmap")
def show(slug: str) -> str:
    org = organizations.get_by_slug(slug)
    return render_template("orgs/roadmap.html", org=org, columns=pulse.roadmap(current_user, org),
                           stage_labels=concepts.STAGE_LABELS)


@bp.app_template_global()
def card_figures(concept: Concept) -> dict[str, Any]:
    """A card's participants and share in favour of its top feature (once per concept per request)."""
    memo = g.setdefault("_card_figures", {})
    if concept.id not in memo:
        memo[concept.id] = pulse.figures(concept)
    return memo[concept.id]
