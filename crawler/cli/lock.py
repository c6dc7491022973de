"""A lock file that stops a second ``crawler run`` from overlapping the first (cron safety)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO


class LockBusy(RuntimeError):
    """Another run holds the lock."""


class LockUnusable(RuntimeError):
    """The lock file cannot be made or opened (its folder is read-only, missing or a file): a
    configuration error, named with the reason."""


class RunLock:
    """An exclusive, non-blocking ``flock`` on a file; released when the process ends, even by a
    crash or SIGKILL, so a stale lock file never blocks the next run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    def acquire(self) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            if exc.filename and str(exc.filename) != str(self.path):
                reason = f"{reason}: {exc.filename}"
            raise LockUnusable(f"cannot use LOCK_FILE {self.path} ({reason})") from exc
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise LockBusy(
                f"another crawler run is in progress (pid {holder}, lock {self.path})"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
