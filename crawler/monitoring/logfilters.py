"""Expected conditions are INFO lines, not warnings or tracebacks.

Two kinds of log record alarm a reader for nothing:

- Scrapy's ``Disabled crawler.…: REDIS_URL is not set`` WARNING for each of our components that
  switches itself off as configured (no Redis, no replay, no alert targets);
- Scrapy's ERROR with a full traceback when a site's ``robots.txt`` cannot be fetched for a
  network reason (DNS, timeout, refused): the pages of that site fail the same way and are
  recorded with their reason, so one plain line is enough.

:class:`ExpectedConditions` (an extension listed first in ``EXTENSIONS``) puts a filter on those
two loggers that rewrites such records as INFO lines without the traceback. Anything else passes
unchanged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

NETWORK_ERRORS = frozenset(
    {
        "DNSLookupError",
        "CannotResolveHostError",
        "TimeoutError",
        "TCPTimedOutError",
        "ConnectionRefusedError",
        "ConnectionLost",
        "ConnectError",
        "ConnectionDone",
        "NoRouteError",
        "ResponseNeverReceived",
        "ResponseFailed",
        "SSLError",
    }
)


def _as_info(record: logging.LogRecord) -> None:
    record.levelno = logging.INFO
    record.levelname = logging.getLevelName(logging.INFO)


class _Filter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, dict) else {}
        if record.name == "scrapy.middleware" and str(record.msg).startswith("Disabled "):
            if str(args.get("clspath", "")).startswith("crawler."):
                _as_info(record)
        elif record.name == "scrapy.downloadermiddlewares.robotstxt" and record.exc_info:
            error = record.exc_info[1]
            if error is not None and type(error).__name__ in NETWORK_ERRORS:
                record.msg = "robots.txt not fetched for %(request)s: %(f_exception)s"
                record.exc_info = None
                record.exc_text = None
                _as_info(record)
        return True


FILTER = _Filter()
LOGGERS = ("scrapy.middleware", "scrapy.downloadermiddlewares.robotstxt")


def install() -> None:
    """Put the filter on its loggers (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if FILTER not in logger.filters:
            logger.addFilter(FILTER)


class ExpectedConditions:
    """Installs the filter when a crawler starts; does nothing else."""

    def __init__(self) -> None:
        install()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()
