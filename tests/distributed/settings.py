"""Project settings plus the scale-out add-on and the test site's spider.

Selected with ``SCRAPY_SETTINGS_MODULE=tests.distributed.settings`` until ``crawler/settings.py``
lists the add-on itself.
"""

from __future__ import annotations

import os

from crawler.settings import *  # noqa: F403
from crawler.settings import SPIDER_MODULES

ADDONS = {**globals().get("ADDONS", {}), "crawler.distributed.addon.DistributedAddon": 0}
SPIDER_MODULES = [*SPIDER_MODULES, "tests.distributed.spiders"]
REDIS_URL = os.environ.get("REDIS_URL", "")
