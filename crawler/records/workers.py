"""Article extraction and MinHash signing in worker processes, so the crawl's thread keeps crawling.

Scrapy runs the engine, the spiders, the middlewares and the pipelines on one thread, and parsing
and analysing an article page costs more CPU than Scrapy's whole work per page. Extraction is pure
(the body bytes, the URL and the Content-Type in, the fields out), so it can run in other
processes on the other cores while the crawl goes on: ``EXTRACTION_WORKERS`` worker processes
(default: one per CPU beyond the first; ``0`` extracts on the crawl's thread, as does a machine
with one CPU). Article pages go to the workers through
:class:`~crawler.middlewares.extraction.ArticleExtractionMiddleware` and :class:`LoopPool`, which
also build, normalise, tag and sign their records (:mod:`crawler.records.prepare`). The storage
pipeline's writer thread has the MinHash signatures of other items computed in a pool of the same
size (:class:`Signer`, started when first needed).
Results are the same either way; the order of items may differ.

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
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from crawler.dedup.minhash import Signature, signature
from crawler.extraction import ExtractedPage
from crawler.records.prepare import extract_prepared

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from crawler.items import PolicyArticle
    from crawler.records.prepare import ArticleContext

logger = logging.getLogger(__name__)

PROC = Path("/proc")
WATCH_INTERVAL = 1.0
"""Seconds between a worker's checks that the crawl process still exists."""
PRELOAD = ["crawler.records.workers"]
"""Imported once by the fork server, so that each worker starts with the extractor loaded."""


def default_workers() -> int:
    """One worker per CPU beyond the first (the crawl's own thread needs one), at most four."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def configured_workers(settings: BaseSettings) -> int:
    """``EXTRACTION_WORKERS``, or the default when it is not set."""
    value = settings.get("EXTRACTION_WORKERS")
    return default_workers() if value in (None, "") else int(value)


def configured_nice(settings: BaseSettings) -> int:
    """``EXTRACTION_WORKERS_NICE``: how much lower the workers' CPU priority is than the crawl's."""
    return settings.getint("EXTRACTION_WORKERS_NICE", 0)


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


def _init_worker(crawl_pid: int, nice: int = 0) -> None:
    """Ignore Ctrl-C (the crawl decides when to stop), run ``nice`` steps below the crawl's CPU
    priority, and exit when the crawl process is gone, however it ended (a crawl killed by cron
    or the OOM killer must not leave workers behind)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice > 0:
        os.nice(nice)

    def watch() -> None:
        while _running(crawl_pid):
            time.sleep(WATCH_INTERVAL)
        os._exit(0)

    threading.Thread(target=watch, name="crawl-watch", daemon=True).start()


def _ready() -> int:
    return os.getpid()


