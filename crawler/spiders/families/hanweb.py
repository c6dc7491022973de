"""Hanweb (大汉) JCMS columns: a ``jpage`` unit on the column page and its dataproxy.

A column page (``/col/col<columnid>/index.html``) holds one or more ``jpage`` units. A unit is
a ``<div id="<unitid>">`` that either carries the column's first group of records inside
``<script type="text/xml"><datastore>`` (``<nextgroup>`` link, then ``<record><![CDATA[<li>…
</li>]]></record>``…) or is an empty shell, plus the script call that pages it::

    var param_6258453 = {col:1,appid:1,webid:3099,path:'/',columnid:1229266336,...};
    $('#6258453').jpage({proxyUrl:'/module/jpage/dataproxy.jsp', perPage:15, groupSize:3,
                         totalRecord:870, dataStore:..., ajaxParam:param_6258453});

(``ajaxParam`` may also be written inline as an object.) Later groups - or, for a shell, all of
them - come from ``POST <proxyUrl>?startrecord=S&endrecord=E&perpage=P`` with the unit's
``ajaxParam`` fields as the form; the answer is the same ``<record>`` XML with a
``<totalrecord>``. Every one of these values is read from the column page: a spider lists only
its column URLs. Zhejiang sites serve the proxy at ``/module/jpage/dataproxy.jsp``, Jiangsu and
most others at ``/module/web/jpage/dataproxy.jsp``; the page says which.

Groups are requested one after the other (group N's answer asks for group N+1), so that the
incremental middleware stops paging at the first group that holds only stored articles.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider
from crawler.spiders.meta_keys import HANWEB_COLUMN, HANWEB_UNIT, KIND, LIST

logger = logging.getLogger(__name__)

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_DATASTORE_UNIT = re.compile(
    r"<div\b[^>]*\bid\s*=\s*[\"']?(\w+)[\"']?[^>]*>\s*"
    r"<script\b[^>]*type\s*=\s*[\"']text/xml[\"'][^>]*>(.*?)</script>",
    re.S | re.I,
)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href\s*=\s*[\"']([^\"']+)[\"']", re.S | re.I)
_JPAGE_CALL = re.compile(r"\$\(\s*[\"']#(\w+)[\"']\s*\)\s*\.jpage\(\s*\{")
_PARAM_VAR = re.compile(r"\bvar\s+(\w+)\s*=\s*\{")
_JS_KEY = re.compile(r"\s*['\"]?(\w+)['\"]?\s*:\s*")
_JS_VALUE_END = re.compile(r"[,}]")
_COLUMN_ID = re.compile(r"/col/col(\d+)/")


def _braced(text: str, start: int) -> str:
    """The text inside the ``{…}`` whose opening brace is just before ``start``."""
    depth, quote = 1, ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return text[start:]


def js_object(body: str) -> dict[str, str]:
    """The pairs of a JavaScript object literal (its text without the outer braces, e.g.
    ``col:1,path:'/',unitid:'6258453'``) as strings, in their order. A nested object's value is
    ``""`` (its text is for :func:`_braced`); an unquoted value is read up to the next comma."""
    out: dict[str, str] = {}
    pos, size = 0, len(body)
    while pos < size:
        key = _JS_KEY.match(body, pos)
        if key is None:
            pos += 1
            continue
        pos = key.end()
        if pos < size and body[pos] in "'\"":
            end = body.find(body[pos], pos + 1)
            end = size if end < 0 else end
            out[key.group(1)] = body[pos + 1 : end]
            pos = end + 1
        elif pos < size and body[pos] == "{":
            out[key.group(1)] = ""
            pos += len(_braced(body, pos + 1)) + 2
        else:
            value_end = _JS_VALUE_END.search(body, pos)
            stop = value_end.start() if value_end is not None else size
            out[key.group(1)] = body[pos:stop].strip()
            pos = stop
        comma = body.find(",", pos)
        pos = size if comma < 0 else comma + 1
    return out


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


@dataclass
class JpageUnit:
    """One ``jpage`` unit of a column page: what it embeds and how to ask for more."""

    unit_id: str
    records: list[str] = field(default_factory=list)
    """The ``<li>`` fragments of the embedded first group (none for an empty shell)."""
    form: dict[str, str] = field(default_factory=dict)
    """The dataproxy form fields (``ajaxParam``), in the page's order."""
    proxy: str | None = None
    per_page: int | None = None
    group_size: int | None = None
    total: int | None = None

    @property
    def column_id(self) -> str | None:
        return self.form.get("columnid")


