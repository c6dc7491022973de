"""Entry points: one page's bytes (or a Scrapy response) to an :class:`ExtractedPage`."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import fields
from typing import TYPE_CHECKING

from crawler.items import FIELD_NAMES as ITEM_FIELDS

from .body import body_text, find_attachments, find_container, find_images, is_heading_like
from .decode import decode_body
from .dom import Doc, NodeStats, compute_stats, itertext, parse_html, select
from .fields import Chunk, LabelHit, chunks_of, clean_value, find_labels, meta_map, pick_title
from .links import article_links, link_groups
from .model import ExtractedPage
from .normalize import clean_text, parse_date, split_issuers, strip_pinyin_readings
from .sanitize import sanitized_html

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lxml.etree import _Element as HtmlElement
    from scrapy.http import Response

__all__ = ["extract_article", "extract_from_bytes", "extract_links", "to_eval_dict"]

FIELD_NAMES = (
    "title",
    "publish_date",
    "written_date",
    "doc_number",
    "issuer",
    "index_number",
    "topic",
    "author",
    "source_name",
    "body",
)
_PAGE_FIELDS = frozenset(f.name for f in fields(ExtractedPage))
_NOT_SCORED = frozenset({"url", "source_name", "issuers", "body_html", "attachments"})
_EVAL_KEYS = (
    *(name for name in ITEM_FIELDS if name in _PAGE_FIELDS and name not in _NOT_SCORED),
    "links",
)
"""The scored fields: the record's (:data:`crawler.items.FIELD_NAMES`) that the extractor fills,
but the URL, the source and the lists, in the record's order; and a list page's links."""
_NOT_HTML_MAGIC = (
    (b"%PDF", "not HTML (PDF)"),
    (b"PK\x03\x04", "not HTML (zip/office document)"),
    (b"\xd0\xcf\x11\xe0", "not HTML (office document)"),
    (b"\x89PNG", "not HTML (image)"),
    (b"GIF8", "not HTML (image)"),
    (b"\xff\xd8\xff", "not HTML (image)"),
    (b"\x1f\x8b", "not HTML (gzip)"),
    (b"Rar!", "not HTML (rar)"),
)
_HTML_TYPES = ("html", "xml", "text/plain")
_META_PUBLISH = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "article:published_time",
    "og:release_date",
    "publish_date",
    "publishtime",
    "publish-time",
    "datepublished",
    "dc.date.issued",
    "releasedate",
    "ptime",
    "dc.date",
    "date",
    "og:article:published_time",
    "article:modified_time",
    "lastmodifiedtime",
)
_META_SOURCE = ("contentsource", "source", "og:site_name", "sitename", "site_name")
_META_AUTHOR = ("author", "article:author", "dc.creator", "byline")
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-_/]?(0[1-9]|1[0-2])[-_/]?(0[1-9]|[12]\d|3[01])(?!\d)"
)
_SIGNATURE_DATE = re.compile(
    r"^(?:(?:19|20)\d{2}年\d{1,2}月\d{1,2}日|[〇零○一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}日)$"
)
_SITE_NAME = re.compile(
    r"(?:网|网站|门户|官网|首页|人民政府|委员会|办公厅|厅|局|中心|频道|栏目|政务公开)$"
)
_COMMENTISH = re.compile(r"comment|tie|reply|review|login|logon|user|tips|评论", re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"\d|[:：@/\\|]|未知|不详|佚名|相关|授权|注明|转载|关注|登录|账号|http|www\.|\.com|\.cn"
)
_ORG = re.compile(r"网|报|新闻|中心|委员会|政府|办公|厅|局|部|院|所|社|公司|集团|平台")
_AUTHOR_PREFIX = re.compile(r"^(?:作者|撰稿|记者|文|编辑)\s*[:：/]\s*")
_DOC_LINE = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[(（［﹝【]\d{4}[〕\])）］﹞】]第?\d{1,5}号$")


def _content_type(headers: Mapping[str, str | bytes] | None) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if name.lower() == "content-type":
            if isinstance(value, list | tuple):
                value = value[0] if value else b""
            if isinstance(value, bytes):
                return value.decode("latin-1")
            return str(value)
    return None


def _sniff_not_html(body: bytes, content_type: str | None) -> str | None:
    head = body[:16]
    for magic, reason in _NOT_HTML_MAGIC:
        if head.startswith(magic):
            return reason
    if content_type:
        ctype = content_type.split(";", 1)[0].strip().lower()
        if (
            ctype
            and not any(t in ctype for t in _HTML_TYPES)
            and ctype != "application/octet-stream"
        ):
            return f"not HTML ({ctype})"
    return None


def _selector_value(root: HtmlElement, selector: str) -> tuple[str | None, HtmlElement | None]:
    try:
        found = root.xpath(selector) if selector.startswith(("/", "(")) else None
    except Exception:  # invalid XPath: no match
        return None, None
    if found is not None and isinstance(found, list) and found and isinstance(found[0], str):
        text = clean_text(" ".join(str(x) for x in found))
        return (text or None), None
    els = select(root, selector)
    if not els:
        return None, None
    text = clean_text(" ".join(" ".join(itertext(el)) for el in els)).replace("\n", " ")
    return (text or None), els[0]


def _url_date(url: str) -> str | None:
    m = _URL_DATE.search(url)
    if not m:
        return None
    return parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")


class _Page:
    """Per-page analysis shared by the field extractors (everything computed once)."""

    def __init__(self, doc: Doc, url: str) -> None:
        self.doc = doc
        self.root = doc.root
        self.url = url
        analysis = compute_stats(self.root)
        self.stats: dict[HtmlElement, NodeStats] = analysis.stats
        self.marked = analysis.marked
        self.headings = analysis.headings
        self.meta = meta_map(self.root)
        self.chunks: list[Chunk] = chunks_of(analysis.pieces)
        self.labels: list[LabelHit] = find_labels(self.chunks)
        self._label_values: dict[tuple[str, bool], str | None] = {}  # label() results
        self.title, self.title_el = pick_title(
            self.root, self.meta, self.label("title"), self.headings
        )
        self.container, self.container_score = find_container(self.stats, self.title_el)
        self._order: dict[HtmlElement, int] | None = None
        self._content_end = 0

    def label(self, name: str, strong_only: bool = False) -> str | None:
        key = (name, strong_only)
        if key in self._label_values:
            return self._label_values[key]
        found: str | None = None
        for hit in self.labels:
            if hit.name == name and not (strong_only and hit.weak):
                value = clean_value(name, hit.value)
                if value:
                    found = value
                    break
        self._label_values[key] = found
        return found

    def before_content_end(self, el: HtmlElement) -> bool:
        """Whether ``el`` starts before the end of the content container (bylines and dates
        after the article belong to comments, related items, footers)."""
        if self.container is None:
            return True
        if self._order is None:
            n = len(self.stats)
            # n - i for the i-th key (the stats run last-first: this is the document order)
            self._order = dict(zip(self.stats, range(n, 0, -1), strict=True))
            tail = deque(self.container.iter(), maxlen=1)
            last = tail[0] if tail else self.container
            self._content_end = self._order.get(last, n)
        return self._order.get(el, 0) <= self._content_end

    def order_of(self, el: HtmlElement) -> int:
        """Document position of an element."""
        self.before_content_end(el)  # builds the order map
        return self._order.get(el, 0) if self._order is not None else 0

    def chunk_index_of(self, el: HtmlElement | None) -> int | None:
        if el is None:
            return None
        # the first chunk whose owner is ``el`` or inside it
        subtree = set(el.iter())
        for chunk in self.chunks:
            if chunk.owner in subtree:
                return chunk.index
        return None


def _publish_date(page: _Page, title_el: HtmlElement | None) -> str | None:
    candidates: list[str] = []
    strong = page.label("publish_date", strong_only=True)
    if strong:
        candidates.append(strong)
    # Every publish meta counts: one may give only the day (``publishdate``) and another the
    # time of that day (``firstpublishedtime``); the first one found stays the preferred date.
    for key in _META_PUBLISH:
        value = page.meta.get(key)
        if value:
            date = parse_date(value)
            if date:
                candidates.append(date)
    near: str | None = None
    start = page.chunk_index_of(title_el)
    if start is not None:
        end_at = page.chunk_index_of(page.container)
        limit = 30
        if end_at is not None and end_at > start:
            limit = min(limit, end_at - start + 3)
        for chunk in page.chunks[start + 1 : start + 1 + limit]:
            if len(chunk.text) > 150:
                break  # a paragraph: the article has started
            near = parse_date(chunk.text)
            if near:
                break
    weak = page.label("publish_date")
    for value in (weak, near):
        if value:
            candidates.append(value)
    if not candidates:
        dated = _dated_element(page)
        if dated:
            candidates.append(dated)
    url_date = _url_date(page.url)
    if url_date:
        candidates.append(url_date)
    if not candidates:
        return None
    chosen = candidates[0]
    if "T" not in chosen:
        for other in candidates[1:]:
            if "T" in other and other[:10] == chosen:
                return other
    return chosen


def _doc_number_from_body(text: str | None) -> str | None:
    if not text:
        return None
    for line in text.split("\n")[:8]:
        line = "".join(line.split())
        if _DOC_LINE.match(line):
            return clean_value("doc_number", line)
    return None


def _plausible_author(text: str, page: _Page) -> bool:
    if not 2 <= len(text) <= 30 or _NOT_A_NAME.search(text):
        return False
    return text != page.label("source_name")


def _author(page: _Page) -> str | None:
    value = page.label("author")
    if value and _plausible_author(value, page):
        return value
    for el, classid in page.marked:
        if "author" not in classid or el.tag == "meta":
            continue
        if _COMMENTISH.search(_class_id_of(el)) or not page.before_content_end(el):
            continue
        text = clean_text(" ".join(itertext(el))).replace("\n", " ")
        text = _AUTHOR_PREFIX.sub("", text).strip()
        if _plausible_author(text, page) and len(text) <= 20:
            return text
    for key in _META_AUTHOR:
        cand = page.meta.get(key)
        if cand and len(cand) <= 20 and _plausible_author(cand, page) and not _ORG.search(cand):
            return cand
    return None


def _class_id_of(el: HtmlElement) -> str:
    node: HtmlElement | None = el
    parts = []
    for _ in range(4):
        if node is None:
            break
        parts.append(f"{node.get('class') or ''} {node.get('id') or ''}")
        node = node.getparent()
    return " ".join(parts)


def _dated_element(page: _Page) -> str | None:
    """A date shown by an element whose class / id says it is the (publication) time; one
    before the end of the article wins over one after it."""
    later: str | None = None
    for el, classid in page.marked:
        if not ("time" in classid or "date" in classid or "pub" in classid) or el.tag == "meta":
            continue
        if _COMMENTISH.search(_class_id_of(el)):
            continue
        text = el.get("datetime") or " ".join(itertext(el))
        if len(text) <= 80:
            date = parse_date(text)
            if date:
                if page.before_content_end(el):
                    return date
                later = later or date
    return later


def _analyse_article(
    page: _Page, result: ExtractedPage, selectors: Mapping[str, str] | None
) -> None:
    chosen: dict[str, str] = {}
    chosen_el: dict[str, HtmlElement] = {}
    for name, selector in (selectors or {}).items():
        if name not in FIELD_NAMES or not selector:
            continue
        if name == "body":
            els = select(page.root, selector)
            if els:
                chosen_el["body"] = els[0]
            continue
        raw, el = _selector_value(page.root, selector)
        if raw:
            value = raw if name == "title" else clean_value(name, raw)
            if value:
                chosen[name] = value
                if el is not None:
                    chosen_el[name] = el

    title, title_el = page.title, page.title_el
    if "title" in chosen:
        title, title_el = chosen["title"], chosen_el.get("title")
    if title and title_el is None:
        squashed = "".join(title.split())
        for chunk in page.chunks:
            if len(chunk.text) >= len(squashed) and "".join(chunk.text.split()) == squashed:
                title_el = chunk.owner
                break
    if title_el is None and "title" not in chosen and _site_like(title):
        shown = _heading_before_content(page)
        if shown is not None:
            title, title_el = shown
    result.title = clean_text(strip_pinyin_readings(title)).replace("\n", " ") if title else None

    result.publish_date = chosen.get("publish_date") or _publish_date(page, title_el)
    result.written_date = chosen.get("written_date") or page.label("written_date")
    result.issuer = chosen.get("issuer") or page.label("issuer")
    result.issuers = split_issuers(result.issuer) if result.issuer else []
    result.index_number = chosen.get("index_number") or page.label("index_number")
    result.topic = chosen.get("topic") or page.label("topic")
    result.author = chosen.get("author") or _author(page)
    source = chosen.get("source_name") or page.label("source_name")
    if not source:
        for key in _META_SOURCE:
            if page.meta.get(key):
                source = clean_value("source_name", page.meta[key])
                if source:
                    break
    result.source_name = source

    container = chosen_el.get("body")
    strict = container is None
    if container is None:
        container = page.container
    if container is not None:
        chrome: set[HtmlElement] = set()
        if title_el is not None and title_el is not container and is_heading_like(title_el):
            chrome.add(title_el)  # the headline is not part of the body
        text = body_text(container, page.stats, chrome, strict)
        result.body_text = text or None
        if text:
            result.body_html = sanitized_html(container, page.url, chrome)
            result.images = find_images(container, page.url, chrome)
            parent = container.getparent()
            result.attachments = find_attachments(
                parent if parent is not None else container, page.url
            )
    result.doc_number = (
        chosen.get("doc_number")
        or page.label("doc_number")
        or _doc_number_from_body(result.body_text)
    )
    if result.written_date is None and result.doc_number and result.body_text:
        result.written_date = _signature_date(result.body_text)
    if not result.body_text:
        result.kind = "not_article"
        result.reason = "no text"


def _site_like(title: str | None) -> bool:
    """A <title> that names the site or column rather than the article."""
    if not title:
        return True
    squashed = "".join(title.split())
    return len(squashed) <= 8 or bool(_SITE_NAME.search(squashed))


def _heading_before_content(page: _Page) -> tuple[str, HtmlElement] | None:
    """The last headline-like element before (or at the top of) the content container."""
    if page.container is None:
        return None
    limit = page.order_of(page.container) + 3
    best: tuple[str, HtmlElement] | None = None
    for el in page.headings:
        if page.order_of(el) > limit:
            break
        st = page.stats.get(el)
        if st is None or st.link * 2 > st.total:
            continue
        text = clean_text(" ".join(itertext(el))).replace("\n", " ")
        if 6 <= len(text) <= 120:
            best = (text, el)
    return best


def _signature_date(text: str) -> str | None:
    """成文日期 of an official document without an info table: the date line under the issuer's
    signature at the end of the text (``2019年1月27日``)."""
    for line in text.split("\n")[-6:]:
        line = "".join(line.split())
        if _SIGNATURE_DATE.match(line):
            return parse_date(line)
    return None


def _looks_like_list(page: _Page) -> bool:
    """A page whose main content is a list of links: a large link group and either no real
    paragraph text, or a long list of headline-like links that outweighs the text."""
    groups = link_groups(page.root, page.url, page.doc.embedded_records, page.stats)
    if not groups:
        return False
    best = groups[0]
    n = len(best.urls)
    if n < 8:
        return False
    if page.container is None or page.container_score < 8.0:
        return True
    st = page.stats.get(page.container)
    plain = st.total - st.link if st is not None else 0
    return n >= 50 and best.text_chars >= 12 * n and best.text_chars > 0.6 * plain


def _extract_text(
    body: bytes,
    url: str,
    content_type: str | None,
    kind: str | None,
    selectors: Mapping[str, str] | None,
    link_selector: str | None = None,
) -> ExtractedPage:
    if not body or body.isspace():  # ASCII whitespace only, as bytes.strip() removes
        return ExtractedPage(url=url, kind="not_article", reason="empty body", encoding=None)
    not_html = _sniff_not_html(body, content_type)
    if not_html:
        return ExtractedPage(url=url, kind="not_article", reason=not_html, encoding=None)
    text, encoding = decode_body(body, content_type)
    result = ExtractedPage(url=url, kind="article", reason=None, encoding=encoding)
    if "<" not in text:
        result.kind, result.reason = "not_article", "not HTML"
        return result
    doc = parse_html(text)
    if doc is None:
        result.kind, result.reason = "not_article", "no text"
        return result
    page = _Page(doc, url)
    root_stats = page.stats.get(page.root)
    result.page_chars = max(doc.text_chars - (root_stats.link if root_stats else 0), 0)
    if kind not in ("article", "list"):
        kind = "list" if _looks_like_list(page) else "article"
    if kind == "list":
        result.kind = "list"
        result.links = article_links(
            page.root, url, link_selector, doc.embedded_records, page.stats
        )
        title, _ = pick_title(page.root, page.meta, None, page.headings)
        result.title = title
        return result
    _analyse_article(page, result, selectors)
    if result.kind == "not_article" and b"<script" in body[:200_000].lower():
        result.reason = "no text (JavaScript-only page, e.g. an anti-bot challenge)"
    return result


def extract_bytes(
    body: bytes,
    url: str,
    content_type: str | None,
    kind: str | None = "article",
    selectors: Mapping[str, str] | None = None,
) -> ExtractedPage:
    """The pure core of extraction: the body bytes, the URL and the Content-Type header in, the
    fields out. Takes and returns plain picklable values, so it also runs in worker processes
    (:mod:`crawler.records.workers`)."""
    return _extract_text(body, url, content_type, kind, selectors)


def extract_article(
    response: Response, selectors: Mapping[str, str] | None = None
) -> ExtractedPage:
    """Article fields of a downloaded page (pure: only the body bytes, headers and URL are used).
    ``selectors`` (field name -> CSS, or XPath when it starts with ``/`` or ``(``) win over the
    heuristics when they match."""
    ctype = response.headers.get(b"Content-Type") if response.headers else None
    content_type = ctype.decode("latin-1") if isinstance(ctype, bytes) else ctype
    return _extract_text(response.body, response.url, content_type, "article", selectors)


def extract_links(response: Response, selector: str | None = None) -> list[str]:
    """Article links of a list page (absolute, de-duplicated); ``selector`` picks the ``<a>``
    elements (or their containers) when given."""
    ctype = response.headers.get(b"Content-Type") if response.headers else None
    content_type = ctype.decode("latin-1") if isinstance(ctype, bytes) else ctype
    page = _extract_text(response.body, response.url, content_type, "list", None, selector)
    return page.links


def extract_from_bytes(
    body: bytes,
    url: str,
    headers: Mapping[str, str | bytes] | None = None,
    kind: str | None = None,
) -> ExtractedPage:
    """Extract from raw bytes: ``kind="list"`` fills ``links``, ``"article"`` the article fields,
    ``None`` detects (a page that is mostly a list of dated links is a list). Never raises."""
    content_type = _content_type(headers)
    try:
        return _extract_text(body, url, content_type, kind, None)
    except Exception as exc:  # last line of defence: a broken page must not stop a crawl
        return ExtractedPage(
            url=url,
            kind="not_article",
            reason=f"extraction failed: {type(exc).__name__}",
            encoding=None,
        )


def to_eval_dict(page: ExtractedPage) -> dict[str, object]:
    """The evaluation JSON contract: the scored fields, ``None`` values left out."""
    out: dict[str, object] = {}
    for key in _EVAL_KEYS:
        value = getattr(page, key)
        if value is None or (key == "links" and not value):
            continue
        out[key] = value
    return out
