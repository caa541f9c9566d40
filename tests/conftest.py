"""Fixtures: one app and database per test session, a clean database for every test.

The suite runs on SQLite by default. With TEST_DATABASE_URL=postgresql+psycopg://... it runs on a
fresh PostgreSQL database that it creates and drops itself.
"""
from __future__ import annotations

import contextvars
import os
import re
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _compile_catalogs() -> None:
    """The message catalogs, compiled when a .po is newer than its .mo (scripts/_venv.sh compiles
    them too; a test run from a bare checkout needs them as well). Atomic: xdist workers race."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "forum" / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        os.replace(partial, mo)


_compile_catalogs()
_TMP = Path(tempfile.mkdtemp(prefix="sb-tests-"))
os.environ["INSTANCE_PATH"] = str(_TMP / "instance")
os.environ.setdefault("SECRET_KEY", secrets.token_hex(16))

from flask import Flask  # noqa: E402
from flask.globals import _cv_app  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from forum import create_app  # noqa: E402
from forum.extensions import db, limiter  # noqa: E402
from forum.models import Board, Membership, Organization, Post, Topic, User, utcnow  # noqa: E402
from forum.services import passwords, posting  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct horse battery staple"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def need_service(what: str, reason: str) -> None:
    """Skip on a developer's machine without the service; under CI=true a missing service fails."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {reason}")
    pytest.skip(f"{what} not available: {reason}")


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client():  # noqa: ANN201
    """A connection to the tests' Redis (database 15); the test is failed under CI=true without it."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        need_service("Redis", str(exc))
    yield client
    client.close()


# --- databases ----------------------------------------------------------------------------------

def _pg_admin_connect(url: str):
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(plain, autocommit=True, connect_timeout=5)


def create_pg_database(admin_url: str = POSTGRES_ADMIN_URL) -> tuple[str, str]:
    """A new empty database; returns (its URL, its name)."""
    name = f"sb_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin_connect(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return re.sub(r"/[^/]*$", f"/{name}", admin_url), name


def drop_pg_database(name: str, admin_url: str = POSTGRES_ADMIN_URL) -> None:
    with _pg_admin_connect(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgres"):
        try:
            test_url, name = create_pg_database(url)
        except Exception as exc:  # noqa: BLE001
            need_service("PostgreSQL", str(exc))
        yield test_url
        drop_pg_database(name, url)
    else:
        yield f"sqlite:///{_TMP / 'test.db'}"


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (its own `g` and database session), as in production.

    Flask reuses an app context that is already pushed (the tests push one to use db.session);
    that would share Flask-Login's cached user and the ORM session between requests.
    """

    def open(self, *args, **kwargs):  # type: ignore[override]
        def isolated():
            _cv_app.set(None)  # type: ignore[arg-type]
            return FlaskClient.open(self, *args, **kwargs)

        response = contextvars.copy_context().run(isolated)
        if _cv_app.get(None) is not None:
            db.session.expire_all()  # the test's own objects see what the request wrote
        return response


TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    # The limiter is initialised (so tests can switch it on) but off: see _clean().
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",  # tests/test_serving.py checks the default file store
    "ACCESS_LOG": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
    "ARGON2_PARALLELISM": 1,
    "SERVER_NAME": None,
    # Email stays in the outbox unless a test delivers it (tests/services/test_mail.py runs a real
    # SMTP server): no background sender racing the per-test cleanup.
    "MAIL_BACKGROUND": False,
    "WEBHOOKS_BACKGROUND": False,
    "MAIL_SERVER": "",
}


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        from forum.services import schema

        schema.create_extras(db.engine)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        # DELETE, children first, then every sequence back to 1: what TRUNCATE ... RESTART IDENTITY
        # does, in 4 ms instead of 100 (TRUNCATE makes new files for 45 tables at every test).
        with db.engine.begin() as conn:
            conn.execute(text("; ".join(f'DELETE FROM "{t}"' for t in reversed(tables))))
            conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
                              "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
    else:
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    from forum.services import schema

    schema.clear_extras(db.engine)


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    ctx = app.app_context()
    ctx.push()
    limiter.enabled = False
    app.config.update(TEST_CONFIG)
    _forget_caches(app)
    try:
        limiter.reset()
    except Exception:  # noqa: BLE001
        pass
    try:
        yield
    finally:
        db.session.rollback()
        db.session.remove()
        _truncate_all()
        ctx.pop()


def _forget_caches(app: Flask) -> None:
    """Each test starts from an empty database whose ids and room numbers start again: what the
    page cache and the summaries' memo hold from the last test would be served as this one's."""
    from forum.services import demand

    app.extensions["pagecache"].clear()
    demand.forget()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- people -------------------------------------------------------------------------------------

_HASHES: dict[str, str] = {}


def make_user(username: str, role: str = "consumer", password: str = PASSWORD, **fields: object) -> User:
    """An established member (trust level 1) unless `trust_level=0` asks for a brand-new account."""
    fields.setdefault("trust_level", 1)
    if password not in _HASHES:
        _HASHES[password] = passwords.hash_password(password)
    user = User(username=username, username_key=username.lower(),
                email=fields.pop("email", f"{username.lower()}@example.test"),
                password_hash=_HASHES[password], role=role,
                display_name=fields.pop("display_name", username.title()), **fields)
    db.session.add(user)
    db.session.commit()
    return user


def make_org(owner: User, name: str = "Acme Gadgets", verified: bool = True,
             members: tuple[User, ...] = ()) -> Organization:
    from forum.services.organizations import slugify

    org = Organization(name=name, slug=slugify(name), created_by_id=owner.id,
                       verified_at=utcnow() if verified else None)
    org.memberships.append(Membership(user_id=owner.id, role="owner"))
    for member in members:
        org.memberships.append(Membership(user_id=member.id, role="member"))
    db.session.add(org)
    db.session.commit()
    return org


def login(client: FlaskClient, user: User | str, password: str = PASSWORD) -> None:
    name = user if isinstance(user, str) else user.username
    response = client.post("/login", data={"login": name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def people(app: Flask) -> dict[str, User]:
    """One person of each role: consumer, org owner and member, moderator, admin."""
    consumer = make_user("carol")
    owner = make_user("olga")
    member = make_user("mick")
    moderator = make_user("maude", role="moderator")
    admin = make_user("ada", role="admin")
    org = make_org(owner, members=(member,))
    return {"consumer": consumer, "owner": owner, "member": member, "moderator": moderator,
            "admin": admin, "org": org}  # type: ignore[dict-item]


@pytest.fixture
def login_as(client: FlaskClient, people: dict[str, User]):
    def _login(role: str) -> FlaskClient:
        if role != "visitor":
            login(client, people[role])
        return client
    return _login


# --- a board with one topic (the board, policy and moderation tests) -----------------------------

@pytest.fixture
def board(people):
    board = Board(slug="general", name="General discussion", description="Anything goes", position=1)
    db.session.add(board)
    db.session.commit()
    return board


@pytest.fixture
def topic(people, board):
    return posting.create_topic(people["consumer"], board, "Best bread knife?", "Looking for **tips**.")


def first_post(topic: Topic) -> Post:
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id).order_by(Post.id))