def process_pool(workers: int, nice: int = 0) -> ProcessPoolExecutor:
    """``workers`` processes from the fork server, ignoring Ctrl-C, started now."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(), nice),
    )
    for _ in range(workers):
        pool.submit(_ready)  # start the workers now, while the first pages load
    return pool


PoolT = TypeVar("PoolT")


class _Workers(Generic[PoolT]):
    """A pool of ``workers`` processes (none for 0), closed once, or at the first broken worker."""

    lazy = False
    """Start the processes at the first job instead of at once."""

    def __init__(self, workers: int, nice: int = 0) -> None:
        if workers < 0:
            raise ValueError(f"EXTRACTION_WORKERS must be 0 or more, not {workers}")
        self.workers = workers
        self.nice = nice
        self._pool: PoolT | None = None
        self._closed = False
        if workers and not self.lazy:
            self._pool = self._start(workers)

    def _started(self) -> PoolT | None:
        """The pool, started now if it is lazy and not started yet (None: no workers, closed)."""
        if self._pool is None and self.workers and not self._closed:
            self._pool = self._start(self.workers)
        return self._pool

    def _start(self, workers: int) -> PoolT:
        raise NotImplementedError

    def _pool_pids(self, pool: PoolT) -> list[int]:
        raise NotImplementedError

    def _stop(self, pool: PoolT) -> None:
        raise NotImplementedError

    @property
    def in_workers(self) -> bool:
        return self._pool is not None

    def pids(self) -> list[int]:
        """The worker processes' ids (none once closed)."""
        return self._pool_pids(self._pool) if self._pool is not None else []

    def close(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            self._stop(pool)


IN_FLIGHT = 2
"""Jobs sent to one :class:`LoopPool` worker at a time: one it works on, one waiting in its pipe
(so that it never waits for the crawl's thread), and never so many that a send would block."""


def _serve(conn: Connection, crawl_pid: int, nice: int = 0) -> None:
    """A :class:`LoopPool` worker: run each job received (a function and its arguments), send
    back (ok, result), exit at the end of the pipe (the pool closed it, or the crawl process
    ended)."""
    _init_worker(crawl_pid, nice)
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: tuple[bool, object] = (True, function(*args))
        except Exception as exc:  # the caller gets it, as from a call on its own thread
            result = (False, exc)
        try:
            conn.send(result)
        except (EOFError, OSError):
            return
        except Exception as exc:  # an exception that does not pickle
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


@dataclass(slots=True)
class _PoolWorker:
    process: BaseProcess
    conn: Connection
    waiting: deque[asyncio.Future[Any]] = field(default_factory=deque)


class LoopPool:
    """Worker processes fed through pipes that the asyncio loop watches: no helper thread.

    ``ProcessPoolExecutor`` hands each job to two threads of the crawl process (its manager and
    its queue feeder), each of which takes the GIL from the crawl's thread on the way: the crawl's
    thread spent a large share of its time per page waiting in the executor's wake-up ``write``.
    Here the crawl's thread sends the job itself (a small pickle: the body
    bytes and three strings) and the loop reads the result when the worker's pipe is readable.
    A worker that dies breaks the pool (:class:`BrokenProcessPool` for every job in hand).
    """

    def __init__(self, workers: int, nice: int = 0) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self._workers: list[_PoolWorker] = []
        self._queue: deque[tuple[tuple[Any, ...], asyncio.Future[Any]]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        for _ in range(workers):
            parent, child = context.Pipe(duplex=True)
            process = context.Process(
                target=_serve, args=(child, os.getpid(), nice), name="extraction", daemon=True
            )
            process.start()
            child.close()
            self._workers.append(_PoolWorker(process, parent))

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker (a module-level function: it is pickled by name)."""
        if self._closed:
            raise BrokenProcessPool("the extraction pool is closed")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._watch(loop)
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append(((function, args), future))
        self._dispatch()
        return await future

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None and not self._loop.is_closed():
            for w in self._workers:
                self._loop.remove_reader(w.conn.fileno())
        self._loop = loop
        for w in self._workers:
            loop.add_reader(w.conn.fileno(), self._readable, w)

    def _dispatch(self) -> None:
        for w in sorted(self._workers, key=lambda w: len(w.waiting)):
            while self._queue and len(w.waiting) < IN_FLIGHT:
                job, future = self._queue.popleft()
                if future.done():  # cancelled while queued
                    continue
                try:
                    w.conn.send(job)
                except OSError as exc:
                    self._queue.appendleft((job, future))
                    self._break(f"sending to worker {w.process.pid} failed: {exc}")
                    return
                w.waiting.append(future)

    def _readable(self, w: _PoolWorker) -> None:
        try:
            while w.waiting and w.conn.poll():
                ok, value = w.conn.recv()
                future = w.waiting.popleft()
                if not future.done():
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        except (EOFError, OSError) as exc:
            code = w.process.exitcode
            self._break(f"worker {w.process.pid} ended (exit code {code}): {exc!r}")
            return
        if not w.waiting and w.conn.poll():  # readable with nothing in hand: the pipe closed
            self._break(f"worker {w.process.pid} ended (exit code {w.process.exitcode})")
            return
        self._dispatch()

    def _break(self, reason: str) -> None:
        error = BrokenProcessPool(reason)
        pending = [f for w in self._workers for f in w.waiting] + [f for _, f in self._queue]
        self.close()
        for future in pending:
            if not future.done():
                future.set_exception(error)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop, self._loop = self._loop, None
        for w in self._workers:
            if loop is not None and not loop.is_closed():
                loop.remove_reader(w.conn.fileno())
            w.conn.close()  # the worker reads the end of the pipe and exits
        for w in self._workers:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(timeout=5)
        for _, future in self._queue:
            future.cancel()
        self._queue.clear()


class Signer(_Workers[ProcessPoolExecutor]):
    """MinHash signatures of bodies, computed in worker processes.

    Called by the storage pipeline's writer thread for each batch (see
    :class:`crawler.db.store.ArticleStore`): the thread waits without holding the GIL, so the
    signatures, pure-Python work, no longer compete with the crawl's thread. Without workers, or
    once a worker died (logged), they are computed in the calling thread. Article pages prepared
    in the extraction workers come signed (:mod:`crawler.records.prepare`), so the processes start
    only when a batch holds other items."""

    def _start(self, workers: int) -> ProcessPoolExecutor:
        return process_pool(workers, self.nice)

    def _pool_pids(self, pool: ProcessPoolExecutor) -> list[int]:
        return list(pool._processes)

    def _stop(self, pool: ProcessPoolExecutor) -> None:
        pool.shutdown(wait=True, cancel_futures=True)

    lazy = True  # articles prepared in the extraction workers come signed already

    def __call__(self, bodies: list[str | None]) -> list[Signature | None]:
        pool = self._started()
        if pool is not None:
            chunk = max(1, len(bodies) // (4 * self.workers))
            try:
                return list(pool.map(signature, bodies, chunksize=chunk))
            except BrokenProcessPool as exc:
                logger.error("Signature worker process failed (%s); signing in the writer", exc)
                self.close()
        return [signature(body) for body in bodies]


def page_args(
    response: Response, selectors: Mapping[str, str] | None
) -> tuple[bytes, str, str | None, dict[str, str] | None]:
    """What extracting ``response`` takes: its body, URL, Content-Type, and the field selectors."""
    ctype = response.headers.get(b"Content-Type") if response.headers else None
    content_type = ctype.decode("latin-1") if isinstance(ctype, bytes) else ctype
    return response.body, response.url, content_type, dict(selectors or {}) or None


class ArticleExtractor(_Workers[LoopPool]):
    """Extracts article pages on the crawl's thread or in worker processes (:class:`LoopPool`)."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ArticleExtractor:
        return cls(configured_workers(settings), configured_nice(settings))

    def _start(self, workers: int) -> LoopPool:
        return LoopPool(workers, self.nice)

    def _pool_pids(self, pool: LoopPool) -> list[int]:
        return pool.pids

    def _stop(self, pool: LoopPool) -> None:
        pool.close()

    async def prepared(
        self,
        response: Response,
        selectors: Mapping[str, str] | None,
        context: ArticleContext,
    ) -> ExtractedPage | PolicyArticle:
        """The record of the article page ``response``, extracted, built, normalised, tagged and
        signed in a worker process (:func:`crawler.records.prepare.extract_prepared`, on the
        calling thread without workers); the extracted page when it is not an article."""
        result: ExtractedPage | PolicyArticle = await self._run(
            extract_prepared, *page_args(response, selectors), context
        )
        return result

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        if self._pool is None:
            return function(*args)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no asyncio loop (another reactor): extract here
            return function(*args)
        try:
            return await self._pool.run(function, *args)
        except BrokenProcessPool as exc:
            if self._pool is not None:
                logger.error(
                    "Extraction worker process failed (%s); extracting on the crawl's thread "
                    "for the rest of the run",
                    exc,
                )
                self.close()
            return function(*args)
