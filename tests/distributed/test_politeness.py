"""Per-domain limits for the whole cluster, counted at the server."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from pathlib import Path

import pytest
from redis.asyncio import from_url

from crawler.db import make_engine, upgrade
from crawler.middlewares.politeness import DomainSlots
from tests.support.scaleout import REDIS_URL, run_workers
from tests.support.site import CountingSite

pytestmark = pytest.mark.postgres


def test_slots_bound_concurrency_and_space_requests(redis_prefix: str) -> None:
    async def scenario() -> tuple[int, list[float]]:
        redis = from_url(REDIS_URL)
        held = peak = 0
        starts: list[float] = []
        try:
            limited = DomainSlots(redis, redis_prefix, concurrency=3, delay=0, lease=30)

            async def fetch() -> None:
                nonlocal held, peak
                token, _, _ = await limited.acquire("a.gov.cn")
                held += 1
                peak = max(peak, held)
                await asyncio.sleep(0.03)
                held -= 1
                await limited.release("a.gov.cn", token)

            await asyncio.gather(*(fetch() for _ in range(24)))
            assert await limited.in_flight("a.gov.cn") == 0

            spaced = DomainSlots(redis, redis_prefix, concurrency=0, delay=0.1, lease=30)

            async def start() -> None:
                await spaced.acquire("b.gov.cn")
                starts.append(time.monotonic())

            await asyncio.gather(*(start() for _ in range(5)))
        finally:
            await redis.aclose()
        return peak, sorted(starts)

    peak, starts = asyncio.run(scenario())
    assert peak == 3
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.095, gaps


def test_an_expired_lease_frees_its_slot(redis_prefix: str) -> None:
    """A worker that dies holding a slot blocks the domain only until the lease runs out."""

    async def scenario() -> float:
        redis = from_url(REDIS_URL)
        try:
            slots = DomainSlots(redis, redis_prefix, concurrency=1, delay=0, lease=1)
            await slots.acquire("c.gov.cn")  # never released
            started = time.monotonic()
            await slots.acquire("c.gov.cn")
            return time.monotonic() - started
        finally:
            await redis.aclose()

    waited = asyncio.run(scenario())
    assert 0.8 <= waited <= 3


def crawl(
    tmp: Path, site: CountingSite, info: dict, workers: int, prefix: str, **settings: str
) -> None:
    url = f"sqlite:///{tmp / 'policy.db'}"
    engine = make_engine(url)
    upgrade(engine)  # before the workers: on SQLite they would race to create the tables
    engine.dispose()
    run = run_workers(
        tmp,
        workers,
        url,
        prefix,
        [site.base + p for p in info["starts"]],
        {
            "CONCURRENT_REQUESTS_PER_DOMAIN": "8",  # per process: the cluster limit must win
            "CLUSTER_CONCURRENCY_PER_DOMAIN": "2",
            "CLUSTER_DELAY_PER_DOMAIN": "0",
            "STORAGE_BATCH_SIZE": "10",  # SQLite: short write transactions between two workers
            **settings,
        },
        timeout=120,
    )
    assert run.returncodes == [0] * workers, "\n\n".join(log[-2000:] for log in run.logs)
    # (a worker that starts late may find the crawl over: it seeds nothing new, fetches nothing)
    slots = sum(
        int(m.group(1)) for log in run.logs for m in re.finditer(r"'politeness/slots': (\d+)", log)
    )
    if settings.get("CLUSTER_POLITENESS_ENABLED") == "False":
        assert slots == 0
    else:
        assert slots == sum(site.hits.values())  # every request went through a slot


def test_two_workers_keep_the_domain_limit_together(
    tmp_path: Path, counting_site: tuple[CountingSite, dict], redis_prefix: str
) -> None:
    site, info = counting_site
    crawl(tmp_path / "limited", site, info, 2, redis_prefix)
    pages = len(info["lists"]) + len(info["articles"])
    assert sum(n for path, n in site.hits.items() if path != "/robots.txt") == pages
    assert site.max_in_flight["127.0.0.1"] == 2  # never more, across both workers


def test_without_it_the_server_sees_more(
    tmp_path: Path, counting_site: tuple[CountingSite, dict], redis_prefix: str
) -> None:
    """The counting server does see a breach: one worker alone, 8 per domain, no cluster limit."""
    site, info = counting_site
    crawl(tmp_path, site, info, 1, redis_prefix, CLUSTER_POLITENESS_ENABLED="False")
    assert site.max_in_flight["127.0.0.1"] > 2
