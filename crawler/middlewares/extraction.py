"""The article extraction middleware: an article page is extracted (and its record prepared)
before its callback runs, in the worker processes of :mod:`crawler.records.workers`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.spiders.meta_keys import ARTICLE, KIND, PAGE

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class ArticleExtractionMiddleware:
    """Extracts an article page while it is on its way to the spider (downloader middleware).

    An ``async`` spider callback that awaits the extraction suspends inside Scrapy's handling
    of the callback's output, which has already started ``CONCURRENT_ITEMS`` (100) tasks waiting
    for the output: each then waits on an empty queue and is woken again, about twice Scrapy's
    own per-response work on the crawl's thread (twice the coroutine steps per page). Awaited
    here instead, in the downloader middleware chain, the
    callback is an ordinary function that finds the page's record ready in
    ``request.meta[PAGE]``: built, normalised, tagged and signed in the worker too
    (:mod:`crawler.records.prepare`), so that the pipelines only check and store it.

    It acts on responses of article requests (``meta[KIND] == ARTICLE``) with status 200
    of spiders that have an ``extract_page(response, request)`` coroutine and
    ``extract_in_workers`` (``PolicySpider``).
    It runs last among the ``process_response`` methods (lowest order): after redirects,
    retries and decompression.
    Without it the spider extracts on the crawl's thread.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleExtractionMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        spider = self.crawler.spider
        extract = getattr(spider, "extract_page", None)
        if (
            extract is not None
            and getattr(spider, "extract_in_workers", False)
            and response.status == 200
            and request.meta.get(KIND) == ARTICLE
        ):
            request.meta[PAGE] = await extract(response, request)
        return response
