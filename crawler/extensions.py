"""Scrapy extensions: the run record."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from crawler.db import make_engine, redact
from crawler.db.models import CrawlRun

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def run_problems(stats: dict[str, Any], finish_reason: str | None) -> list[str]:
    """What went wrong in a run, from its stats; an empty list means the run is healthy."""
    problems: list[str] = list(stats.get("run/failure_reasons") or [])
    if stats.get("run/failed") and not problems:
        problems.append("run marked failed")
    if finish_reason not in (None, "finished"):
        problems.append(f"finished with reason {finish_reason!r}")
    exceptions = int(stats.get("spider_exceptions/count", 0) or 0)
    if exceptions:
        problems.append(f"{exceptions} spider exception(s)")
    for url in stats.get("list/empty_urls") or []:
        problems.append(f"empty list page {url}")
    failed = int(stats.get("fetch/failed", 0) or 0)
    if failed:
        problems.append(f"{failed} page(s) could not be fetched")
    not_article = int(stats.get("article/not_article", 0) or 0)
    if not_article:
        problems.append(f"{not_article} page(s) were not articles")
    for url in stats.get("blocked/urls") or []:
        problems.append(f"blocked at {url}")
    return problems


def run_status(stats: dict[str, Any], problems: list[str]) -> str:
    """``blocked`` when the site refused us, ``failed`` on any other problem, else ``ok``."""
    if int(stats.get("blocked/count", 0) or 0):
        return "blocked"
    return "failed" if problems else "ok"


class RunRecorder:
    """Writes one ``crawl_runs`` row per spider run and sets ``run/status`` in the stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.url: str = crawler.settings.get("DATABASE_URL")
        self.started_at = dt.datetime.now(dt.UTC)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        self.started_at = dt.datetime.now(dt.UTC)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        problems = run_problems(stats, reason)
        status = run_status(stats, problems)
        self.crawler.stats.set_value("run/status", status)
        self.crawler.stats.set_value("run/problems", problems)
        row = {
            "site": spider.name,
            "started_at": self.started_at,
            "finished_at": dt.datetime.now(dt.UTC),
            "finish_reason": reason,
            "status": status,
            "requests": int(stats.get("downloader/request_count", 0)),
            "items_scraped": int(stats.get("item_scraped_count", 0)),
            "items_new": int(stats.get("storage/new", 0)),
            "items_updated": int(stats.get("storage/updated", 0)),
            "items_unchanged": int(stats.get("storage/unchanged", 0)),
            "items_failed": int(stats.get("storage/failed", 0)),
            "errors": int(stats.get("log_count/ERROR", 0)),
            "problems": problems,
            "stats": {k: _jsonable(v) for k, v in stats.items()},
        }
        for problem in problems:
            logger.error("Run of %s failed: %s", spider.name, problem)
        engine = make_engine(self.url)
        try:
            with engine.begin() as conn:
                conn.execute(insert(CrawlRun), row)
        except SQLAlchemyError as exc:
            self.crawler.stats.set_value("run/status", "failed")
            logger.error(
                "Run record for %s not written to %s: %s",
                spider.name,
                redact(self.url),
                type(exc).__name__,
            )
        finally:
            engine.dispose()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)
