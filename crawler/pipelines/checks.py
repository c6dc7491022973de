"""The record checks: what the storage contract refuses is dropped, with its reason.

Every article record arrives prepared (built, normalised, tagged and signed by
:mod:`crawler.records.prepare`, in an extraction worker or in the crawl's process). This pipeline
drops the records normalisation refused (no title and no body:
:func:`crawler.records.normalize.unusable`) and, for spiders with ``require_tags``, those no topic
of the vocabulary matched; it counts the articles whose body is a tiny fraction of their page's
text (``article/short_body``, a health warning: the body was probably cut short), but not those
whose text is in their attachments (``text_in_attachment``: the body is the files' names, short
by nature).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem

from crawler.items import PolicyArticle
from crawler.monitoring.health import MAX_REPORTED, Thresholds, short_body
from crawler.records.normalize import unusable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class RecordCheckPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = getattr(crawler, "settings", None)
        self.limits = Thresholds.from_settings(settings) if settings is not None else Thresholds()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if not isinstance(item, PolicyArticle):
            return item  # a page seen again (PageSeen)
        reason = unusable(item)
        if reason is not None:
            raise DropItem(reason)
        if not item.tags and getattr(self.crawler.spider, "require_tags", False):
            raise DropItem(
                f"no topic tag matches {item.url} (the spider keeps tagged articles only)"
            )
        self.check_body(item)
        return item

    def check_body(self, item: PolicyArticle) -> None:
        """Count an article whose body is a tiny fraction of its page's text (cut short?); an
        article whose text is in its attachments has for body only their names: not cut short."""
        page = item.page_chars
        if page is None or item.text_in_attachment:
            return
        if not short_body(item.body_text, page, self.limits):
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