def column_units(text: str) -> list[JpageUnit]:
    """The ``jpage`` units of a Hanweb column page, in page order."""
    units: dict[str, JpageUnit] = {}
    variables = {m.group(1): js_object(_braced(text, m.end())) for m in _PARAM_VAR.finditer(text)}
    for match in _DATASTORE_UNIT.finditer(text):
        unit = units.setdefault(match.group(1), JpageUnit(match.group(1)))
        store = match.group(2)
        unit.records = _RECORD.findall(store)
        nextgroup = _NEXTGROUP.search(store)
        if nextgroup is not None:  # the least complete source of the form: used last
            href = nextgroup.group(1).replace("&amp;", "&")
            unit.proxy = urlsplit(href).path or None
            query = parse_qsl(urlsplit(href).query, keep_blank_values=True)
            unit.form = {k: v for k, v in query if k != "page"}
    for match in _JPAGE_CALL.finditer(text):
        unit = units.setdefault(match.group(1), JpageUnit(match.group(1)))
        body = _braced(text, match.end())
        options = js_object(body)
        unit.proxy = options.get("proxyUrl") or unit.proxy
        unit.per_page = _int(options.get("perPage")) or unit.per_page
        unit.group_size = _int(options.get("groupSize")) or unit.group_size
        unit.total = _int(options.get("totalRecord")) or unit.total
        inline = re.search(r"\bajaxParam\s*:\s*\{", body)
        named = options.get("ajaxParam") or f"param_{unit.unit_id}"
        form = js_object(_braced(body, inline.end())) if inline else variables.get(named)
        if form:  # the script's fields first; any the <nextgroup> link adds after them
            unit.form = {**form, **{k: v for k, v in unit.form.items() if k not in form}}
    return list(units.values())


def pick_unit(units: list[JpageUnit], column_url: str) -> JpageUnit | None:
    """The unit that lists the column itself (its ``columnid`` is the one in the URL); else the
    first unit with records or a form. A column page may hold several units (side lists)."""
    match = _COLUMN_ID.search(column_url)
    if match is not None:
        for unit in units:
            if unit.column_id == match.group(1):
                return unit
    return next((u for u in units if u.records or u.form), None)


class HanwebSpider(PolicySpider):
    """Hanweb (大汉) JCMS columns (see the module docstring). ``start_urls`` are column pages."""

    default_dataproxy: ClassVar[str] = "/module/web/jpage/dataproxy.jsp"
    """Used only when the column page names no ``proxyUrl`` (nor a ``<nextgroup>`` link)."""
    default_per_page: ClassVar[int] = 15
    default_group_size: ClassVar[int] = 3
    list_link_selector = "a"

    def parse_list(
        self, response: Response, page: int = 1, group: int = 0
    ) -> Iterator[scrapy.Request]:
        if self.check_blocked(response):
            return
        text = response.text if isinstance(response, TextResponse) else ""
        if group == 0:
            yield from self.parse_column_page(response, text)
            return
        unit: JpageUnit = response.meta[HANWEB_UNIT]
        total = _TOTAL.search(text)
        if total is not None:
            unit.total = int(total.group(1))
        yield from self.follow_records(response, unit, _RECORD.findall(text), group)

    def parse_column_page(self, response: Response, text: str) -> Iterator[scrapy.Request]:
        unit = pick_unit(column_units(text), response.url)
        if unit is None:
            records = _RECORD.findall(text)
            if not records:
                self.count_list_page(response, 0)
                return
            unit = JpageUnit("", records=records)
        unit.proxy = unit.proxy or self.default_dataproxy
        unit.per_page = unit.per_page or self.default_per_page
        unit.group_size = unit.group_size or self.default_group_size
        if not unit.records:  # an empty shell: every group comes from the dataproxy
            request = self.group_request(response.url, unit, 1)
            if request is None:
                self.count_list_page(response, 0)
            else:
                yield request
            return
        yield from self.follow_records(response, unit, unit.records, 1)

    def follow_records(
        self, response: Response, unit: JpageUnit, records: list[str], group: int
    ) -> Iterator[scrapy.Request]:
        """Count the group's links, request its articles and the next group."""
        links = self.record_links(response, records)
        self.count_list_page(response, len(links), group)
        if links:
            self.succeeded(response)
        for url in self.to_fetch(links):
            yield self.article_request(url)
        if not links or self.checking or group >= self.max_list_pages:
            return
        per_group = (unit.per_page or self.default_per_page) * (
            unit.group_size or self.default_group_size
        )
        if unit.total is not None and group * per_group >= unit.total:
            return
        column = response.meta.get(HANWEB_COLUMN, response.url)
        request = self.group_request(column, unit, group + 1)
        if request is not None:
            yield request

    def record_links(self, response: Response, records: list[str]) -> list[str]:
        fragment = TextResponse(
            url=response.url, body="".join(records).encode("utf-8"), encoding="utf-8"
        )
        return self.article_links(fragment)

    def group_request(self, column: str, unit: JpageUnit, group: int) -> scrapy.Request | None:
        """The dataproxy POST for ``group`` (1-based) of the unit's column."""
        if not unit.form:
            logger.error("Hanweb column %s names no dataproxy form (ajaxParam)", column)
            return None
        per_page = unit.per_page or self.default_per_page
        per_group = per_page * (unit.group_size or self.default_group_size)
        start = (group - 1) * per_group + 1
        end = group * per_group
        if unit.total is not None:
            end = min(end, unit.total)  # as jpage asks for a last, short group
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
        proxy = unit.proxy or self.default_dataproxy
        return scrapy.FormRequest(
            urljoin(column, f"{proxy}?{query}"),
            formdata=dict(unit.form),
            callback=self.parse_list,
            errback=self.on_error,
            cb_kwargs={"page": group, "group": group},
            meta={KIND: LIST, HANWEB_COLUMN: column, HANWEB_UNIT: unit},
        )

    def record_failure(self, request: scrapy.Request | None, url: str, reason: str) -> None:
        """A failed group is recorded under its column page: a later run's retry starts the
        column again (a dataproxy URL alone, without its form, cannot be retried)."""
        column = request.meta.get(HANWEB_COLUMN) if request is not None else None
        super().record_failure(request, str(column) if column else url, reason)
