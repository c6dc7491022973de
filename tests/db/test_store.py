"""The storage layer on SQLite and PostgreSQL: migrations, idempotent upserts, updates."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

from crawler.db import current_revision, head_revision, include_object, make_engine, redact
from crawler.db.models import Article, AttachmentRow, Base, Source
from crawler.db.store import ArticleStore, SourceInfo, count_rows
from crawler.items import Attachment
from tests.support.records import article

SOURCE = SourceInfo(site="cn_test", name="测试网", region="central")


def test_migrations_match_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_new_items_are_stored_with_their_fields(engine: Engine) -> None:
    result = ArticleStore(engine).write([article(1), article(2)], SOURCE)
    assert (result.new, result.updated, result.unchanged) == (2, 0, 0)
    with engine.connect() as conn:
        row = conn.execute(select(Article).where(Article.url.like("%content_1.htm"))).one()
        source = conn.execute(select(Source)).one()
    assert row.title == "关于印发托育服务方案的通知 1"
    assert str(row.publish_date) == "2024-11-28"
    # the same instant on both databases, read back as aware UTC
    assert row.published_at == dt.datetime(2024, 11, 28, 9, 30, 12, tzinfo=dt.UTC)
    assert str(row.written_date) == "2024-11-20"
    assert row.issuers == ["国务院办公厅"]
    assert (source.site, source.name, source.region) == ("cn_test", "测试网", "central")
    assert count_rows(engine) == {"articles": 2, "attachments": 2}


def test_writing_the_same_items_again_adds_no_rows(engine: Engine) -> None:
    store = ArticleStore(engine)
    store.write([article(1), article(2)], SOURCE)
    result = store.write([article(1), article(2)], SOURCE)
    assert (result.new, result.updated, result.unchanged) == (0, 0, 2)
    assert count_rows(engine) == {"articles": 2, "attachments": 2}


def test_changed_content_updates_the_row_and_its_timestamp(engine: Engine) -> None:
    store = ArticleStore(engine)
    store.write([article(1)], SOURCE)
    with engine.connect() as conn:
        before = conn.execute(select(Article.updated_at, Article.first_seen_at)).one()
    time.sleep(0.01)
    changed = article(
        1,
        body="修订后的正文。",
        attachments=[Attachment("新附件.xlsx", "https://www.example.gov.cn/new.xlsx", "xlsx")],
    )
    result = store.write([changed], SOURCE)
    assert (result.new, result.updated) == (0, 1)
    with engine.connect() as conn:
        after = conn.execute(
            select(Article.updated_at, Article.first_seen_at, Article.body_text)
        ).one()
        names = conn.execute(select(AttachmentRow.name)).scalars().all()
    assert after.body_text == "修订后的正文。"
    assert after.updated_at > before.updated_at
    assert after.first_seen_at == before.first_seen_at
    assert names == ["新附件.xlsx"]
    assert count_rows(engine)["articles"] == 1


def test_the_same_url_twice_in_one_batch_is_one_row(engine: Engine) -> None:
    result = ArticleStore(engine).write([article(1), article(1, body="后一个版本。")], SOURCE)
    assert result.new == 1
    with engine.connect() as conn:
        assert conn.execute(select(Article.body_text)).scalars().all() == ["后一个版本。"]


def test_redact_hides_the_password() -> None:
    shown = redact("postgresql+psycopg://crawler:s3cret@db.example:5432/policy")
    assert "s3cret" not in shown
    assert "db.example" in shown


def _migrate(url: str, start: Any) -> str | None:
    """In a process of its own: wait for the others, then bring the database up to date."""
    from crawler.db import ensure_schema, make_engine

    engine = make_engine(url)
    try:
        start.wait(timeout=60)
        ensure_schema(engine)
        return current_revision(engine)
    finally:
        engine.dispose()


def test_processes_starting_together_migrate_one_at_a_time(database_url: str) -> None:
    """Crawls started by cron at the same minute on a new (or older) database: one migrates, the
    others wait for it and find the schema current, none fails."""
    import concurrent.futures
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(4)
        with concurrent.futures.ProcessPoolExecutor(4, mp_context=context) as pool:
            results = list(pool.map(_migrate, [database_url] * 4, [start] * 4))
    engine = make_engine(database_url)
    try:
        assert results == [head_revision(engine)] * 4
        assert current_revision(engine) == head_revision(engine)
        ArticleStore(engine).write([article(1)], SOURCE)
        assert count_rows(engine) == {"articles": 1, "attachments": 1}
    finally:
        engine.dispose()
