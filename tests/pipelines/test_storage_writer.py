"""The storage pipeline's writer thread: batches written off the crawl's thread, in order, with
back-pressure, counted into the stats, and nothing lost when the writer meets an error."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawler.db import make_engine
from crawler.db.models import Article
from crawler.db.spool import Spool
from crawler.db.store import ArticleStore, SourceInfo, WriteResult
from crawler.pipelines.storage import StoragePipeline
from tests.support.records import article


class DemoSpider(Spider):
    name = "cn_test"


def make_pipeline(
    database_url: str, tmp_path: Path, batch_size: int = 3, max_pending: int = 2
) -> tuple[Crawler, StoragePipeline]:
    crawler = get_crawler(
        DemoSpider,
        {
            "DATABASE_URL": database_url,
            "SPOOL_DIR": str(tmp_path / "spool"),
            "STORAGE_BATCH_SIZE": batch_size,
            "STORAGE_MAX_PENDING_BATCHES": max_pending,
        },
    )
    crawler.spider = crawler._create_spider()
    return crawler, StoragePipeline.from_crawler(crawler)


async def feed(pipeline: StoragePipeline, items: list[Any]) -> list[bool]:
    """Open, process ``items`` and close as Scrapy does; which process_item calls had to wait.
    The writer never holds more than its maximum of batches."""
    pipeline.open_spider()
    waited = []
    for item in items:
        assert len(pipeline._pending) <= pipeline.max_pending
        result = pipeline.process_item(item)
        waited.append(asyncio.iscoroutine(result))
        if asyncio.iscoroutine(result):
            assert await result is item
        else:
            assert result is item
    closing = pipeline.close_spider()
    if closing is not None:
        await closing
    return waited


def stored_urls(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(Article.url).order_by(Article.id)).scalars())
    finally:
        engine.dispose()


def test_batches_are_written_in_the_writer_thread_in_order(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    intervals: list[float] = []
    original = ArticleStore.write
    before = sys.getswitchinterval()

    def write(self: ArticleStore, items: Any, source: SourceInfo) -> WriteResult:
        threads.append(threading.current_thread().name)
        intervals.append(sys.getswitchinterval())
        return original(self, items, source)

    monkeypatch.setattr(ArticleStore, "write", write)
    crawler, pipeline = make_pipeline(database_url, tmp_path, batch_size=3)
    items = [article(n) for n in range(8)]
    asyncio.run(feed(pipeline, items))

    assert len(threads) == 3  # 3 + 3 + the 2 left at close
    assert all(name.startswith("storage") for name in threads)
    # quicker GIL hand-overs while the writer runs, Python's own setting again afterwards
    assert intervals == [0.001] * 3
    assert sys.getswitchinterval() == before
    assert stored_urls(database_url) == [item.url for item in items]
    assert crawler.stats is not None
    assert crawler.stats.get_value("storage/new") == 8
    assert crawler.stats.get_value("run/failed") is None


def test_a_slow_database_makes_new_items_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tmp_path / 'policy.db'}"
    gate = threading.Event()
    original = ArticleStore.write

    def slow_write(self: ArticleStore, items: Any, source: SourceInfo) -> WriteResult:
        gate.wait(timeout=30)
        return original(self, items, source)

    monkeypatch.setattr(ArticleStore, "write", slow_write)
    crawler, pipeline = make_pipeline(database_url, tmp_path, batch_size=1, max_pending=2)

    async def run() -> list[bool]:
        asyncio.get_running_loop().call_later(0.5, gate.set)
        return await feed(pipeline, [article(n) for n in range(5)])

    waited = asyncio.run(run())
    assert pipeline.buffer == [] and not pipeline._pending
    # two batches may be with the writer (one written, one waiting): the third item has to wait
    assert waited[:2] == [False, False]
    assert waited[2] is True
    assert len(stored_urls(database_url)) == 5
    assert crawler.stats is not None
    assert crawler.stats.get_value("storage/new") == 5


def test_an_unexpected_error_in_the_writer_spools_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    database_url = f"sqlite:///{tmp_path / 'policy.db'}"

    def broken_write(self: ArticleStore, items: Any, source: SourceInfo) -> WriteResult:
        raise RuntimeError("a bug in the store")

    monkeypatch.setattr(ArticleStore, "write", broken_write)
    crawler, pipeline = make_pipeline(database_url, tmp_path, batch_size=2)
    items = [article(n) for n in range(3)]
    asyncio.run(feed(pipeline, items))

    spooled = [item.url for path in Spool(tmp_path / "spool").files() for item in Spool.read(path)]
    assert spooled == [item.url for item in items]
    assert crawler.stats is not None
    assert crawler.stats.get_value("storage/failed") == 3
    assert crawler.stats.get_value("run/failed") is True
    assert "a bug in the store" in caplog.text


def test_without_an_event_loop_batches_are_written_at_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'policy.db'}"
    _, pipeline = make_pipeline(database_url, tmp_path, batch_size=2)
    pipeline.open_spider()
    for n in range(2):
        assert pipeline.process_item(article(n)) is not None
    assert len(stored_urls(database_url)) == 2  # written before close: no thread involved
    assert pipeline.close_spider() is None
