"""Scale-out: one shared frontier on Redis (scrapy-redis) for any number of crawler processes.

Switched on by the ``REDIS_URL`` setting through the add-on :class:`DistributedAddon` (listed in
``ADDONS``; without ``REDIS_URL`` it changes nothing). With it, every ``scrapy crawl`` /
``crawler run`` process of a spider, on any machine, takes its requests from one Redis queue and
checks them against one Redis set of request fingerprints: a page is fetched once by the whole
cluster.

We use scrapy-redis (pinned to 0.9.1) for the parts that work on Scrapy 2.19: its scheduler
(:class:`scrapy_redis.scheduler.Scheduler`), queue classes and dupefilter, and its connection
helper. Its spider classes (``RedisSpider``…) are not used: they seed through ``start_requests``,
which Scrapy 2.16 removed, and their idle timeout (``MAX_IDLE_TIME_BEFORE_CLOSE``) is counted from
the import of the module, not from the last request. Instead:

- the spiders seed the queue from their own ``async def start()`` (every process may: the shared
  dupefilter makes a second seeding harmless), or ``crawler enqueue SPIDER [URL…]`` does it;
  ``DISTRIBUTED_SEED = False`` makes a process a pure consumer of the queue;
- :class:`ClusterScheduler` (a subclass of scrapy-redis's scheduler) keeps a per-process heartbeat
  in Redis and closes the spider only when the shared queue is empty and no worker of the cluster
  has been busy for ``DISTRIBUTED_IDLE_TIMEOUT`` seconds (a worker still parsing a list page will
  push more requests); it wakes the engine every ``DISTRIBUTED_POLL_INTERVAL`` seconds when
  requests wait in Redis (Scrapy itself only looks every 5 s once idle);
- :class:`ClusterDupeFilter` fingerprints with Scrapy's own ``REQUEST_FINGERPRINTER`` (scrapy-redis
  computes its own), and stats are counted without the deprecated ``spider=`` argument.

Redis keys (``DISTRIBUTED_KEY_PREFIX``, ``DISTRIBUTED_JOB``)::

    <prefix>:<spider>:<job>:requests    the queue (sorted set by priority, pickled requests)
    <prefix>:<spider>:<job>:dupefilter  request fingerprints (set)
    <prefix>:<spider>:<job>:workers     worker id -> last heartbeat, Redis time in ms (sorted set)
    <prefix>:<spider>:<job>:busy        worker id -> last time it had work in progress

When the last worker of a job finishes (reason ``finished``, queue empty) it deletes the job's
queue and lets its fingerprints expire after ``DISTRIBUTED_FINISHED_TTL`` seconds (600): a worker
started within that time finds every page seen and stops, a run after it (tomorrow's) starts
afresh. ``SCHEDULER_PERSIST = True`` keeps everything (a backfill resumed later). A worker
stopped early (Ctrl-C, ``CLOSESPIDER_*``, a crash) leaves the queue for the others or for the
next start, which resumes it.

The queue holds pickled requests: the Redis server must be trusted and not reachable from outside.

The add-on that switches this on is :class:`crawler.distributed.addon.DistributedAddon`; the keys
are made by :mod:`crawler.distributed.keys`.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter  # type: ignore[import-untyped]
from scrapy_redis.queue import PriorityQueue  # type: ignore[import-untyped]
from scrapy_redis.scheduler import Scheduler  # type: ignore[import-untyped]

from crawler.distributed.keys import ALIVE_TTL_MS, BUSY_TTL_MS, job_keys, redis_client

if TYPE_CHECKING:
    from redis import Redis
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

SCRAPY_REDIS_VERSION = "0.9.1"
"""The scrapy-redis version these classes were written and tested against (pinned)."""

DEFAULT_IDLE_TIMEOUT = 5.0
DEFAULT_POLL_INTERVAL = 0.25
DEFAULT_FINISHED_TTL = 600.0
"""Fingerprints of a finished job are kept this long: a worker that starts late finds it done."""
# KEYS: workers, busy, queue. ARGV: worker, busy (0/1), busy ttl ms.
# Records the heartbeat; returns {queue length, other busy workers, Redis time in ms}.
_HEARTBEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[2], now, ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
local busy = redis.call('ZRANGEBYSCORE', KEYS[2], now - tonumber(ARGV[3]), '+inf')
local others = 0
for _, w in ipairs(busy) do
  if w ~= ARGV[1] then others = others + 1 end
end
return {redis.call('ZCARD', KEYS[3]), others, now}
"""

