"""JSON list APIs whose records carry the article URL and some fields."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider

logger = logging.getLogger(__name__)


class JsonApiSpider(PolicySpider):
    """JSON list APIs: each record gives an article URL and, often, policy fields.

    Subclasses say where the records are (``records``) and how a record maps to item fields
    (``record_fields``); the article page is still fetched for the body and attachments.
    """

    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        if self.check_blocked(response):
            return
        try:
            data = json.loads(response.text) if isinstance(response, TextResponse) else None
        except ValueError as exc:
            logger.error("List API %s answered invalid JSON: %s", response.url, exc)
            data = None
        records = self.records(data) if data is not None else []
        urls: list[tuple[str, dict[str, Any]]] = []
        for record in records:
            fields = self.record_fields(record)
            url = fields.pop("url", None)
            if url:
                urls.append((response.urljoin(url), fields))
        allowed = set(self.filter_links(u for u, _ in urls))
        kept = [(u, f) for u, f in urls if u in allowed]
        self.count_list_page(response, len(kept), page)
        if kept:
            self.succeeded(response)
        for url, fields in kept[:1] if self.checking else kept:
            yield self.article_request(url, listed=fields)
        if kept and page < self.max_list_pages and not self.checking:
            next_request = self.next_api_request(response, page, data)
            if next_request is not None:
                yield next_request

    def records(self, data: Any) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    def record_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Item fields from one record; must include ``url``."""
        raise NotImplementedError

    def next_api_request(self, response: Response, page: int, data: Any) -> scrapy.Request | None:
        return None
