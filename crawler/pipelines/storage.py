"""Store articles in the SQL database, in batches, losing nothing.

Items are buffered and written ``STORAGE_BATCH_SIZE`` at a time in one transaction. When the
database refuses a batch, the batch is retried item by item so that one bad row costs only itself;
when the database is unreachable, the items go to the local spool (``SPOOL_DIR``) and are replayed
into the database by the next run or by ``crawler db replay``. Either way the failure is counted
(``storage/failed``), logged with its reason, and the run ends with a failure status.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Self

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from crawler.db import DatabaseConfigError, ensure_schema, make_engine, redact
from crawler.db.store import ArticleStore, SourceInfo, WriteResult, touch
from crawler.items import PageSeen, PolicyArticle
from crawler.spool import Spool

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

NEW_ITEMS_IN_DIGEST = 50
"""New items listed in the run's stats (for the alert digest); the count is always complete."""


def is_connection_error(exc: SQLAlchemyError) -> bool:
    return (isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)) or (
        type(exc).__name__ in {"OperationalError", "InterfaceError"}
    )


class StoragePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.url: str = settings.get("DATABASE_URL")
        self.batch_size = settings.getint("STORAGE_BATCH_SIZE", 200)
        self.auto_migrate = settings.getbool("STORAGE_AUTO_MIGRATE", True)
        self.spool = Spool(Path(settings.get("SPOOL_DIR", "data/spool")))
        if self.batch_size < 1:
            raise ValueError(f"STORAGE_BATCH_SIZE must be at least 1, not {self.batch_size}")
        try:
            self.engine: Engine = make_engine(self.url)
        except DatabaseConfigError as exc:
            raise ValueError(f"DATABASE_URL: {exc}") from exc
        self.store = ArticleStore(self.engine)
        self.buffer: list[PolicyArticle] = []
        self.seen: list[str] = []
        self.available = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def open_spider(self) -> None:
        try:
            if self.auto_migrate:
                ensure_schema(self.engine)
            self.available = True
        except SQLAlchemyError as exc:
            self._fail_run(f"database {redact(self.url)} unavailable at start: {_reason(exc)}")
            return
        self._replay_spool()

    def process_item(self, item: object) -> object:
        if isinstance(item, PolicyArticle):
            self.buffer.append(item)
        elif isinstance(item, PageSeen):
            self.seen.append(item.url)
        if len(self.buffer) + len(self.seen) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()
        self.engine.dispose()

    def flush(self) -> None:
        self._flush_seen()
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        spider = self.crawler.spider
        assert spider is not None
        source = SourceInfo(
            site=spider.name,
            name=getattr(spider, "source_name", None),
            region=getattr(spider, "region", None),
        )
        if not self.available:
            self._spool(source.site, batch, "database unavailable")
            return
        try:
            self._count(self.store.write(batch, source))
        except SQLAlchemyError as exc:
            if is_connection_error(exc):
                self.available = False
                self._fail_run(f"database {redact(self.url)} failed: {_reason(exc)}")
                self._spool(source.site, batch, _reason(exc))
            else:
                logger.warning("Batch of %d refused (%s); storing one by one", len(batch), exc)
                self._write_one_by_one(batch, source)

    def _flush_seen(self) -> None:
        seen, self.seen = self.seen, []
        if not seen or not self.available:
            return  # unchanged pages: nothing is lost if the database cannot hear of them
        try:
            touch(self.engine, seen)
        except SQLAlchemyError as exc:
            logger.warning(
                "Could not mark %d unchanged page(s) as seen: %s", len(seen), _reason(exc)
            )

    def _write_one_by_one(self, batch: list[PolicyArticle], source: SourceInfo) -> None:
        for n, item in enumerate(batch):
            try:
                self._count(self.store.write([item], source))
            except SQLAlchemyError as exc:
                if is_connection_error(exc):
                    self.available = False
                    self._fail_run(f"database {redact(self.url)} failed: {_reason(exc)}")
                    self._spool(source.site, batch[n:], _reason(exc))
                    return
                self._fail_run(f"article {item.url} not stored: {_reason(exc)}")
                self._spool(source.site, [item], _reason(exc))

    def _spool(self, site: str, items: list[PolicyArticle], reason: str) -> None:
        path = self.spool.append(site, items)
        self.stats.inc_value("storage/failed", len(items))
        self.stats.inc_value("storage/spooled", len(items))
        logger.error("%d item(s) not stored (%s); kept in spool %s", len(items), reason, path)

    def _replay_spool(self) -> None:
        from crawler.spool import replay_spool

        try:
            replayed = replay_spool(self.spool, self.store)
        except SQLAlchemyError as exc:
            self._fail_run(f"spooled items not replayed: {_reason(exc)}")
            return
        except OSError as exc:
            self._fail_run(f"spool {self.spool.folder} unreadable: {exc}")
            return
        if replayed:
            self.stats.inc_value("storage/replayed", replayed)

    def _count(self, result: WriteResult) -> None:
        self.stats.inc_value("storage/new", result.new)
        self.stats.inc_value("storage/updated", result.updated)
        self.stats.inc_value("storage/unchanged", result.unchanged)
        for layer, count in result.layers.items():
            self.stats.inc_value(f"dedup/{layer}", count)
        for title, publish_date, url in result.new_items:
            if not publish_date:
                self.stats.inc_value("storage/new_without_publish_date")
            newest = self.stats.get_value("storage/newest_publish_date")
            if publish_date and (newest is None or publish_date[:10] > newest):
                self.stats.set_value("storage/newest_publish_date", publish_date[:10])
            digest = self.stats.get_value("storage/new_items") or []
            if len(digest) < NEW_ITEMS_IN_DIGEST:
                self.stats.set_value("storage/new_items", [*digest, [title, publish_date, url]])

    def _fail_run(self, reason: str) -> None:
        logger.error("Storage: %s", reason)
        self.stats.set_value("run/failed", True)
        reasons = self.stats.get_value("run/failure_reasons") or []
        if reason not in reasons:
            self.stats.set_value("run/failure_reasons", [*reasons, reason])


def _reason(exc: SQLAlchemyError) -> str:
    """One line naming the error, without the SQL statement or parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return f"{type(orig or exc).__name__}: {text[0] if text else ''}"
