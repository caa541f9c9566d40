"""Database objects the models do not describe: engine-specific extras (the full-text index).

The migrations create them; tests that build the schema with create_all() call create_extras().

SQLite: `search_fts`, an FTS5 external-content table over search_documents(title, body), kept in
sync by three triggers. (Alembic's env ignores tables whose names start with "search_fts": the
virtual table and its shadow tables.)
PostgreSQL: a GIN expression index over the weighted tsvector the search service queries with.

Every statement is idempotent, so calling create_extras() on a database that has them is harmless;
on SQLite it also rebuilds the FTS index from search_documents (cheap, and right after a migration
that adds the table to a database that already holds documents).
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

#: The weighted document vector: a title match (weight A) ranks above a body match (weight B).
#: The search service uses the same expression, qualified, so PostgreSQL can use the index.
PG_TS_CONFIG = "'english'::regconfig"


def pg_vector(prefix: str = "") -> str:
    return (f"(setweight(to_tsvector({PG_TS_CONFIG}, {prefix}title), 'A') || "
            f"setweight(to_tsvector({PG_TS_CONFIG}, {prefix}body), 'B'))")


SQLITE_CREATE = [
    # porter stemming over unicode61 ("subscriptions" finds "subscription"), accents folded.
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS search_documents_fts_insert AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_documents_fts_delete AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_documents_fts_update AFTER UPDATE OF title, body ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_fts_update",
    "DROP TRIGGER IF EXISTS search_documents_fts_delete",
    "DROP TRIGGER IF EXISTS search_documents_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRESQL_CREATE = [
    f"CREATE INDEX IF NOT EXISTS ix_search_documents_fts ON search_documents USING GIN ({pg_vector()})",
]

POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS ix_search_documents_fts",
]


def _run(bind: Engine | Connection, statements: list[str]) -> None:
    if isinstance(bind, Connection):
        for statement in statements:
            bind.execute(text(statement))
        return
    with bind.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _statements(bind: Engine | Connection, sqlite: list[str], postgresql: list[str]) -> list[str]:
    name = bind.dialect.name
    if name == "sqlite":
        return sqlite
    if name == "postgresql":
        return postgresql
    return []


def create_extras(engine: Engine | Connection) -> None:
    """Create the engine-specific objects (idempotent). Takes an Engine, or a Connection (as in an
    Alembic migration: `schema.create_extras(op.get_bind())`)."""
    _run(engine, _statements(engine, SQLITE_CREATE, POSTGRESQL_CREATE))


def drop_extras(engine: Engine | Connection) -> None:
    """Remove what create_extras() made (a migration's downgrade)."""
    _run(engine, _statements(engine, SQLITE_DROP, POSTGRESQL_DROP))


def clear_extras(engine: Engine | Connection) -> None:
    """Empty what create_extras() made, between tests. The triggers already keep `search_fts` in
    step with search_documents; this makes sure nothing is left even if rows were removed some
    other way. PostgreSQL's index empties with its table."""
    if engine.dialect.name == "sqlite":
        _run(engine, ["INSERT INTO search_fts(search_fts) VALUES ('delete-all')"])
