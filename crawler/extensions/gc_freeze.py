"""Start-up objects kept out of the garbage collector's way while a spider runs."""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class GcFreeze:
    """Keeps the objects that exist when the crawl opens out of the garbage collector's work.

    CPython's full collections walk every object that can hold references; with Scrapy, Twisted,
    SQLAlchemy, lxml and numpy loaded that is several hundred thousand (modules, classes,
    functions, settings), none of which ever becomes garbage, and each full collection pauses
    the crawl's one thread for a noticeable time (docs/benchmarks.md, "Where the full crawler's
    time goes"). ``gc.freeze()`` once the spider is open moves them to a generation that is
    never collected; what the crawl makes afterwards is collected as before. At the end they are
    unfrozen, so that a process that runs several crawls frees what has become garbage.
    ``GC_FREEZE = False``
    switches it off."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("GC_FREEZE", True):
            raise NotConfigured("GC_FREEZE is off")
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        gc.collect()  # what is garbage already is freed, not frozen
        gc.freeze()
        logger.debug("Froze %d start-up objects out of garbage collection", gc.get_freeze_count())

    def spider_closed(self, spider: Spider) -> None:
        gc.unfreeze()
