"""attachment files: content-addressed files, their extracted text, full-text search over it

- ``files``: one row per distinct content (SHA-256), however many URLs or articles link to it:
  size, media type, where it is kept in ``FILES_STORE``, the extracted text, page count,
  extraction status and reason (``crawler.attachments``);
- ``file_urls``: one row per attachment URL as last fetched: the file it served (``sha256``), its
  HTTP validators (conditional requests), or why it could not be had and when to retry;
- ``ix_attachments_url``: attachments are joined to ``file_urls`` by URL;
- the view ``attachment_files``: every attachment row with its file (status, size, type, text);
- full-text search over the text, as for articles (migrations 0002, 0004): SQLite an FTS5 table
  ``files_fts`` with one token per character (``fts_chars()``) over the view ``files_fts_source``,
  kept in sync by three triggers; PostgreSQL a pg_trgm GIN index ``ix_files_search_text``.

A later migration that rebuilds ``files`` or ``attachments`` on SQLite (Alembic batch mode copies
the table) must drop the view ``attachment_files`` and the ``files_fts`` triggers first and make
them again after (``VIEW``, ``SQLITE_TRIGGERS``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crawler.db import fulltext

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TEXT = "coalesce({row}text_simplified, {row}text)"

VIEW = """
CREATE VIEW attachment_files AS
SELECT a.id, a.article_id, a.position, a.name, a.url, a.file_type,
       u.status AS download_status, u.reason AS download_reason, u.checked_at,
       f.sha256, f.size, f.media_type, f.page_count, f.status AS extraction_status,
       f.reason AS extraction_reason, f.path, f.text
FROM attachments a
LEFT JOIN file_urls u ON u.url = a.url
LEFT JOIN files f ON f.sha256 = u.sha256
"""
SQLITE_SOURCE = (
    "CREATE VIEW files_fts_source AS "
    f"SELECT id, fts_chars({TEXT.format(row='')}) AS text FROM files"
)
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE files_fts USING fts5(text, content='files_fts_source', "
    "content_rowid='id', tokenize='unicode61')"
)
_ADD = f"INSERT INTO files_fts(rowid, text) VALUES (new.id, fts_chars({TEXT.format(row='new.')}));"
_REMOVE = (
    "INSERT INTO files_fts(files_fts, rowid, text) "
    f"VALUES ('delete', old.id, fts_chars({TEXT.format(row='old.')}));"
)
SQLITE_TRIGGERS = {
    "files_fts_insert": f"CREATE TRIGGER files_fts_insert AFTER INSERT ON files BEGIN {_ADD} END",
    "files_fts_delete": (
        f"CREATE TRIGGER files_fts_delete AFTER DELETE ON files BEGIN {_REMOVE} END"
    ),
    "files_fts_update": (
        "CREATE TRIGGER files_fts_update AFTER UPDATE OF text, text_simplified ON files "
        f"BEGIN {_REMOVE} {_ADD} END"
    ),
}
PG_INDEX = "ix_files_search_text"


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="SHA-256 of the bytes"),
        sa.Column("size", sa.BigInteger(), nullable=False, comment="bytes"),
        sa.Column(
            "media_type",
            sa.String(length=100),
            nullable=True,
            comment="read from the content (not from the URL or the server)",
        ),
        sa.Column(
            "path", sa.String(length=300), nullable=False, comment="where it is kept in FILES_STORE"
        ),
        sa.Column(
            "status",
            sa.String(length=20),
            nullable=False,
            comment="pending | ok | truncated | image_only | encrypted | unsupported | failed",
        ),
        sa.Column("reason", sa.Text(), nullable=True, comment="why not ok"),
        sa.Column(
            "page_count",
            sa.Integer(),
            nullable=True,
            comment="pages (PDF, OFD, DOCX as saved), sheets, or archive members read",
        ),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column(
            "text_simplified",
            sa.Text(),
            nullable=True,
            comment="text in simplified characters, only when it differs (search)",
        ),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_files_sha256")),
    )
    op.create_table(
        "file_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "status", sa.String(length=20), nullable=False, comment="stored | failed | skipped"
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "content_type", sa.String(length=200), nullable=True, comment="as the server said"
        ),
        sa.Column(
            "http_etag", sa.String(length=500), nullable=True, comment="for conditional requests"
        ),
        sa.Column("http_last_modified", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="failures in a row"),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False, comment="last request"),
        sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["files.sha256"],
            name=op.f("fk_file_urls_sha256_files"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_urls")),
        sa.UniqueConstraint("url", name=op.f("uq_file_urls_url")),
    )
    op.create_index(op.f("ix_file_urls_sha256"), "file_urls", ["sha256"], unique=False)
    op.create_index(
        op.f("ix_file_urls_next_retry_at"), "file_urls", ["next_retry_at"], unique=False
    )
    op.create_index(op.f("ix_attachments_url"), "attachments", ["url"], unique=False)
    op.execute(VIEW)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # the triggers call fts_chars(): engines of crawler.db.make_engine have it
        fulltext.ensure_registered(op.get_bind().connection.driver_connection)
        op.execute(SQLITE_SOURCE)
        op.execute(SQLITE_TABLE)
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} "
            f"ON files USING gin (({TEXT.format(row='')}) gin_trgm_ops)"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS files_fts")
        op.execute("DROP VIEW IF EXISTS files_fts_source")
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    op.execute("DROP VIEW IF EXISTS attachment_files")
    op.drop_index(op.f("ix_attachments_url"), table_name="attachments")
    op.drop_index(op.f("ix_file_urls_next_retry_at"), table_name="file_urls")
    op.drop_index(op.f("ix_file_urls_sha256"), table_name="file_urls")
    op.drop_table("file_urls")
    op.drop_table("files")
