"""Storage under concurrent writers: the article store, correct when several processes write to
one PostgreSQL database."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from crawler.db.store import ArticleStore, WriteResult

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

CLUSTER_LOCK_KEY = 0x70635F636C75  # "pc_clu": the advisory lock of cluster assignment


class ConcurrentArticleStore(ArticleStore):
    """The article store, correct when several processes write to one PostgreSQL database.

    Rows are upserts keyed by ``url_key`` (a unique index): concurrent writers of one page never
    make two rows. Cluster assignment, though, looks up *committed* copies (same content hash,
    same 发文字号, LSH bands) and then links: two transactions storing two copies of one policy
    at the same time would each see no copy and each start a cluster of its own, losing the
    repost link. Here that step, which also inserts the new rows with their clusters, holds a
    transaction-level advisory lock (taken before any new article row is written, released at
    commit): the second writer waits and, in READ COMMITTED, sees the first one's rows, clusters
    and band keys. A writer waiting for the lock holds no article row locks yet, so the holder
    never waits for it: no deadlock. The upserts of changed pages go out in ``url_key`` order, so
    two writers of overlapping pages lock those rows in the same order (no deadlock there either).
    """

    lock_wait: float | None = 0.0
    """Seconds spent waiting for the cluster-assignment lock (other writers held it)."""

    @staticmethod
    def _insert_new(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Rows go out in ``url_key`` order: concurrent writers lock shared keys in one order."""
        return ArticleStore._insert_new(conn, _by_key(rows))

    def _upsert(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        return super()._upsert(conn, _by_key(rows))

    def _cluster(self, conn: Connection, fresh: list[Any], result: WriteResult) -> None:
        if fresh and conn.dialect.name == "postgresql":
            started = time.monotonic()
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLUSTER_LOCK_KEY})
            self.lock_wait = (self.lock_wait or 0.0) + time.monotonic() - started
        super()._cluster(conn, fresh, result)


def _by_key(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: str(row["url_key"]))


def article_store(engine: Engine) -> ArticleStore:
    """The article store of ``engine``'s database: on PostgreSQL, which several processes may
    write at once (scale-out workers, crawls started together), :class:`ConcurrentArticleStore`;
    on SQLite, whose write lock lets one writer in at a time, the plain :class:`ArticleStore`."""
    if engine.dialect.name == "postgresql":
        return ConcurrentArticleStore(engine)
    return ArticleStore(engine)
