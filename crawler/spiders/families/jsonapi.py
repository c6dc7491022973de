"""JSON lists: search APIs and static JSON files whose records carry the article URL and fields."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider, _remember

logger = logging.getLogger(__name__)


class JsonApiSpider(PolicySpider):
    """JSON list APIs: each record gives an article URL and, often, policy fields.

    Subclasses say where the records are (``records``) and how a record maps to item fields
    (``record_fields``); the article page is still fetched for the body and attachments.

    - ``max_records``: at most this many records of one list response are taken per run
      (newest first), except in ``-a mode=backfill``: for JSON files that hold a whole column
      (a thousand rows and more), so that a first run does not fetch every article.
    - ``no_hits``: an answer the API gives for "nothing matched" (a status code, not a layout
      change): counted as ``list/no_hits``, not as an empty list page.
    """

    max_records: ClassVar[int | None] = None

    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        if self.check_blocked(response):
            return
        data = self.json_data(response)
        if data is not None and self.no_hits(data):
            self.count_no_hits(response, page)
            return
        records = self.records(data) if data is not None else []
        urls: list[tuple[str, dict[str, Any]]] = []
        for record in records:
            fields = self.record_fields(record)
            url = fields.pop("url", None)
            if url:
                urls.append((response.urljoin(url), fields))
        allowed = set(self.filter_links(u for u, _ in urls))
        kept: list[tuple[str, dict[str, Any]]] = []
        for url, fields in urls:
            if url in allowed:
                allowed.discard(url)  # a record listed twice is requested once
                kept.append((url, fields))
        cap = self.max_records
        if cap is not None and self.mode != "backfill" and len(kept) > cap:
            self.stats.inc_value("list/records_over_cap", len(kept) - cap)
            kept = kept[:cap]
        self.count_list_page(response, len(kept), page)
        if kept:
            self.succeeded(response)
        for url, fields in kept[:1] if self.checking else kept:
            yield self.article_request(url, listed=fields)
        if kept and page < self.max_list_pages and not self.checking:
            next_request = self.next_api_request(response, page, data)
            if next_request is not None:
                yield next_request

    def json_data(self, response: Response) -> Any:
        """The response's JSON, or None (logged) when it is not JSON."""
        if not isinstance(response, TextResponse):
            logger.error("List API %s answered a non-text body", response.url)
            return None
        try:
            return json.loads(response.text)
        except ValueError as exc:
            logger.error("List API %s answered invalid JSON: %s", response.url, exc)
            return None

    def count_no_hits(self, response: Response, page: int) -> None:
        """A list answer that says "no hits": counted as a list page, never as an empty one."""
        stats = self.stats
        stats.inc_value("list/pages")
        stats.inc_value("list/no_hits")
        if page == 1:  # nothing at all in an unfiltered list is suspicious; a last page is not
            _remember(stats, "list/no_hits_urls", response.url)
        log = logger.warning if page == 1 else logger.info
        log("List API %s answered 'no hits' (list page %d)", response.url, page)
        self.succeeded(response)

    def no_hits(self, data: Any) -> bool:
        """Whether ``data`` is the API's "nothing matched" answer (none by default)."""
        return False

    def records(self, data: Any) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    def record_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Item fields from one record; must include ``url``."""
        raise NotImplementedError

    def next_api_request(self, response: Response, page: int, data: Any) -> scrapy.Request | None:
        return None
