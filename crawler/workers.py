"""Article extraction and MinHash signing in worker processes, so the crawl's thread keeps crawling.

Scrapy runs the engine, the spiders, the middlewares and the pipelines on one thread, and parsing
and analysing an article page costs more CPU than Scrapy's whole work per page. Extraction is pure
(the body bytes, the URL and the Content-Type in, the fields out), so it can run in other
processes on the other cores while the crawl goes on: ``EXTRACTION_WORKERS`` worker processes
(default: one per CPU beyond the first; ``0`` extracts on the crawl's thread, as does a machine
with one CPU). The storage pipeline's writer thread has its batches' MinHash signatures computed
in a pool of the same size (:class:`Signer`). Results are the same either way; the order of items
may differ.

Workers are started with ``forkserver`` (not ``fork``: the crawl process has threads and open
sockets), ignore Ctrl-C (the crawl decides when to stop), are shut down when the spider closes,
and exit by themselves within a second of the crawl process's end, however it ended.
If a worker dies, the page in hand is extracted on the crawl's thread and so is the rest of the
run, with an error in the log: no page is lost to a broken pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.dedup import Signature, signature
from crawler.extraction import ExtractedPage
from crawler.extraction.extract import extract_bytes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

PROC = Path("/proc")
WATCH_INTERVAL = 1.0
"""Seconds between a worker's checks that the crawl process still exists."""
PRELOAD = ["crawler.workers"]
"""Imported once by the fork server, so that each worker starts with the extractor loaded."""


def default_workers() -> int:
    """One worker per CPU beyond the first (the crawl's own thread needs one), at most four."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def configured_workers(settings: BaseSettings) -> int:
    """``EXTRACTION_WORKERS``, or the default when it is not set."""
    value = settings.get("EXTRACTION_WORKERS")
    return default_workers() if value in (None, "") else int(value)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not ended (a zombie that its parent has not reaped
    yet has ended: its parent may be waiting for our end of a pipe to close)."""
    if PROC.is_dir():
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}
    try:  # no /proc (not Linux): the kernel says whether the pid exists
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _init_worker(crawl_pid: int) -> None:
    """Ignore Ctrl-C (the crawl decides when to stop) and exit when the crawl process is gone,
    however it ended (a crawl killed by cron or the OOM killer must not leave workers behind)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while _running(crawl_pid):
            time.sleep(WATCH_INTERVAL)
        os._exit(0)

    threading.Thread(target=watch, name="crawl-watch", daemon=True).start()


def _ready() -> int:
    return os.getpid()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes from the fork server, ignoring Ctrl-C, started now."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )
    for _ in range(workers):
        pool.submit(_ready)  # start the workers now, while the first pages load
    return pool


class _Workers:
    """A pool of ``workers`` processes (none for 0), closed once, or at the first broken worker."""

    def __init__(self, workers: int) -> None:
        if workers < 0:
            raise ValueError(f"EXTRACTION_WORKERS must be 0 or more, not {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = process_pool(workers) if workers else None

    @property
    def in_workers(self) -> bool:
        return self._pool is not None

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class Signer(_Workers):
    """MinHash signatures of bodies, computed in worker processes.

    Called by the storage pipeline's writer thread for each batch (see
    :class:`crawler.db.store.ArticleStore`): the thread waits without holding the GIL, so the
    signatures, pure-Python work, no longer compete with the crawl's thread. Without workers, or
    once a worker died (logged), they are computed in the calling thread."""

    def __call__(self, bodies: list[str | None]) -> list[Signature | None]:
        pool = self._pool
        if pool is not None:
            chunk = max(1, len(bodies) // (4 * self.workers))
            try:
                return list(pool.map(signature, bodies, chunksize=chunk))
            except BrokenProcessPool as exc:
                logger.error("Signature worker process failed (%s); signing in the writer", exc)
                self.close()
        return [signature(body) for body in bodies]


class ArticleExtractor(_Workers):
    """Extracts article pages on the crawl's thread or in worker processes."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ArticleExtractor:
        return cls(configured_workers(settings))

    async def article(
        self, response: Response, selectors: Mapping[str, str] | None = None
    ) -> ExtractedPage:
        """The article fields of ``response`` (as :func:`crawler.extraction.extract_article`)."""
        ctype = response.headers.get(b"Content-Type") if response.headers else None
        content_type = ctype.decode("latin-1") if isinstance(ctype, bytes) else ctype
        args = (
            response.body,
            response.url,
            content_type,
            "article",
            dict(selectors) if selectors else None,
        )
        if self._pool is None:
            return extract_bytes(*args)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no asyncio loop (another reactor): extract here
            return extract_bytes(*args)
        try:
            return await loop.run_in_executor(self._pool, extract_bytes, *args)
        except BrokenProcessPool as exc:
            if self._pool is not None:
                logger.error(
                    "Extraction worker process failed (%s); extracting on the crawl's thread "
                    "for the rest of the run",
                    exc,
                )
                self.close()
            return extract_bytes(*args)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
