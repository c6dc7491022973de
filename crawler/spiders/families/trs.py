"""TRS (拓尔思) static lists paged by a script: ``createPageHTML``, a record count, or jQuery."""

from __future__ import annotations

import math
import re
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider


class TrsSpider(PolicySpider):
    """TRS static lists: ``index.html``, ``index_1.html``, … as counted by a pager script.

    Three pager scripts occur, tried in this order:

    - the jQuery pager of Shanghai government templates, ``pagination("setPage", current, total)``
      (1-based; pages ``index.html``, ``index_2.html``…);
    - ``createPageHTML(countPage, currentPage, "index", "html")`` with a 0-based current page, or
      ``createPageHTML('page_div', countPage, currentPage, 'home', 'htm', total)`` with a 1-based
      one; ``page_suffix_start`` is the suffix of the second page: 1 for ``index_1.html`` (TRS,
      gov.cn), 2 where the second page is ``list_2.shtml``;
    - ``var recordCount = N; var pageSize = M;`` with an empty pager element that a script fills
      (moe.gov.cn): the page count is ``ceil(N / M)``, the current page is read from the URL —
      ``index.html`` (or the column directory) is page 0, ``index_K.html`` page K; on a TRS WAS
      search list (a URL with a query, ``/was5/web/search?channelid=…``) pages are the 1-based
      ``page`` query parameter instead.

    Without any of them a ``下一页`` link is followed.
    """

    page_suffix_start: ClassVar[int] = 1
    PAGER = re.compile(r"createPageHTML\(([^)]*)\)")
    SET_PAGE = re.compile(r"pagination\(\s*[\"']setPage[\"']\s*,\s*(\d+)\s*,\s*(\d+)\s*\)")
    """The jQuery pager of Shanghai government templates: ``setPage", current, total)``, 1-based,
    pages ``index.html``, ``index_2.html``…"""
    RECORD_COUNT = re.compile(r"\bvar\s+recordCount\s*=\s*[\"']?(\d+)")
    PAGE_SIZE = re.compile(r"\bvar\s+pageSize\s*=\s*[\"']?(\d+)")
    INDEX_PAGE = re.compile(r"(?:^|/)index(?:_(\d+))?\.(s?html?)$")
    query_page_param: ClassVar[str] = "page"
    """The page parameter of a search-list URL paged by a record count (1-based)."""

    def next_page_url(self, response: Response, page: int) -> str | None:
        text = response.text if isinstance(response, TextResponse) else ""
        set_page = self.SET_PAGE.search(text)
        if set_page is not None:
            current, count = int(set_page.group(1)), int(set_page.group(2))
            return response.urljoin(f"index_{current + 1}.html") if current < count else None
        pager = self.PAGER.search(text)
        if pager is not None:
            return self._create_page_html_next(response, pager.group(1), page)
        records, size = self.RECORD_COUNT.search(text), self.PAGE_SIZE.search(text)
        if records is not None and size is not None and int(size.group(1)) > 0:
            count = math.ceil(int(records.group(1)) / int(size.group(1)))
            return self._counted_next(response.url, count)
        return super().next_page_url(response, page)

    def _create_page_html_next(self, response: Response, call: str, page: int) -> str | None:
        args = [a.strip().strip("'\"") for a in call.split(",")]
        if args and not args[0].isdigit():  # ('page_div', count, current 1-based, prefix, ext)
            args = args[1:]
            if len(args) < 4 or not (args[0].isdigit() and args[1].isdigit()):
                return super().next_page_url(response, page)
            count, current = int(args[0]), int(args[1]) - 1
        elif len(args) >= 4 and args[0].isdigit() and args[1].isdigit():
            count, current = int(args[0]), int(args[1])
        else:
            return super().next_page_url(response, page)
        prefix, ext = args[2], args[3]
        if current + 1 >= count:
            return None
        suffix = current + self.page_suffix_start
        return response.urljoin(f"{prefix}_{suffix}.{ext}")

    def _counted_next(self, url: str, count: int) -> str | None:
        """The page after ``url`` of a list of ``count`` pages (a record-count pager)."""
        parts = urlsplit(url)
        if parts.query:  # a WAS search list: …?channelid=…&page=N, 1-based
            query = parse_qsl(parts.query, keep_blank_values=True)
            values = dict(query)
            raw = values.get(self.query_page_param, "1")
            current = int(raw) if raw.isdigit() else 1
            if current >= count:
                return None
            values[self.query_page_param] = str(current + 1)
            return urlunsplit(parts._replace(query=urlencode(values)))
        path = parts.path
        index = self.INDEX_PAGE.search(path)
        if index is not None:
            current, ext = int(index.group(1) or 0), index.group(2)
            directory = path[: index.start() + 1] if path[index.start()] == "/" else ""
        elif path.endswith("/"):
            current, ext, directory = 0, "html", path
        else:
            return None  # not a page of an index_K list
        if current + 1 >= count:
            return None
        return urlunsplit(parts._replace(path=f"{directory}index_{current + 1}.{ext}"))
