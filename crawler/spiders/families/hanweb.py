"""Hanweb (大汉) JCMS columns: records in ``<script type="text/xml">`` and a dataproxy."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin

import scrapy
from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider

logger = logging.getLogger(__name__)


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
        self.count_list_page(response, len(links), max(group, 1))
        if links:
            self.succeeded(response)
        for url in self.to_fetch(links):
            yield self.article_request(url)
        if group <= 1 and not self.checking:  # the first group tells the total: ask for the others
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
