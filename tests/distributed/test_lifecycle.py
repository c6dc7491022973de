"""A job's Redis keys over its life: joined, left early, left last (unit level, real Redis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from redis import Redis
from scrapy.utils.test import get_crawler

from crawler.distributed.scheduler import ClusterScheduler
from crawler.spiders.cn_gov import CnGovSpider
from tests.support.scaleout import REDIS_URL


def worker(prefix: str, tmp_path: Path, **settings: Any) -> tuple[ClusterScheduler, CnGovSpider]:
    crawler = get_crawler(
        CnGovSpider,
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'policy.db'}",
            "REDIS_URL": REDIS_URL,
            "DISTRIBUTED_KEY_PREFIX": prefix,
            "DISTRIBUTED_FINISHED_TTL": "120",
            **settings,
        },
    )
    crawler.stats.open_spider()
    spider = CnGovSpider.from_crawler(crawler)
    scheduler = ClusterScheduler.from_crawler(crawler)
    scheduler.spider = spider
    from scrapy_redis import picklecompat, queue

    scheduler.queue = queue.PriorityQueue(
        scheduler.server, spider, scheduler.keys["requests"], picklecompat
    )
    scheduler._beat(busy=True)
    return scheduler, spider


def test_only_the_last_worker_out_cleans_up(
    tmp_path: Path, redis_prefix: str, redis_client: Redis
) -> None:
    a, spider = worker(redis_prefix, tmp_path)
    b, _ = worker(redis_prefix, tmp_path)
    keys = a.keys
    assert a.enqueue_request(spider.list_request("https://www.gov.cn/zhengce/zuixin/", page=1))
    assert not b.enqueue_request(spider.list_request("https://www.gov.cn/zhengce/zuixin/", page=1))
    assert redis_client.zcard(keys["workers"]) == 2

    a.close("shutdown")  # stopped early, requests waiting: nothing is deleted
    assert redis_client.zcard(keys["requests"]) == 1
    assert redis_client.zcard(keys["workers"]) == 1

    request = b.next_request()
    assert request is not None and not b.has_pending_requests()
    b.close("finished")  # the last one, queue empty: the job is over
    assert not redis_client.exists(keys["requests"], keys["workers"], keys["busy"])
    assert 0 < redis_client.pttl(keys["dupefilter"]) <= 120_000

    late, _ = worker(redis_prefix, tmp_path)  # starts within the TTL: every page is seen
    assert not late.enqueue_request(spider.list_request("https://www.gov.cn/zhengce/zuixin/", 1))
    late.close("finished")


def test_a_worker_that_finishes_while_another_works_keeps_the_keys(
    tmp_path: Path, redis_prefix: str, redis_client: Redis
) -> None:
    a, spider = worker(redis_prefix, tmp_path)
    b, _ = worker(redis_prefix, tmp_path)
    a.enqueue_request(spider.list_request("https://www.gov.cn/zhengce/zuixin/", page=1))
    b.close("finished")  # a is alive: the fingerprints and the queue stay
    assert redis_client.zcard(a.keys["requests"]) == 1
    assert redis_client.pttl(a.keys["dupefilter"]) == -1
    a.close("finished")  # queue not empty: a later start resumes it
    assert redis_client.zcard(a.keys["requests"]) == 1


def test_persist_keeps_everything(tmp_path: Path, redis_prefix: str, redis_client: Redis) -> None:
    a, spider = worker(redis_prefix, tmp_path, SCHEDULER_PERSIST="True")
    a.enqueue_request(spider.list_request("https://www.gov.cn/zhengce/zuixin/", page=1))
    assert a.next_request() is not None
    a.close("finished")
    assert redis_client.pttl(a.keys["dupefilter"]) == -1
