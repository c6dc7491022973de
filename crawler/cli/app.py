"""The ``crawler`` console script.

crawler run [SPIDER ...]      crawl all (or the named) spiders, print a summary, exit 1 on failure
crawler check [SPIDER ...]    probe each site's first list pages and newest article, exit 1 unless
                              every site is healthy (after installing, nightly, on an alert)
crawler extract PAGE          run the extractor on a saved page's raw bytes, print JSON
crawler db upgrade            apply database migrations
crawler db replay             write spooled items (kept while the database was down) into it
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger("crawler")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3

EPILOG = """\
`crawler COMMAND --help` tells more of each command.

exit status:
  0  done (run: every site ok, or only warnings; check: every site healthy)
  1  something failed: a site failed or was blocked, items could not be stored,
     the database could not be reached
  2  usage error: unknown spider or option, bad setting, no database where one is needed
  3  (run) another crawl holds the lock file

environment: DATABASE_URL (default sqlite:///data/policy.db), FEED_DIR, SPOOL_DIR,
  LOCK_FILE, ALERT_URLS, REDIS_URL, CRAWLER_CONTACT, LOG_LEVEL (see the README)
"""


def project_settings() -> Settings:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def _cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extraction import extract_from_bytes, to_eval_dict

    path = Path(args.page)
    cap = project_settings().getint("DOWNLOAD_MAXSIZE")  # the crawl's own download cap
    try:
        with path.open("rb") as fh:
            body = fh.read(cap + 1) if cap > 0 else fh.read()
    except OSError as exc:
        print(f"crawler extract: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    if cap > 0 and len(body) > cap:
        print(
            f"crawler extract: {path} is larger than DOWNLOAD_MAXSIZE ({cap} bytes), the "
            "crawl's download cap; set it higher to extract it (-s is not taken here: "
            "DOWNLOAD_MAXSIZE in the environment's settings)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    url = args.url or path.resolve().as_uri()
    page = extract_from_bytes(body, url, headers=None, kind=args.kind)
    json.dump(to_eval_dict(page), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    if page.kind == "list" and not page.links:
        print(
            "crawler extract: no list of article links found (the generic detection wants three "
            "or more similar links; a spider's list_link_selector finds shorter lists)",
            file=sys.stderr,
        )
    return EXIT_OK


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ``url`` (None for other databases and in-memory ones)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:  # make_engine names the bad URL
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database)


def _engine() -> Any:
    """The engine of ``DATABASE_URL``; a SQLite file is never created in a folder that does not
    exist (a typo in the path must not pass for an empty database)."""
    from crawler.db import DatabaseConfigError, make_engine, redact

    url = project_settings().get("DATABASE_URL")
    path = sqlite_file(url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseConfigError(
            f"DATABASE_URL {redact(url)}: the folder {path.parent} does not exist "
            "(create it, or point DATABASE_URL at the database)"
        )
    return make_engine(url)


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from crawler.db import current_revision, redact, upgrade

    engine = _engine()
    # each migration says what it does (and how big a rebuild is) before it starts: on a large
    # database some take minutes
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(lambda r: not r.getMessage().startswith(("Context impl", "Will assume")))
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[handler])
    upgrade(engine)
    print(f"{redact(str(engine.url))}: schema at revision {current_revision(engine)}")
    return EXIT_OK


def _cmd_db_replay(args: argparse.Namespace) -> int:
    from crawler.db import ensure_schema
    from crawler.db.failures import FailureLog
    from crawler.db.spool import Spool, replay_spool
    from crawler.db.store import ArticleStore, StorageUnavailable

    settings = project_settings()
    engine = _engine()
    ensure_schema(engine)
    folder = Path(settings.get("SPOOL_DIR", "data/spool"))
    try:
        replayed = replay_spool(Spool(folder), ArticleStore(engine))
    except StorageUnavailable as exc:
        print(f"crawler db replay: database unavailable: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"crawler db replay: spool {folder}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"replayed {replayed.stored} spooled item(s) from {folder}")
    if replayed.rejected:
        print(
            f"{replayed.rejected} spooled item(s) not stored (a value the database cannot hold, "
            f"or refused by it): recorded in the failures table, kept in {folder}/*.jsonl.bad",
            file=sys.stderr,
        )
    failures = 0
    for path in sorted((folder / "failures").glob("*.jsonl")):
        failures += FailureLog(engine, path.stem, spool=folder).replay_spooled()
    if failures:
        print(f"recorded {failures} spooled failure(s) from {folder / 'failures'}")
    return EXIT_FAILED if replayed.rejected else EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import get_spider_loader

    from crawler.cli.lock import LockBusy, LockUnusable, RunLock
    from crawler.extensions.alerts import SiteReport, alert_urls, send
    from crawler.extensions.config import ConfigError, validate

    settings = project_settings()
    if args.replay:
        settings.set("REPLAY_DIR", args.replay, priority="cmdline")
    settings.set("ALERTS_BY_RUNNER", True, priority="cmdline")
    try:
        validate(settings)
    except ConfigError as exc:
        print(f"crawler run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.verbose and not settings.get("LOG_FILE"):
        try:
            log_file = new_log_file(Path(settings.get("LOG_DIR", "data/logs")), "crawl")
        except OSError as exc:
            print(f"crawler run: LOG_DIR: {exc}", file=sys.stderr)
            return EXIT_USAGE
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
        settings.set("PROGRESS", sys.stdout.isatty(), priority="cmdline")
        print(f"log: {log_file}  (-v shows it here)", flush=True)
    urls = alert_urls(settings.get("ALERT_URLS"))
    loader = get_spider_loader(settings)
    available = loader.list()
    names = args.spiders or sorted(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        print(
            f"crawler run: unknown spider(s): {', '.join(unknown)}; "
            f"available: {', '.join(sorted(available))}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        lock = RunLock(Path(settings.get("LOCK_FILE"))).acquire()
    except LockBusy as exc:
        print(f"crawler run: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except LockUnusable as exc:
        print(f"crawler run: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
    return EXIT_FAILED if failed or process.bootstrap_failed else EXIT_OK


LOGS_KEPT = 30


def new_log_file(folder: Path, kind: str) -> Path:
    """A new log file ``<folder>/<kind>-<UTC time>.log``; only the newest ``LOGS_KEPT`` of that
    kind are kept (a daily cron job must not fill the disk)."""
    import datetime as dt

    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"{kind}-{stamp}.log"
    for old in sorted(folder.glob(f"{kind}-*.log"))[: -(LOGS_KEPT - 1) or None]:
        old.unlink(missing_ok=True)
    return path


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

    from crawler.commands.crawl import FAILING
    from crawler.db import make_engine, redact
    from crawler.db.store import count_rows
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
        status = stats.get("run/status", "failed")
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
        counts = count_rows(make_engine(url))
        print(
            f"database {redact(url)}: {counts['articles']} articles, "
            f"{counts['attachments']} attachments"
        )
    except SQLAlchemyError as exc:
        print(f"database {redact(url)}: unreachable ({type(exc).__name__})")
        failed = True
    return failed


def _cmd_check(args: argparse.Namespace) -> int:
    from scrapy.spiderloader import get_spider_loader

    from crawler.monitoring.check import as_json, format_check, run_checks

    settings = project_settings()
    available = get_spider_loader(settings).list()
    names = args.spiders or sorted(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        print(
            f"crawler check: unknown spider(s): {', '.join(unknown)}; "
            f"available: {', '.join(sorted(available))}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.replay and not Path(args.replay).is_dir():
        print(f"crawler check: --replay {args.replay}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.log_file:
            log_file = Path(args.log_file)
            log_file.parent.mkdir(parents=True, exist_ok=True)
        else:
            log_file = new_log_file(Path(settings.get("LOG_DIR", "data/logs")), "check")
    except OSError as exc:
        print(f"crawler check: log file: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.json:
        source = f"fixtures in {args.replay}" if args.replay else "the live sites"
        print(f"checking {len(names)} site(s) against {source}; log: {log_file}", flush=True)
    checks = run_checks(names, settings, replay=args.replay, log_file=log_file)
    if args.json:
        json.dump(as_json(checks), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for check in checks:
            print("\n".join(format_check(check)))
        bad = [c.spider for c in checks if not c.healthy]
        print(
            f"{len(checks) - len(bad)} of {len(checks)} site(s) healthy"
            + (f"; not: {', '.join(bad)}" if bad else "")
        )
    return EXIT_OK if all(c.healthy for c in checks) else EXIT_FAILED


def _cmd_status(args: argparse.Namespace) -> int:
    from crawler.db import ensure_schema
    from crawler.monitoring.status import site_status

    url = project_settings().get("DATABASE_URL")
    path = sqlite_file(url)
    engine = _engine()
    if path is not None and not path.exists():
        print(f"no crawl has run yet: there is no database at {path}")
        return EXIT_OK
    ensure_schema(engine)
    rows = site_status(engine, runs=args.runs)
    if not rows:
        print("no crawl has run yet")
        return EXIT_OK
    from crawler.monitoring.status import MARKS

    name = max(12, *(len(r.site) for r in rows))
    header = (
        f"{'site':<{name}} {'last run (UTC)':<17} {'status':<8} {'mode':<11} {'req':>5} "
        f"{'new':>4} {'upd':>4} {'fail':>4} {'newest item':<11} {'articles':>8}  recent"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.site:<{name}} {row.started_at:%Y-%m-%d %H:%M} {row.status:<8} {row.mode:<11} "
            f"{row.requests:>5} {row.new:>4} {row.updated:>4} {row.failed:>4} "
            f"{row.newest or '-'!s:<11} {row.articles:>8}  {row.history}"
        )
        for line in [*row.problems, *row.reasons]:
            print(f"  ! {line}")
    legend = ", ".join(f"{mark} {status}" for status, mark in MARKS.items())
    print(f"recent: the last {args.runs} runs, newest first ({legend})")
    return (
        EXIT_FAILED if any(r.status in ("failed", "blocked", "killed") for r in rows) else EXIT_OK
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Crawl Chinese policy announcements into a SQL database.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "check",
        help="probe each site (first list pages, newest article) against its contract",
        description="Fetch each spider's first list pages and newest article, politely, and "
        "report per site: list pages and links found, blocked or not, the newest item's date "
        "and age, the contract fields of the article, and why anything failed. Writes nothing "
        "to the database. Exit status: 0 every site healthy, 1 some site not, 2 usage error.",
    )
    p.add_argument("spiders", nargs="*", metavar="SPIDER")
    p.add_argument("--replay", metavar="DIR", help="answer requests from fixtures in DIR")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--log-file", help="where the probe's full log goes (default: a new file under LOG_DIR)"
    )
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser(
        "status",
        help="every site's last runs and health",
        description="Every site's last run, its problems and its recent runs, from the database. "
        "Exit status: 0 when every site's last run is ok, a warning or degraded; 1 when one "
        "failed, was blocked or was killed.",
    )
    p.add_argument("--runs", type=int, default=10, help="runs shown per site in 'recent'")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("extract", help="extract one saved page (raw bytes) and print JSON")
    p.add_argument("page", help="path of the saved page")
    p.add_argument("--url", help="the page's original URL (for absolute links)")
    p.add_argument(
        "--kind", choices=["article", "list"], help="what the page is; detected when omitted"
    )
    p.set_defaults(func=_cmd_extract)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True, metavar="DB_COMMAND"
    )
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=_cmd_db_upgrade)
    db.add_parser("replay", help="store spooled items").set_defaults(func=_cmd_db_replay)

    from crawler.cli.research import register as register_research

    register_research(sub)

    from crawler.cli.distributed import register as register_distributed

    register_distributed(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    from crawler.db import DatabaseConfigError

    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`crawler search 托育 | head`): stop quietly, as cat does;
        # point stdout at /dev/null so that the interpreter's final flush does not complain
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except DatabaseConfigError as exc:
        print(f"crawler: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        print(
            f"crawler: database error: {type(exc).__name__}: {exc.args[0] if exc.args else ''}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return code


if __name__ == "__main__":
    sys.exit(main())
