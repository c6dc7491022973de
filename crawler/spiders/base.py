"""Base classes of every policy spider: list pages → article pages → PolicyArticle items.

A site is a small subclass that sets class attributes (its URLs and, where the generic extractor
needs help, selectors); the CMS family's behaviour (how lists page, where records hide) lives in
the family base classes here:

- :class:`PolicySpider`: HTML list pages paged by a ``下一页`` link (plain ``list_N.shtml`` lists);
- :class:`TrsSpider`: TRS static lists ``index.html``, ``index_1.html`` … counted by the
  ``createPageHTML(...)`` script call;
- :class:`HanwebSpider`: Hanweb (大汉) JCMS columns, records in ``<script type="text/xml">`` and
  further pages from ``POST /module/web/jpage/dataproxy.jsp``;
- :class:`JsonApiSpider`: JSON list APIs whose records carry the article URL and some fields.

Every list page must yield at least ``min_list_items`` article links: fewer is counted as
``list/empty`` and logged as an error (a layout change must not pass for a quiet day). Anti-bot
answers are recognised (:mod:`crawler.antibot`) and counted as ``blocked``, never stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode, urljoin

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.antibot import blocked_reason
from crawler.db import make_engine
from crawler.dedup import url_key
from crawler.extraction import ExtractedPage, extract_links
from crawler.failures import FailureLog
from crawler.incremental import spider_mode
from crawler.items import PageSeen, PolicyArticle
from crawler.prepare import ArticleContext, build_article
from crawler.workers import PAGE_META, ArticleExtractor

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

NEXT_PAGE_XPATH = (
    "//a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='>']/@href"
)
MAX_REPORTED_URLS = 20


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
    min_list_items: ClassVar[int] = 1
    max_list_pages: ClassVar[int] = 50
    field_selectors: ClassVar[Mapping[str, str]] = {}
    """Selectors that win over the generic extractor, by field (title, body, publish_date...)."""
    require_tags: ClassVar[bool] = False
    """Keep only articles that match the topic vocabulary (for general news lists)."""
    render_js: ClassVar[bool] = False
    """Render this site's pages in a real browser (scrapy-playwright with the system Chromium),
    for sites whose lists need JavaScript: ``pip install scrapy-playwright`` and
    ``apt-get install chromium`` first. ``CHROMIUM_PATH`` names the browser binary."""

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if cls.render_js:
            handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
            settings.set(
                "DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="spider"
            )
            settings.set(
                "PLAYWRIGHT_LAUNCH_OPTIONS",
                {
                    "executable_path": settings.get("CHROMIUM_PATH") or "/usr/bin/chromium",
                    "headless": True,
                    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                },
                priority="spider",
            )

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
        """Requests for this site's failures whose next retry is due."""
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
            request.meta["pc_retry"] = retry.attempts
            requests.append(request)
        if requests:
            logger.info("Retrying %d earlier failure(s) of %s", len(requests), self.name)
            self.stats.set_value("failures/retried", len(requests))
        return requests

    def record_failure(self, request: scrapy.Request | None, url: str, reason: str) -> None:
        kind = request.meta.get("pc_kind", "article") if request is not None else "article"
        self.failure_log.record(url, str(kind), reason)
        category = reason.split(" (")[0].split(":")[0]  # "HTTP 500", "blocked", "TimeoutError"
        self.stats.inc_value(f"failures/recorded/{category}")

    def succeeded(self, response: Response) -> None:
        """A URL that had failed before worked this time: clear its failure."""
        failed: set[str] = getattr(self, "_failed", set())
        key = url_key(response.url)
        if key in failed:
            failed.discard(key)
            self.failure_log.resolve(response.url)
            self.stats.inc_value("failures/resolved")

    def closed(self, reason: str) -> None:
        if "failure_log" in self.__dict__:
            self.failure_log.engine.dispose()
        if "extractor" in self.__dict__:
            self.extractor.close()

    def list_request(
        self, url: str, page: int, meta: dict[str, Any] | None = None
    ) -> scrapy.Request:
        meta = meta or {"pc_kind": "list"}
        if self.render_js:
            meta["playwright"] = True
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
        list page seen waited in memory (the bench's crawl process grew 248 → 328 MB from the
        5,000- to the 50,000-page site; with the priority 241 → 250 MB, at the same pages/s).
        Articles first, the pending requests stay about one list page's worth."""
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs=cb_kwargs,
            meta={"pc_kind": "article"},
            priority=ARTICLE_PRIORITY,
        )

    # --- list pages --------------------------------------------------------------------------
    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        if self.check_blocked(response):
            return
        links = self.article_links(response)
        self.count_list_page(response, len(links))
        if links:
            self.succeeded(response)
        for url in links:
            yield self.article_request(url)
        if page < self.max_list_pages:
            next_url = self.next_page_url(response, page)
            if next_url and next_url != response.url:
                yield self.list_request(next_url, page=page + 1)

    def count_list_page(self, response: Response, found: int) -> None:
        stats = self.stats
        stats.inc_value("list/pages")
        if found < self.min_list_items:
            stats.inc_value("list/empty")
            _remember(stats, "list/empty_urls", response.url)
            logger.error(
                "List page %s yielded %d article link(s), expected at least %d: layout changed?",
                response.url,
                found,
                self.min_list_items,
            )

    def article_links(self, response: Response) -> list[str]:
        links = extract_links(response, self.list_link_selector)
        return self.filter_links(links)

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
        """The page's record, extracted, built, normalised and tagged in a worker process
        (awaited by :class:`~crawler.workers.ArticleExtractionMiddleware` before
        :meth:`parse_article`); the extracted page when it is not an article, or when the
        spider builds its records itself (overrides :meth:`build_item`)."""
        if type(self).build_item is not PolicySpider.build_item:
            return await self.extractor.article(response, self.field_selectors or None)
        context = self.article_context(response, request.cb_kwargs.get("listed"))
        return await self.extractor.prepared(response, self.field_selectors or None, context)

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
        method, a new object each time), 0.3 ms per page on the crawl's thread."""
        return list(self._article_output(response, listed))

    def _article_output(
        self, response: Response, listed: Mapping[str, Any] | None
    ) -> Iterator[PolicyArticle | PageSeen]:
        ready: ExtractedPage | PolicyArticle | None = response.meta.pop(PAGE_META, None)
        if response.status == 304:  # a conditional revisit: unchanged since we stored it
            self.stats.inc_value("incremental/not_modified")
            yield PageSeen(response.url)
            return
        if self.check_blocked(response):
            return
        if isinstance(ready, PolicyArticle):  # prepared in a worker process
            self.succeeded(response)
            yield ready
            return
        # not extracted on the way (middleware disabled): extract here, pipelines normalise
        page = ready or self.extractor.extract(response, self.field_selectors or None)
        if page.kind != "article":
            stats = self.stats
            stats.inc_value("article/not_article")
            _remember(stats, "article/not_article_urls", response.url)
            reason = page.reason or f"looks like a {page.kind}"
            logger.error("Not an article at %s: %s", response.url, reason)
            self.record_failure(response.request, response.url, f"not an article ({reason})")
            return
        self.succeeded(response)
        yield self.build_item(page, response, listed or {})

    def build_item(
        self, page: ExtractedPage, response: Response, listed: Mapping[str, Any]
    ) -> PolicyArticle:
        """The item from the extracted page (:func:`crawler.prepare.build_article`): values a
        list record gave win over the page's. A spider that overrides it has its article pages
        only extracted in the workers, and its records built, normalised and tagged here."""
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
        url = request.url if request is not None else "?"
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


