"""Download the attachments of stored articles with Scrapy's own machinery, and read their text.

:class:`AttachmentsPipeline` is a :class:`~scrapy.pipelines.files.FilesPipeline`: its requests go
through the engine and every downloader middleware (robots.txt, the off-site filter, the
User-Agent, retries, redirects checked like the pages', replay), in the site's downloader slot,
so they keep the site's politeness (concurrency per domain, delay, AutoThrottle). The files go to
``FILES_STORE`` through Scrapy's stores (a local folder, ``data/files`` by default; ``s3://``,
``gs://``, ``ftp://`` URIs as Scrapy documents them), under a path made of their SHA-256
(``ab/cd/abcd….pdf``): the same file linked by several articles, or under several URLs, is
stored once, and read once.

**After the articles.** An article passes through at once: its attachments are queued, and are
fetched when the spider has no page left to fetch (``spider_idle``), so the article crawl is
never slowed by them and a run killed during the attachments has stored every article. Then the
site's backlog is fetched too: attachments of articles stored by earlier runs that have no file
yet (never fetched, failed and due for a retry, or downloaded but never read).

**Bounded.** At most ``ATTACHMENTS_CONCURRENT`` files are in flight (downloading, or waiting to be
read: the memory bound), each at most ``ATTACHMENTS_MAX_FILE_SIZE`` bytes (50 MB), and a run
starts no new download once ``ATTACHMENTS_MAX_RUN_SIZE`` bytes have come (the rest waits for the
next run). Text is read in worker processes bounded in time and memory
(:mod:`crawler.attachments.sandbox`): a hostile file is a recorded failure, never a stopped crawl.

**Incremental.** A URL whose file is stored and read is not fetched again; when an article
linking it is crawled again after ``ATTACHMENTS_REVISIT_DAYS``, the request is conditional
(``If-None-Match``/``If-Modified-Since``: a 304 downloads nothing). A file whose SHA-256 is
stored already (the same file at another URL) is neither stored nor read again.

**Failures never fail the article.** A URL that cannot be fetched (404, timeout, robots.txt,
off-site, too large) is recorded in ``file_urls`` with the reason and retried by later runs with
backoff (1 h doubling to a week); the run's health only warns when every attachment of the run
failed (``attachments/failed``, ``attachments/requested`` in the stats).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any, NoReturn, Self, TypeVar

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileException, FileInfo
from scrapy.utils.defer import ensure_awaitable
from sqlalchemy.exc import SQLAlchemyError

from crawler.attachments.detect import media_type, sniff
from crawler.attachments.extract import EXTRACTED, PENDING, Limits
from crawler.attachments.sandbox import Extractor
from crawler.attachments.store import (
    FAILED,
    SKIPPED,
    URL_CHARS,
    AttachmentStore,
    KnownUrl,
    Wanted,
)
from crawler.db import make_engine, redact
from crawler.items import PolicyArticle
from crawler.records.workers import configured_nice

if TYPE_CHECKING:
    from collections.abc import Callable
    from os import PathLike

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.media import FileInfoOrError, MediaPipeline
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

T = TypeVar("T")

EXTENSIONS = {
    "pdf": ".pdf",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "pptx": ".pptx",
    "ods": ".ods",
    "odt": ".odt",
    "ofd": ".ofd",
    "zip": ".zip",
    "rar": ".rar",
    "7z": ".7z",
    "doc": ".doc",
    "xls": ".xls",
    "ppt": ".ppt",
    "rtf": ".rtf",
    "html": ".html",
    "png": ".png",
    "jpeg": ".jpg",
    "gif": ".gif",
}
ATTACHMENT_KIND = "attachment"
"""``request.meta["pc_kind"]`` of attachment requests."""


class AttachmentFailed(FileException):
    """An attachment that could not be had: the message is the reason recorded."""

    status = FAILED


class AttachmentSkipped(AttachmentFailed):
    """Not fetched on purpose: robots.txt, off-site, larger than the cap."""

    status = SKIPPED


@dataclass(slots=True)
class AttachmentJob:
    """One attachment on its way through the FilesPipeline machinery (its "item")."""

    wanted: Wanted
    known: KnownUrl | None = None
    outcome: str | None = None
    """``downloaded``, ``unchanged`` (304) or ``same_content`` (a file stored before)."""
    failure: AttachmentFailed | None = None
    body: bytes | None = field(default=None, repr=False)
    sha256: str | None = None
    path: str | None = None
    kind: str = "unknown"
    headers: dict[str, str | None] = field(default_factory=dict)


class AttachmentsPipeline(FilesPipeline):
    MEDIA_NAME = "attachment"
    LOG_FAILED_RESULTS = False  # every failure is recorded (file_urls) and logged once, here

    def __init__(
        self, store_uri: str | PathLike[str], download_func: None = None, *, crawler: Crawler
    ) -> None:
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.store_uri = str(store_uri)
        self.max_file = settings.getint("ATTACHMENTS_MAX_FILE_SIZE", 50 * 1024 * 1024)
        self.max_run = settings.getint("ATTACHMENTS_MAX_RUN_SIZE", 1024 * 1024 * 1024)
        self.concurrent = max(1, settings.getint("ATTACHMENTS_CONCURRENT", 4))
        self.revisit = dt.timedelta(days=settings.getfloat("ATTACHMENTS_REVISIT_DAYS", 30.0))
        self.backlog_enabled = settings.getbool("ATTACHMENTS_BACKLOG", True)
        backoff = dt.timedelta(hours=settings.getfloat("RETRY_BACKOFF_HOURS", 1.0))
        self.db = AttachmentStore(make_engine(settings.get("DATABASE_URL")), backoff=backoff)
        self._extractor_key = (
            settings.getint("ATTACHMENTS_EXTRACTION_WORKERS", 1),
            Limits(
                max_chars=settings.getint("ATTACHMENTS_MAX_TEXT_CHARS", 1_000_000),
                max_pages=settings.getint("ATTACHMENTS_MAX_PAGES", 1000),
                max_unpacked=settings.getint("ATTACHMENTS_MAX_UNPACKED", 256 * 1024 * 1024),
            ),
            settings.getfloat("ATTACHMENTS_EXTRACT_SECONDS", 60.0),
            settings.getint("ATTACHMENTS_EXTRACT_MEMORY_MB", 1024),
            configured_nice(settings),
        )
        self.extractor = _shared_extractor(self._extractor_key)
        self.available = False
        self.queued: dict[str, Wanted] = {}
        self.attempted: set[str] = set()
        self.work: asyncio.Queue[AttachmentJob] | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.planning: asyncio.Task[None] | None = None
        self.backlog_done = not self.backlog_enabled
        self.run_bytes = 0
        self.started: float | None = None
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attachments-db")
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ATTACHMENTS_ENABLED", True):
            raise NotConfigured("attachments are not downloaded (ATTACHMENTS_ENABLED is off)")
        if not settings.get("FILES_STORE"):
            raise NotConfigured("attachments are not downloaded (FILES_STORE is empty)")
        pipeline: Self = super().from_crawler(crawler)
        return pipeline

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # --- the crawl's side ----------------------------------------------------------------------
    # Scrapy's current signatures: the spider argument of the base class is deprecated
    def open_spider(self) -> None:  # type: ignore[override]
        super().open_spider()
        try:
            self.db.lookup([])
            with self.db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM file_urls")
            self.available = True
        except SQLAlchemyError as exc:
            logger.warning(
                "Attachments: database %s unavailable (%s): no attachment is fetched this run",
                redact(str(self.db.engine.url)),
                type(exc).__name__,
            )

    def process_item(self, item: Any) -> Any:  # type: ignore[override]
        """Queue the item's attachments (fetched once the pages are done); pass it on at once."""
        if self.available and isinstance(item, PolicyArticle):
            for att in item.attachments:
                url = att.url
                if url and len(url) <= URL_CHARS and url not in self.queued:
                    self.queued[url] = Wanted(url, att.name, att.file_type, item.url)
        return item

    def spider_idle(self) -> None:
        """Keep the spider open while attachments are queued, in flight or being read."""
        if not self.available:
            return
        if self._busy():
            raise DontCloseSpider
        if self.queued or not self.backlog_done:
            self.planning = asyncio.ensure_future(self._plan())
            raise DontCloseSpider

    def _busy(self) -> bool:
        return bool(
            (self.planning is not None and not self.planning.done())
            or any(not t.done() for t in self.tasks)
        )

    async def close_spider(self) -> None:
        for task in list(self.tasks):
            if not task.done():
                task.cancel()
        if self.started is not None:
            self.stats.set_value("attachments/seconds", round(time.monotonic() - self.started, 3))
            peak = self.extractor.peak_rss()
            if peak:
                self.stats.set_value("attachments/worker_peak_rss_mb", round(peak / 2**20, 1))
        _release_extractor(self._extractor_key)
        self._db_thread.shutdown(wait=True)
        self.db.engine.dispose()

    async def _in_db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_thread, lambda: function(*args, **kwargs))

    # --- planning: what to fetch ---------------------------------------------------------------
    async def _plan(self) -> None:
        """Decide which queued attachments (and which of the backlog) to fetch, and start."""
        try:
            jobs = await self._due_jobs()
        except SQLAlchemyError as exc:
            logger.warning("Attachments: database error (%s): none fetched this run", exc)
            self.available = False
            return
        if not jobs:
            self._wake_engine()
            return
        if self.started is None:
            self.started = time.monotonic()
            self.stats.set_value("attachments/started_at", time.time())
        if self.work is None:
            self.work = asyncio.Queue()
        for job in jobs:
            self.attempted.add(job.wanted.url)
            self.work.put_nowait(job)
        self.stats.inc_value("attachments/queued", len(jobs))
        while len([t for t in self.tasks if not t.done()]) < self.concurrent:
            task = asyncio.ensure_future(self._worker())
            self.tasks.add(task)
            task.add_done_callback(self._worker_done)

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not self._busy():
            self._wake_engine()

    def _wake_engine(self) -> None:
        """Have the engine look at once whether the spider is idle now that the attachments are
        done (without this, its next 5-second heartbeat does)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    async def _due_jobs(self) -> list[AttachmentJob]:
        wanted = [w for u, w in self.queued.items() if u not in self.attempted]
        self.queued.clear()
        site = self.crawler.spider.name if self.crawler.spider is not None else ""
        if not wanted and not self.backlog_done:
            wanted = await self._in_db(self.db.backlog, site, _now(), exclude=set(self.attempted))
            if not wanted:
                self.backlog_done = True
            else:
                self.stats.inc_value("attachments/backlog", len(wanted))
        known = await self._in_db(self.db.lookup, [w.url for w in wanted])
        now = _now()
        jobs = []
        for w in wanted:
            entry = known.get(w.url)
            if entry is not None and not self._due(entry, now):
                self.stats.inc_value("attachments/known")
                continue
            jobs.append(AttachmentJob(w, entry))
        return jobs

    def _due(self, entry: KnownUrl, now: dt.datetime) -> bool:
        """Whether a URL fetched before is to be fetched again now."""
        if entry.status != "stored":
            return entry.next_retry_at is None or entry.next_retry_at <= now
        if entry.file_status is None or entry.file_status == PENDING:
            return True  # stored but never read: fetch it again to read it
        return entry.checked_at is None or now - entry.checked_at >= self.revisit

    # --- fetching and reading ------------------------------------------------------------------
    async def _worker(self) -> None:
        assert self.work is not None
        while not self.work.empty():
            job = self.work.get_nowait()
            if self.run_bytes >= self.max_run:
                self.stats.inc_value("attachments/deferred")
                continue  # still due: the next run fetches it
            try:
                await self._fetch(job)
            except asyncio.CancelledError:
                raise
            except Exception:  # one attachment's bug must not end the others
                logger.exception("Attachments: error handling %s", job.wanted.url)
                self.stats.inc_value("attachments/errors")

    async def _fetch(self, job: AttachmentJob) -> None:
        url = job.wanted.url
        self.stats.inc_value("attachments/requested")
        await super().process_item(job)  # FilesPipeline: get_media_requests … item_completed
        if job.failure is not None:
            status = job.failure.status
            reason = str(job.failure) or "download failed"
            self.stats.inc_value(f"attachments/{status}")
            logger.warning("Attachment %s %s: %s", url, status, reason)
            await self._in_db(self.db.failed, url, status, reason)
            return
        if job.outcome == "unchanged":
            self.stats.inc_value("attachments/unchanged")
            await self._in_db(self.db.unchanged, url)
            return
        assert job.sha256 is not None and job.body is not None and job.path is not None
        new_file = await self._in_db(
            self.db.stored,
            url,
            sha256=job.sha256,
            size=len(job.body),
            media_type=media_type(job.kind),
            path=job.path,
            content_type=job.headers.get("content_type"),
            etag=job.headers.get("etag"),
            last_modified=job.headers.get("last_modified"),
        )
        read_as: str | None = None
        if not new_file:
            read_as = await self._in_db(self.db.file_status, job.sha256)
        if read_as in EXTRACTED:
            self.stats.inc_value("attachments/same_content")
            return
        body, job.body = job.body, None
        result = await self.extractor.extract(body)
        del body
        self.stats.inc_value(f"attachments/extracted/{result.status}")
        if result.status not in EXTRACTED:
            logger.warning("Attachment %s not read (%s): %s", url, result.status, result.reason)
        await self._in_db(self.db.extracted, job.sha256, result)

    # --- the FilesPipeline interface -----------------------------------------------------------
    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        job: AttachmentJob = item
        headers = {}
        if job.wanted.article_url:
            headers["Referer"] = job.wanted.article_url
        known = job.known
        if known is not None and known.status == "stored" and known.file_status in EXTRACTED:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        meta = {
            "pc_kind": ATTACHMENT_KIND,
            "download_maxsize": self.max_file,
            "download_warnsize": 0,
        }
        return [Request(job.wanted.url, callback=NO_CALLBACK, headers=headers, meta=meta)]

    def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> None:
        return None  # decided before (the database knows what is stored): download

    def media_failed(
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> NoReturn:
        error = failure.value
        if isinstance(error, AttachmentFailed):
            raise error
        message = str(error) or type(error).__name__
        if isinstance(error, IgnoreRequest):
            raise AttachmentSkipped(message) from error
        if "maxsize" in message or "max size" in message:
            raise AttachmentSkipped(
                f"larger than ATTACHMENTS_MAX_FILE_SIZE ({self.max_file:,} bytes)"
            )
        raise AttachmentFailed(f"{type(error).__name__}: {message}"[:500]) from error

    async def media_downloaded(
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> FileInfo:
        job: AttachmentJob = item
        if response.status == 304 and job.known is not None and job.known.sha256:
            job.outcome = "unchanged"
            return {
                "url": request.url,
                "path": "",
                "checksum": job.known.sha256,
                "status": "uptodate",
            }
        if response.status != 200:
            raise AttachmentFailed(f"HTTP {response.status}")
        body = response.body
        if not body:
            raise AttachmentFailed("empty file")
        if len(body) > self.max_file:
            raise AttachmentSkipped(
                f"{len(body):,} bytes: larger than ATTACHMENTS_MAX_FILE_SIZE ({self.max_file:,})"
            )
        self.run_bytes += len(body)
        self.stats.inc_value("attachments/downloaded")
        self.stats.inc_value("attachments/bytes", len(body))
        job.sha256 = await asyncio.to_thread(lambda: hashlib.sha256(body).hexdigest())
        job.kind = sniff(body)
        job.path = self.file_path(request, response, info, item=job)
        job.headers = {
            "content_type": _header(response, b"Content-Type"),
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
        }
        if await self._in_db(self.db.file_status, job.sha256) is None:
            await ensure_awaitable(
                self.store.persist_file(
                    job.path, BytesIO(body), info, headers={"Content-Type": media_type(job.kind)}
                )
            )
            job.outcome = "downloaded"
        else:
            job.outcome = "same_content"  # the same file under another URL: stored once
        job.body = body
        return {
            "url": request.url,
            "path": job.path,
            "checksum": job.sha256,
            "status": "downloaded",
        }

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        """``ab/cd/<sha256><ext>``: the file's content names it (the extension read from it)."""
        job: AttachmentJob | None = item if isinstance(item, AttachmentJob) else None
        if job is not None and job.sha256:
            digest, kind = job.sha256, job.kind
        elif response is not None:
            digest, kind = hashlib.sha256(response.body).hexdigest(), sniff(response.body)
        else:
            raise ValueError("an attachment's path is known once it is downloaded")
        return f"{digest[:2]}/{digest[2:4]}/{digest}{EXTENSIONS.get(kind, '')}"

    def item_completed(
        self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo
    ) -> Any:
        job: AttachmentJob = item
        for ok, value in results:
            if not ok:
                error = getattr(value, "value", value)
                job.failure = (
                    error
                    if isinstance(error, AttachmentFailed)
                    else AttachmentFailed(f"{type(error).__name__}: {error}"[:500])
                )
        return job


_EXTRACTORS: dict[tuple[Any, ...], tuple[Extractor, int]] = {}
"""The extraction sandboxes of this process, shared by the spiders a ``crawler run`` runs at once
(one set of worker processes, not one per spider), by their settings."""


def _shared_extractor(key: tuple[Any, ...]) -> Extractor:
    extractor, users = _EXTRACTORS.get(key, (None, 0))
    if extractor is None:
        workers, limits, seconds, memory_mb, nice = key
        extractor = Extractor(
            workers, limits=limits, seconds=seconds, memory_mb=memory_mb, nice=nice
        )
    _EXTRACTORS[key] = (extractor, users + 1)
    return extractor


def _release_extractor(key: tuple[Any, ...]) -> None:
    extractor, users = _EXTRACTORS.pop(key, (None, 0))
    if extractor is None:
        return
    if users > 1:
        _EXTRACTORS[key] = (extractor, users - 1)
    else:
        extractor.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    if value is None:
        return None
    return value.decode("latin-1").strip() or None
