"""中国政府网 政策文件库: 国务院文件 and 部门文件 through the gov.cn policy search JSON API.

``https://sousuo.www.gov.cn/search-gov/data?t=zhengcelibrary_{gw|bm}&…&p=PAGE&n=SIZE`` answers
``{"searchVO": {"catMap": {"<cat>": {"listVO": [...], "totalCount": N}}, "totalpage": N}}``; the
category key (``gongwen``, ``bumenfile``…) varies, so every ``listVO`` under ``catMap`` is read.
Each record gives the article URL and its 文号, 发文机关, 索引号, 主题分类 and 发布日期; the article
page is still fetched for the body, 成文日期 and attachments.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from crawler.extraction.normalize import parse_date
from crawler.spiders.families import JsonApiSpider

API = (
    "https://sousuo.www.gov.cn/search-gov/data?t=zhengcelibrary_{cat}"
    "&timetype=timezd&mintime=&maxtime=&sort=pubtime&p=1&n=5"
)
TAG = re.compile(r"<[^>]*>")


def _text(value: Any) -> str | None:
    """A record value as clean text: highlight tags (``<em>``) and entities removed."""
    if value is None:
        return None
    text = " ".join(html.unescape(TAG.sub("", str(value))).split())
    return text or None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class CnGovPolicylibSpider(JsonApiSpider):
    name = "cn_gov_policylib"
    source_name = "中国政府网"
    region = "central"
    allowed_domains = ["sousuo.www.gov.cn", "www.gov.cn"]
    start_urls = [API.format(cat="gw"), API.format(cat="bm")]
    article_url_pattern = r"^https?://www\.gov\.cn/.*/content_\d+\.htm$"
    FIELDS: ClassVar[Mapping[str, str]] = {
        "title": "title",
        "pcode": "doc_number",
        "puborg": "issuer",
        "index": "index_number",
        "childtype": "topic",
    }

    def records(self, data: Any) -> list[Mapping[str, Any]]:
        search = data.get("searchVO") if isinstance(data, Mapping) else None
        cats = search.get("catMap") if isinstance(search, Mapping) else None
        if not isinstance(cats, Mapping):
            return []
        found: list[Mapping[str, Any]] = []
        for cat in cats.values():
            records = cat.get("listVO") if isinstance(cat, Mapping) else None
            if isinstance(records, list):
                found.extend(r for r in records if isinstance(r, Mapping))
        return found

    def record_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {"url": _text(record.get("url"))}
        for key, name in self.FIELDS.items():
            fields[name] = _text(record.get(key))
        published = _text(record.get("pubtimeStr"))
        fields["publish_date"] = parse_date(published) if published else None
        return fields

    def next_api_request(self, response: Response, page: int, data: Any) -> scrapy.Request | None:
        search = data.get("searchVO") if isinstance(data, Mapping) else None
        total = _int(search.get("totalpage")) if isinstance(search, Mapping) else 0
        if page >= total:
            return None
        parts = urlsplit(response.url)
        query = [(k, str(page + 1) if k == "p" else v) for k, v in parse_qsl(parts.query, True)]
        url = urlunsplit(parts._replace(query=urlencode(query)))
        return self.list_request(url, page=page + 1)
