"""Project settings for ``crawler run`` / ``crawler check`` over the local browser test site
(``SCRAPY_SETTINGS_MODULE``): the project's own, with the browser test spiders only, no
politeness delays, and their list URLs from the environment."""

from __future__ import annotations

import os

from crawler.settings import *  # noqa: F403

SPIDER_MODULES = ["tests.browser.spiders"]
BROWSER_TEST_START_URLS = os.environ.get("BROWSER_TEST_START_URLS", "")
BROWSER_TEST_PLAIN_URLS = os.environ.get("BROWSER_TEST_PLAIN_URLS", "")
BROWSER_TEST_RENDER = os.environ.get("BROWSER_TEST_RENDER", "")
BROWSER_PAGE_TIMEOUT = float(os.environ.get("BROWSER_PAGE_TIMEOUT", "10"))
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
ROBOTSTXT_OBEY = False
EXTRACTION_WORKERS = 0
