"""Scrapy components of the crawler that sit between the engine and the network.

:mod:`crawler.middlewares.browser`: a real browser (the distribution's Chromium, driven by
scrapy-playwright) for the pages that need one, and nothing for those that do not.
"""
