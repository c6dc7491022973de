"""SQLite full-text index: one token per character instead of trigrams

SQLite: ``articles_fts`` is made again with the ``unicode61`` tokenizer over the text spaced by
``fts_chars()`` (``crawler.db.fulltext``: every character a token; a word is searched as the
phrase of its characters). Indexing an article costs about a quarter of the trigram index's CPU
and the index is less than half its size; see ``crawler/db/fulltext.py`` for the figures. The
view ``articles_fts_source`` and the three triggers keep their names; the index is rebuilt from
``articles`` (about 1 ms per article: ~17 minutes for a million, logged before it starts).
Downgrade restores the trigram index of migration 0002.

PostgreSQL: nothing (its pg_trgm indexes are not affected).

A later migration that rebuilds ``articles`` on SQLite (Alembic batch mode copies the table)
drops these triggers with the old table: it must create them again (``SQLITE_TRIGGERS``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import logging

from alembic import op

from crawler.db import fulltext

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

TITLE = "coalesce({row}title_simplified, {row}title)"
BODY = "coalesce({row}body_simplified, {row}body_text)"
OBJECTS = ("articles_fts_insert", "articles_fts_delete", "articles_fts_update")


def _view(spaced: bool) -> str:
    wrap = "fts_chars({})" if spaced else "{}"
    return (
        "CREATE VIEW articles_fts_source AS SELECT id, "
        f"{wrap.format(TITLE.format(row=''))} AS title, "
        f"{wrap.format(BODY.format(row=''))} AS body FROM articles"
    )


def _table(spaced: bool) -> str:
    tokenizer = "unicode61" if spaced else "trigram"
    return (
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, "
        f"content='articles_fts_source', content_rowid='id', tokenize='{tokenizer}')"
    )


def _triggers(spaced: bool) -> dict[str, str]:
    wrap = "fts_chars({})" if spaced else "{}"

    def values(row: str) -> str:
        return f"{wrap.format(TITLE.format(row=row))}, {wrap.format(BODY.format(row=row))}"

    add = f"INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, {values('new.')});"
    remove = (
        "INSERT INTO articles_fts(articles_fts, rowid, title, body) "
        f"VALUES ('delete', old.id, {values('old.')});"
    )
    watched = "title, title_simplified, body_text, body_simplified"
    return {
        "articles_fts_insert": (
            f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN {add} END"
        ),
        "articles_fts_delete": (
            f"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN {remove} END"
        ),
        "articles_fts_update": (
            f"CREATE TRIGGER articles_fts_update AFTER UPDATE OF {watched} ON articles "
            f"BEGIN {remove} {add} END"
        ),
    }


SQLITE_TRIGGERS = _triggers(spaced=True)


def _replace(spaced: bool) -> None:
    bind = op.get_bind()
    # the triggers and the rebuild call fts_chars(): engines of crawler.db.make_engine have it
    fulltext.ensure_registered(bind.connection.driver_connection)
    articles = bind.exec_driver_sql("SELECT count(*) FROM articles").scalar_one()
    logger.info(
        "Rebuilding the full-text index (%s) of %d articles: about %d s",
        "one token per character" if spaced else "trigrams",
        articles,
        articles // (1000 if spaced else 250),
    )
    for name in OBJECTS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute("DROP VIEW IF EXISTS articles_fts_source")
    op.execute(_view(spaced))
    op.execute(_table(spaced))
    for ddl in _triggers(spaced).values():
        op.execute(ddl)
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace(spaced=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _replace(spaced=False)
