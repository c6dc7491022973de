"""The base class of every policy spider: list pages → article pages → PolicyArticle items.

A site is a small subclass that sets class attributes (its URLs, its contract and, where the
generic extractor needs help, selectors). :class:`PolicySpider` crawls HTML list pages paged by a
``下一页`` link; the CMS families (:mod:`crawler.spiders.families`: TRS, Hanweb, JSON APIs) say how
their lists page and where their records hide.

Every list page must yield article links: none is counted as ``list/empty`` and logged as an
error (a layout change must not pass for a quiet day). When the configured list selector finds
nothing but the generic list detection finds links that match ``article_url_pattern``, those are
crawled and the run is marked *degraded*, naming the selector that stopped matching. The site's
:class:`~crawler.spiders.contract.SiteContract` is checked as the crawl goes. Anti-bot answers are
recognised (:mod:`crawler.monitoring.antibot`) and counted as ``blocked``, never stored.

``-a mode=check`` (``crawler check``) fetches only each section's first list page and its newest
article.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.db import make_engine
from crawler.db.failures import FailureLog
from crawler.dedup.urls import url_key
from crawler.extraction import ExtractedPage, extract_links
from crawler.items import PageSeen, PolicyArticle
from crawler.middlewares.browser import RENDER, WAIT_FOR
from crawler.middlewares.incremental import spider_mode
from crawler.monitoring.antibot import blocked_reason
from crawler.records.prepare import ArticleContext, build_article, extract_prepared
from crawler.records.workers import ArticleExtractor, page_args
from crawler.spiders.contract import DEFAULT_CONTRACT, SiteContract
from crawler.spiders.meta_keys import ARTICLE, KIND, LIST, PAGE, RETRY

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

NEXT_PAGE_XPATH = (
    "//a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='>']/@href"
)
MAX_REPORTED_URLS = 20


ITEM_XPATH = "ancestor::*[self::li or self::tr or self::dd or self::p or self::div][1]"
"""The list item around a link."""

ARTICLE_PRIORITY = 10
"""Request priority of article pages: above list pages (0), so that they are fetched first."""


class PolicySpider(scrapy.Spider):
    """Crawl HTML list pages and the article pages they link to."""

    source_name: ClassVar[str]
    """The agency or site, e.g. ``中国政府网``; an article's own 来源 wins over it."""
    region: ClassVar[str]
    """``central`` for national bodies, else the province (``shanghai``, ``jiangsu``...)."""
    start_urls: list[str] = []
    list_link_selector: ClassVar[str | None] = None
    """CSS/XPath of the article ``<a>`` elements of a list page; the generic finder if None."""
    article_url_pattern: ClassVar[str | None] = None
    """Regex an article URL must match (filters the links of a list page)."""
    next_page_selector: ClassVar[str | None] = None
    """CSS/XPath giving the next list page's ``href``; a ``下一页`` link when None."""
    contract: ClassVar[SiteContract] = DEFAULT_CONTRACT
    """What a healthy crawl of the site looks like (:mod:`crawler.spiders.contract`)."""
    max_list_pages: ClassVar[int] = 50
    field_selectors: ClassVar[Mapping[str, str]] = {}
    """Selectors that win over the generic extractor, by field (title, body, publish_date...)."""
    require_tags: ClassVar[bool] = False
    """Keep only articles that match the topic vocabulary (for general news lists)."""
    extract_in_workers: ClassVar[bool] = True
    """Article pages are extracted and their records prepared in the extraction worker processes
    (:mod:`crawler.records.workers`). False for a spider that builds its own records (overrides
    :meth:`build_item`, which cannot travel to a worker): the same steps then run in the crawl's
    process."""
    render_js: ClassVar[bool] = False
    """Load this site's list pages in a real browser (Chromium, through scrapy-playwright), for a
    site whose lists are filled in by JavaScript: the page is read once ``list_link_selector``
    is on it (:mod:`crawler.middlewares.browser`). Article pages stay plain HTTP. Needs
    ``apt-get install chromium`` and ``pip install 'policy-crawler[browser]'``; ``CHROMIUM_PATH``
    names the browser when it is not ``chromium`` on the ``PATH``. Without them the lists are
    reported as *needs a browser*."""
    render_js_sections: ClassVar[tuple[str, ...]] = ()
    """URL prefixes of the sections whose list pages need the browser, when not all do."""

    def needs_rendering(self, url: str) -> bool:
        """Whether the list page at ``url`` is loaded in the browser."""
        return self.render_js or url.startswith(self.render_js_sections)

    mode: str = "incremental"
    """``-a mode=backfill`` pages every list to its end and fetches every article."""

    def __init__(
        self, *args: Any, start_urls: str | None = None, mode: str = "incremental", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        spider_mode(self)  # fail at start on an unknown mode
        if start_urls:  # -a start_urls=URL1,URL2 crawls only those list pages
            self.start_urls = [u.strip() for u in start_urls.split(",") if u.strip()]

    @property
    def checking(self) -> bool:
        """``-a mode=check``: only each section's first list page and its newest article."""
        return self.mode == "check"

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield self.list_request(url, page=1)
        for request in self.retry_requests():
            yield request

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # --- failures: recorded, retried by later runs, cleared on success ------------------------
    @cached_property
    def failure_log(self) -> FailureLog:
        settings = self.crawler.settings
        return FailureLog(
            make_engine(settings.get("DATABASE_URL")),
            self.name,
            backoff=dt.timedelta(hours=settings.getfloat("RETRY_BACKOFF_HOURS", 1.0)),
            spool=Path(settings.get("SPOOL_DIR", "data/spool")),
        )

    def retry_requests(self) -> list[scrapy.Request]:
        """Requests for this site's failures whose next retry is due (none in check mode)."""
        if self.checking:
            return []
        requests = []
        self.failure_log.replay_spooled()
        due = self.failure_log.due()
        self._failed = {url_key(d.url) for d in due}
        for retry in due:
            request = (
                self.list_request(retry.url, page=1)
                if retry.kind == "list"
                else self.article_request(retry.url)
            )
            request.meta[RETRY] = retry.attempts
            requests.append(request)
        if requests:
            logger.info("Retrying %d earlier failure(s) of %s", len(requests), self.name)
            self.stats.set_value("failures/retried", len(requests))
        return requests

    def record_failure(self, request: scrapy.Request | None, url: str, reason: str) -> None:
        kind = request.meta.get(KIND, ARTICLE) if request is not None else ARTICLE
        self.failure_log.record(url, str(kind), reason)
        category = reason.split(" (")[0].split(":")[0]  # "HTTP 500", "blocked", "TimeoutError"
        self.stats.inc_value(f"failures/recorded/{category}")

    def succeeded(self, response: Response) -> None:
        """A URL that had failed before worked this time: clear its failure."""
        failed: set[str] = getattr(self, "_failed", set())
        for url in (response.url, *_redirected_from(response.request)):  # as recorded
            key = url_key(url)
            if key in failed:
                failed.discard(key)
                self.failure_log.resolve(url)
                self.stats.inc_value("failures/resolved")

    def closed(self, reason: str) -> None:
        if "failure_log" in self.__dict__:
            self.failure_log.engine.dispose()
        if "extractor" in self.__dict__:
            self.extractor.close()

    def list_request(
        self, url: str, page: int, meta: dict[str, Any] | None = None
    ) -> scrapy.Request:
        meta = meta or {KIND: LIST}
        if self.needs_rendering(url):
            meta[RENDER] = True
            if self.list_link_selector:
                selector = self.list_link_selector
                xpath = selector.startswith(("/", "("))
                # the browser knows neither parsel's ::text nor ::attr()
                meta[WAIT_FOR] = f"xpath={selector}" if xpath else selector.split("::")[0]
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            cb_kwargs={"page": page},
            meta=meta,
        )

    def article_request(self, url: str, **cb_kwargs: Any) -> scrapy.Request:
        """An article page's request, scheduled before any list page (``ARTICLE_PRIORITY``).

        Scrapy's scheduler is last-in first-out: without the priority, each list page's
        ``下一页`` (yielded last) went first, the list chain raced ahead and the articles of every
        list page seen waited in memory (the crawl's memory grew with the site's size). Articles
        first, the pending requests stay about one list page's worth."""
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs=cb_kwargs,
            meta={KIND: ARTICLE},
            priority=ARTICLE_PRIORITY,
        )

    # --- list pages --------------------------------------------------------------------------
    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        if self.check_blocked(response):
            return
        links = self.article_links(response)
        self.count_list_page(response, len(links), page)
        if links:
            self.succeeded(response)
        for url in self.to_fetch(links):
            yield self.article_request(url)
        if page < self.max_list_pages and not self.checking:
            next_url = self.next_page_url(response, page)
            if next_url and next_url != response.url:
                yield self.list_request(next_url, page=page + 1)

    def to_fetch(self, links: list[str]) -> list[str]:
        """The article links of a list page to request: in check mode only the newest (lists
        are newest first)."""
        return links[:1] if self.checking else links

    def count_list_page(self, response: Response, found: int, page: int = 1) -> None:
        """Count a list page and check it against the contract (links found, their dates)."""
        stats = self.stats
        stats.inc_value("list/pages")
        stats.inc_value("list/links", found)
        contract = self.contract
        if found == 0:
            stats.inc_value("list/empty")
            _remember(stats, "list/empty_urls", response.url)
            logger.error(
                "List page %s yielded no article link: layout changed? (selector %s)",
                response.url,
                self.list_link_selector or "generic",
            )
            return
        if page == 1 and found < contract.list_items:
            _remember(
                stats,
                "contract/short_lists",
                f"{response.url} ({found} of at least {contract.list_items} items)",
            )
        dates = self.list_dates(response)
        if contract.date_pattern is not None and not dates:
            _remember(stats, "contract/undated_lists", response.url)
            logger.warning(
                "List page %s shows no date like %s: has its template changed?",
                response.url,
                contract.list_date,
            )
        if dates:
            newest = max(dates)
            if newest > (stats.get_value("list/newest_date") or ""):
                stats.set_value("list/newest_date", newest)

    def list_dates(self, response: Response) -> list[str]:
        """The dates a list page shows (contract ``list_date``), as ISO ``YYYY-MM-DD``."""
        pattern = self.contract.date_pattern
        if pattern is None or not isinstance(response, TextResponse):
            return []
        return [d for d in map(_iso_date, pattern.findall(response.text)) if d]

    def article_links(self, response: Response) -> list[str]:
        """The list page's article links: the configured selector's, or, when that finds nothing,
        the generic list detection's links that match ``article_url_pattern`` (degraded)."""
        links = self.filter_links(extract_links(response, self.list_link_selector))
        if links or not self.list_link_selector or not self.article_url_pattern:
            return links
        fallback = self.filter_links(extract_links(response, None)) or self.dated_links(response)
        if fallback:
            stats = self.stats
            stats.inc_value("list/degraded")
            _remember(
                stats,
                "list/degraded_selectors",
                f"{self.list_link_selector!r} found nothing on {response.url}",
            )
            logger.warning(
                "List selector %r found nothing on %s; the generic list detection found %d "
                "link(s) matching %s: crawling those (degraded)",
                self.list_link_selector,
                response.url,
                len(fallback),
                self.article_url_pattern,
            )
        return fallback

    def dated_links(self, response: Response) -> list[str]:
        """Links of the page that match ``article_url_pattern`` and stand beside a date in the
        contract's list format (in their list item: the nearest ``li``, ``tr``, ``dd``, ``p`` or
        ``div`` around them): the articles of a list too short for the generic list detection,
        which wants three items or more."""
        if not isinstance(response, TextResponse) or not self.article_url_pattern:
            return []
        dates = self.contract.date_pattern
        pattern = re.compile(self.article_url_pattern)
        found: list[str] = []
        for anchor in response.xpath("//a[@href]"):
            url = response.urljoin(anchor.attrib["href"].strip())
            if not pattern.search(url):
                continue
            item = anchor.xpath(ITEM_XPATH)
            text = "".join(item[0].xpath(".//text()").getall()) if item else ""
            if len(text) <= 300 and (dates is None or dates.search(text)):
                found.append(url)
        return list(dict.fromkeys(found))

    def filter_links(self, links: Iterable[str]) -> list[str]:
        if not self.article_url_pattern:
            return list(dict.fromkeys(links))
        pattern = re.compile(self.article_url_pattern)
        return list(dict.fromkeys(u for u in links if pattern.search(u)))

    def next_page_url(self, response: Response, page: int) -> str | None:
        selector = self.next_page_selector or NEXT_PAGE_XPATH
        href = _select(response, selector)
        if not href or href.strip().lower().startswith(("javascript:", "#")):
            return None
        return response.urljoin(href.strip())

    # --- article pages -----------------------------------------------------------------------
    @cached_property
    def extractor(self) -> ArticleExtractor:
        """Extracts article pages, in worker processes when ``EXTRACTION_WORKERS`` > 0."""
        return ArticleExtractor.from_settings(self.crawler.settings)

    async def extract_page(
        self, response: Response, request: scrapy.Request
    ) -> ExtractedPage | PolicyArticle:
        """The page's record, extracted, built, normalised, tagged and signed in a worker process
        (awaited by :class:`~crawler.middlewares.extraction.ArticleExtractionMiddleware` before
        :meth:`parse_article`, for spiders that ``extract_in_workers``); the extracted page when
        it is not an article."""
        context = self.article_context(response, request.cb_kwargs.get("listed"))
        return await self.extractor.prepared(response, self.field_selectors or None, context)

    def prepare_here(
        self, response: Response, listed: Mapping[str, Any] | None
    ) -> ExtractedPage | PolicyArticle:
        """The same as :meth:`extract_page`, in the crawl's process, with the records built by
        :meth:`build_item`: for a spider that does not ``extract_in_workers``, or a page that
        was not extracted on its way (the middleware switched off)."""
        context = self.article_context(response, listed)

        def build(page: ExtractedPage, url: str, context: ArticleContext) -> PolicyArticle:
            return self.build_item(page, response, listed or {})

        args = page_args(response, self.field_selectors or None)
        return extract_prepared(*args, context, build)

    def article_context(
        self, response: Response, listed: Mapping[str, Any] | None = None
    ) -> ArticleContext:
        """What the record of an article page depends on besides the page."""
        return ArticleContext(
            site=self.name,
            source_name=self.source_name,
            listed=dict(listed or {}),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            vocabulary=self.crawler.settings.get("TAG_VOCABULARY") or None,
        )

    def parse_article(
        self, response: Response, listed: Mapping[str, Any] | None = None
    ) -> list[PolicyArticle | PageSeen]:
        """The article of the page (none when blocked or not an article).

        A list, not a generator: Scrapy reads the source of every generator callback again for
        each response (``WARN_ON_GENERATOR_RETURN_VALUE``; its cache is keyed by the bound
        method, a new object each time), on the crawl's thread."""
        return list(self._article_output(response, listed))

    def _article_output(
        self, response: Response, listed: Mapping[str, Any] | None
    ) -> Iterator[PolicyArticle | PageSeen]:
        ready: ExtractedPage | PolicyArticle | None = response.meta.pop(PAGE, None)
        if response.status == 304:  # a conditional revisit: unchanged since we stored it
            self.stats.inc_value("incremental/not_modified")
            yield PageSeen(response.url)
            return
        if self.check_blocked(response):
            return
        if ready is None:  # not prepared on its way: here, the same way
            ready = self.prepare_here(response, listed)
        if isinstance(ready, ExtractedPage):  # not an article
            page = ready
            stats = self.stats
            stats.inc_value("article/not_article")
            _remember(stats, "article/not_article_urls", response.url)
            reason = page.reason or f"looks like a {page.kind}"
            logger.error("Not an article at %s: %s", response.url, reason)
            self.record_failure(response.request, response.url, f"not an article ({reason})")
            return
        self.succeeded(response)
        self.check_contract(ready)
        yield ready

    def check_contract(self, item: PolicyArticle) -> None:
        """Count the contract's article fields that ``item`` lacks (``contract/missing/…``)."""
        stats = self.stats
        stats.inc_value("contract/articles")
        for name in self.contract.missing_fields(item):
            stats.inc_value(f"contract/missing/{name}")

    def build_item(
        self, page: ExtractedPage, response: Response, listed: Mapping[str, Any]
    ) -> PolicyArticle:
        """The item from the extracted page (:func:`crawler.records.prepare.build_article`): values
        a list record gave win over the page's. A spider that overrides it sets
        ``extract_in_workers = False``: its pages are then extracted and its records built and
        prepared in the crawl's process (the same preparation, :meth:`prepare_here`)."""
        return build_article(page, response.url, self.article_context(response, listed))

    # --- failures ----------------------------------------------------------------------------
    def check_blocked(self, response: Response) -> bool:
        """Count and log an anti-bot answer; True if ``response`` is one."""
        reason = blocked_reason(response)
        if reason is None:
            return False
        stats = self.stats
        stats.inc_value("blocked/count")
        _remember(stats, "blocked/urls", f"{response.url} ({reason})")
        logger.error("Blocked at %s: %s", response.url, reason)
        self.record_failure(response.request, response.url, f"blocked ({reason})")
        return True

    def on_error(self, failure: Failure) -> None:
        stats = self.stats
        request = getattr(failure, "request", None)
        # recorded under the URL that was asked for, not where its redirects ended
        url = ([*_redirected_from(request), request.url][0]) if request is not None else "?"
        if isinstance(failure.value, IgnoreRequest) and "robots.txt" in str(failure.value):
            stats.inc_value("robotstxt/skipped")  # the site asks us not to: not a failure
            logger.info("Skipped %s: forbidden by robots.txt", url)
            return
        if isinstance(failure.value, HttpError):
            response: Response = failure.value.response
            if self.check_blocked(response):
                return
            reason = f"HTTP {response.status}"
        else:
            reason = f"{failure.type.__name__ if failure.type else 'error'}: {failure.value}"
        stats.inc_value("fetch/failed")
        _remember(stats, "fetch/failed_urls", f"{url} ({reason})")
        logger.error("Could not fetch %s: %s", url, reason)
        self.record_failure(request, url, reason)


def _redirected_from(request: scrapy.Request | None) -> list[str]:
    """The URLs a request was redirected from, the first asked for first."""
    return list(request.meta.get("redirect_urls", [])) if request is not None else []


def _select(response: Response, selector: str) -> str | None:
    if not isinstance(response, TextResponse):
        return None
    select = response.xpath if selector.startswith(("/", "(")) else response.css
    value: str | None = select(selector).get()
    return value


_DATE_PARTS = re.compile(r"(\d{4})\D+(\d{1,2})\D+(\d{1,2})")


def _iso_date(text: str) -> str | None:
    """``2024-11-26``, ``2024/11/26`` or ``2024年11月26日`` as ``2024-11-26``."""
    match = _DATE_PARTS.search(text if isinstance(text, str) else "".join(text))
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


def _remember(stats: Any, key: str, value: str) -> None:
    """Keep the first few values of a list stat (for the run record), never an unbounded list."""
    values = stats.get_value(key) or []
    if len(values) < MAX_REPORTED_URLS and value not in values:
        stats.set_value(key, [*values, value])
