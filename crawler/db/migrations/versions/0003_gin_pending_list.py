"""larger GIN pending lists for the trigram search indexes (PostgreSQL)

PostgreSQL: ``gin_pending_list_limit = 64 MB`` (default 4 MB) on the two pg_trgm GIN indexes of
migration 0002. An insert adds its trigrams to the index's pending list (cheap, sequential); the
insert that fills the list merges it into the index, touching pages all over it (each written to
the WAL in full after a checkpoint), so the cost of a merge grows with the index. With 4 MB a merge
comes every ~200 new articles; in ``bench/dedup/`` the article insert then cost 2.8 ms per
article at 10k rows and 7.0 ms at 1M (the whole write: 4.5 → 9.5 ms). With 64 MB one merge serves
~2,000 articles: 2.2 → 3.4 ms (the whole write, merges counted: 4.0 → 6.1 ms). The merge runs
within the inserting transaction's ``work_mem``, which ``ArticleStore`` raises to match for its
write transactions (``crawler.db.dialect.PENDING_LIST_WORK_MEM``): with the default 4 MB it would
merge in many passes and gain nothing (9.5 ms at 1M). The price: a search also scans the pending
list, up to ~15 ms more when it is full (22 ms instead of 4-7 ms for one word at 1M rows).

SQLite: nothing (FTS5 merges its own segments).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PENDING_LIST_KB = 65536
INDEXES = ("ix_articles_search_title", "ix_articles_search_body")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {name} RESET (gin_pending_list_limit)")
