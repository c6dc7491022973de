"""The Redis keys of a distributed crawl's job, and the Redis client of the settings.

Keys (``DISTRIBUTED_KEY_PREFIX``, ``DISTRIBUTED_JOB``)::

    <prefix>:<spider>:<job>:requests    the queue (sorted set by priority, pickled requests)
    <prefix>:<spider>:<job>:dupefilter  request fingerprints (set)
    <prefix>:<spider>:<job>:workers     worker id -> last heartbeat, Redis time in ms (sorted set)
    <prefix>:<spider>:<job>:busy        worker id -> last time it had work in progress
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from scrapy_redis import connection  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.settings import BaseSettings

DEFAULT_KEY_PREFIX = "policy-crawler"
DEFAULT_JOB = "default"
BUSY_TTL_MS = 10_000
"""A worker whose last busy heartbeat is older than this is not counted as busy (it crashed, or a
long database write blocks it); an idle worker takes itself off the busy list at once."""
ALIVE_TTL_MS = 120_000
"""A worker without any heartbeat for this long is gone (crashed) for the last-one-out cleanup."""
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _safe(value: str) -> str:
    return _SAFE.sub("_", value) or "_"


def job_keys(settings: BaseSettings, spider_name: str) -> dict[str, str]:
    """The Redis keys of ``spider_name``'s job (queue, dupefilter, workers, busy)."""
    prefix = settings.get("DISTRIBUTED_KEY_PREFIX") or DEFAULT_KEY_PREFIX
    job = settings.get("DISTRIBUTED_JOB") or DEFAULT_JOB
    base = f"{_safe(prefix)}:{_safe(spider_name)}:{_safe(job)}"
    return {name: f"{base}:{name}" for name in ("requests", "dupefilter", "workers", "busy")}


def redis_client(settings: BaseSettings) -> Redis:
    """A synchronous Redis client from ``REDIS_URL`` / ``REDIS_PARAMS`` (as scrapy-redis does)."""
    return cast("Redis", connection.get_redis_from_settings(settings))
