"""The spider the reliability tests crawl a local test site with (never a real site).

Loaded only when a test adds this module to ``SPIDER_MODULES``; the list URL comes from
``-a start_urls=http://127.0.0.1:PORT/list.html``, or, for ``crawler run`` (which takes no spider
arguments; :mod:`tests.reliability.run_settings`), from the ``FAULTY_START_URLS`` setting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from crawler.spiders.base import PolicySpider


class FaultySpider(PolicySpider):
    name = "test_faulty"
    source_name = "测试市教育局"
    region = "test"
    allowed_domains = ["127.0.0.1"]
    start_urls: list[str] = []
    list_link_selector = "ul.news-list li a"

    async def start(self) -> AsyncIterator[Any]:
        if not self.start_urls:
            self.start_urls = self.settings.getlist("FAULTY_START_URLS")
        async for request in super().start():
            yield request
