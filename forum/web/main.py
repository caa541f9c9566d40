"""The front page."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from forum.extensions import db
from forum.models import Organization

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    organizations = db.session.scalars(
        select(Organization).order_by(Organization.verified_at.is_(None), Organization.name).limit(12)).all()
    from flask_login import current_user

    from forum.services import concepts

    return render_template("main/index.html", organizations=organizations,
                           concepts=concepts.recent(current_user))


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    db.session.execute(select(1))
    return {"status": "ok"}
