"""The run record: one ``crawl_runs`` row per run, with its health
(:mod:`crawler.monitoring.health`)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from crawler.db import make_engine, redact
from crawler.db.models import Article, CrawlRun, Failure
from crawler.middlewares.incremental import spider_mode
from crawler.monitoring.health import (
    Problem,
    RunStatus,
    Thresholds,
    run_problems,
    stale_problem,
    status_of,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RunRecorder:
    """Evaluates the health rules, writes one ``crawl_runs`` row, sets ``run/status``.

    The row is opened (status ``running``) when the spider opens, with the host and process id
    of the run (in ``stats``). When a site's run opens, the rows of its earlier runs still
    ``running`` whose process is gone are closed as ``killed``, with the time the run was last
    seen (its last article stored or failure recorded, else its start) as ``finished_at``; and
    the new run pages every list to its end (``resume``) and names them among its problems (a
    warning). A row is taken as orphaned when its process no longer exists on this host; a row
    of another host only when ``REDIS_URL`` is not set (with it, several machines crawl one site
    at once). A run wrongly taken as killed writes its own row again when it ends."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.url: str = crawler.settings.get("DATABASE_URL")
        self.limits = Thresholds.from_settings(crawler.settings)
        self.distributed = bool(crawler.settings.get("REDIS_URL"))
        self.started_at = dt.datetime.now(dt.UTC)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        """Open this run's row (status ``running``), so that a run killed before its end is
        visible; close the rows of earlier runs that were killed; when the previous run of the
        site never finished, page every list to its end this time (``resume``), so that no
        article behind a fully stored page is left out."""
        self.started_at = dt.datetime.now(dt.UTC)
        self.run_id: int | None = None
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                previous = conn.execute(
                    select(CrawlRun.finished_at, CrawlRun.started_at, CrawlRun.status)
                    .where(CrawlRun.site == spider.name)
                    .order_by(CrawlRun.id.desc())
                    .limit(1)
                ).first()
                killed = self.close_killed(conn, spider.name)
                self.run_id = conn.execute(
                    insert(CrawlRun).returning(CrawlRun.id),
                    self.opening_row(spider),
                ).scalar_one()
        except SQLAlchemyError as exc:
            logger.warning(
                "Run of %s not opened in the database: %s", spider.name, type(exc).__name__
            )
            return
        finally:
            engine.dispose()
        assert self.crawler.stats is not None
        if killed:
            self.crawler.stats.set_value("run/killed_runs", killed)
        if (
            previous is not None
            and (previous.finished_at is None or previous.status == RunStatus.KILLED)
            and spider_mode(spider) != "backfill"
        ):
            logger.warning(
                "The previous run of %s (started %s) never finished: paging every list to its end",
                spider.name,
                previous.started_at,
            )
            spider.resume = True  # type: ignore[attr-defined]
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("run/resumed", True)

    def opening_row(self, spider: Spider) -> dict[str, Any]:
        return {
            "site": spider.name,
            "mode": spider_mode(spider),
            "started_at": self.started_at,
            "status": RunStatus.RUNNING,
            "stats": {"run/host": socket.gethostname(), "run/pid": os.getpid()},
        }

    def close_killed(self, conn: Connection, site: str) -> list[str]:
        """Close the site's ``running`` rows whose process is gone as ``killed``; describe them."""
        rows = conn.execute(
            select(CrawlRun.id, CrawlRun.started_at, CrawlRun.stats).where(
                CrawlRun.site == site,
                CrawlRun.status == RunStatus.RUNNING,
                CrawlRun.finished_at.is_(None),
            )
        ).all()
        closed = []
        for row in rows:
            if not self.orphaned(row.stats or {}):
                continue
            seen = last_seen(conn, site, row.started_at)
            when = f"{seen:%Y-%m-%d %H:%M:%S} UTC"
            what = f"run {row.id} started {row.started_at:%Y-%m-%d %H:%M:%S} UTC, last seen {when}"
            conn.execute(
                update(CrawlRun)
                .where(CrawlRun.id == row.id, CrawlRun.status == RunStatus.RUNNING)
                .values(
                    status=RunStatus.KILLED,
                    finished_at=seen,
                    finish_reason=RunStatus.KILLED,
                    problems=[f"failed: killed: never finished (last seen {when})"],
                )
            )
            logger.warning("An earlier run of %s was killed: %s", site, what)
            closed.append(what)
        return closed

    def orphaned(self, stats: dict[str, Any]) -> bool:
        """Whether the process of a ``running`` row is gone (see the class docstring)."""
        host, pid = stats.get("run/host"), stats.get("run/pid")
        if host is None or pid is None:  # a row from before hosts were recorded
            return not self.distributed
        if host != socket.gethostname():
            return not self.distributed
        return not _alive(int(pid))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        problems = run_problems(stats, reason, self.limits)
        finished = dt.datetime.now(dt.UTC)
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                contract = getattr(spider, "contract", None)
                # replayed fixtures are old by design: how long a site has been quiet says
                # something only of the live site
                stale = None
                if not self.crawler.settings.get("REPLAY_DIR"):
                    stale = stale_problem(
                        conn,
                        spider.name,
                        finished.date(),
                        self.limits,
                        getattr(contract, "publishes_every_days", None),
                    )
                if stale is not None:
                    problems.append(stale)
                row = self.row(spider, reason, stats, problems, finished)
                if getattr(self, "run_id", None) is None:
                    conn.execute(insert(CrawlRun), row)
                else:
                    conn.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(**row))
        except SQLAlchemyError as exc:
            problems.append(
                Problem(
                    RunStatus.FAILED,
                    f"run record not written to {redact(self.url)}: {type(exc).__name__}",
                )
            )
        finally:
            engine.dispose()
        status = status_of(problems)
        self.crawler.stats.set_value("run/status", status)
        self.crawler.stats.set_value("run/problems", [str(p) for p in problems])
        for problem in problems:
            level = logging.WARNING if problem.severity == RunStatus.WARNING else logging.ERROR
            logger.log(level, "Run of %s: %s", spider.name, problem)

    def row(
        self,
        spider: Spider,
        reason: str,
        stats: dict[str, Any],
        problems: list[Problem],
        finished: dt.datetime,
    ) -> dict[str, Any]:
        newest = stats.get("storage/newest_publish_date")
        dropped = {
            k.removeprefix("item_dropped_reasons_count/"): v
            for k, v in stats.items()
            if k.startswith("item_dropped_reasons_count/")
        }
        return {
            "site": spider.name,
            "mode": spider_mode(spider),
            "started_at": self.started_at,
            "finished_at": finished,
            "finish_reason": reason,
            "status": status_of(problems),
            "requests": int(stats.get("downloader/request_count", 0)),
            "responses_by_status": {
                k.rsplit("/", 1)[-1]: v
                for k, v in stats.items()
                if k.startswith("downloader/response_status_count/")
            },
            "items_scraped": int(stats.get("item_scraped_count", 0)),
            "items_new": int(stats.get("storage/new", 0)),
            "items_updated": int(stats.get("storage/updated", 0)),
            "items_unchanged": int(stats.get("storage/unchanged", 0)),
            "reposts": sum(
                int(stats.get(f"dedup/{k}", 0)) for k in ("content", "document", "near")
            ),
            "items_failed": int(stats.get("storage/failed", 0)),
            "dropped": int(stats.get("item_dropped_count", 0)),
            "dropped_reasons": dropped,
            "errors": int(stats.get("log_count/ERROR", 0)),
            "blocked": int(stats.get("blocked/count", 0)),
            "newest_publish_date": dt.date.fromisoformat(newest) if newest else None,
            "problems": [str(p) for p in problems],
            "stats": {k: _jsonable(v) for k, v in stats.items()},
        }


def last_seen(conn: Connection, site: str, started_at: dt.datetime) -> dt.datetime:
    """When a run of ``site`` started at ``started_at`` was last seen at work: its last article
    stored or seen, or failure recorded, since it started; else its start."""
    articles = Article.__table__.c
    failures = Failure.__table__.c
    times = [started_at]
    for column, site_column in (
        (articles.last_seen_at, articles.site),
        (failures.last_failed_at, failures.site),
    ):
        found = conn.execute(
            select(func.max(column)).where(site_column == site, column >= started_at)
        ).scalar()
        if found is not None:
            times.append(found if found.tzinfo else found.replace(tzinfo=dt.UTC))
    return max(times)


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
