"""What the store does differently on SQLite and on PostgreSQL: upserts, the write lock, the ids
of new rows, bulk inserts, a look-up by many band keys, the write transaction's memory."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from crawler.db.models import Article

ARTICLES: Table = Article.__table__  # type: ignore[assignment]

PENDING_LIST_WORK_MEM = "64MB"
"""``work_mem`` of a write transaction on PostgreSQL. The insert that fills a GIN pending list of
the trigram search indexes (64 MB, migration 0003) merges it into the index within ``work_mem``:
in one pass with this, in many (each touching much of the index) with the default 4 MB."""


def upsert(conn: Connection, table: Table) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` clauses."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {conn.dialect.name}")


def tune_write(conn: Connection) -> None:
    """Settings of a write transaction, for this transaction only (PostgreSQL: ``work_mem``)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{PENDING_LIST_WORK_MEM}'")


def lock_sqlite(conn: Connection) -> None:
    """On SQLite, take the database's write lock now (``BEGIN IMMEDIATE``) unless this
    transaction holds it already: until the commit no other writer can take the ids reserved as
    ``max(id) + k``, and look-ups see every committed row (as under ConcurrentArticleStore's
    lock on PostgreSQL). The sqlite3 module opens a transaction only at the first write, so a
    transaction that is open has written, and holds the lock."""
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def reserve_ids(conn: Connection, count: int) -> list[int]:
    """``count`` ids for new ``articles`` rows, in increasing order, that no other writer takes."""
    if count == 0:
        return []
    if conn.dialect.name == "postgresql":
        ids = conn.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('articles', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        ).scalars()
        return sorted(int(id_) for id_ in ids)
    # SQLite (under the write lock, see lock_sqlite): rowids after the largest one, as SQLite
    # itself would give them
    top = conn.execute(select(func.coalesce(func.max(ARTICLES.c.id), 0))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + count))


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list[Any]) -> None:
    """Insert plain rows (tuples in ``columns`` order), 16 band keys per article among them.

    On SQLite straight through the driver's ``executemany`` (no per-row parameter processing in
    SQLAlchemy, which holds the GIL); on PostgreSQL through
    SQLAlchemy's batched ``INSERT ... VALUES``."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
    else:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def any_of(conn: Connection, column: Any, values: list[int]) -> Any:
    """``column`` is one of ``values`` (many band keys) in one parameter: on PostgreSQL one array
    (``= ANY``), not thousands of ``IN`` parameters to parse and plan; on SQLite one JSON array
    unpacked by ``json_each`` (no parameter per key, no parameter limit)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam("band_keys", values, type_=postgresql.ARRAY(BigInteger)))
    each = func.json_each(bindparam("band_keys", json.dumps(values))).table_valued("value")
    return column.in_(select(each.c.value))
