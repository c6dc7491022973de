"""Base class of every policy spider: list pages → article pages → PolicyArticle items.

A site is a small subclass that sets class attributes (its URLs and, where the generic extractor
needs help, selectors). The base class follows pagination, checks that each list page yields the
number of links it expects (failing loudly, in the run's stats, when a layout changes), and turns
each article page into a normalised item with the generic extractor.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from crawler.extraction import ExtractedPage, extract_article, extract_links
from crawler.items import PolicyArticle

logger = logging.getLogger(__name__)

NEXT_PAGE_XPATH = "//a[normalize-space(.)='下一页' or normalize-space(.)='下页' or normalize-space(.)='>']/@href"


class PolicySpider(scrapy.Spider):
    """Crawl list pages and the article pages they link to."""

    source_name: ClassVar[str]
    """The agency or site, e.g. ``中国政府网``."""
    region: ClassVar[str]
    """``central`` for ministries, else the province or city (``shanghai``, ``jiangsu``...)."""
    start_urls: ClassVar[tuple[str, ...]] = ()
    list_link_selector: ClassVar[str | None] = None
    """CSS/XPath for the article ``<a>`` elements of a list page; generic link finder if None."""
    article_url_pattern: ClassVar[str | None] = None
    """Regex an article URL must match (filters the links of a list page)."""
    next_page_selector: ClassVar[str | None] = None
    """CSS/XPath giving the next list page's ``href``; a ``下一页`` link when None."""
    min_list_items: ClassVar[int] = 1
    """A list page with fewer article links than this is a broken layout, reported as an error."""
    max_list_pages: ClassVar[int] = 50
    field_selectors: ClassVar[dict[str, str]] = {}
    """Selectors that win over the generic extractor, by field (title, body, publish_date...)."""
    tags: ClassVar[tuple[str, ...]] = ()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_list, cb_kwargs={"page": 1})

    # --- list pages --------------------------------------------------------------------------
    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        links = self.article_links(response)
        self.crawler.stats.inc_value("list/pages")
        if len(links) < self.min_list_items:
            self.crawler.stats.inc_value("list/empty")
            logger.error(
                "List page %s yielded %d article link(s), expected at least %d: layout changed?",
                response.url,
                len(links),
                self.min_list_items,
            )
        for url in links:
            yield scrapy.Request(url, callback=self.parse_article)
        if page < self.max_list_pages:
            next_url = self.next_page_url(response, page)
            if next_url and next_url != response.url:
                yield scrapy.Request(
                    next_url, callback=self.parse_list, cb_kwargs={"page": page + 1}
                )

    def article_links(self, response: Response) -> list[str]:
        links = extract_links(response, self.list_link_selector)
        if self.article_url_pattern:
            pattern = re.compile(self.article_url_pattern)
            links = [u for u in links if pattern.search(u)]
        return links

    def next_page_url(self, response: Response, page: int) -> str | None:
        selector = self.next_page_selector or NEXT_PAGE_XPATH
        select = response.xpath if selector.startswith(("/", "(")) else response.css
        href = select(selector).get()
        if not href or href.strip().lower().startswith(("javascript:", "#")):
            return None
        return response.urljoin(href.strip())

    # --- article pages -----------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[PolicyArticle]:
        page = extract_article(response, self.field_selectors or None)
        if page.kind != "article":
            self.crawler.stats.inc_value("article/not_article")
            logger.error(
                "Not an article at %s: %s", response.url, page.reason or f"looks like a {page.kind}"
            )
            return
        yield self.build_item(page, response)

    def build_item(self, page: ExtractedPage, response: Response) -> PolicyArticle:
        return PolicyArticle(
            url=response.url,
            site=self.name,
            source_name=page.source_name or self.source_name,
            title=page.title,
            publish_date=page.publish_date,
            written_date=page.written_date,
            doc_number=page.doc_number,
            issuer=page.issuer,
            issuers=list(page.issuers),
            index_number=page.index_number,
            topic=page.topic,
            author=page.author,
            body_text=page.body_text,
            body_html=page.body_html,
            attachments=list(page.attachments),
            tags=list(self.tags),
            fetched_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
