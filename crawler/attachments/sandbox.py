"""Extraction in worker processes bounded in time and memory: a hostile or malformed file (a zip
bomb, a PDF whose objects refer to each other in a cycle, a spreadsheet of ten thousand sheets)
costs its worker, never the crawl.

Each :class:`Sandbox` is one worker process (from the ``forkserver``, like the article workers
of :mod:`crawler.records.workers`, at the same lower CPU priority) that extracts one file at a time:

- **memory**: its address space is capped (``RLIMIT_AS``: what it holds at start plus
  ``ATTACHMENTS_EXTRACT_MEMORY_MB``; the tools it starts, antiword or catdoc, inherit the cap),
  and the parent kills it when its resident memory grows by more than that amount on one file;
- **time**: the parent waits ``ATTACHMENTS_EXTRACT_SECONDS`` for the result, then kills it.

A killed or crashed worker is replaced for the next file; the file is recorded as *failed* with
the reason (``took longer than 60 s``, ``used more than 1024 MB of memory``, ``the extraction
process died (signal 11)``). A worker is also replaced after :data:`RECYCLE` files, so that what
the libraries leak is returned. :class:`Extractor` hands files to its sandboxes from the crawl's
asyncio loop, each wait in a thread of its own (which holds no GIL while it waits).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import os
import resource
import threading
import time
from typing import TYPE_CHECKING, Any

from crawler.attachments.detect import media_type, sniff
from crawler.attachments.extract import FAILED, Extracted, Limits, extract_bytes
from crawler.records.workers import PRELOAD, _init_worker

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

logger = logging.getLogger(__name__)

RECYCLE = 200
"""Files a worker extracts before it is replaced."""
PRELOADED = ("pypdfium2", "docx", "python_calamine", "rarfile", "lxml.etree")
"""The readers' libraries, imported by a worker before its first file."""
POLL_SECONDS = 0.05
"""How often the parent looks at a working sandbox's memory."""
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _vm_size() -> int:
    """This process's virtual memory size in bytes (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:  # noqa: PTH123 - hot, tiny read
            return int(f.read().split()[0]) * PAGE_SIZE
    except OSError:
        return 0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:  # noqa: PTH123 - polled every 50 ms
            return int(f.read().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def _peak_rss(pid: int) -> int:
    """The highest resident memory process ``pid`` has had (``VmHWM``), in bytes."""
    try:
        with open(f"/proc/{pid}/status") as f:  # noqa: PTH123
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _serve(conn: Connection, crawl_pid: int, nice: int, memory: int) -> None:
    """A sandbox worker: extract each file received, send back the result; exit at the end of the
    pipe, or after running out of memory (the parent replaces it)."""
    _init_worker(crawl_pid, nice)
    for module in PRELOADED:  # loaded once: a file's memory is what it adds
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    if memory > 0:
        cap = _vm_size() + memory
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    while True:
        try:
            data, limits = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = extract_bytes(data, limits)
        except MemoryError:
            result = Extracted(
                FAILED,
                media_type(sniff(data)),
                reason=f"ran out of memory (limit {memory // 2**20} MB)",
                restart=True,
            )
        except RecursionError:
            result = Extracted(
                FAILED, media_type(sniff(data)), reason="too deeply nested (recursion limit)"
            )
        except Exception as exc:  # a library's own error: this file's failure, with its reason
            lines = str(exc).strip().splitlines()
            result = Extracted(
                FAILED,
                media_type(sniff(data)),
                reason=f"{type(exc).__name__}: {lines[0] if lines else ''}"[:500],
            )
        del data
        try:
            conn.send(result)
        except (EOFError, OSError):
            return
        if result.restart:
            return


class Sandbox:
    """One extraction worker process, started when first needed and replaced when it died, was
    killed, or has served :data:`RECYCLE` files. :meth:`run` blocks: call it from a thread."""

    def __init__(self, limits: Limits, seconds: float, memory_mb: int, nice: int = 0) -> None:
        self.limits = limits
        self.seconds = seconds
        self.memory = memory_mb * 2**20
        self.nice = nice
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None
        self.served = 0
        self.peak = 0
        """The highest resident memory of its workers so far (bytes)."""

    def _start(self) -> tuple[BaseProcess, Connection]:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        parent, child = context.Pipe(duplex=True)
        process = context.Process(
            target=_serve,
            args=(child, os.getpid(), self.nice, self.memory),
            name="attachment-extraction",
            daemon=True,
        )
        process.start()
        child.close()
        self.process, self.conn, self.served = process, parent, 0
        return process, parent

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def peak_rss(self) -> int:
        if self.process is not None and self.process.pid is not None:
            self.peak = max(self.peak, _peak_rss(self.process.pid))
        return self.peak

    def stop(self) -> None:
        self.peak_rss()
        process, conn = self.process, self.conn
        self.process = self.conn = None
        if conn is not None:
            conn.close()
        if process is not None:
            process.join(timeout=2)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)

    def _kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        self.stop()

    def run(self, data: bytes) -> Extracted:
        """The text of ``data``, or a failure with its reason when the worker overran its time
        or memory, or died."""
        kind = media_type(sniff(data))
        if self.process is None or not self.process.is_alive() or self.served >= RECYCLE:
            self.stop()
            process, conn = self._start()
        else:
            assert self.conn is not None
            process, conn = self.process, self.conn
        base = _rss(process.pid) if process.pid is not None else 0
        try:
            conn.send((data, self.limits))
        except (OSError, ValueError) as exc:
            self._kill()
            return Extracted(FAILED, kind, reason=f"could not hand the file to a worker: {exc}")
        deadline = time.monotonic() + self.seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                return Extracted(FAILED, kind, reason=f"took longer than {self.seconds:g} s")
            if conn.poll(min(POLL_SECONDS, left)):
                break
            if self.memory and process.pid is not None and _rss(process.pid) - base > self.memory:
                self._kill()
                return Extracted(
                    FAILED, kind, reason=f"used more than {self.memory // 2**20} MB of memory"
                )
        try:
            result: Extracted = conn.recv()
        except (EOFError, OSError):
            process.join(timeout=5)
            code = process.exitcode
            self._kill()
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return Extracted(FAILED, kind, reason=f"the extraction process died ({how})")
        self.served += 1
        if result.restart:
            self._kill()
        return result


class Extractor:
    """``workers`` sandboxes shared by the coroutines of a crawl (:meth:`extract`)."""

    def __init__(
        self,
        workers: int = 1,
        *,
        limits: Limits | None = None,
        seconds: float = 60.0,
        memory_mb: int = 1024,
        nice: int = 0,
    ) -> None:
        self.workers = max(1, workers)
        self._free = [
            Sandbox(limits or Limits(), seconds, memory_mb, nice) for _ in range(self.workers)
        ]
        self._all = list(self._free)
        self._lock = threading.Lock()
        self._slots: asyncio.Semaphore | None = None

    def pids(self) -> list[int]:
        return [s.pid for s in self._all if s.pid is not None]

    def peak_rss(self) -> int:
        """The highest resident memory any of its workers has had (bytes)."""
        return max((s.peak_rss() for s in self._all), default=0)

    def run(self, data: bytes) -> Extracted:
        """Extract on the calling thread, in a free sandbox (blocks while none is free)."""
        while True:
            with self._lock:
                if self._free:
                    sandbox = self._free.pop()
                    break
            time.sleep(POLL_SECONDS)
        try:
            return sandbox.run(data)
        finally:
            with self._lock:
                self._free.append(sandbox)

    async def extract(self, data: bytes) -> Extracted:
        """Extract in a sandbox while the crawl goes on (at most ``workers`` files at once)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            result: Extracted = await asyncio.to_thread(self.run, data)
            return result

    def close(self) -> None:
        for sandbox in self._all:
            sandbox.stop()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
