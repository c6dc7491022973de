"""Scrapy downloader and spider middlewares (listed in ``crawler/settings.py``).

- :mod:`~crawler.middlewares.replay`: answers requests from fixture folders (``REPLAY_DIR``);
- :mod:`~crawler.middlewares.redirects`: redirect loops and off-site redirects become failures;
- :mod:`~crawler.middlewares.incremental`: a daily run fetches what is new, not the whole site;
- :mod:`~crawler.middlewares.politeness`: per-domain limits shared by a cluster through Redis;
- :mod:`~crawler.middlewares.browser`: a real browser (the distribution's Chromium, driven by
  scrapy-playwright) for the pages that need one, and nothing for those that do not.
"""
