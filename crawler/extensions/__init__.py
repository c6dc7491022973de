"""Scrapy extensions (listed in ``crawler/settings.py``).

- :mod:`~crawler.extensions.config`: the settings checked when a crawl starts;
- :mod:`~crawler.extensions.run_record`: the ``crawl_runs`` row with the run's health;
- :mod:`~crawler.extensions.alerts`: a digest of new items and health problems (apprise).
"""
