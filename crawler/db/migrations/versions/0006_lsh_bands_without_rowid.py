"""LSH band keys in a WITHOUT ROWID table (SQLite)

SQLite: ``lsh_bands`` becomes a ``WITHOUT ROWID`` table, stored in its primary key ``(band_key,
article_id)``. As a rowid table every band key was written to three b-trees: the table (by rowid),
the primary key's index and ``ix_lsh_bands_article_id``; now to two, and a 1M-article database grown
under it is 10 % smaller (3.27 → 2.94 GB in ``bench/dedup/``; a migrated file keeps its size, its
freed pages are reused by later writes, until ``VACUUM``). The time of a write stays the same within
the benchmark's noise (see docs/benchmarks.md). The table is copied in key order: about a minute per
million articles (16 million keys), logged before it starts. Downgrade copies it back into a rowid
table.

PostgreSQL: nothing (a heap table has no rowid b-tree to drop).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

TABLE = """
CREATE TABLE {name} (
    band_key BIGINT NOT NULL,
    article_id INTEGER NOT NULL,
    CONSTRAINT pk_lsh_bands PRIMARY KEY (band_key, article_id),
    CONSTRAINT fk_lsh_bands_article_id_articles FOREIGN KEY(article_id)
        REFERENCES articles (id) ON DELETE CASCADE
){options}
"""


def _copy(without_rowid: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    total = conn.execute(sa.text("SELECT count(*) FROM lsh_bands")).scalar_one()
    if total:
        logger.info(
            "Copying %d LSH band keys into a %s table",
            total,
            "WITHOUT ROWID" if without_rowid else "rowid",
        )
    options = " WITHOUT ROWID" if without_rowid else ""
    op.execute(TABLE.format(name="_lsh_bands_new", options=options))
    op.execute(
        "INSERT INTO _lsh_bands_new (band_key, article_id) "
        "SELECT band_key, article_id FROM lsh_bands ORDER BY band_key, article_id"
    )
    op.execute("DROP TABLE lsh_bands")
    op.execute("ALTER TABLE _lsh_bands_new RENAME TO lsh_bands")
    op.execute("CREATE INDEX ix_lsh_bands_article_id ON lsh_bands (article_id)")


def upgrade() -> None:
    _copy(without_rowid=True)


def downgrade() -> None:
    _copy(without_rowid=False)
