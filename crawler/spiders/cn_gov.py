"""中国政府网 最新政策 and 政策解读: the JSON files behind the columns' empty static lists.

The static HTML of ``/zhengce/zuixin/`` and ``/zhengce/jiedu/`` holds an empty
``ul#list-1-ajax-id``; a script of the page loads ``./ZUIXINZHENGCE.json`` (最新政策) or
``./ZCJD_QZ.json`` (政策解读): one JSON array per column, newest first, of
``{TITLE, SUB_TITLE, URL, DOCRELPUBTIME}`` (``URL`` absolute, ``DOCRELPUBTIME`` ``YYYY-MM-DD``).
The spider requests these files directly (the names every dated public crawler of 2026 uses).
Should a file answer an HTTP error or something that is not a JSON array, the failure is
recorded as usual and the column page is fetched to read the file's current name from its
script (``url: "./….json"``).

A file holds the whole column (政策解读 over eight thousand rows): a run takes its newest
``max_records`` rows (all of them with ``-a mode=backfill``); the incremental middleware skips
the ones already stored. The record's fields are not used for the
item: ``DOCRELPUBTIME`` is the day gov.cn republished a document, not its 发布日期, and the article
page carries the title, dates and info table (``table.bd1``) itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.monitoring.antibot import blocked_reason
from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import JsonApiSpider
from crawler.spiders.meta_keys import COLUMN, FALLBACK, JSON_FILE, KIND, LIST

logger = logging.getLogger(__name__)

ZUIXIN = "https://www.gov.cn/zhengce/zuixin/"
JIEDU = "https://www.gov.cn/zhengce/jiedu/"
JSON_IN_SCRIPT = re.compile(r"""url\s*:\s*["']([^"'\s]+?\.json)["']""")
"""The JSON file a column page's list script loads: ``$.ajax({url: "./ZCJD_QZ.json", …``."""


class CnGovSpider(JsonApiSpider):
    name = "cn_gov"
    source_name = "中国政府网"
    region = "central"
    allowed_domains = ["www.gov.cn"]
    column_pages: ClassVar[Mapping[str, str]] = {
        ZUIXIN + "ZUIXINZHENGCE.json": ZUIXIN,  # 最新政策
        JIEDU + "ZCJD_QZ.json": JIEDU,  # 政策解读
    }
    """Each section's JSON file → the column page whose script names it (the fallback)."""
    start_urls = list(column_pages)
    article_url_pattern = r"^https?://www\.gov\.cn/.+/content_\d+\.htm$"
    max_records = 60
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        publishes_every_days=7,
        notes=(
            "Each list is one JSON file of the whole column (政策解读 8,000+ rows; 最新政策 "
            "~1,000 per sites.md, unverified), newest first, DOCRELPUBTIME YYYY-MM-DD; a run "
            "takes the newest 60. gov.cn publishes policies and interpretations most days."
        ),
    )

    def records(self, data: Any) -> list[Mapping[str, Any]]:
        if not isinstance(data, list):
            return []
        return [r for r in data if isinstance(r, Mapping)]

    def record_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        url = str(record.get("URL") or "").strip()
        return {"url": url or None}

    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        outputs = list(super().parse_list(response, page))
        yield from outputs
        if not outputs and blocked_reason(response) is None:
            fallback = self.column_request(response.request)
            if fallback is not None:
                yield fallback

    # --- fallback: the column page names its JSON file ---------------------------------------
    def column_request(self, request: scrapy.Request | None) -> scrapy.Request | None:
        """The column page of a JSON list request that failed, once per file and run."""
        if request is None or request.meta.get(KIND) != LIST:
            return None
        column = self.column_pages.get(request.url)
        if column is None or request.meta.get(FALLBACK):
            return None
        logger.warning("Reading the name of the JSON file of %s from %s", request.url, column)
        self.stats.inc_value("list/fallback_column_pages")
        return scrapy.Request(
            column,
            callback=self.parse_column,
            errback=self.on_column_error,
            meta={KIND: COLUMN, JSON_FILE: request.url},
        )

    def parse_column(self, response: Response) -> list[scrapy.Request]:
        """The JSON file the column page's script loads, as a list request."""
        if self.check_blocked(response):
            return []
        text = response.text if isinstance(response, TextResponse) else ""
        names = [m.group(1) for m in JSON_IN_SCRIPT.finditer(text)]
        if not names:
            self.stats.inc_value("list/fallback_failed")
            logger.error("Column page %s names no JSON file: its template changed?", response.url)
            return []
        url = response.urljoin(names[0])
        if url == response.meta.get(JSON_FILE):
            logger.info("Column page %s still loads %s", response.url, url)
            return []
        logger.warning("Column page %s now loads %s", response.url, url)
        return [self.list_request(url, page=1, meta={KIND: LIST, FALLBACK: True})]

    def on_column_error(self, failure: Failure) -> None:
        """A column page that could not be fetched: the JSON file's failure is recorded."""
        self.stats.inc_value("list/fallback_failed")
        request = getattr(failure, "request", None)
        logger.error("Could not fetch column page %s: %s", getattr(request, "url", "?"), failure)

    def on_error(self, failure: Failure) -> None:
        super().on_error(failure)
        fallback = self.column_request(getattr(failure, "request", None))
        if fallback is not None and self.crawler.engine is not None:
            self.crawler.engine.crawl(fallback)
