"""Store articles in the SQL database, in batches, losing nothing.

Items are buffered and written ``STORAGE_BATCH_SIZE`` at a time in one transaction. The writes
run in one background thread (``STORAGE_THREAD``, on by default): the database drivers release
the GIL while SQLite builds its indexes or PostgreSQL answers, so that work overlaps with the
crawl instead of stalling it. One thread keeps the batches in order; while it holds
``STORAGE_MAX_PENDING_BATCHES`` (the one being written included), new items wait, and the crawl
slows to the database's pace: memory stays bounded however slow the database is. Statistics
are counted on the crawl's own thread as each batch completes, and the spider is closed only
after the last batch is written.

Every value is fitted to its column first (:mod:`crawler.db.bounds`): an overlong validator is
dropped, a title or label cut, and an item whose URL does not fit is not stored but recorded in
the ``failures`` table (``storage/rejected``). When the database refuses a batch on its data, the
batch is retried item by item so that one bad item costs only itself: it goes to the
``failures`` table with the reason (retried by later runs), the others are stored. When the
database is unreachable, the items go to the local spool (``SPOOL_DIR``) and are replayed into
the database by the next run or by ``crawler db replay`` (``storage/spooled``). Items that can be
neither stored nor spooled (the spool unwritable too) are counted as *lost* (``storage/lost``),
logged with their URLs, and named in the run's problems. Every item not stored is counted in
``storage/failed``, and the run ends with a failure status.

The store is chosen by the database ``DATABASE_URL`` names
(:func:`crawler.db.concurrent.article_store`): on PostgreSQL one that stays correct with several
writers at once, whether or not a Redis frontier is configured.
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

from sqlalchemy.exc import SQLAlchemyError

from crawler.db import DatabaseConfigError, ensure_schema, make_engine, redact
from crawler.db.bounds import Rejected
from crawler.db.concurrent import article_store
from crawler.db.failures import FailureLog
from crawler.db.spool import Spool, replay_spool
from crawler.db.store import (
    SourceInfo,
    StorageUnavailable,
    WriteResult,
    error_reason,
    sign_here,
    touch,
    write_isolated,
)
from crawler.items import PageSeen, PolicyArticle
from crawler.records.workers import Signer, configured_nice, configured_workers

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

NEW_ITEMS_IN_DIGEST = 50
"""New items listed in the run's stats (for the alert digest); the count is always complete."""
NAMED_IN_PROBLEMS = 5
"""Items not stored named in the run's problem (the count is always complete)."""


