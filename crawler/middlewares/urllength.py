"""Links too long to fetch or store are recorded failures, not silent drops."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import NotConfigured
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware

from crawler.db.bounds import REJECTED
from crawler.db.failures import URL_CHARS, FailureLog

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


class RecordedUrlLengthMiddleware(UrlLengthMiddleware):
    """Scrapy's link length limit (``URLLENGTH_LIMIT``, never more than ``articles.url`` holds),
    each link it leaves out recorded in the failures table (kind ``rejected``) instead of an
    INFO line only: a listed article is never dropped without a trace."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        limit = crawler.settings.getint("URLLENGTH_LIMIT")
        if not limit:
            raise NotConfigured
        middleware = cls(min(limit, URL_CHARS) if URL_CHARS is not None else limit)
        middleware.crawler = crawler
        return middleware

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if len(request.url) <= self.maxlength:
            return request
        reason = f"URL of {len(request.url)} characters, longer than {self.maxlength}: not fetched"
        logger.error("Link not followed: %s: %s", reason, request.url[:300])
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("urllength/request_ignored_count")
            stats.inc_value("failures/recorded/rejected")
        log = getattr(self.crawler.spider, "failure_log", None)
        if isinstance(log, FailureLog):
            log.record(request.url, REJECTED, reason)
        return None
