"""The schema comes from the migrations: they build it from empty, and the models agree with them."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from forum import create_app
from forum.extensions import db
from tests.conftest import _TMP, TEST_CONFIG, create_pg_database, drop_pg_database, need_service


def upgrade_and_diff(url: str) -> tuple[list, set[str]]:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        migrate_ext = app.extensions["migrate"]
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "render_as_batch": True,
                "include_object": _include_object(),
            })
            diff = compare_metadata(context, db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
        assert migrate_ext.directory.endswith("migrations")
    return diff, tables


def _include_object():
    import importlib.util
    from pathlib import Path

    # The same filter the migration environment uses.
    source = (Path(__file__).resolve().parent.parent / "migrations" / "env.py").read_text()
    namespace: dict = {}
    start = source.index("def include_object")
    end = source.index("\n\n\n", start)
    exec(source[start:end], namespace)  # noqa: S102 - our own file
    assert importlib.util  # keep the import honest
    return namespace["include_object"]


def test_upgrade_from_empty_on_sqlite_matches_the_models():
    path = _TMP / "migrate-check.db"
    path.unlink(missing_ok=True)
    diff, tables = upgrade_and_diff(f"sqlite:///{path}")
    assert {"users", "organizations", "concepts", "posts", "events", "alembic_version"} <= tables
    assert diff == [], f"models and migrations disagree: {diff}"


@pytest.mark.postgres
def test_upgrade_from_empty_on_postgresql_matches_the_models():
    try:
        url, name = create_pg_database()
    except Exception as exc:  # noqa: BLE001
        need_service("PostgreSQL", str(exc))
    try:
        diff, tables = upgrade_and_diff(url)
        assert {"users", "organizations", "concepts", "posts", "events", "alembic_version"} <= tables
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        drop_pg_database(name)
