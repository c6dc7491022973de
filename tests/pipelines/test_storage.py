"""The storage pipeline: batches, and nothing lost when the database is down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from sqlalchemy import Engine, event, select

from crawler.db.concurrent import ConcurrentArticleStore
from crawler.db.models import Article
from crawler.db.store import ArticleStore, count_rows
from crawler.pipelines.storage import StoragePipeline
from tests.support.crawlers import make_crawler
from tests.support.databases import closed_port_url
from tests.support.records import article

CLOSED_PORT_URL = closed_port_url("hunter2")


def run_pipeline(crawler: Crawler, items: list[object]) -> StoragePipeline:
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()
    return pipeline


def test_items_are_committed_in_batches(database_url: str, tmp_path: Path) -> None:
    crawler = make_crawler(database_url, tmp_path / "spool", batch_size=3)
    pipeline = StoragePipeline.from_crawler(crawler)
    commits: list[int] = []
    event.listen(pipeline.engine, "commit", lambda conn: commits.append(1))
    pipeline.open_spider()
    commits.clear()  # the migration's own commit
    for n in range(7):
        pipeline.process_item(article(n))
    # the source's row (its own transaction, once per site), then 3 + 3 written, 1 buffered
    assert len(commits) == 3
    pipeline.close_spider()
    assert len(commits) == 4
    assert crawler.stats is not None
    assert crawler.stats.get_value("storage/new") == 7


def test_database_down_spools_items_and_fails_the_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = tmp_path / "spool"
    crawler = make_crawler(CLOSED_PORT_URL, spool)
    run_pipeline(crawler, [article(1), article(2)])
    assert crawler.stats is not None
    assert crawler.stats.get_value("storage/failed") == 2
    assert crawler.stats.get_value("run/failed") is True
    lines = (spool / "cn_test.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["url"] for line in lines] == [article(1).url, article(2).url]
    assert "hunter2" not in caplog.text  # the password never reaches the logs
    assert "database" in caplog.text and "unavailable" in caplog.text


def test_the_next_run_replays_the_spool_exactly_once(engine: Engine, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    run_pipeline(make_crawler(CLOSED_PORT_URL, spool), [article(1), article(2)])
    url = engine.url.render_as_string(hide_password=False)
    crawler = make_crawler(url, spool)
    run_pipeline(crawler, [article(2), article(3)])
    assert crawler.stats is not None
    assert crawler.stats.get_value("storage/replayed") == 2
    assert not list(spool.glob("*.jsonl"))
    assert count_rows(engine)["articles"] == 3
    with engine.connect() as conn:
        urls = sorted(conn.execute(select(Article.url)).scalars())
    assert urls == sorted(article(n).url for n in (1, 2, 3))


def test_the_store_is_chosen_by_the_database_not_by_the_redis_addon(
    database_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL, which several processes may write at once, the storage pipeline writes with
    the concurrent store, whether or not a Redis frontier (the add-on) is configured."""
    crawler = make_crawler(database_url, tmp_path / "spool")
    assert not crawler.settings.get("REDIS_URL")
    pipeline = run_pipeline(crawler, [article(1)])
    assert crawler.stats is not None
    if database_url.startswith("postgresql"):
        assert isinstance(pipeline.store, ConcurrentArticleStore)
        assert crawler.stats.get_value("storage/cluster_lock_wait_ms") is not None
    else:
        assert type(pipeline.store) is ArticleStore
        assert crawler.stats.get_value("storage/cluster_lock_wait_ms") is None