class TrsSpider(PolicySpider):
    """TRS static lists: ``index.html``, ``index_1.html``, … as counted by ``createPageHTML``.

    Two call shapes occur: ``createPageHTML(countPage, currentPage, "index", "html")`` with a
    0-based current page, and ``createPageHTML('page_div', countPage, currentPage, 'home', 'htm',
    total)`` with a 1-based one. ``page_suffix_start`` is the suffix of the second page: 1 for
    ``index_1.html`` (TRS, gov.cn), 2 where the second page is ``list_2.shtml``.
    """

    page_suffix_start: ClassVar[int] = 1
    PAGER = re.compile(r"createPageHTML\(([^)]*)\)")
    SET_PAGE = re.compile(r"pagination\(\s*[\"']setPage[\"']\s*,\s*(\d+)\s*,\s*(\d+)\s*\)")
    """The jQuery pager of Shanghai government templates: ``setPage", current, total)``, 1-based,
    pages ``index.html``, ``index_2.html``…"""

    def next_page_url(self, response: Response, page: int) -> str | None:
        text = response.text if isinstance(response, TextResponse) else ""
        set_page = self.SET_PAGE.search(text)
        if set_page is not None:
            current, count = int(set_page.group(1)), int(set_page.group(2))
            return response.urljoin(f"index_{current + 1}.html") if current < count else None
        pager = self.PAGER.search(text)
        if pager is None:
            return super().next_page_url(response, page)
        args = [a.strip().strip("'\"") for a in pager.group(1).split(",")]
        if args and not args[0].isdigit():  # ('page_div', count, current 1-based, prefix, ext)
            args = args[1:]
            count, current = int(args[0]), int(args[1]) - 1
        elif len(args) >= 2 and args[0].isdigit() and args[1].isdigit():
            count, current = int(args[0]), int(args[1])
        else:
            return super().next_page_url(response, page)
        prefix, ext = args[2], args[3]
        if current + 1 >= count:
            return None
        suffix = current + self.page_suffix_start
        return response.urljoin(f"{prefix}_{suffix}.{ext}")


