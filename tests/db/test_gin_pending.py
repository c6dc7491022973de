"""Migration 0003: large GIN pending lists on the trigram search indexes (PostgreSQL), and write
transactions with the work_mem to merge them in one pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from crawler.db import current_revision, head_revision, make_engine, upgrade
from crawler.db.dialect import PENDING_LIST_WORK_MEM
from crawler.db.store import ArticleStore, SourceInfo
from tests.support.databases import create_postgres_database, downgrade, drop_postgres_database
from tests.support.records import item

INDEXES = ("ix_articles_search_title", "ix_articles_search_body")
LARGE = {name: ["gin_pending_list_limit=65536"] for name in INDEXES}


def pending_list_limits(engine: Engine) -> dict[str, list[str] | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(INDEXES)},
        )
        return {name: options for name, options in rows}


def test_the_trigram_indexes_get_a_64_mb_pending_list_and_lose_it_on_downgrade(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":  # nothing to change on SQLite: it migrates both ways
        downgrade(engine, "0002")
        assert current_revision(engine) == "0002"
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        return
    assert pending_list_limits(engine) == LARGE
    downgrade(engine, "0002")
    assert pending_list_limits(engine) == dict.fromkeys(INDEXES, None)
    upgrade(engine)
    assert pending_list_limits(engine) == LARGE


@pytest.fixture
def pg_engine(postgres_server: str) -> Iterator[Engine]:
    url = create_postgres_database(postgres_server)
    eng = make_engine(url)
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        drop_postgres_database(postgres_server, url)


@pytest.mark.postgres
def test_a_write_transaction_has_the_work_mem_to_merge_a_pending_list(pg_engine: Engine) -> None:
    seen: list[str] = []

    class Watched(ArticleStore):
        @staticmethod
        def _insert_new(conn: Any, rows: list[dict[str, Any]]) -> dict[str, int]:
            seen.append(conn.execute(text("SHOW work_mem")).scalar_one())
            return ArticleStore._insert_new(conn, rows)

    Watched(pg_engine).write([item("https://www.gov.cn/a.htm")], SourceInfo("cn_gov"))
    assert seen == [PENDING_LIST_WORK_MEM]
    with pg_engine.connect() as conn:  # for the write transaction only
        assert conn.execute(text("SHOW work_mem")).scalar_one() != PENDING_LIST_WORK_MEM
