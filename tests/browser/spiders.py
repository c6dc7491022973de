"""The spiders the browser tests crawl the local site with (never a real site).

``test_browser`` renders the list pages whose URLs start with one of ``-a render=PREFIX,…`` (its
``render_js_sections``); ``test_browser_plain`` renders nothing. Both take their list URLs from
``-a start_urls=…`` or, under ``crawler run`` / ``crawler check`` (no spider arguments), from the
``BROWSER_TEST_START_URLS`` / ``BROWSER_TEST_PLAIN_URLS`` and ``BROWSER_TEST_RENDER`` settings
(:mod:`tests.browser.run_settings`). With ``BROWSER_TEST_PROBE`` set, a spider writes there, when
it closes, which modules of Playwright the crawl's process had imported.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from crawler.spiders.base import PolicySpider


class BrowserTestSpider(PolicySpider):
    name = "test_browser"
    source_name = "测试市教育局"
    region = "test"
    allowed_domains = ["127.0.0.1"]
    start_urls: list[str] = []
    list_link_selector = "ul.news-list li a"
    start_urls_setting = "BROWSER_TEST_START_URLS"

    def __init__(self, *args: Any, render: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.render_arg = render

    async def start(self) -> AsyncIterator[Any]:
        if not self.start_urls:
            self.start_urls = self.settings.getlist(self.start_urls_setting)
        render = self.render_arg or ",".join(self.settings.getlist("BROWSER_TEST_RENDER"))
        self.render_js_sections = tuple(p for p in render.split(",") if p)  # type: ignore[misc]
        async for request in super().start():
            yield request

    def closed(self, reason: str) -> None:
        super().closed(reason)
        probe = self.settings.get("BROWSER_TEST_PROBE")
        if probe:
            imported = sorted(
                m for m in sys.modules if m.split(".")[0] in ("playwright", "scrapy_playwright")
            )
            Path(probe).write_text(json.dumps({"imported": imported}))


class PlainTestSpider(BrowserTestSpider):
    name = "test_browser_plain"
    start_urls_setting = "BROWSER_TEST_PLAIN_URLS"
