"""上海市统一政策发布平台 (www.shanghai.gov.cn/zhengce): the city's and the districts' policy
documents, through the platform's JSON API; only 托育 / education ones are kept.

What public crawlers of the platform show (tests/fixtures/sh_policy/README.md, Evidence):

- list: ``POST /gwk/policy/page`` with a JSON body ``{"siteIdList": [...], "pageNo": N,
  "pageSize": S}`` (S up to 150) answers ``{"code": 0, "data": {"records": [...], "totalPage": N,
  "totalCount": N}}``; a record has ``title``, ``siteId``, ``businessId``, ``docType`` /
  ``docYear`` / ``docNo``, ``publishDate`` / ``displayDate``, ``indexNo`` and ``attrs.agency``.
  siteId ``0001`` is the city, ``0070``–``0085`` the sixteen districts;
- a policy's page ``/zhengce/detail?businessId=…&siteId=…`` is a JavaScript shell (no text in
  its HTML): its text comes from ``POST /gwk/policy/detail`` ``{"siteId", "businessId"}`` →
  ``data.txt`` (an HTML fragment), ``data.attaches[]`` (``name``, ``path``) and
  ``data.attrs.zwPDFUrl`` (the signed original), files served by ``/gwk/resource/file?…``.

So the records name the policy by its page URL (what a reader opens, and what the store and the
incremental crawl know it by), :class:`PolicyDetailMiddleware` sends each such request as the
detail API's POST, and :meth:`ShPolicySpider.extract_page` turns the answer into an HTML page of
that URL (title, ``data.txt``, attachment links) for the ordinary extraction.

The platform carries every policy of the city; only records whose title matches the topic
vocabulary are fetched (``require_tags`` keeps the check on the text too). Fetching the others
only to drop them would cost a request per policy, and every run again: a dropped record is never
stored, so the incremental crawl never knows it.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.extraction import ExtractedPage
from crawler.extraction.normalize import normalize_doc_number, parse_date
from crawler.items import PageSeen, PolicyArticle
from crawler.records.prepare import vocabulary
from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import JsonApiSpider
from crawler.spiders.meta_keys import ARTICLE, KIND, LIST, PAGE, POLICY_PAGE_URL

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

SITE = "https://www.shanghai.gov.cn"
LIST_API = f"{SITE}/gwk/policy/page"
DETAIL_API = f"{SITE}/gwk/policy/detail"
PAGE_URL = f"{SITE}/zhengce/detail"
JSON_HEADERS = {
    "Content-Type": "application/json;charset=UTF-8",
    "Accept": "application/json, text/plain, */*",
}


def _text(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _compact(data: Mapping[str, Any]) -> str:
    """A JSON request body as the platform's pages send it (no spaces)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _data(response: Response) -> Mapping[str, Any] | None:
    """``data`` of a ``{"code": 0, "data": {...}}`` answer, or None (logged)."""
    try:
        answer = json.loads(response.text) if isinstance(response, TextResponse) else None
    except ValueError as exc:
        logger.error("Policy API %s answered invalid JSON: %s", response.url, exc)
        return None
    if not isinstance(answer, Mapping) or answer.get("code") not in (0, "0"):
        code = answer.get("code") if isinstance(answer, Mapping) else None
        logger.error("Policy API %s answered code %r", response.url, code)
        return None
    data = answer.get("data")
    return data if isinstance(data, Mapping) else None


def page_url(site_id: str, business_id: str) -> str:
    return f"{PAGE_URL}?{urlencode({'businessId': business_id, 'siteId': site_id})}"


