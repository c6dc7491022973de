"""CPU time and memory of process trees, sampled while the crawls run (``/proc``): the report
shows the crawler's CPU per page, and that the site's server took a small share of the machine.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from tests.support.site import process_tree

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (vanished processes count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of ``pids`` together (vanished processes count 0)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * PAGE_SIZE


@dataclass
class CpuSampler:
    """Samples the CPU seconds of some processes every ``interval`` s, with wall-clock times.

    With ``tree``, each sample covers the processes and all their descendants as they are at that
    moment (the crawl's extraction workers are started during the crawl), and the peak of their
    summed resident memory is kept in ``peak_rss``."""

    pids: list[int]
    interval: float = 0.25
    tree: bool = False
    samples: list[tuple[float, float]] = field(default_factory=list)
    peak_rss: int = 0
    max_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self) -> None:
        pids = self.pids
        if self.tree:
            pids = [p for root in self.pids for p in process_tree(root)]
            self.peak_rss = max(self.peak_rss, rss_bytes(pids))
            self.max_processes = max(self.max_processes, len(pids))
        self.samples.append((time.time(), cpu_seconds(pids)))

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval):
                self._sample()
                return

    def between(self, start: float, end: float) -> tuple[float, float]:
        """(CPU seconds, wall seconds) between the samples closest inside [start, end]."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            inside = [self.samples[0], self.samples[-1]] if len(self.samples) >= 2 else []
        if len(inside) < 2:
            return 0.0, 0.0
        return inside[-1][1] - inside[0][1], inside[-1][0] - inside[0][0]
