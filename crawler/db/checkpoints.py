"""SQLite WAL checkpoints in a background thread, so that a commit does not wait for the disk.

In WAL mode a commit appends the pages it changed to the write-ahead log; a *checkpoint* copies
them back into the database file and syncs it. SQLite runs one inside the commit that takes the
log past 1,000 pages, so the writer waits for the copy and the fsync. On a large database that is
most of the growth of a write's cost: every LSH band key and every key of a random index
(``url_key``, ``content_hash``) lands on a page of its own, and the commit of a batch into a
large database checkpoints many randomly placed pages (measured: docs/benchmarks.md,
"De-duplication at scale").

:class:`BackgroundCheckpoints` runs the checkpoints in a thread with a connection of its own:
after every return of a connection to the engine's pool it runs a ``PASSIVE`` checkpoint, which
copies what the log holds without blocking readers or the writer (the sqlite3 module releases the
GIL while SQLite works). The engine's connections keep SQLite's automatic checkpoint at a higher
mark (:data:`WAL_LIMIT_PAGES`) as a safety net: if the thread falls behind or fails, the log
grows no further than that, and the writer's own checkpoint lets the log start over at the next
write. Durability is SQLite's own (``synchronous=NORMAL``): a checkpoint syncs the log before it
copies and the database file once it has copied everything.

Enabled by ``make_engine(url, background_checkpoints=True)`` (the storage pipeline does, unless
``STORAGE_BACKGROUND_CHECKPOINTS`` is off); the thread starts at the first commit and stops when
the engine is disposed of (or garbage-collected).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event

logger = logging.getLogger(__name__)

WAL_LIMIT_PAGES = 65_536
"""The engine's own automatic checkpoint mark with a background thread (256 MB of 4 KB pages;
SQLite's default is 1,000 pages). A crawl never reaches it: its batches come a fraction of a
second apart, the thread's checkpoint is done before the next one, and SQLite starts the log over.
Back-to-back batches (a bulk import, ``python -m bench.dedup.run``) leave the thread no such
moment: the log then grows to this mark, where the writer checkpoints it once and it starts over.
A lower mark makes the writer wait for the disk more often."""

_BY_ENGINE: weakref.WeakKeyDictionary[Engine, BackgroundCheckpoints] = weakref.WeakKeyDictionary()


@dataclass(slots=True)
class CheckpointStats:
    runs: int = 0
    busy_seconds: float = 0.0
    """Wall time in checkpoints (copying, and waiting for the disk's fsync)."""
    cpu_seconds: float = 0.0
    """CPU time of the checkpoint thread."""
    errors: int = 0


class BackgroundCheckpoints:
    """PASSIVE checkpoints of one SQLite database file, in a thread of their own."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stats = CheckpointStats()
        self._wake = threading.Condition()
        self._requested = 0
        self._done = 0
        self._closing = False
        self._closed = False
        self._thread: threading.Thread | None = None

    # --- engine hooks -----------------------------------------------------------------------
    def attach(self, engine: Engine) -> None:
        event.listen(engine, "connect", self._configure)
        event.listen(engine, "checkin", self._checked_in)
        event.listen(engine, "engine_disposed", self._disposed)
        _BY_ENGINE[engine] = self
        weakref.finalize(engine, self.close)

    @staticmethod
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_LIMIT_PAGES}")
        cursor.close()

    def _checked_in(self, _dbapi_connection: Any, _record: Any) -> None:
        self.request()

    def _disposed(self, _engine: Engine) -> None:
        self.stop()  # its pool's connections are closed: this one goes too

    # --- the thread --------------------------------------------------------------------------
    def request(self) -> None:
        """Ask for a checkpoint (after a commit): the thread runs one soon, requests coalesce."""
        with self._wake:
            if self._closing:
                return
            self._requested += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoints", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every checkpoint requested so far has run (benchmarks, tests)."""
        with self._wake:
            return self._wake.wait_for(
                lambda: self._done >= self._requested or self._thread is None, timeout
            )

    def stop(self) -> None:
        """Stop the thread after the checkpoint it is running; a later request starts another."""
        with self._wake:
            self._closing = True
            thread = self._thread
            self._wake.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        with self._wake:
            self._closing = self._closed

    def close(self) -> None:
        """Stop for good (idempotent)."""
        self._closed = True
        self.stop()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            logger.error("Background checkpoints of %s could not start: %s", self.path, exc)
            with self._wake:
                self.stats.errors += 1
                self._thread = None
                self._wake.notify_all()
            return
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            while True:
                with self._wake:
                    self._wake.wait_for(lambda: self._closing or self._requested > self._done)
                    if self._closing:
                        return
                    target = self._requested
                self._checkpoint(conn)
                with self._wake:
                    self._done = target
                    self._wake.notify_all()
        finally:
            conn.close()
            with self._wake:
                self._thread = None
                self._wake.notify_all()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # the engine's own automatic checkpoint takes over
            self.stats.errors += 1
            logger.warning("Background checkpoint of %s failed: %s", self.path, exc)
            return
        finally:
            self.stats.busy_seconds += time.perf_counter() - started
            self.stats.cpu_seconds += time.thread_time() - cpu
        if row is not None and row[0] == 0:  # else another checkpoint was running
            self.stats.runs += 1


def background_checkpoints(engine: Engine) -> BackgroundCheckpoints | None:
    """The engine's background checkpoints, if it has them."""
    return _BY_ENGINE.get(engine)
