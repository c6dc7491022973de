"""scrapy-redis on our Scrapy: the parts we use, as we use them (a breaking upgrade fails here).

scrapy-redis 0.9.1 was written for Scrapy's ``start_requests``, removed in Scrapy 2.16; its
spider classes are not used. What we use (scheduler, queues, dupefilter, connection helper,
pickle serializer) is checked here against the real Redis, with our spiders' real requests.
"""

from __future__ import annotations

import inspect
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import scrapy
from redis import Redis
from scrapy.settings import Settings
from scrapy.utils.request import RequestFingerprinter
from scrapy.utils.test import get_crawler

from crawler.distributed.addon import (
    POLITENESS_MIDDLEWARE,
    DistributedAddon,
)
from crawler.distributed.keys import job_keys
from crawler.distributed.scheduler import SCRAPY_REDIS_VERSION, ClusterDupeFilter, ClusterScheduler
from crawler.spiders.cn_gov import CnGovSpider
from tests.support.scaleout import REDIS_URL


def test_the_pinned_scrapy_redis_version_is_installed() -> None:
    assert version("scrapy-redis") == SCRAPY_REDIS_VERSION, (
        "scrapy-redis changed: re-run tests/distributed, re-read its scheduler/queue/dupefilter, "
        "then move SCRAPY_REDIS_VERSION and the pin in pyproject.toml"
    )


def test_scrapy_no_longer_has_start_requests() -> None:
    """Why scrapy-redis's spiders are not used: they seed through ``start_requests``."""
    assert not hasattr(scrapy.Spider, "start_requests")
    assert inspect.isasyncgenfunction(CnGovSpider.start)


def test_the_scrapy_redis_api_we_build_on() -> None:
    from scrapy_redis import connection, picklecompat, queue
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.scheduler import Scheduler

    params = inspect.signature(Scheduler.__init__).parameters
    for name in (
        "server",
        "persist",
        "flush_on_start",
        "queue_key",
        "queue_cls",
        "dupefilter",
        "dupefilter_key",
        "serializer",
    ):
        assert name in params, name
    for method in ("open", "close", "flush", "enqueue_request", "next_request"):
        assert callable(getattr(Scheduler, method)), method
    assert list(inspect.signature(RFPDupeFilter.__init__).parameters) == [
        "self",
        "server",
        "key",
        "debug",
    ]
    for cls in (queue.PriorityQueue, queue.FifoQueue, queue.LifoQueue):
        for method in ("push", "pop", "__len__", "clear"):
            assert callable(getattr(cls, method)), (cls, method)
    assert callable(connection.get_redis_from_settings)
    assert callable(picklecompat.loads) and callable(picklecompat.dumps)


@pytest.mark.parametrize("queue_cls", ["PriorityQueue", "FifoQueue", "LifoQueue"])
def test_our_requests_survive_the_redis_queue(
    queue_cls: str, redis_client: Redis, redis_prefix: str
) -> None:
    from scrapy_redis import picklecompat, queue

    spider = CnGovSpider()
    original = spider.list_request("https://www.gov.cn/zhengce/zuixin/", page=3)
    original.meta["pc_retry"] = 2
    q = getattr(queue, queue_cls)(
        server=redis_client, spider=spider, key=f"{redis_prefix}:q", serializer=picklecompat
    )
    q.push(original)
    assert len(q) == 1
    copy = q.pop()
    assert copy is not None and len(q) == 0
    assert copy.url == original.url
    assert copy.callback == spider.parse_list and copy.errback == spider.on_error
    assert copy.cb_kwargs == {"page": 3}
    assert copy.meta["pc_kind"] == "list" and copy.meta["pc_retry"] == 2


def test_the_dupefilter_uses_scrapys_fingerprints(redis_client: Redis, redis_prefix: str) -> None:
    dupefilter = ClusterDupeFilter(redis_client, f"{redis_prefix}:df")
    request = scrapy.Request("https://www.gov.cn/zhengce/?b=2&a=1")
    assert (
        dupefilter.request_fingerprint(request) == RequestFingerprinter().fingerprint(request).hex()
    )
    assert not dupefilter.request_seen(request)
    assert dupefilter.request_seen(scrapy.Request("https://www.gov.cn/zhengce/?a=1&b=2"))
    assert not dupefilter.request_seen(scrapy.Request("https://www.gov.cn/zhengce/?a=1&b=3"))


def _crawler(redis_prefix: str, tmp_path: Path, **settings: Any) -> Any:
    values = {
        # Request.to_dict() looks the callback up with inspect.getmembers(spider), which reads
        # every property of the spider, failure_log (a database engine) included.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'policy.db'}",
        "REDIS_URL": REDIS_URL,
        "DISTRIBUTED_KEY_PREFIX": redis_prefix,
        "ADDONS": {"crawler.distributed.addon.DistributedAddon": 0},
        **settings,
    }
    return get_crawler(CnGovSpider, values)


def test_the_scheduler_counts_stats_without_deprecated_calls(
    redis_prefix: str, tmp_path: Path
) -> None:
    crawler = _crawler(redis_prefix, tmp_path)
    crawler.stats.open_spider()
    scheduler = ClusterScheduler.from_crawler(crawler)
    spider = CnGovSpider()
    spider.crawler = crawler
    scheduler.spider = spider
    from scrapy_redis import picklecompat, queue

    scheduler.queue = queue.PriorityQueue(
        scheduler.server, spider, scheduler.keys["requests"], picklecompat
    )
    request = spider.list_request("https://www.gov.cn/zhengce/zuixin/", page=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert scheduler.enqueue_request(request)
        assert not scheduler.enqueue_request(request.copy())  # a duplicate
        assert scheduler.has_pending_requests()
        popped = scheduler.next_request()
    assert popped is not None and popped.url == request.url
    assert not scheduler.has_pending_requests()
    stats = crawler.stats.get_stats()
    assert stats["scheduler/enqueued/redis"] == 1
    assert stats["scheduler/dequeued/redis"] == 1
    assert stats["dupefilter/filtered"] == 1
    assert scheduler.keys == job_keys(crawler.settings, "cn_gov")
    assert scheduler.keys["requests"] == f"{redis_prefix}:cn_gov:default:requests"


STORAGE_PIPELINE = "crawler.pipelines.storage.StoragePipeline"


def test_the_addon_switches_on_with_redis_url(redis_prefix: str) -> None:
    settings = Settings(
        {
            "REDIS_URL": REDIS_URL,
            "DATABASE_URL": "postgresql+psycopg://u@h/db",
            "ITEM_PIPELINES": {STORAGE_PIPELINE: 800},
        }
    )
    DistributedAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "crawler.distributed.scheduler.ClusterScheduler"
    assert settings["DUPEFILTER_CLASS"] == "crawler.distributed.scheduler.ClusterDupeFilter"
    assert POLITENESS_MIDDLEWARE in str(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    # storage is the storage pipeline's own choice (by DATABASE_URL), not the add-on's
    assert settings.getdict("ITEM_PIPELINES") == {STORAGE_PIPELINE: 800}


def test_without_redis_url_and_on_sqlite_the_addon_changes_nothing() -> None:
    settings = Settings(
        {"DATABASE_URL": "sqlite:///x.db", "ITEM_PIPELINES": {STORAGE_PIPELINE: 800}}
    )
    DistributedAddon().update_settings(settings)
    assert settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy.dupefilters.RFPDupeFilter"
    assert settings.getdict("ITEM_PIPELINES") == {STORAGE_PIPELINE: 800}
    assert not settings.getdict("DOWNLOADER_MIDDLEWARES")
