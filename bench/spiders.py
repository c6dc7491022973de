"""The two sides of the throughput ratio, and the probe that times them.

Defined here, not in ``crawler/spiders``, so that ``scrapy list`` never shows them.

* :class:`BenchPolicySpider`: the project's :class:`~crawler.spiders.base.PolicySpider` pointed at
  the local site (generic extractor, no per-field selectors); run with the project's settings, so
  every pipeline, middleware and extension the project enables (normalisation, storage,
  de-duplication and incremental crawling once they exist, the run record, the feed) is measured.
* :class:`BenchRenderedSpider`: the same with its list pages rendered in Chromium
  (``bench/rendered.py``, not part of ``make bench``).
* :class:`BareSpider`: plain Scrapy following the same links, yielding the raw ``<title>`` with
  one CSS selector.
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import scrapy
from scrapy import signals

from crawler.spiders.base import PolicySpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response

LIST_LINKS = ".news_box .list li h4 a"
NEXT_PAGE = ".pages a.next::attr(href)"
ARTICLE_URL = r"/(content_\d+\.htm|t\d{8}_\d+\.html)$"


class BenchPolicySpider(PolicySpider):
    name = "bench_policy"
    source_name = "基准测试站"
    region = "central"
    list_link_selector = LIST_LINKS
    article_url_pattern = ARTICLE_URL
    max_list_pages = 1_000_000


class BenchRenderedSpider(BenchPolicySpider):
    """The same crawl with every list page loaded in the browser (``render_js``;
    ``bench/rendered.py``); the article pages stay plain HTTP, as for a real rendered site."""

    name = "bench_rendered"
    render_js = True


class BareSpider(scrapy.Spider):
    name = "bench_bare"

    def __init__(self, *args: Any, start_urls: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = [u for u in start_urls.split(",") if u]

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_list)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css(f"{LIST_LINKS}::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
        next_href = response.css(NEXT_PAGE).get()
        if next_href:
            yield response.follow(next_href, callback=self.parse_list)

    def parse_article(self, response: Response) -> Iterator[dict[str, str | None]]:
        yield {"title": response.css("title::text").get()}


def rss_bytes() -> int:
    with Path("/proc/self/statm").open() as f:
        return int(f.read().split()[1]) * resource.getpagesize()


class BenchProbe:
    """Times the crawl from the first to the last response and samples RSS every 1,000.

    Enabled in both sides (``EXTENSIONS``); it only counts, so it costs both the same.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.responses = 0
        self.first: float | None = None
        self.last: float | None = None
        self.first_wall: float | None = None
        self.last_wall: float | None = None
        self.opened = 0.0
        self.rss_curve: list[tuple[int, int]] = []
        self.out = crawler.settings.get("BENCH_PROBE_OUT")
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_opened(self, spider: scrapy.Spider) -> None:
        self.opened = time.perf_counter()

    def response_received(self, **_kwargs: Any) -> None:
        now = time.perf_counter()
        if self.first is None:
            self.first, self.first_wall = now, time.time()
        self.last = now
        self.responses += 1
        if self.responses % 1000 == 0:
            self.rss_curve.append((self.responses, rss_bytes()))

    def spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        self.last_wall = time.time() - (time.perf_counter() - (self.last or 0.0))
        if not self.out:
            return
        data = {
            "responses": self.responses,
            "window_s": (self.last or 0.0) - (self.first or 0.0),
            "first_response_wall": self.first_wall,
            "last_response_wall": self.last_wall,
            "open_to_close_s": time.perf_counter() - self.opened,
            "rss_curve": self.rss_curve,
            "finish_reason": reason,
        }
        Path(self.out).write_text(json.dumps(data))
