"""The extension objects, created unbound and attached in create_app()."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from forum import ratelimit_store  # noqa: F401  (registers the sqlitefile:// rate-limit storage)

# Named constraints, so that Alembic (batch mode on SQLite) can alter them on both engines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_key() -> str:
    """Rate-limit key: the signed-in user, else the client address."""
    if current_user and getattr(current_user, "is_authenticated", False):
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or 'unknown'}"


def upsert_insert(table: Any) -> Any:
    """An INSERT into `table` (a model or a Table) in the dialect of the engine in use, PostgreSQL's
    or SQLite's: both have on_conflict_do_update, the generic INSERT has not."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


#: In `session.info` until the transaction ends: it ran a statement other than a SELECT through the
#: session (an UPDATE, INSERT or DELETE statement, text...). forum/services/demand/snapshot.py never
#: ends such a transaction early.
WROTE = "demand.wrote"


class ForumSession(Session):
    """Flask-SQLAlchemy's session, noting WROTE itself: a SessionEvents.do_orm_execute listener did,
    and its mere presence made SQLAlchemy prepare every ORM statement of every session twice."""

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        _note_write(self, statement)
        return super().execute(statement, *args, **kwargs)

    def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        _note_write(self, statement)
        return super().scalar(statement, *args, **kwargs)

    def scalars(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        _note_write(self, statement)
        return super().scalars(statement, *args, **kwargs)


def _note_write(session: Session, statement: Any) -> None:
    if not getattr(statement, "is_select", True):  # a legacy Query is a SELECT
        session.info[WROTE] = True


db = SQLAlchemy(model_class=Base, session_options={"class_": ForumSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()
limiter = Limiter(key_func=client_key)
socketio = SocketIO()
