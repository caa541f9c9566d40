"""The front page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from forum import health
from forum.extensions import db
from forum.models import Organization
from forum.services import concepts, pulse

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    organizations = db.session.scalars(
        select(Organization).order_by(Organization.verified_at.is_(None), Organization.name).limit(12)).all()
    return render_template("main/index.html", organizations=organizations,
                           concepts=concepts.recent(current_user), moving=pulse.moving(current_user))


@bp.get("/healthz")
def healthz() -> tuple[dict[str, object], int]:
    """For load balancers and monitors: 200 when the database and every configured Redis answer,
    503 (with what failed) otherwise. Sets no cookie and is not rate limited."""
    checks = health.check_all()
    ok = all(value in ("ok", "not configured") for value in checks.values())
    return {"status": "ok" if ok else "failing", **checks}, 200 if ok else 503
