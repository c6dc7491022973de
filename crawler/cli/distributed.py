"""``crawler enqueue`` and ``crawler frontier``: seed and inspect the shared Redis frontier.

crawler enqueue SPIDER [URL ...]     put list pages (default: the spider's start URLs) in the queue
crawler frontier status SPIDER       requests waiting, fingerprints seen, workers alive and busy
crawler frontier clear SPIDER        delete the job's queue and fingerprints (start afresh)

Redis comes from ``--redis-url``, else the ``REDIS_URL`` setting, else the ``REDIS_URL``
environment variable; the job from ``--job``, else ``DISTRIBUTED_JOB``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from crawler.cli import common

if TYPE_CHECKING:
    from scrapy.settings import Settings


def register(sub: Any) -> None:
    """Add ``enqueue`` and ``frontier`` to ``crawler``'s sub-parsers."""
    p = sub.add_parser("enqueue", help="put a spider's list pages into the shared Redis queue")
    p.add_argument("spider", metavar="SPIDER")
    p.add_argument("urls", nargs="*", metavar="URL", help="list pages (default: start URLs)")
    _common(p)
    p.set_defaults(func=cmd_enqueue)

    p = sub.add_parser("frontier", help="status or clearing of the shared Redis queue")
    p.add_argument("action", choices=["status", "clear"])
    p.add_argument("spider", metavar="SPIDER")
    _common(p)
    p.set_defaults(func=cmd_frontier)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--redis-url", help="default: the REDIS_URL setting or environment variable")
    p.add_argument("--job", help="the crawl's name shared by its workers (DISTRIBUTED_JOB)")
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting, as for the workers (e.g. DISTRIBUTED_KEY_PREFIX=...)",
    )


def _settings(args: argparse.Namespace) -> Settings | None:
    settings = common.project_settings()
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"crawler {args.command}: -s {pair}: expected NAME=VALUE", file=sys.stderr)
            return None
        settings.set(name, value, priority="cmdline")
    url = args.redis_url or settings.get("REDIS_URL") or os.environ.get("REDIS_URL", "")
    if not url:
        print(f"crawler {args.command}: set REDIS_URL or give --redis-url", file=sys.stderr)
        return None
    settings.set("REDIS_URL", url, priority="cmdline")
    if args.job:
        settings.set("DISTRIBUTED_JOB", args.job, priority="cmdline")
    return settings


def _spider(settings: Settings, name: str) -> Any:
    from scrapy.spiderloader import get_spider_loader

    loader = get_spider_loader(settings)
    if name not in loader.list():
        print(
            f"crawler: unknown spider {name}; available: {', '.join(sorted(loader.list()))}",
            file=sys.stderr,
        )
        return None
    return loader.load(name)()


def enqueue(settings: Settings, spider: Any, urls: list[str]) -> tuple[int, int]:
    """Push list-page requests of ``spider`` for ``urls``; return (queued, already seen)."""
    from scrapy import Request
    from scrapy.utils.misc import load_object
    from scrapy_redis import picklecompat  # type: ignore[import-untyped]

    from crawler.distributed.keys import job_keys, redis_client
    from crawler.distributed.scheduler import ClusterDupeFilter

    server = redis_client(settings)
    keys = job_keys(settings, spider.name)
    queue_cls = load_object(
        settings.get("SCHEDULER_QUEUE_CLASS") or "scrapy_redis.queue.PriorityQueue"
    )
    queue = queue_cls(server=server, spider=spider, key=keys["requests"], serializer=picklecompat)
    dupefilter = ClusterDupeFilter(server, keys["dupefilter"])
    queued = seen = 0
    for url in urls:
        if hasattr(spider, "list_request"):
            request = spider.list_request(url, page=1)
        else:
            request = Request(url, callback=spider.parse)
        if dupefilter.request_seen(request):
            seen += 1
            continue
        queue.push(request)
        queued += 1
    return queued, seen


def cmd_enqueue(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return common.EXIT_USAGE
    spider = _spider(settings, args.spider)
    if spider is None:
        return common.EXIT_USAGE
    urls = list(args.urls or getattr(spider, "start_urls", []))
    if not urls:
        print(f"crawler enqueue: {args.spider} has no start URLs; give some", file=sys.stderr)
        return common.EXIT_USAGE
    queued, seen = enqueue(settings, spider, urls)
    from crawler.distributed.keys import job_keys

    print(
        f"{queued} request(s) queued, {seen} already seen, in "
        f"{job_keys(settings, args.spider)['requests']}"
    )
    return common.EXIT_OK


def frontier_status(settings: Settings, spider_name: str) -> dict[str, int]:
    from crawler.distributed.keys import ALIVE_TTL_MS, BUSY_TTL_MS, job_keys, redis_client

    server = redis_client(settings)
    keys = job_keys(settings, spider_name)
    seconds, micros = server.time()
    now = int(seconds) * 1000 + int(micros) // 1000
    return {
        "queued": int(server.zcard(keys["requests"])),
        "seen": int(server.scard(keys["dupefilter"])),
        "workers": int(server.zcount(keys["workers"], now - ALIVE_TTL_MS, "+inf")),
        "busy": int(server.zcount(keys["busy"], now - BUSY_TTL_MS, "+inf")),
    }


def cmd_frontier(args: argparse.Namespace) -> int:
    from crawler.distributed.keys import job_keys, redis_client

    settings = _settings(args)
    if settings is None:
        return common.EXIT_USAGE
    keys = job_keys(settings, args.spider)
    if args.action == "clear":
        deleted = int(redis_client(settings).delete(*keys.values()))
        print(f"deleted {deleted} key(s) of {keys['requests'].rsplit(':', 1)[0]}")
        return common.EXIT_OK
    status = frontier_status(settings, args.spider)
    print(f"{keys['requests']}: " + ", ".join(f"{k} {v}" for k, v in status.items()))
    return common.EXIT_OK
