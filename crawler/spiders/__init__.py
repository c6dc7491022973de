"""One spider per site section; shared behaviour lives in :mod:`crawler.spiders.base`."""
