"""Anhui's government site platform (``Ls`` scripts): static column pages, ``Ls.pagination``.

A column's static page (``/xwzx/tzgg/index.html``) shows its first page of
``ul.doc_list > li`` items (``li.lm_line`` separators between groups) and ends with the pager
call, which names the dynamic URL of every page::

    Ls.pagination("#page_31401481", function(pageIndex){ location.href=
        'https://jyt.ah.gov.cn/content/column/31401481?pageIndex=' + pageIndex;},
        {currPage: (0+1), pageCount: 12});

``index_2.html`` does not exist on this platform: page N is ``…/content/column/<id>?pageIndex=N``,
whose page carries the same pager with ``currPage`` N.
"""

from __future__ import annotations

import re

from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider

_PAGER = re.compile(
    r"Ls\.pagination\(\s*[\"'][^\"']*[\"']\s*,\s*function\s*\(\s*(\w+)\s*\)\s*\{\s*"
    r"(?:window\.)?location\.href\s*=\s*[\"']([^\"']+)[\"']\s*\+\s*\1\s*;?\s*\}\s*,\s*\{(.*?)\}",
    re.S,
)
_CURRENT = re.compile(r"currPage\s*:\s*\(?\s*(\d+)\s*(?:\+\s*(\d+))?\s*\)?")
_COUNT = re.compile(r"pageCount\s*:\s*\(?\s*(\d+)")


def ls_pager(text: str) -> tuple[str, int, int] | None:
    """``(URL prefix of a page, current page, page count)`` of an ``Ls.pagination`` call."""
    match = _PAGER.search(text)
    if match is None:
        return None
    current, count = _CURRENT.search(match.group(3)), _COUNT.search(match.group(3))
    if current is None or count is None:
        return None
    page = int(current.group(1)) + int(current.group(2) or 0)
    return match.group(2), page, int(count.group(1))


class LsGovSpider(PolicySpider):
    """Lists of the Anhui government platform, paged by their ``Ls.pagination`` call."""

    def next_page_url(self, response: Response, page: int) -> str | None:
        text = response.text if isinstance(response, TextResponse) else ""
        pager = ls_pager(text)
        if pager is None:
            return super().next_page_url(response, page)
        prefix, current, count = pager
        return response.urljoin(f"{prefix}{current + 1}") if current < count else None