# KEYS: workers, busy, queue, dupefilter. ARGV: worker, alive ttl ms, clean (0/1), seen ttl ms.
# Removes the worker; when it was the last live one, the queue is empty and clean is 1, deletes
# the job's keys but the fingerprints, which expire after the seen ttl (0: deleted at once), so
# that a worker starting just after the end finds every page seen. Returns 1 when it cleaned up.
_LEAVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] ~= '1' then return 0 end
if redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[2]), '+inf') > 0 then return 0 end
if redis.call('ZCARD', KEYS[3]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
if tonumber(ARGV[4]) > 0 then
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[4]))
else
  redis.call('DEL', KEYS[4])
end
return 1
"""


# KEYS: queue, dupefilter. ARGV: fingerprint, score, dont_filter (0/1), request.
# Adds the fingerprint; when it was new (or dont_filter) queues the request and returns 1.
_PUSH = """
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[2], ARGV[1])
elseif redis.call('SADD', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
return 1
"""

# KEYS: queue. Takes the first request; returns {length left, request} or {length left}.
_POP = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
  return {redis.call('ZCARD', KEYS[1]), first[1]}
end
return {0}
"""


class ClusterDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's Redis set of fingerprints, fingerprinted by Scrapy's own fingerprinter."""

    def __init__(self, server: Redis, key: str, debug: bool = False, crawler: Any = None) -> None:
        super().__init__(server, key, debug)
        self.crawler = crawler
        self.fingerprinter: Any = None
        if crawler is not None:
            self.fingerprinter = crawler.request_fingerprinter
        if self.fingerprinter is None:
            from scrapy.utils.request import RequestFingerprinter

            self.fingerprinter = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Standalone (with Scrapy's scheduler): one set per spider and job."""
        spidercls = getattr(crawler, "spidercls", None)
        name = getattr(spidercls, "name", None) or "spider"
        key = job_keys(crawler.settings, name)["dupefilter"]
        return cls(
            redis_client(crawler.settings),
            key,
            debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
            crawler=crawler,
        )

    def request_fingerprint(self, request: Request) -> str:
        return str(self.fingerprinter.fingerprint(request).hex())

    def request_seen(self, request: Request) -> bool:
        return int(self.server.sadd(self.key, self.request_fingerprint(request))) == 0

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers share them (the scheduler cleans up)."""


class ClusterScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler with a cluster-wide idle timeout and per-job keys."""

    def __init__(self, crawler: Crawler, server: Redis, keys: dict[str, str], **kwargs: Any):
        settings = crawler.settings
        super().__init__(
            server,
            persist=settings.getbool("SCHEDULER_PERSIST"),
            flush_on_start=settings.getbool("SCHEDULER_FLUSH_ON_START"),
            queue_key=keys["requests"],
            queue_cls=settings.get("SCHEDULER_QUEUE_CLASS") or "scrapy_redis.queue.PriorityQueue",
            dupefilter=ClusterDupeFilter(
                server, keys["dupefilter"], settings.getbool("DUPEFILTER_DEBUG"), crawler
            ),
            dupefilter_key=keys["dupefilter"],
            **kwargs,
        )
        self.crawler = crawler
        self.keys = keys
        self.stats = crawler.stats
        self.seed = settings.getbool("DISTRIBUTED_SEED", True)
        self.idle_timeout = settings.getfloat("DISTRIBUTED_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)
        self.poll_interval = settings.getfloat("DISTRIBUTED_POLL_INTERVAL", DEFAULT_POLL_INTERVAL)
        self.finished_ttl = settings.getfloat("DISTRIBUTED_FINISHED_TTL", DEFAULT_FINISHED_TTL)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.last_activity = time.monotonic()
        self.queued = 0
        self._heartbeat_script = server.register_script(_HEARTBEAT)
        self._push_script = server.register_script(_PUSH)
        self._pop_script = server.register_script(_POP)
        self._leave_script = server.register_script(_LEAVE)
        self._loop: Any = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        serializer = settings.get("SCHEDULER_SERIALIZER")
        kwargs: dict[str, Any] = {}
        if serializer:
            import importlib

            kwargs["serializer"] = (
                importlib.import_module(serializer) if isinstance(serializer, str) else serializer
            )
        server = redis_client(settings)
        server.ping()  # fail at start, naming the problem, when Redis is down
        name = getattr(crawler.spidercls, "name", None) or "spider"
        return cls(crawler, server, job_keys(settings, name), **kwargs)

    # --- the queue ---------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.queued, _ = self._beat(busy=True)
        from scrapy.utils.asyncio import create_looping_call

        self._loop = create_looping_call(self._tick)
        self._loop.start(self.poll_interval, now=False)
        logger.info(
            "Shared frontier %s on %s as worker %s (%d request(s) waiting)",
            self.keys["requests"],
            _redact_redis(self.crawler.settings.get("REDIS_URL")),
            self.worker,
            len(self.queue),
        )

    def close(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        clean = reason == "finished" and not self.persist
        deleted = self._leave_script(
            keys=[
                self.keys["workers"],
                self.keys["busy"],
                self.keys["requests"],
                self.keys["dupefilter"],
            ],
            args=[self.worker, ALIVE_TTL_MS, 1 if clean else 0, round(self.finished_ttl * 1000)],
        )
        if deleted:
            logger.info(
                "Last worker of %s: queue deleted, fingerprints expire in %.0f s",
                self.keys["requests"],
                self.finished_ttl,
            )

    @property
    def _fast(self) -> bool:
        """One round trip per push and per pop (with scrapy-redis's priority queue)."""
        return type(self.queue) is PriorityQueue

    def enqueue_request(self, request: Request) -> bool:
        if not self.seed and request.meta.get("is_start_request"):
            self._inc("distributed/start_requests_skipped")
            return False
        if self._fast:  # fingerprint check and push in one script
            pushed = self._push_script(
                keys=[self.queue.key, self.df.key],
                args=[
                    self.df.request_fingerprint(request),
                    -request.priority,
                    1 if request.dont_filter else 0,
                    self.queue._encode_request(request),
                ],
            )
            seen = not pushed
        else:
            seen = not request.dont_filter and self.df.request_seen(request)
            if not seen:
                self.queue.push(request)
        if seen:
            self.df.log(request, self.spider)
            self._inc("dupefilter/filtered")
            return False
        self.queued += 1
        self._inc("scheduler/enqueued/redis")
        self._inc("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        request: Request | None
        if self._fast:  # the request and the length of the queue left, in one script
            answer = self._pop_script(keys=[self.queue.key])
            self.queued = int(answer[0])
            request = self.queue._decode_request(answer[1]) if len(answer) > 1 else None
        else:
            request = self.queue.pop(0)
            self.queued = len(self.queue)
        if request is not None:
            self._inc("scheduler/dequeued/redis")
            self._inc("scheduler/dequeued")
            self.last_activity = time.monotonic()
        return request

    def has_pending_requests(self) -> bool:
        """From the queue length last seen (each pop and each heartbeat tell it): no round trip.

        A stale "yes" costs one pop that finds nothing; a stale "no" lasts until the next
        heartbeat, which wakes the engine when requests wait.
        """
        return self.queued > 0

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    # --- the cluster's idle timeout -----------------------------------------------------------
    def _beat(self, busy: bool) -> tuple[int, int]:
        queued, others, _now = self._heartbeat_script(
            keys=[self.keys["workers"], self.keys["busy"], self.keys["requests"]],
            args=[self.worker, 1 if busy else 0, BUSY_TTL_MS],
        )
        return int(queued), int(others)

    def _engine_idle(self) -> bool:
        engine = self.crawler.engine
        if engine is None:
            return True
        try:
            return bool(engine.spider_is_idle())
        except RuntimeError:  # no slot yet / any more
            return True

    def _tick(self) -> None:
        """Heartbeat; wake the engine when requests wait in Redis or when it may close now."""
        try:
            idle = self._engine_idle()
            self.queued, others = self._beat(busy=not idle)
        except Exception as exc:  # Redis unreachable for a moment: try again next tick
            logger.warning("Frontier heartbeat failed: %s: %s", type(exc).__name__, exc)
            return
        if not idle or self.queued or others:
            self.last_activity = time.monotonic()
        engine = self.crawler.engine
        if engine is None or not idle:
            return
        if self.queued or self.idle_for() >= self.idle_timeout:
            slot = getattr(engine, "_slot", None)
            nextcall = getattr(slot, "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_activity

    def spider_idle(self, spider: Spider) -> None:
        if self.queued or self.idle_for() < self.idle_timeout:
            raise DontCloseSpider
        logger.info(
            "Shared queue %s empty and no worker busy for %.1f s: closing",
            self.keys["requests"],
            self.idle_for(),
        )


def _redact_redis(url: str | None) -> str:
    if not url:
        return "?"
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", url)
