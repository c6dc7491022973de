"""Project settings for ``crawler run`` over a local test site (``SCRAPY_SETTINGS_MODULE``): the
project's own, with the test spider only, no politeness delays, and its list URL from the
environment (``FAULTY_START_URLS``)."""

from __future__ import annotations

import os

from crawler.settings import *  # noqa: F403

SPIDER_MODULES = ["tests.reliability.faulty_spider"]
FAULTY_START_URLS = os.environ.get("FAULTY_START_URLS", "")
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
ROBOTSTXT_OBEY = False
