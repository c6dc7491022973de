"""中国政府网 政策文件库: 国务院文件 and 部门文件 through the gov.cn policy search JSON API.

``https://sousuo.www.gov.cn/search-gov/data?t=zhengcelibrary_{gw|bm}&q=&timetype=timeqb&…
&sort=pubtime&sortType=1&p=PAGE&n=SIZE`` answers ``{"code": 200, "searchVO": {"listVO": [...],
"totalpage": N, …}}``: a flat ``listVO`` for these two libraries. ``code`` 1001 is the API's
"no hits" (not a layout change). Pages count from 0 (``p=0`` … ``p=totalpage-1``). With
``t=zhengcelibrary`` (or a ``type=`` parameter) the records are grouped under
``searchVO.catMap.<cat>.listVO`` instead, read as a fallback.

Each record gives the article URL and its 文号 (``pcode``), 发文机关 (``puborg``), 发布日期
(``pubtimeStr`` ``YYYY.MM.DD``, else ``ptime`` in milliseconds) and, where present, 索引号
(``index``) and 主题分类 (``childtype``); the article page is still fetched for the body, 成文日期
and attachments.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from crawler.extraction.normalize import parse_date
from crawler.spiders.contract import SiteContract
from crawler.spiders.families import JsonApiSpider

API = (
    "https://sousuo.www.gov.cn/search-gov/data?t=zhengcelibrary_{cat}&q=&timetype=timeqb"
    "&mintime=&maxtime=&sort=pubtime&sortType=1&searchfield=title&p=0&n=20"
)
TAG = re.compile(r"<[^>]*>")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NO_HITS = 1001


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


def _search(data: Any) -> Mapping[str, Any]:
    search = data.get("searchVO") if isinstance(data, Mapping) else None
    return search if isinstance(search, Mapping) else {}


class CnGovPolicylibSpider(JsonApiSpider):
    name = "cn_gov_policylib"
    source_name = "中国政府网"
    region = "central"
    allowed_domains = ["sousuo.www.gov.cn", "www.gov.cn"]
    start_urls = [API.format(cat="gw"), API.format(cat="bm")]
    article_url_pattern = r"^https?://www\.gov\.cn/.*/content_\d+\.htm$"
    contract = SiteContract(
        list_items=2,
        list_date=r"(?:19|20)\d{2}\.\d{2}\.\d{2}",
        article_fields=("title", "publish_date", "body_text", "issuer"),
        publishes_every_days=14,
        notes=(
            "API pages of n=20 records (n up to 100 seen in public crawlers), newest first "
            "(sort=pubtime); pubtimeStr YYYY.MM.DD. 国务院文件 appear every few days, 部门文件 "
            "daily; every record names its 发文机关 (puborg)."
        ),
    )
    FIELDS: ClassVar[Mapping[str, str]] = {
        "title": "title",
        "pcode": "doc_number",
        "puborg": "issuer",
        "index": "index_number",
        "childtype": "topic",
    }

    def no_hits(self, data: Any) -> bool:
        return isinstance(data, Mapping) and _int(data.get("code")) == NO_HITS

    def records(self, data: Any) -> list[Mapping[str, Any]]:
        search = _search(data)
        found = search.get("listVO")
        if not isinstance(found, list):  # t=zhengcelibrary groups its records by category
            cats = search.get("catMap")
            groups = cats.values() if isinstance(cats, Mapping) else []
            found = [r for c in groups if isinstance(c, Mapping) for r in c.get("listVO") or []]
        return [r for r in found if isinstance(r, Mapping)]

    def record_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {"url": _text(record.get("url"))}
        for key, name in self.FIELDS.items():
            fields[name] = _text(record.get(key))
        published = _text(record.get("pubtimeStr"))
        fields["publish_date"] = parse_date(published) if published else _ms_date(record)
        return fields

    def list_dates(self, response: Response) -> list[str]:
        """The records' publish dates: ``pubtimeStr``, or ``ptime`` where that is null (it is
        on some later pages), so that a page of null ``pubtimeStr`` still shows its dates."""
        data = self.json_data(response)
        if data is None:
            return []
        dates = (self.record_fields(r).get("publish_date") for r in self.records(data))
        return [d for d in dates if d]

    def next_api_request(self, response: Response, page: int, data: Any) -> scrapy.Request | None:
        parts = urlsplit(response.url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        current = next((_int(v) for k, v in query if k == "p"), 0)
        if current + 1 >= _int(_search(data).get("totalpage")):
            return None
        query = [(k, str(current + 1) if k == "p" else v) for k, v in query]
        url = urlunsplit(parts._replace(query=urlencode(query)))
        return self.list_request(url, page=page + 1)


def _ms_date(record: Mapping[str, Any]) -> str | None:
    """``ptime`` (milliseconds since the epoch) as a Beijing date, when ``pubtimeStr`` is null."""
    millis = _int(record.get("ptime"))
    if millis <= 0:
        return None
    return dt.datetime.fromtimestamp(millis / 1000, SHANGHAI).date().isoformat()
