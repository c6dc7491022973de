"""TRS (拓尔思) static lists paged by a ``createPageHTML`` script call."""

from __future__ import annotations

import re
from typing import ClassVar

from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider


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
