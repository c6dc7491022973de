"""articles.text_in_attachment: the article's text is in its attachments

- ``articles.text_in_attachment`` (boolean, NOT NULL, default false): the page only links its
  document (a notice whose whole text is a PDF or DOC file; the extractor's
  ``ExtractedPage.text_in_attachment``), so its ``body_text`` holds the files' names and its text
  is that of its attachments (``attachment_files.text``).

Rows stored before are false until their page is stored again (a crawl that finds the page
unchanged sets the flag too). Adding a column with a constant default rewrites no row, on SQLite
(``ALTER TABLE … ADD COLUMN``) as on PostgreSQL (11 and later): instant on any database size.

SQLite: a plain ``ALTER TABLE`` both ways (no batch copy of ``articles``, so the full-text
triggers of migration 0004 and the view ``attachment_files`` of 0007 stay as they are; dropping the
column needs SQLite 3.35).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "articles",
        sa.Column(
            "text_in_attachment",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="the page only links its document: the text is in its attachments",
        ),
    )


def downgrade() -> None:
    op.drop_column("articles", "text_in_attachment")
