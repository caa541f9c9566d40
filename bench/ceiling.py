"""The floors the page benches compare against: bare Flask apps that return pre-rendered pages.

`gunicorn --config gunicorn.conf.py bench.ceiling:app` with CEILING_DIR set to a folder of .html
files serves each at /<name>, the same bytes the forum sent, through the same server and worker:
what the framework and the server cost with nothing of the forum around them.

`bench.ceiling:signed_in` serves the same bytes to a signed-in person only: Flask's session cookie
(the forum's SECRET_KEY, so the forum's own cookie works), Flask-Login loading the person with the
forum's one SQLAlchemy statement (by the session's token, with the forum's "basic" session
protection) and behind the same PROXY_FIX_HOPS. Nothing else: no page key, no permissions, no other
hook. What any signed-in request costs in this stack before the forum does anything.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort
from flask_login import LoginManager, current_user
from sqlalchemy import bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from forum.extensions import db
from forum.models import User

PAGES = {path.stem: path.read_bytes() for path in Path(os.environ.get("CEILING_DIR", ".")).glob("*.html")}

app = Flask(__name__)


@app.get("/<name>")
def page(name: str) -> Response:
    body = PAGES.get(name)
    if body is None:
        abort(404)
    return Response(body, mimetype="text/html")


def _signed_in_app() -> Flask:
    settings = Config()
    floor = Flask(__name__ + ".signed_in")
    floor.config.update(SECRET_KEY=settings.SECRET_KEY, SQLALCHEMY_DATABASE_URI=settings.SQLALCHEMY_DATABASE_URI,
                        SQLALCHEMY_ENGINE_OPTIONS=settings.SQLALCHEMY_ENGINE_OPTIONS)
    if settings.PROXY_FIX_HOPS:
        hops = settings.PROXY_FIX_HOPS
        floor.wsgi_app = ProxyFix(floor.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    db.init_app(floor)
    logins = LoginManager(floor)
    logins.session_protection = "basic"
    by_token = select(User).where(User.session_token == bindparam("token"))
    logins.user_loader(lambda token: db.session.scalar(by_token, {"token": token}))

    @floor.get("/<name>")
    def signed_in_page(name: str) -> Response:
        body = PAGES.get(name)
        if body is None or not current_user.is_authenticated:
            abort(404 if body is None else 403)
        return Response(body, mimetype="text/html")

    return floor


signed_in = _signed_in_app() if os.environ.get("CEILING_SIGNED_IN") else None
