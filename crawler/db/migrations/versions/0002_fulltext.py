"""full-text search over title and body (Chinese), on SQLite and PostgreSQL

SQLite: an FTS5 table ``articles_fts`` (trigram tokenizer, SQLite >= 3.34) indexing the
simplified-character forms ``coalesce(title_simplified, title)`` and
``coalesce(body_simplified, body_text)``. It is an external-content table over the view
``articles_fts_source`` (so the text is not stored twice) and is kept in sync with ``articles`` by
three triggers.

PostgreSQL: the ``pg_trgm`` extension and GIN trigram indexes on the same two expressions; the
index follows the table by itself, no trigger needed.

A later migration that rebuilds ``articles`` on SQLite (Alembic batch mode copies the table)
drops these triggers with the old table: it must create them again (see ``SQLITE_TRIGGERS``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlite3

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TITLE = "coalesce({row}title_simplified, {row}title)"
BODY = "coalesce({row}body_simplified, {row}body_text)"

SQLITE_VIEW = f"""
CREATE VIEW articles_fts_source AS
SELECT id, {TITLE.format(row="")} AS title, {BODY.format(row="")} AS body FROM articles
"""
SQLITE_TABLE = """
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body,
    content='articles_fts_source', content_rowid='id',
    tokenize='trigram'
)
"""
_ADD = (
    "INSERT INTO articles_fts(rowid, title, body) "
    f"VALUES (new.id, {TITLE.format(row='new.')}, {BODY.format(row='new.')});"
)
_REMOVE = (
    "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
    f"VALUES ('delete', old.id, {TITLE.format(row='old.')}, {BODY.format(row='old.')});"
)
_WATCHED = "title, title_simplified, body_text, body_simplified"
SQLITE_TRIGGERS = {
    "articles_fts_insert": f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    f"{_ADD} END",
    "articles_fts_delete": f"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    f"{_REMOVE} END",
    "articles_fts_update": f"CREATE TRIGGER articles_fts_update AFTER UPDATE OF {_WATCHED} "
    f"ON articles BEGIN {_REMOVE} {_ADD} END",
}

PG_INDEXES = {
    "ix_articles_search_title": TITLE.format(row=""),
    "ix_articles_search_body": BODY.format(row=""),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        if sqlite3.sqlite_version_info < (3, 34, 0):
            raise RuntimeError(
                f"full-text search needs SQLite 3.34 or newer (trigram tokenizer); "
                f"this Python has SQLite {sqlite3.sqlite_version}"
            )
        op.execute(SQLITE_VIEW)
        op.execute(SQLITE_TABLE)
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)
        op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, expression in PG_INDEXES.items():
            op.execute(
                f"CREATE INDEX IF NOT EXISTS {name} "
                f"ON articles USING gin (({expression}) gin_trgm_ops)"
            )
    else:
        raise NotImplementedError(f"full-text search is not implemented for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
        op.execute("DROP VIEW IF EXISTS articles_fts_source")
    elif dialect == "postgresql":
        for name in PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        # the extension stays: other objects of the database may use it
