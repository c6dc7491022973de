"""``crawler run``: crawl all (or the named) spiders, print a summary, alert, refresh the feeds.

Exit status 1 when a site failed or was blocked, items could not be stored or the database could
not be reached; 3 when another crawl holds the lock file.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.cli import common

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger("crawler")


def register(sub: Any) -> None:
    """Add the command(s) of this module to ``crawler``'s sub-parsers."""
    p = sub.add_parser("run", help="crawl all or the named spiders and print a summary")
    p.add_argument("spiders", nargs="*", metavar="SPIDER")
    p.add_argument("--replay", metavar="DIR", help="answer requests from fixtures in DIR")
    p.add_argument(
        "--mode",
        choices=["incremental", "backfill"],
        help="incremental (default): stop at known articles; backfill: page every list to its end",
    )
    p.add_argument(
        "--sequential", action="store_true", help="one spider after another (default: together)"
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="the full Scrapy log on the terminal (default: in a file under LOG_DIR, its path "
        "printed, and one progress line per spider when the output is a terminal)",
    )
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawler.cli.lock import LockBusy, LockUnusable, RunLock
    from crawler.extensions.alerts import SiteReport, alert_urls, send
    from crawler.extensions.config import ConfigError, validate

    settings = common.project_settings()
    if args.replay:
        settings.set("REPLAY_DIR", args.replay, priority="cmdline")
    settings.set("ALERTS_BY_RUNNER", True, priority="cmdline")
    try:
        validate(settings)
    except ConfigError as exc:
        print(f"crawler run: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    if not args.verbose and not settings.get("LOG_FILE"):
        try:
            log_file = common.new_log_file(Path(settings.get("LOG_DIR", "data/logs")), "crawl")
        except OSError as exc:
            print(f"crawler run: LOG_DIR: {exc}", file=sys.stderr)
            return common.EXIT_USAGE
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
        settings.set("PROGRESS", sys.stdout.isatty(), priority="cmdline")
        print(f"log: {log_file}  (-v shows it here)", flush=True)
    urls = alert_urls(settings.get("ALERT_URLS"))
    names = args.spiders or common.spider_names(settings)
    if common.unknown_spiders("run", settings, names):
        return common.EXIT_USAGE
    try:
        lock = RunLock(Path(settings.get("LOCK_FILE"))).acquire()
    except LockBusy as exc:
        print(f"crawler run: {exc}", file=sys.stderr)
        return common.EXIT_LOCKED
    except LockUnusable as exc:
        print(f"crawler run: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    with lock:
        process = CrawlerProcess(settings)
        crawlers = [process.create_crawler(name) for name in names]
        spider_args = {"mode": args.mode} if args.mode else {}
        if args.sequential:
            _run_one_after_another(process, crawlers, spider_args)
        else:
            for crawler in crawlers:
                process.crawl(crawler, **spider_args)
            process.start()
        failed = print_summary(crawlers, settings)
        reports = [
            SiteReport.from_stats(name, _stats(c)) for name, c in zip(names, crawlers, strict=True)
        ]
        if not send(urls, reports):
            failed = True
        refresh = _refresh_feeds(settings)
        failed = failed or not refresh
    return common.EXIT_FAILED if failed or process.bootstrap_failed else common.EXIT_OK


def _run_one_after_another(
    process: Any, crawlers: list[Crawler], spider_args: dict[str, str]
) -> None:
    from scrapy.utils.reactor import install_reactor
    from twisted.internet import defer
    from twisted.python.failure import Failure

    install_reactor(process.settings["TWISTED_REACTOR"])
    from twisted.internet import reactor as _reactor

    reactor: Any = _reactor

    @defer.inlineCallbacks
    def chain() -> Any:
        for crawler in crawlers:
            yield process.crawl(crawler, **spider_args)

    def finish(result: Any) -> None:
        if isinstance(result, Failure):
            logger.error("Sequential run stopped: %s", result.getErrorMessage())
        reactor.callLater(0, reactor.stop)

    reactor.callWhenRunning(lambda: chain().addBoth(finish))
    process.start(stop_after_crawl=False)


def _stats(crawler: Crawler) -> dict[str, Any]:
    """A crawler's stats; empty if it never started (Scrapy raises before the crawl starts)."""
    try:
        stats = crawler.stats
    except RuntimeError:
        return {}
    return stats.get_stats() if stats is not None else {}


def _refresh_feeds(settings: Settings) -> bool:
    """Rewrite the subscription feeds (JSON Feed and Atom) from the database."""
    from crawler.db import DatabaseConfigError, make_engine
    from crawler.research.feeds import refresh_feeds

    try:
        engine = make_engine(settings.get("DATABASE_URL"))
    except DatabaseConfigError:
        return False
    try:
        folder = Path(settings.get("FEED_DIR", "feeds"))
        base_url = settings.get("FEED_BASE_URL") or None
        return refresh_feeds(engine, folder, base_url=base_url) is not None
    finally:
        engine.dispose()


def print_summary(crawlers: list[Crawler], settings: Settings) -> bool:
    """Print one line per spider, with the reason when it did not go well, and the database
    totals; return True if any run failed."""
    import shutil

    from sqlalchemy.exc import SQLAlchemyError

    from crawler.db import make_engine, redact
    from crawler.db.store import count_rows
    from crawler.monitoring.health import FAILING, RunStatus
    from crawler.monitoring.reasons import plain_reasons

    # long reasons are cut to the terminal's width; mail from cron gets them whole
    width = max(shutil.get_terminal_size().columns, 80) if sys.stdout.isatty() else 10_000
    header = (
        f"{'spider':<18} {'status':<8} {'new':>5} {'updated':>7} {'known':>5} {'failed':>6}  reason"
    )
    print(header)
    print("-" * min(len(header) + 40, width, 120))
    failed = False
    for crawler in crawlers:
        stats = _stats(crawler)
        status = stats.get("run/status", RunStatus.FAILED)
        failed = failed or status in FAILING
        name = getattr(crawler.spidercls, "name", "?")
        known = stats.get("storage/unchanged", 0) + stats.get("incremental/skipped_known", 0)
        reasons = plain_reasons(stats) or [
            str(p).split(": ", 1)[-1] for p in stats.get("run/problems") or []
        ]
        if not stats:
            reasons = ["did not start (see the log)"]
        reason = reasons[0] if reasons else ""
        if len(reasons) > 1:
            reason += f" (+{len(reasons) - 1} more: crawler status)"
        line = (
            f"{name:<18} {status:<8} {stats.get('storage/new', 0):>5} "
            f"{stats.get('storage/updated', 0):>7} {known:>5} "
            f"{stats.get('fetch/failed', 0) + stats.get('storage/failed', 0):>6}  {reason}"
        )
        print(line if len(line) <= width else line[: width - 1] + "…")
        lost = int(stats.get("storage/lost", 0) or 0)
        if lost:  # neither stored nor spooled: never hidden among "more" reasons
            print(f"  ! LOST {lost} item(s): neither stored in the database nor spooled")
            failed = True
    print(
        "known: stored before and unchanged, or not fetched again; failed: pages not fetched "
        "and items not stored"
    )
    url = settings.get("DATABASE_URL")
    try:
        engine = make_engine(url)
        counts = count_rows(engine)
        print(
            f"database {redact(url)}: {counts['articles']} articles, "
            f"{counts['attachments']} attachments{_files_line(engine)}"
        )
    except SQLAlchemyError as exc:
        print(f"database {redact(url)}: unreachable ({type(exc).__name__})")
        failed = True
    return failed


def _files_line(engine: Any) -> str:
    """``, 27 files (0.3 MB, 27 read)``: the attachment files stored (none before 0007)."""
    from sqlalchemy.exc import SQLAlchemyError

    from crawler.attachments.store import counts

    try:
        files = counts(engine)
    except SQLAlchemyError:
        return ""
    return f", {files['files']} files ({files['bytes'] / 1e6:.1f} MB, {files['extracted']} read)"
