"""Running ``scrapy crawl`` workers of the scale-out test site (tests/distributed) against Redis and
PostgreSQL: for the scale-out tests and bench/scaleout.py."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from tests.support.paths import ROOT

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SPIDER = "scaleout_site"
FAST = {
    # One local host, no network: the crawlers' CPU is the limit, not politeness.
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "CLUSTER_CONCURRENCY_PER_DOMAIN": "32",
    "CLUSTER_DELAY_PER_DOMAIN": "0",
    "DISTRIBUTED_IDLE_TIMEOUT": "1.5",
    "LOGSTATS_INTERVAL": "5",
    # Each worker stands for a machine of its own: one core, extraction on the crawl's thread.
    # (With worker processes, one crawler already keeps this 2-core machine busy.)
    "EXTRACTION_WORKERS": "0",
}


def unique_prefix() -> str:
    return f"pc-test-{uuid.uuid4().hex[:10]}"


def flush_prefix(prefix: str, url: str = REDIS_URL) -> int:
    """Delete every Redis key below ``prefix``; return how many there were."""
    client = Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def leftover(prefix: str, url: str = REDIS_URL) -> dict[str, int]:
    """Keys below ``prefix`` and their time to live in ms (-1: none)."""
    client = Redis.from_url(url)
    try:
        return {
            key.decode(): int(client.pttl(key))
            for key in client.scan_iter(match=f"{prefix}:*", count=1000)
        }
    finally:
        client.close()


@dataclass
class Run:
    seconds: float
    returncodes: list[int]
    logs: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0
    """User + system CPU time of the workers."""


def worker_env(tmp: Path, n: int, database_url: str) -> dict[str, str]:
    work = tmp / f"worker{n}"
    return {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "tests.distributed.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "FEED_DIR": str(work / "feeds"),
        "SPOOL_DIR": str(work / "spool"),
        "LOCK_FILE": str(work / "crawler.lock"),
    }


def start_worker(
    tmp: Path,
    n: int,
    database_url: str,
    prefix: str,
    start_urls: list[str],
    settings: dict[str, str],
) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", "mode=backfill"]
    if start_urls:
        args += ["-a", "start_urls=" + ",".join(start_urls)]
    for name, value in {"DISTRIBUTED_KEY_PREFIX": prefix, **settings}.items():
        args += ["-s", f"{name}={value}"]
    log = (tmp / f"worker{n}.log").open("w", encoding="utf-8")
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=worker_env(tmp, n, database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        # Each worker in a session of its own, as on a node of its own: with the kernel's
        # autogroup scheduling (sched_autogroup_enabled=1) all processes of one session share
        # one CPU share, so on a machine busy with other sessions two workers started from the
        # test's session would together get no more CPU than one.
        start_new_session=True,
    )


def run_workers(
    tmp: Path,
    count: int,
    database_url: str,
    prefix: str,
    start_urls: list[str],
    settings: dict[str, str] | None = None,
    timeout: float = 300,
) -> Run:
    """Start ``count`` workers at once (each seeds: the shared dupefilter keeps one of each)."""
    tmp.mkdir(parents=True, exist_ok=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    workers = [
        start_worker(tmp, n, database_url, prefix, start_urls, {**FAST, **(settings or {})})
        for n in range(count)
    ]
    codes = []
    try:
        for worker in workers:
            codes.append(worker.wait(timeout=max(timeout - (time.monotonic() - started), 1)))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    logs = [(tmp / f"worker{n}.log").read_text(encoding="utf-8") for n in range(count)]
    return Run(seconds, codes, logs, cpu)
