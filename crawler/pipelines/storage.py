"""Store articles in the SQL database, in batches, losing nothing.

Items are buffered and written ``STORAGE_BATCH_SIZE`` at a time in one transaction. The writes
run in one background thread (``STORAGE_THREAD``, on by default): the database drivers release
the GIL while SQLite builds its indexes or PostgreSQL answers, so that work overlaps with the
crawl instead of stalling it. One thread keeps the batches in order; while it holds
``STORAGE_MAX_PENDING_BATCHES`` (the one being written included), new items wait, and the crawl
slows to the database's pace: memory stays bounded however slow the database is. Statistics
are counted on the crawl's own thread as each batch completes, and the spider is closed only
after the last batch is written.

When the database refuses a batch, the batch is retried item by item so that one bad row costs
only itself; when the database is unreachable, the items go to the local spool (``SPOOL_DIR``)
and are replayed into the database by the next run or by ``crawler db replay``. Either way the
failure is counted (``storage/failed``), logged with its reason, and the run ends with a failure
status.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Self

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from crawler.db import DatabaseConfigError, ensure_schema, make_engine, redact
from crawler.db.store import ArticleStore, SourceInfo, WriteResult, sign_here, touch
from crawler.items import PageSeen, PolicyArticle
from crawler.spool import Spool
from crawler.workers import Signer, configured_nice, configured_workers

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

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


@dataclass
class _Outcome:
    """What one batch write did, counted into the crawl's stats on the crawl's thread."""

    results: list[WriteResult] = field(default_factory=list)
    spooled: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


class StoragePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.url: str = settings.get("DATABASE_URL")
        self.batch_size = settings.getint("STORAGE_BATCH_SIZE", 200)
        self.auto_migrate = settings.getbool("STORAGE_AUTO_MIGRATE", True)
        self.threaded = settings.getbool("STORAGE_THREAD", True)
        self.max_pending = settings.getint("STORAGE_MAX_PENDING_BATCHES", 2)
        self.switch_interval = settings.getfloat("STORAGE_THREAD_SWITCH_INTERVAL", 0.001)
        self._switch_interval = sys.getswitchinterval()
        self.spool = Spool(Path(settings.get("SPOOL_DIR", "data/spool")))
        if self.batch_size < 1:
            raise ValueError(f"STORAGE_BATCH_SIZE must be at least 1, not {self.batch_size}")
        if self.max_pending < 1:
            raise ValueError(
                f"STORAGE_MAX_PENDING_BATCHES must be at least 1, not {self.max_pending}"
            )
        try:
            self.engine: Engine = make_engine(
                self.url,
                background_checkpoints=settings.getbool("STORAGE_BACKGROUND_CHECKPOINTS", True),
            )
        except DatabaseConfigError as exc:
            raise ValueError(f"DATABASE_URL: {exc}") from exc
        self.store = ArticleStore(self.engine)
        self.buffer: list[PolicyArticle] = []
        self.seen: list[str] = []
        self.available = False
        self.write_seconds = 0.0
        self._writer: ThreadPoolExecutor | None = None
        self._signer: Signer | None = None
        self._pending: deque[Future[_Outcome]] = deque()

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
        if self.threaded and _loop_running():
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storage")
            # the writer thread has the batches' signatures computed in worker processes
            settings = self.crawler.settings
            self._signer = Signer(configured_workers(settings), configured_nice(settings))
            self.store.signer = self._signer
            # The writer's Python work (signatures, SQLAlchemy) holds the GIL; Python's default
            # 5 ms hand-over lets it keep the reactor waiting that long (1 ms: +7 % pages/s).
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_interval, self.switch_interval))

    def process_item(self, item: object) -> object:
        self._collect()
        if len(self._pending) >= self.max_pending:
            # The writer is behind: this item waits (and with it its response, so Scrapy's
            # scraper stops taking new responses once enough wait), memory stays bounded.
            return self._add_when_writer_ready(item)
        self._add(item)
        return item

    def _add(self, item: object) -> None:
        if isinstance(item, PolicyArticle):
            self.buffer.append(item)
        elif isinstance(item, PageSeen):
            self.seen.append(item.url)
        if len(self.buffer) + len(self.seen) >= self.batch_size:
            self.flush()

    def close_spider(self) -> Coroutine[Any, Any, None] | None:
        """Write what is buffered; with the writer thread, a coroutine that waits for it."""
        self.flush()
        if self._pending:
            return self._drain_and_close()
        self._closed()
        return None

    def flush(self) -> None:
        """Hand the buffered items to the writer thread (or write them now without one)."""
        batch, self.buffer = self.buffer, []
        seen, self.seen = self.seen, []
        if not batch and not seen:
            return
        spider = self.crawler.spider
        assert spider is not None
        source = SourceInfo(
            site=spider.name,
            name=getattr(spider, "source_name", None),
            region=getattr(spider, "region", None),
        )
        if self._writer is None:
            self._apply(self._write(batch, seen, source))
        else:
            self._pending.append(self._writer.submit(self._write, batch, seen, source))

    # --- the writer thread's side --------------------------------------------------------------
    def _write(self, batch: list[PolicyArticle], seen: list[str], source: SourceInfo) -> _Outcome:
        """Write one batch; never raises: whatever is not stored is spooled with its reason."""
        out = _Outcome()
        started = time.monotonic()
        try:
            self._touch(seen)
            if batch:
                self._store(batch, source, out)
        except Exception as exc:  # the thread's boundary: spool, never lose the items
            logger.exception("Storage: unexpected error writing %d item(s)", len(batch))
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
            out.failures.append(f"{len(batch)} item(s) not stored ({reason})")
            self._spool(source.site, batch, reason, out)
        out.seconds = time.monotonic() - started
        return out

    def _store(self, batch: list[PolicyArticle], source: SourceInfo, out: _Outcome) -> None:
        if not self.available:
            self._spool(source.site, batch, "database unavailable", out)
            return
        try:
            out.results.append(self.store.write(batch, source))
        except SQLAlchemyError as exc:
            if is_connection_error(exc):
                self.available = False
                out.failures.append(f"database {redact(self.url)} failed: {_reason(exc)}")
                self._spool(source.site, batch, _reason(exc), out)
            else:
                logger.warning(
                    "Batch of %d refused (%s); storing one by one", len(batch), _reason(exc)
                )
                self._write_one_by_one(batch, source, out)

    def _touch(self, seen: list[str]) -> None:
        if not seen or not self.available:
            return  # unchanged pages: nothing is lost if the database cannot hear of them
        try:
            touch(self.engine, seen)
        except SQLAlchemyError as exc:
            logger.warning(
                "Could not mark %d unchanged page(s) as seen: %s", len(seen), _reason(exc)
            )

    def _write_one_by_one(
        self, batch: list[PolicyArticle], source: SourceInfo, out: _Outcome
    ) -> None:
        for n, item in enumerate(batch):
            try:
                out.results.append(self.store.write([item], source))
            except SQLAlchemyError as exc:
                if is_connection_error(exc):
                    self.available = False
                    out.failures.append(f"database {redact(self.url)} failed: {_reason(exc)}")
                    self._spool(source.site, batch[n:], _reason(exc), out)
                    return
                out.failures.append(f"article {item.url} not stored: {_reason(exc)}")
                self._spool(source.site, [item], _reason(exc), out)

    def _spool(self, site: str, items: list[PolicyArticle], reason: str, out: _Outcome) -> None:
        path = self.spool.append(site, items)
        out.spooled += len(items)
        logger.error("%d item(s) not stored (%s); kept in spool %s", len(items), reason, path)

    # --- the crawl's side ----------------------------------------------------------------------
    def _collect(self) -> None:
        """Count the batches the writer has finished, in order."""
        while self._pending and self._pending[0].done():
            self._apply(self._pending.popleft().result())

    async def _add_when_writer_ready(self, item: object) -> object:
        """Back-pressure: the item is taken once the writer holds fewer than its maximum."""
        while len(self._pending) >= self.max_pending:
            await asyncio.wrap_future(self._pending[0])
            self._collect()
        self._add(item)
        return item

    async def _drain_and_close(self) -> None:
        while self._pending:
            await asyncio.wrap_future(self._pending[0])
            self._collect()
        self._closed()

    def _closed(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
            sys.setswitchinterval(self._switch_interval)
        if self._signer is not None:
            self._signer.close()
            self._signer = None
            self.store.signer = sign_here
        self.engine.dispose()
        self.stats.set_value("storage/flush_ms", round(self.write_seconds * 1000))

    def _apply(self, out: _Outcome) -> None:
        self.write_seconds += out.seconds
        for result in out.results:
            self._count(result)
        if out.spooled:
            self.stats.inc_value("storage/failed", out.spooled)
            self.stats.inc_value("storage/spooled", out.spooled)
        for reason in out.failures:
            self._fail_run(reason)

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


def _loop_running() -> bool:
    """True inside a crawl on the asyncio reactor (or any asyncio loop) the writer can report to."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _reason(exc: SQLAlchemyError) -> str:
    """One line naming the error, without the SQL statement or parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return f"{type(orig or exc).__name__}: {text[0] if text else ''}"
