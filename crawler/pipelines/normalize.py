"""The normalisation pipeline: every PolicyArticle normalised before it is stored
(:func:`crawler.records.normalize.normalize_article`).

Article pages extracted in worker processes arrive normalised there already
(:class:`~crawler.items.PreparedArticle`, see :mod:`crawler.records.prepare`) and pass through; the
pipeline counts those whose body is a tiny fraction of their page's text
(``article/short_body``, a health warning: the body was probably cut short).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from crawler.items import PolicyArticle, PreparedArticle
from crawler.monitoring.health import MAX_REPORTED, Thresholds, short_body
from crawler.records.normalize import normalize_article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = getattr(crawler, "settings", None)
        self.limits = Thresholds.from_settings(settings) if settings is not None else Thresholds()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if isinstance(item, PolicyArticle) and not isinstance(item, PreparedArticle):
            return normalize_article(item)
        if isinstance(item, PreparedArticle):  # normalised in the extraction worker
            self.check_body(item)
        return item

    def check_body(self, item: PreparedArticle) -> None:
        """Count an article whose body is a tiny fraction of its page's text (cut short?)."""
        page = item.page_chars
        if page is None or not short_body(item.body_text, page, self.limits):
            return
        body = len("".join((item.body_text or "").split()))
        stats: StatsCollector | None = getattr(self.crawler, "stats", None)
        logger.warning(
            "Body of %s is %d of the page's %d characters: cut short?", item.url, body, page
        )
        if stats is None:
            return
        stats.inc_value("article/short_body")
        urls = stats.get_value("article/short_body_urls") or []
        if len(urls) < MAX_REPORTED:
            entry = f"{item.url}: {body} of the page's {page} characters"
            stats.set_value("article/short_body_urls", [*urls, entry])