class ShPolicySpider(JsonApiSpider):
    name = "sh_policy"
    source_name = "上海市统一政策发布平台"
    region = "shanghai"
    allowed_domains = ["www.shanghai.gov.cn"]
    sections: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "city": ("0001",),
        "districts": tuple(f"00{n}" for n in range(70, 86)),
    }
    """List streams by the fragment of their start URL: the sites each one asks for."""
    start_urls = [f"{LIST_API}#{section}" for section in sections]
    page_size: ClassVar[int] = 100
    max_list_pages = 150
    article_url_pattern = (
        r"^https://www\.shanghai\.gov\.cn/zhengce/detail\?businessId=[^&]+&siteId=\d+$"
    )
    field_selectors = {"body": "#policy-txt"}
    require_tags = True
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        publishes_every_days=60,
        notes=(
            "A list page holds pageSize (100) records, newest first, dated YYYY-MM-DD hh:mm:ss; "
            "the platform adds policies every day, but only the 托育 / education ones (a few a "
            "month) are stored."
        ),
    )

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Adds :class:`PolicyDetailMiddleware` to the project's downloader middlewares (a
        ``custom_settings`` dict would replace them all)."""
        super().update_settings(settings)
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares[f"{__name__}.PolicyDetailMiddleware"] = 500
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    # --- list: the page API ---------------------------------------------------------------
    def list_request(
        self, url: str, page: int, meta: dict[str, Any] | None = None
    ) -> scrapy.Request:
        section = urlsplit(url).fragment
        site_ids = self.sections.get(section) or self.sections["city"]
        body = {"siteIdList": list(site_ids), "pageNo": page, "pageSize": self.page_size}
        return scrapy.Request(
            url,
            method="POST",
            body=_compact(body),
            headers={**JSON_HEADERS, "Referer": f"{SITE}/zhengce/list"},
            callback=self.parse_list,
            errback=self.on_error,
            cb_kwargs={"page": page},
            meta=meta or {KIND: LIST},
        )

    def records(self, data: Any) -> list[Mapping[str, Any]]:
        found = data.get("records") if isinstance(data, Mapping) else None
        return [r for r in found if isinstance(r, Mapping)] if isinstance(found, list) else []

    def record_fields(self, record: Mapping[str, Any]) -> dict[str, Any]:
        site_id, business_id = _text(record.get("siteId")), _text(record.get("businessId"))
        attrs = record.get("attrs") if isinstance(record.get("attrs"), Mapping) else {}
        assert isinstance(attrs, Mapping)
        published = _text(record.get("publishDate")) or _text(record.get("displayDate"))
        return {
            "url": page_url(site_id, business_id) if site_id and business_id else None,
            "title": _text(record.get("title")),
            "publish_date": parse_date(published) if published else None,
            "doc_number": self.doc_number(record),
            "issuer": _text(attrs.get("agency")),
            "index_number": _text(record.get("indexNo")),
        }

    @staticmethod
    def doc_number(record: Mapping[str, Any]) -> str | None:
        """发文字号 from ``docType``〔``docYear``〕``docNo``号 (or a whole ``docNum``)."""
        kind, year, number = (_text(record.get(k)) for k in ("docType", "docYear", "docNo"))
        if kind and year and number:
            return normalize_doc_number(f"{kind}〔{year}〕{number.removesuffix('号')}号")
        whole = _text(record.get("docNum"))
        return normalize_doc_number(whole) if whole else None

    def wanted(self, fields: Mapping[str, Any]) -> bool:
        """Whether a record's title matches the topic vocabulary."""
        vocab = vocabulary(self.crawler.settings.get("TAG_VOCABULARY") or None)
        return bool(vocab.tags(fields.get("title")))

    def parse_list(self, response: Response, page: int = 1) -> Iterator[scrapy.Request]:
        """Every record counts for the list's health; only the wanted ones are fetched."""
        if self.check_blocked(response):
            return
        data = _data(response)
        listed: list[tuple[str, dict[str, Any]]] = []
        for record in self.records(data):
            fields = self.record_fields(record)
            url = fields.pop("url", None)
            if url:
                listed.append((url, fields))
        allowed = set(self.filter_links(u for u, _ in listed))
        listed = [(u, f) for u, f in listed if u in allowed]
        self.count_list_page(response, len(listed), page)
        if listed:
            self.succeeded(response)
        wanted = [(u, f) for u, f in listed if self.wanted(f)]
        self.stats.inc_value("list/off_topic", len(listed) - len(wanted))
        # check mode: the newest record, wanted or not, to probe the detail API
        for url, fields in (wanted or listed)[:1] if self.checking else wanted:
            yield self.article_request(url, listed=fields)
        if listed and page < self.max_list_pages and not self.checking:
            next_request = self.next_api_request(response, page, data)
            if next_request is not None:
                yield next_request

    def next_api_request(self, response: Response, page: int, data: Any) -> scrapy.Request | None:
        total = data.get("totalPage") if isinstance(data, Mapping) else None
        try:
            pages = int(total) if total is not None else 0
        except (TypeError, ValueError):
            pages = 0
        if page >= pages:
            return None
        return self.list_request(response.url, page=page + 1, meta={KIND: LIST})

    # --- articles: the detail API -----------------------------------------------------------
    def detail_request(self, request: scrapy.Request) -> scrapy.Request | None:
        """The detail API's POST in place of a policy page's request (None: not a policy page)."""
        query = parse_qs(urlsplit(request.url).query)
        site_id, business_id = query.get("siteId", [""])[0], query.get("businessId", [""])[0]
        if not site_id or not business_id:
            return None
        return request.replace(
            url=DETAIL_API,
            method="POST",
            body=_compact({"siteId": site_id, "businessId": business_id}),
            headers={**JSON_HEADERS, "Referer": request.url},
            meta={**request.meta, POLICY_PAGE_URL: request.url},
            dont_filter=True,
        )

    def page_response(self, response: Response) -> Response | None:
        """The detail API's answer as the HTML page of the policy (None: no text in it)."""
        url = response.meta.get(POLICY_PAGE_URL)
        data = _data(response) if url else None
        if url is None or data is None:
            return None
        text = data.get("txt") or data.get("txt1")
        if not isinstance(text, str) or not text.strip():
            return None
        title = html.escape(_text(data.get("title")) or "")
        links = []
        attrs = data.get("attrs") if isinstance(data.get("attrs"), Mapping) else {}
        assert isinstance(attrs, Mapping)
        original = _text(attrs.get("zwPDFUrl"))
        if original:  # the signed original; its name is the download's ``filename``
            name = parse_qs(urlsplit(original).query).get("filename", [""])[0]
            links.append((_text(name) or "正文.pdf", original))
        for attach in data.get("attaches") or []:
            if isinstance(attach, Mapping) and _text(attach.get("path")):
                links.append((_text(attach.get("name")) or "附件", str(attach.get("path"))))
        files = "".join(
            f'<li><a href="{html.escape(urljoin(SITE, href))}">{html.escape(name)}</a></li>'
            for name, href in links
        )
        body = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><div class="policy"><h1>{title}</h1><div id="policy-txt">{text}</div>'
            f'<ul class="policy-files">{files}</ul></div></body></html>'
        )
        return HtmlResponse(
            url=str(url), body=body.encode("utf-8"), encoding="utf-8", request=response.request
        )

    async def extract_page(
        self, response: Response, request: scrapy.Request
    ) -> ExtractedPage | PolicyArticle:
        page = self.page_response(response)
        if page is None:
            return ExtractedPage(
                url=str(response.meta.get(POLICY_PAGE_URL, response.url)),
                kind="not_article",
                reason="the detail API gave no text",
                encoding=None,
            )
        return await super().extract_page(page, request)

    def parse_article(
        self, response: Response, listed: Mapping[str, Any] | None = None
    ) -> list[PolicyArticle | PageSeen]:
        if PAGE not in response.meta and response.status == 200:
            # not extracted on the way (no ArticleExtractionMiddleware): extract the page here
            page = self.page_response(response)
            if page is not None:
                return super().parse_article(page, listed)
        return super().parse_article(response, listed)

    # --- failures and successes are the policy page's, not the API's ------------------------
    def record_failure(self, request: scrapy.Request | None, url: str, reason: str) -> None:
        if request is not None:
            url = str(request.meta.get(POLICY_PAGE_URL, url))
        super().record_failure(request, url, reason)

    def succeeded(self, response: Response) -> None:
        url = response.meta.get(POLICY_PAGE_URL) if response.request is not None else None
        if url and url != response.url:
            response = response.replace(url=str(url))
        super().succeeded(response)


class PolicyDetailMiddleware:
    """Downloader middleware of ``sh_policy``: a request for a policy's page (a JavaScript shell)
    goes out as the detail API's POST, which has the text; every other request is left alone."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolicyDetailMiddleware:
        return cls(crawler)

    def process_request(self, request: scrapy.Request) -> scrapy.Request | None:
        spider = self.crawler.spider
        if (
            not isinstance(spider, ShPolicySpider)
            or request.meta.get(KIND) != ARTICLE
            or POLICY_PAGE_URL in request.meta
        ):
            return None
        return spider.detail_request(request)