class HanwebSpider(PolicySpider):
    """Hanweb (大汉) JCMS columns.

    Records come in groups of ``per_page * group_size``. A column page either carries the first
    group inside ``<script type="text/xml"><datastore>`` as ``<record><![CDATA[<li>…</li>]]>``
    with ``totalRecord`` beside it, or is an empty shell; later groups (or, for a shell, all of
    them) come from ``POST {dataproxy}?startrecord=…&endrecord=…&perpage=…`` with the column's form
    fields, which answers the same ``<record>`` XML and a ``<totalrecord>``.
    """

    dataproxy_path: ClassVar[str] = "/module/web/jpage/dataproxy.jsp"
    columns: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    """Column page URL → the dataproxy form fields, in the order the site sends them."""
    per_page: ClassVar[int] = 15
    group_size: ClassVar[int] = 3
    list_link_selector = "a"
    RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
    TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*'?(\d+)", re.I)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls or list(self.columns):
            yield self.list_request(url, page=1, meta={"pc_kind": "list", "pc_column": url})
        for request in self.retry_requests():
            yield request

    def parse_list(
        self, response: Response, page: int = 1, group: int = 0
    ) -> Iterator[scrapy.Request]:
        if self.check_blocked(response):
            return
        text = response.text if isinstance(response, TextResponse) else ""
        records = self.RECORD.findall(text)
        column = response.meta.get("pc_column", response.url)
        if group == 0 and not records:  # an empty column shell: every group is in the proxy
            request = self.group_request(column, 1)
            if request is not None:
                yield request
            return
        links = self.record_links(response, records)
        self.count_list_page(response, len(links))
        if links:
            self.succeeded(response)
        for url in links:
            yield self.article_request(url)
        if group <= 1:  # the first group tells the total: ask for the others
            match = self.TOTAL.search(text)
            total = int(next(g for g in match.groups() if g)) if match else 0
            per_group = self.per_page * self.group_size
            groups = min(-(-total // per_group), self.max_list_pages)
            for number in range(2, groups + 1):
                request = self.group_request(column, number)
                if request is not None:
                    yield request

    def record_links(self, response: Response, records: list[str]) -> list[str]:
        fragment = TextResponse(
            url=response.url, body="".join(records).encode("utf-8"), encoding="utf-8"
        )
        return self.article_links(fragment)

    def group_request(self, column: str, group: int) -> scrapy.Request | None:
        form = self.columns.get(column)
        if form is None:
            logger.error("No dataproxy form for Hanweb column %s", column)
            return None
        per_group = self.per_page * self.group_size
        query = urlencode(
            {
                "startrecord": (group - 1) * per_group + 1,
                "endrecord": group * per_group,
                "perpage": self.per_page,
            }
        )
        return scrapy.FormRequest(
            urljoin(column, f"{self.dataproxy_path}?{query}"),
            formdata=dict(form),
            callback=self.parse_list,
            errback=self.on_error,
            cb_kwargs={"page": group, "group": group},
            meta={"pc_kind": "list", "pc_column": column},
        )


class JsonApiSpider(PolicySpider):
    """JSON list APIs: each record gives an article URL and, often, policy fields.

    Subclasses say where the records are (``records``) and how a record maps to item fields
    (``record_fields``); the article page is still fetched for the body and attachments.
    """

    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        if self.check_blocked(response):
            return
        try:
            data = json.loads(response.text) if isinstance(response, TextResponse) else None
        except ValueError as exc:
            logger.error("List API %s answered invalid JSON: %s", response.url, exc)
            data = None
        records = self.records(data) if data is not None else []
        urls: list[tuple[str, dict[str, Any]]] = []
        for record in records:
            fields = self.record_fields(record)
            url = fields.pop("url", None)
            if url:
                urls.append((response.urljoin(url), fields))
        allowed = set(self.filter_links(u for u, _ in urls))
        kept = [(u, f) for u, f in urls if u in allowed]
        self.count_list_page(response, len(kept))
        if kept:
            self.succeeded(response)
        for url, fields in kept:
            yield self.article_request(url, listed=fields)
        if kept and page < self.max_list_pages:
            next_request = self.next_api_request(response, page, data)
            if next_request is not None:
                yield next_request

    def records(self, data: Any) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    def record_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Item fields from one record; must include ``url``."""
        raise NotImplementedError

    def next_api_request(self, response: Response, page: int, data: Any) -> scrapy.Request | None:
        return None


def _select(response: Response, selector: str) -> str | None:
    if not isinstance(response, TextResponse):
        return None
    select = response.xpath if selector.startswith(("/", "(")) else response.css
    value: str | None = select(selector).get()
    return value


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


def _remember(stats: Any, key: str, value: str) -> None:
    """Keep the first few values of a list stat (for the run record), never an unbounded list."""
    values = stats.get_value(key) or []
    if len(values) < MAX_REPORTED_URLS and value not in values:
        stats.set_value(key, [*values, value])
