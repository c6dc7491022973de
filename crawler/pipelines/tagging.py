"""Topic tags from the vocabulary; spiders with ``require_tags`` keep only tagged articles.

Article pages extracted in worker processes arrive tagged there already, with the same
``TAG_VOCABULARY`` (:class:`~crawler.items.PreparedArticle`, see :mod:`crawler.records.prepare`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem

from crawler.items import PolicyArticle, PreparedArticle
from crawler.records.prepare import tag_article
from crawler.records.vocabulary import Vocabulary

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class TaggingPipeline:
    def __init__(self, crawler: Crawler, vocabulary: Vocabulary) -> None:
        self.crawler = crawler
        self.vocabulary = vocabulary

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, Vocabulary.load(crawler.settings.get("TAG_VOCABULARY") or None))

    def process_item(self, item: object) -> object:
        if not isinstance(item, PolicyArticle):
            return item
        if not isinstance(item, PreparedArticle):
            tag_article(item, self.vocabulary)
        if not item.tags and getattr(self.crawler.spider, "require_tags", False):
            raise DropItem(
                f"no topic tag matches {item.url} (the spider keeps tagged articles only)"
            )
        return item
