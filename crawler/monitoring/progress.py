"""One progress line per spider on the terminal while a crawl runs.

``crawler run`` switches it on (``PROGRESS = True``) when its output is a terminal and ``-v`` is
not given; the full log then goes to a file. Every spider of the process shares one board, which
redraws its lines in place twice a second: pages fetched, items stored, errors, and a bar of the
list sections done; a spider's line ends with its status once it has finished. Under cron (no
terminal) nothing is drawn.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

BAR = 12


@dataclass
class Line:
    name: str
    stats: StatsCollector
    sections: int
    status: str | None = None

    def render(self, width: int) -> str:
        get = self.stats.get_value
        pages = int(get("response_received_count", 0) or 0)
        items = int(get("item_scraped_count", 0) or 0)
        errors = int(get("fetch/failed", 0) or 0) + int(get("blocked/count", 0) or 0)
        lists = int(get("list/pages", 0) or 0)
        if self.status is not None:
            bar = f"[{'=' * BAR}]"
        else:
            done = min(lists, self.sections) if self.sections else 0
            filled = BAR * done // self.sections if self.sections else 0
            bar = f"[{'=' * filled}{'.' * (BAR - filled)}]"
        text = f"{self.name:<18} {bar} {pages:>5} pages {items:>5} items {errors:>4} errors" + (
            f"  {self.status}" if self.status else ""
        )
        return text[:width]


class Board:
    """The lines of every spider of the process, drawn on one terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lines: list[Line] = []
        self.drawn = 0
        self.last = 0.0

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        width = 120
        out = []
        if self.drawn:
            out.append(f"\x1b[{self.drawn}F")  # back to the first line drawn
        out.extend(f"\x1b[2K{line.render(width)}\n" for line in self.lines)
        self.stream.write("".join(out))
        self.stream.flush()
        self.drawn = len(self.lines)


class TerminalProgress:
    """Registers its spider on the shared board and redraws it as responses and items come."""

    board: ClassVar[Board | None] = None

    def __init__(self, crawler: Crawler, stream: IO[str]) -> None:
        self.crawler = crawler
        if TerminalProgress.board is None:
            TerminalProgress.board = Board(stream)
        self.line: Line | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.tick, signal=signals.response_received)
        crawler.signals.connect(self.tick, signal=signals.item_scraped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("PROGRESS"):
            raise NotConfigured
        return cls(crawler, sys.stdout)

    def opened(self, spider: Spider) -> None:
        assert self.crawler.stats is not None and self.board is not None
        sections = len(getattr(spider, "start_urls", []) or []) or len(
            getattr(spider, "columns", None) or []
        )
        self.line = Line(spider.name, self.crawler.stats, sections)
        self.board.lines.append(self.line)
        self.board.draw(force=True)

    def tick(self, *args: Any, **kwargs: Any) -> None:
        if self.board is not None:
            self.board.draw()

    def closed(self, spider: Spider, reason: str) -> None:
        if self.line is None or self.board is None:
            return
        # RunRecorder (an earlier extension) has set the run's status by now
        self.line.status = str(self.line.stats.get_value("run/status") or reason)
        self.board.draw(force=True)


class Ticker:
    """A count that long maintenance work (exports, replays) redraws on one terminal line:
    ``exported 12,000 articles…``, at most twice a second; nothing when ``stream`` is not a
    terminal."""

    def __init__(self, verb: str, noun: str, stream: IO[str] | None = None) -> None:
        self.verb = verb
        self.noun = noun
        self.stream = stream if stream is not None else sys.stderr
        self.on = self.stream.isatty()
        self.last = 0.0
        self.shown = False

    def __call__(self, count: int) -> None:
        now = time.monotonic()
        if not self.on or now - self.last < 0.5:
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r\x1b[2K{self.verb} {count:,} {self.noun}…")
        self.stream.flush()

    def done(self) -> None:
        """Clear the line (the command prints its own last word)."""
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