@dataclass
class _Outcome:
    """What one batch write did, counted into the crawl's stats on the crawl's thread."""

    results: list[WriteResult] = field(default_factory=list)
    spooled: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    """Items (and attachments) not stored, recorded in the failures table."""
    lost: int = 0
    """Items neither stored nor spooled."""
    lost_reasons: list[str] = field(default_factory=list)
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
        except OSError as exc:  # SQLite: the database's folder cannot be made
            raise ValueError(f"DATABASE_URL {redact(self.url)}: {exc}") from exc
        self.store = article_store(self.engine)
        self._failure_logs: dict[str, FailureLog] = {}
        self.rejected: list[Rejected] = []
        self.lost = 0
        self.lost_reasons: list[str] = []
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
            # 5 ms hand-over lets it keep the reactor waiting that long.
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
        """Write one batch; never raises: whatever is not stored is recorded as a failure,
        spooled, or counted as lost, with its reason."""
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
            result = write_isolated(self.store, batch, source)
        except StorageUnavailable as exc:
            self.available = False
            out.results.append(exc.done)
            self._record_rejected(source.site, exc.done.rejected, out)
            out.failures.append(f"database {redact(self.url)} failed: {exc}")
            self._spool(source.site, exc.remaining, str(exc), out)
            return
        out.results.append(result)
        self._record_rejected(source.site, result.rejected, out)

    def _record_rejected(self, site: str, rejected: list[Rejected], out: _Outcome) -> None:
        """Record items (and attachments) not stored in the failures table (spooled there while
        the database is down); an item whose failure cannot be kept either is lost."""
        if not rejected:
            return
        log = self._failure_logs.get(site)
        if log is None:
            log = self._failure_logs[site] = FailureLog(self.engine, site, spool=self.spool.folder)
        for entry in rejected:
            if log.record(entry.url, entry.kind, entry.reason) or entry.attachment_of is not None:
                out.rejected.append(entry)
                continue
            out.lost += 1  # neither stored, nor spooled, nor recorded as a failure
            out.lost_reasons.append(f"{entry.reason}, and the failure not recorded")
            logger.error("1 item LOST: %s: %s", out.lost_reasons[-1], entry.url)

    def _touch(self, seen: list[str]) -> None:
        if not seen or not self.available:
            return  # unchanged pages: nothing is lost if the database cannot hear of them
        try:
            touch(self.engine, seen)
        except SQLAlchemyError as exc:
            logger.warning(
                "Could not mark %d unchanged page(s) as seen: %s", len(seen), _reason(exc)
            )

    def _spool(self, site: str, items: list[PolicyArticle], reason: str, out: _Outcome) -> None:
        """Keep items not stored in the spool; when that fails too they are lost: counted, and
        logged with their URLs."""
        if not items:
            return
        try:
            path = self.spool.append(site, items)
        except OSError as exc:
            out.lost += len(items)
            out.lost_reasons.append(f"not stored ({reason}) and not spooled ({exc})")
            logger.error(
                "%d item(s) LOST: not stored (%s) and not spooled in %s (%s): %s",
                len(items),
                reason,
                self.spool.folder,
                exc,
                " ".join(item.url for item in items),
            )
            return
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
        if self.store.lock_wait is not None:  # the concurrent store (PostgreSQL)
            wait_ms = round(self.store.lock_wait * 1000)
            self.stats.set_value("storage/cluster_lock_wait_ms", wait_ms)
        self._report_not_stored()

    def _report_not_stored(self) -> None:
        """One problem for the items refused (recorded in failures), one for the items lost."""
        items = [r for r in self.rejected if r.attachment_of is None]
        if items:
            named = "; ".join(f"{r.url[:300]} ({r.reason})" for r in items[:NAMED_IN_PROBLEMS])
            extra = len(items) - NAMED_IN_PROBLEMS
            more = f"; and {extra} more" if extra > 0 else ""
            self._fail_run(
                f"{len(items)} item(s) not stored, recorded in the failures table: {named}{more}"
            )
        if self.lost:
            reasons = "; ".join(dict.fromkeys(self.lost_reasons))
            self._fail_run(
                f"{self.lost} item(s) LOST: neither stored nor spooled ({reasons}); "
                "see the log for their URLs"
            )

    def _apply(self, out: _Outcome) -> None:
        self.write_seconds += out.seconds
        for result in out.results:
            self._count(result)
        items_rejected = sum(1 for r in out.rejected if r.attachment_of is None)
        not_stored = out.spooled + items_rejected + out.lost
        if not_stored:
            self.stats.inc_value("storage/failed", not_stored)
        if out.spooled:
            self.stats.inc_value("storage/spooled", out.spooled)
        if items_rejected:
            self.stats.inc_value("storage/rejected", items_rejected)
        if len(out.rejected) > items_rejected:
            self.stats.inc_value("storage/attachments_rejected", len(out.rejected) - items_rejected)
        if out.lost:
            self.stats.inc_value("storage/lost", out.lost)
            self.lost += out.lost
            self.lost_reasons.extend(out.lost_reasons)
        self.rejected.extend(out.rejected)
        for reason in out.failures:
            self._fail_run(reason)

    def _replay_spool(self) -> None:
        try:
            replayed = replay_spool(self.spool, self.store)
        except StorageUnavailable as exc:
            self._fail_run(f"spooled items not replayed: {exc}")
            return
        except SQLAlchemyError as exc:
            self._fail_run(f"spooled items not replayed: {_reason(exc)}")
            return
        except OSError as exc:
            self._fail_run(f"spool {self.spool.folder} unreadable: {exc}")
            return
        if replayed.stored:
            self.stats.inc_value("storage/replayed", replayed.stored)
        if replayed.rejected:
            self.stats.inc_value("storage/replay_rejected", replayed.rejected)
            self._fail_run(
                f"{replayed.rejected} spooled item(s) not stored: recorded in the failures "
                f"table, kept in {self.spool.folder}/*.bad"
            )

    def _count(self, result: WriteResult) -> None:
        if result.fitted:
            self.stats.inc_value("storage/values_fitted", result.fitted)
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
    return error_reason(exc)
