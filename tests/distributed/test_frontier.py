"""The shared frontier: seeding with ``crawler enqueue``, consumers, the cluster idle timeout."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

from crawler.db import make_engine
from crawler.db.models import Article
from crawler.distributed.keys import job_keys
from tests.support.scaleout import REDIS_URL, ROOT, SPIDER, run_workers, worker_env
from tests.support.site import StaticSite

pytestmark = pytest.mark.postgres


def enqueue(tmp: Path, prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = worker_env(tmp, 0, f"sqlite:///{tmp / 'unused.db'}")
    env["REDIS_URL"] = ""  # given on the command line instead
    return subprocess.run(
        [
            *(sys.executable, "-m", "crawler.cli", *args),
            *("--redis-url", REDIS_URL, "-s", f"DISTRIBUTED_KEY_PREFIX={prefix}"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def keys(prefix: str) -> dict[str, str]:
    from scrapy.settings import Settings

    return job_keys(Settings({"DISTRIBUTED_KEY_PREFIX": prefix}), SPIDER)


def article_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(Article)).scalar_one())
    engine.dispose()
    return count


def test_enqueue_seeds_and_a_consumer_crawls_once(
    tmp_path: Path,
    small_site: tuple[StaticSite, dict],
    redis_prefix: str,
    redis_client: Redis,
    pg_url: str,
) -> None:
    site, info = small_site
    starts = [site.base + p for p in info["starts"]]
    first = enqueue(tmp_path, redis_prefix, "enqueue", SPIDER, *starts[:2])
    assert first.returncode == 0, first.stderr[-2000:]
    assert "2 request(s) queued, 0 already seen" in first.stdout
    assert redis_client.zcard(keys(redis_prefix)["requests"]) == 2
    again = enqueue(tmp_path, redis_prefix, "enqueue", SPIDER, *starts[:2])
    assert "0 request(s) queued, 2 already seen" in again.stdout
    status = enqueue(tmp_path, redis_prefix, "frontier", "status", SPIDER)
    assert "queued 2, seen 2, workers 0, busy 0" in status.stdout, status.stderr[-2000:]

    before = len(site.log())
    run = run_workers(
        tmp_path / "consumer",
        1,
        pg_url,
        redis_prefix,
        starts,  # would seed all three sections, but it only consumes:
        {"DISTRIBUTED_SEED": "False"},
        timeout=120,
    )
    assert run.returncodes == [0], run.logs[0][-3000:]
    fetched = [p for _, p, _ in site.log()[before:] if p != "/robots.txt"]
    wanted = [p for p in info["lists"] + info["articles"] if not p.startswith("/s3/")]
    assert sorted(fetched) == sorted(wanted)  # sections 1 and 2, each page once
    assert article_count(pg_url) == 24
    assert "distributed/start_requests_skipped" in run.logs[0]
    # the last one out deleted the queue; the fingerprints expire later (a late worker finds
    # every page seen)
    job = keys(redis_prefix)
    assert not redis_client.exists(job["requests"], job["workers"], job["busy"])
    assert 0 < redis_client.pttl(job["dupefilter"]) <= 600_000


def test_a_worker_waits_while_another_is_busy(
    tmp_path: Path, redis_prefix: str, redis_client: Redis
) -> None:
    """An empty queue is not the end while another worker may still push requests."""
    busy_key = keys(redis_prefix)["busy"]
    stop = threading.Event()

    def other_worker() -> None:
        while not stop.is_set():
            seconds, micros = redis_client.time()
            redis_client.zadd(busy_key, {"other:1": seconds * 1000 + micros // 1000})
            time.sleep(0.2)
        redis_client.zrem(busy_key, "other:1")  # idle now, as a real worker says

    beat = threading.Thread(target=other_worker, daemon=True)
    beat.start()
    busy_until = time.time() + 12.0
    timer = threading.Timer(12.0, stop.set)
    timer.start()
    try:
        run = run_workers(
            tmp_path,
            1,
            f"sqlite:///{tmp_path / 'policy.db'}",
            redis_prefix,
            [],
            {"DISTRIBUTED_IDLE_TIMEOUT": "1"},
            timeout=60,
        )
    finally:
        stop.set()
        timer.cancel()
        beat.join()
    log = run.logs[0]
    assert run.returncodes == [0], log[-3000:]
    opened = _log_time(log, "Spider opened")
    closing = _log_time(log, "Closing spider (finished)")
    assert opened < busy_until - 3, "the worker started too late for the test to mean anything"
    # idle with an empty queue from the start, yet no close while the other worker was busy,
    assert closing >= busy_until - 1
    # and a close soon after it stopped (the 1 s idle timeout, a heartbeat, a busy machine)
    assert closing <= busy_until + 5


def _log_time(log: str, marker: str) -> float:
    import datetime as dt

    line = next(line for line in log.splitlines() if marker in line)
    return dt.datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").timestamp()  # local time
