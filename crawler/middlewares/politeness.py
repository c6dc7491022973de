"""Politeness for the whole cluster: per-domain limits shared by every worker through Redis.

Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` hold per process: two workers
would double the load on a bureau's server. :class:`ClusterPolitenessMiddleware` takes a slot of
the domain from Redis before a request goes out and gives it back when the answer (or an error)
comes in:

- ``CLUSTER_CONCURRENCY_PER_DOMAIN`` (default: ``CONCURRENT_REQUESTS_PER_DOMAIN``): requests in
  flight to one domain across the cluster; 0 = no limit;
- ``CLUSTER_DELAY_PER_DOMAIN`` (default: ``DOWNLOAD_DELAY``): seconds between two requests to
  one domain across the cluster; 0 = none.

A slot is a lease (a member of a Redis sorted set scored by its expiry, ``DOWNLOAD_TIMEOUT`` plus
a margin), so a worker that dies holding slots cannot block a domain for longer than that. Taking
a slot is one Lua script (atomic); times come from the Redis server's clock, so workers' clocks
need not agree. Waiting is ``asyncio.sleep`` on Scrapy's asyncio reactor with the asyncio Redis
client (``redis.asyncio``): nothing blocks the reactor, other domains go on.

Needs ``REDIS_URL`` (else ``NotConfigured``); off under ``REPLAY_DIR`` (nothing goes out). The
domain is the request's host name, as Scrapy's own download slots.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import uuid
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_KEY = "cluster_politeness_slot"
"""``request.meta`` entry holding the slot (domain, token) while the request is out."""
MIN_POLL = 0.005
MAX_POLL = 0.1

# KEYS: slots (sorted set token -> lease expiry ms), next (earliest time of the next request).
# ARGV: token, limit, delay ms, lease ms.
# Returns 0 when the slot is taken, -1 when all slots are busy, else the milliseconds to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[2])
local delay = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= limit then return -1 end
end
if delay > 0 then
  local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < nxt then return nxt - now end
  redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000)
end
if limit > 0 then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease + 1000)
end
return 0
"""

_SAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


class DomainSlots:
    """Per-domain concurrency and delay, shared through Redis (asyncio client)."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        concurrency: int,
        delay: float,
        lease: float,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.concurrency = max(concurrency, 0)
        self.delay_ms = max(round(delay * 1000), 0)
        self.lease_ms = max(round(lease * 1000), 1000)
        self._acquire = redis.register_script(_ACQUIRE)

    def keys(self, domain: str) -> list[str]:
        base = f"{self.prefix}:politeness:{_SAFE.sub('_', domain) or '_'}"
        return [f"{base}:slots", f"{base}:next"]

    async def acquire(self, domain: str) -> tuple[str, float, int]:
        """Wait for a slot of ``domain``; return its token, the seconds waited, the refusals."""
        token = uuid.uuid4().hex
        keys = self.keys(domain)
        args: list[str | int] = [token, self.concurrency, self.delay_ms, self.lease_ms]
        loop = asyncio.get_running_loop()
        started = loop.time()
        poll = MIN_POLL
        refused = 0
        while True:
            answer = int(await self._acquire(keys=keys, args=args))
            if answer == 0:
                return token, loop.time() - started, refused
            refused += 1
            if answer > 0:  # the domain's delay: wait exactly that long
                await asyncio.sleep(answer / 1000 + random.uniform(0, MIN_POLL))
            else:  # every slot busy: poll, backing off up to MAX_POLL
                await asyncio.sleep(poll * random.uniform(0.5, 1.5))
                poll = min(poll * 2, MAX_POLL)

    async def release(self, domain: str, token: str) -> None:
        if self.concurrency:
            await self.redis.zrem(self.keys(domain)[0], token)

    async def in_flight(self, domain: str) -> int:
        return int(await self.redis.zcard(self.keys(domain)[0]))


class ClusterPolitenessMiddleware:
    """Downloader middleware: a cluster-wide per-domain slot for every request that goes out."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.url: str = settings.get("REDIS_URL")
        self.concurrency = settings.getint(
            "CLUSTER_CONCURRENCY_PER_DOMAIN", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        )
        self.delay = settings.getfloat(
            "CLUSTER_DELAY_PER_DOMAIN", settings.getfloat("DOWNLOAD_DELAY", 0.0)
        )
        self.lease = settings.getfloat("DOWNLOAD_TIMEOUT", 180.0) + 30.0
        self.prefix = settings.get("DISTRIBUTED_KEY_PREFIX") or "policy-crawler"
        self._slots: DomainSlots | None = None
        self._releasing: set[asyncio.Task[None]] = set()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set: per-domain limits hold per process")
        if settings.get("REPLAY_DIR"):
            raise NotConfigured("REPLAY_DIR is set: no request goes out")
        if not settings.getbool("CLUSTER_POLITENESS_ENABLED", True):
            raise NotConfigured("CLUSTER_POLITENESS_ENABLED is off")
        from scrapy.utils.reactor import is_asyncio_reactor_installed

        if not is_asyncio_reactor_installed():
            raise NotConfigured("cluster politeness needs Scrapy's asyncio reactor")
        middleware = cls(crawler)
        if middleware.concurrency <= 0 and middleware.delay <= 0:
            raise NotConfigured("CLUSTER_CONCURRENCY_PER_DOMAIN and CLUSTER_DELAY_PER_DOMAIN 0")
        return middleware

    @property
    def slots(self) -> DomainSlots:
        """Created on first use, inside the running asyncio loop (the reactor's)."""
        if self._slots is None:
            from redis.asyncio import from_url

            self._slots = DomainSlots(
                from_url(self.url), self.prefix, self.concurrency, self.delay, self.lease
            )
            logger.info(
                "Cluster politeness: at most %d request(s) in flight and %.2f s between requests "
                "per domain, across all workers",
                self.concurrency,
                self.delay,
            )
        return self._slots

    async def process_request(self, request: Request) -> None:
        domain = urlparse_cached(request).hostname or ""
        token, waited, refused = await self.slots.acquire(domain)
        request.meta[META_KEY] = (domain, token)
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("politeness/slots")
            if refused:  # the domain's limits made this request wait
                stats.inc_value("politeness/waits")
                stats.inc_value("politeness/wait_ms", round(waited * 1000))

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        """Give the slot back in the background: the response need not wait for Redis."""
        slot = request.meta.pop(META_KEY, None)
        if slot is None:
            return
        task = asyncio.get_running_loop().create_task(self._give_back(*slot))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _give_back(self, domain: str, token: str) -> None:
        try:
            await self.slots.release(domain, token)
        except Exception as exc:  # the lease runs out by itself
            logger.warning("Could not release a politeness slot of %s: %s", domain, exc)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._releasing:
            await asyncio.gather(*self._releasing, return_exceptions=True)
        if self._slots is not None:
            await self._slots.redis.aclose()
            self._slots = None
