"""Entry points: one page's bytes (or a Scrapy response) to an :class:`ExtractedPage`."""

from __future__ import annotations

import gc
import html
import re
from bisect import bisect_left
from collections import deque
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Literal

from crawler.items import FIELD_NAMES as ITEM_FIELDS

from .body import (
    body_text,
    find_attachments,
    find_container,
    find_images,
    is_file_url,
    is_heading_like,
    trim_edges,
)
from .byline import (
    byline_in_lines,
    byline_in_text,
    name_line,
    names,
    poster_in_lines,
    poster_link,
)
from .decode import decode_body
from .dom import (
    Doc,
    NodeStats,
    compute_stats,
    itertext,
    json_ld_dates,
    parse_html,
    script_time,
    select,
)
from .fields import (
    INFO_FIELDS,
    Chunk,
    LabelHit,
    clean_title,
    clean_value,
    find_labels,
    is_title_text,
    meta_map,
    pick_title,
    strip_suffix,
    text_of,
    title_parts,
)
from .headline import (
    body_start,
    headline_candidates,
    is_meta_line,
    is_prose,
    lines_between,
)
from .links import article_links, link_groups
from .model import ExtractedPage
from .normalize import clean_text, parse_date, split_issuers, squash, strip_pinyin_readings
from .sanitize import sanitized_html

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from lxml.etree import _Element as HtmlElement
    from scrapy.http import Response

    from crawler.items import Attachment

    Headers = Mapping[Any, Any]
    """Response headers as any mapping holds them: names as text or bytes, values text, bytes or
    lists of them (Scrapy's ``Headers``); ``_content_type`` sorts them out, so that the compiled
    build (setup.py), which checks annotated types at run time, takes them all."""

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
_NOT_SCORED = frozenset(
    {"url", "source_name", "issuers", "body_html", "attachments", "text_in_attachment"}
)
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
    r"(?:网|网站|门户|官网|首页|人民政府|委员会|办公厅|厅|局|中心|频道|栏目|政务公开)$|"
    r"博客|blog|论坛|社区|bbs|欢迎|谢谢您|powered|discuz|[>»›]|::",
    re.IGNORECASE,
)
_COMMENTISH = re.compile(r"comment|tie|reply|review|login|logon|user|tips|评论", re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"\d|[:：@/\\|]|未知|不详|佚名|相关|授权|注明|转载|关注|登录|账号|http|www\.|\.com|\.cn"
)
_SENTENCE = re.compile(r"[，。？！；?!=\"]")
_ORG = re.compile(r"网|报|新闻|中心|委员会|政府|办公|厅|局|部|院|所|社|公司|集团|平台")
_AUTHOR_PREFIX = re.compile(r"^(?:作者|撰稿|撰文|(?:本报|本刊|特约)?记者|文)\s*[:：/︱|丨]?\s*")
_DOC_LINE = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[(（［﹝【]\d{4}[〕\])）］﹞】]第?\d{1,5}号$")


def _content_type(headers: Headers | None) -> str | None:
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
        analysis = self.analysis = compute_stats(self.root)
        self.stats: dict[HtmlElement, NodeStats] = analysis.stats
        self.marked = analysis.marked
        self.headings = analysis.headings
        self.times = analysis.times
        self.title_tag = analysis.title
        self.meta = meta_map(analysis.metas)
        self.signature_line: str | Literal[False] | None = False  # False: not looked for yet
        self.signature_date: str | None = None
        self.editors: frozenset[str] | None = None  # (looked for once, by _edited_by)
        self._page_title: str | None = None
        self.chunks: list[Chunk] = analysis.chunks
        self.info_tables: set[HtmlElement] = set()  # horizontal information tables
        self.labels: list[LabelHit] = find_labels(self.chunks, self.info_tables)
        self._label_values: dict[tuple[str, bool], str | None] = {}  # label() results
        self._label_later: dict[str, str] = {}
        self.title, self.title_el = pick_title(
            self.page_title(), self.meta, self.label("title"), self.title_candidates()
        )
        self.container, self.container_score = find_container(self.analysis, self.title_el)
        self._order: dict[HtmlElement, int] | None = None
        self._content_end = 0
        self._body_start: int | None = -1  # -1: not computed yet
        self._inside: set[HtmlElement] | None = None
        self._content_end_chunk: int | None = None
        self.block_cache: dict[HtmlElement, HtmlElement] = {}

    def refresh_container(self, title_el: HtmlElement, ratio: float = 0.3) -> None:
        """Find the content container again for a headline found after the first guess (the
        text right after a clearly marked headline wins over a larger block further away)."""
        self.container, self.container_score = find_container(self.analysis, title_el, ratio)
        self._order = None
        self._inside = None
        self._content_end_chunk = None
        self._body_start = -1

    def body_start(self) -> int | None:
        """Index of the first chunk of running text of the content (``None``: none found)."""
        if self._body_start == -1:
            first = self.chunk_index_of(self.container) if self.container is not None else 0
            self._body_start = body_start(self.chunks, first or 0)
        return self._body_start

    def page_title(self) -> str:
        """The text of the ``<title>``."""
        if self._page_title is None:
            el = self.title_tag
            self._page_title = text_of(el) if el is not None else ""
        return self._page_title

    def label(self, name: str, strong_only: bool = False) -> str | None:
        """The first value of a ``label：value`` pair for the field (a date or an author
        printed after the article, in comments or related items, does not count)."""
        key = (name, strong_only)
        if key in self._label_values:
            return self._label_values[key]
        found: str | None = None
        for hit in self.labels:
            if hit.name == name and not (strong_only and hit.weak):
                value = clean_value(name, hit.value)
                if not value:
                    continue
                if name in _IN_CONTENT_LABELS and hit.chunk >= self.content_end_chunk():
                    self._label_later.setdefault(name, value)
                    continue
                found = value
                break
        self._label_values[key] = found
        return found

    def label_after_content(self, name: str) -> str | None:
        """A label's first value after the article (comments, related items): a last resort."""
        self.label(name)
        return self._label_later.get(name)

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

    def container_elements(self) -> set[HtmlElement]:
        """The content container and everything inside it."""
        if self._inside is None:
            self._inside = set(self.container.iter()) if self.container is not None else set()
        return self._inside

    def title_candidates(self) -> list[HtmlElement]:
        """The headings short enough to be a headline (the text of a long one, a box whose
        class says ``title``, is never read)."""
        stats = self.stats
        return [
            el
            for el in self.headings
            if (st := stats.get(el)) is None or 2 <= st.total <= _HEADING_CHARS
        ]

    def content_end_chunk(self) -> int:
        """Index of the first text piece after the content container (the pieces of one
        element are contiguous: found by bisection)."""
        if self._content_end_chunk is None:
            chunks = self.chunks
            end = len(chunks)
            first = self.chunk_index_of(self.container) if self.container is not None else None
            if first is not None:
                inside = self.container_elements()
                k = bisect_left(
                    range(first, end), True, key=lambda i: chunks[i].owner not in inside
                )
                end = first + k
            self._content_end_chunk = end
        return self._content_end_chunk

    def chunk_index_of(self, el: HtmlElement | None) -> int | None:
        if el is None:
            return None
        # the first chunk whose owner is ``el`` or inside it
        subtree = self.container_elements() if el is self.container else set(el.iter())
        for chunk in self.chunks:
            if chunk.owner in subtree:
                return chunk.index
        return None


_NEAR_TITLE = 60  # chunks between a headline element and the body's start
# an element whose class or id says it holds the author's name (a platform's nickname element)
_AUTHOR_CLASS = re.compile(r"author|nick-?name|user-?name")
_DOCUMENT_FIELDS = 2  # 索引号, 文号, 发文机关, 成文日期, 主题分类: two make a document's block
_HEADING_CHARS = 200  # a headline is at most 150 characters; labels and markup may add some
_BYLINE_CHUNKS = 40  # pieces under the headline where its byline may stand
# labels whose value after the article's end belongs to comments or related items
_IN_CONTENT_LABELS = frozenset({"publish_date", "author"})
_DATE_LINE_CHARS = 80


def _date_near(page: _Page, at: int | None) -> str | None:
    """The page's own date next to its headline (chunk ``at``): a date line between the headline
    and the text first, then one just above the headline (forum and blog post headers), then a
    date in the first short pieces after it. Dates inside running text (an old date quoted in
    the first paragraph) do not count."""
    if at is None:
        return None
    chunks = page.chunks
    start = page.body_start()
    end = at + 1 + 30
    if start is not None and start > at:
        end = min(end, start + 1)
    loose: str | None = None
    for chunk in chunks[at + 1 : end]:
        text = chunk.text
        if len(text) > 150:
            break  # a paragraph: the article has started
        if not any(c.isdigit() for c in text):
            continue
        if _OTHER_ARTICLES.search(text):
            continue  # ``最新推荐文章于 2024-05-07 发布``: another article's date
        date = parse_date(text)
        if not date and _RELATIVE_TIME.search(text):
            date = _attribute_date(chunk.owner)
        if not date:
            continue
        if len(text) <= _DATE_LINE_CHARS and not is_prose(text):
            return date
        loose = loose or date
    for chunk in reversed(chunks[max(at - 8, 0) : at]):
        text = chunk.text
        if is_prose(text):
            break
        if len(text) <= _DATE_LINE_CHARS and any(c.isdigit() for c in text):
            date = parse_date(text)
            if date and is_meta_line(text):
                return date
    return loose


def _publish_date(page: _Page, title_at: int | None) -> str | None:
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
    if not candidates:
        date = _microdata_date(page)  # ``<time itemprop="datePublished">``
        if date:
            candidates.append(date)
    near = _date_near(page, title_at)
    # a weak label (``时间：``, ``日期：``) counts before the text starts; one inside the text
    # (a schedule, a quoted notice) only when nothing else dates the page
    weak_before: str | None = None
    weak_inside: str | None = None
    start = page.body_start()
    for hit in page.labels:
        if hit.name != "publish_date":
            continue
        value = clean_value("publish_date", hit.value)
        if not value:
            continue
        if start is None or hit.chunk < start:
            weak_before = value
        else:
            weak_inside = value
        break
    for value in (weak_before, near):
        if value:
            candidates.append(value)
    if not candidates:
        dated = _dated_element(page) or parse_date(script_time(page.doc.raw) or "")
        if dated:
            candidates.append(dated)
    if not candidates and weak_inside:
        candidates.append(weak_inside)
    if not candidates:
        later = page.label_after_content("publish_date") or _posted_below(page)
        if later:
            candidates.append(later)
    if not candidates:
        # JSON-LD counts only when the page prints no date (a wiki's ``datePublished`` is the
        # page's creation, not the revision a reader sees)
        for value in json_ld_dates(page.doc.raw):
            date = parse_date(value)
            if date:
                candidates.append(date)
                break
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
    if not 2 <= len(text) <= 30 or _NOT_A_NAME.search(text) or _SENTENCE.search(text):
        return False
    if _OUTLET_NAME.search(text) or text in _edited_by(page):
        return False
    return text != page.label("source_name")


# a publisher's name where an author's should be (``新浪财经``, ``法新社``, ``sina_mobile``)
_OUTLET_NAME = re.compile(
    r"(?:报|社|网|台|新闻|财经|財經|频道|頻道|客户端|杂志|周刊|新媒体|传媒|电台|電台|mobile|news)$",
    re.IGNORECASE,
)
_EDITED_BY = re.compile(
    r"(?:责任编辑|责编|編輯|编辑|审核|审校|监制)\s*[:：]?\s*([\u4e00-\u9fff·]{2,8})"
)


def _edited_by(page: _Page) -> frozenset[str]:
    """The names the page prints as its editors (``责编：张倩``): a ``<meta name=author>``
    often holds the editor's name."""
    if page.editors is not None:
        return page.editors
    chunks = page.chunks
    start = page.body_start() or 0
    end = page.content_end_chunk()
    # where editors are credited: the header lines above the text, its last lines and below
    near = chunks[:start] + chunks[max(start, end - _EDITOR_CHUNKS) : end + _EDITOR_CHUNKS]
    found: set[str] = set()
    for m in _EDITED_BY.finditer("\n".join(chunk.text for chunk in near)):
        found.update(names(m.group(1)) or [m.group(1)])
    page.editors = frozenset(found)
    return page.editors


_EDITOR_CHUNKS = 30


def _as_names(value: str) -> str:
    """An author value as names (``本报记者 王乐文 方 敏`` -> ``王乐文、方敏``); as printed when it
    is not a list of Chinese names."""
    stripped = _AUTHOR_PREFIX.sub("", value).strip()
    found = names(stripped)
    if found and len("".join(found)) >= len(squash(stripped)) - 2:
        return "、".join(found)
    return stripped


def _author(page: _Page, title_at: int | None, body: str | None, title: str | None) -> str | None:
    start = page.body_start()
    found: list[str] = []
    # an official document with an information-disclosure block names its issuer: only a
    # labelled byline or a reporter's in its text count there (no posters, no bare names)
    document = sum(1 for name in INFO_FIELDS if page.label(name)) >= _DOCUMENT_FIELDS
    if document:
        found = byline_in_text(body, title, bare=False) if body else []
    elif title_at is not None and start is not None and title_at < start:
        end = min(start, title_at + 1 + _BYLINE_CHUNKS)
        area = [
            line.text for line in lines_between(page.chunks, title_at + 1, end, page.block_cache)
        ]
        found = (
            byline_in_lines(area)
            or poster_in_lines(area)
            or poster_link(page.chunks[title_at + 1 : start])
            or name_line(area)
        )
    if not found and title_at is not None and not document:
        above = lines_between(page.chunks, title_at - 6, title_at, page.block_cache)
        found = poster_in_lines([line.text for line in above])
    if not found and body and not document:
        found = byline_in_text(body, title)
    if not found and start is not None and page.container is not None and not document:
        # the line under the text (``编辑：X 来源：Y 作者：Z``, ``由X张贴 @ 2005-06-14``)
        end = page.content_end_chunk()
        after = end if start < end < len(page.chunks) else None
        if after is not None:
            below = [
                line.text
                for line in lines_between(page.chunks, after, after + 10, page.block_cache)
            ]
            found = byline_in_lines(below) or poster_in_lines(below)
    if not found and not document:
        signed = _signature_line(page)
        if signed:
            found = poster_in_lines([signed])
    if found:
        return "、".join(found)
    value = page.label("author")
    if value and _plausible_author(value, page):
        return _as_names(value)
    value = None if document else _microdata_author(page)
    if value:
        return value
    for el, classid in page.marked:
        if "author" not in classid and "name" not in classid:
            continue  # (every _AUTHOR_CLASS word holds one of these)
        marked = _AUTHOR_CLASS.search(classid)
        if marked is None or el.tag == "meta":
            continue
        if _COMMENTISH.search(_class_id_of(el)) or not page.before_content_end(el):
            continue
        if marked.group(0) != "author" and el in page.container_elements():
            continue  # a nickname inside the text is its subject's (a wiki's infobox), not a byline
        text = _AUTHOR_PREFIX.sub("", text_of(el)).strip()
        if _plausible_author(text, page) and len(text) <= 20:
            return _as_names(text)
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


_OTHER_ARTICLES = re.compile(r"推荐文章|相关文章|上一篇|下一篇|热门文章|最新文章")
# a time shown relative to now (``11个月前``, ``3 天前``): the absolute one is in an attribute
_RELATIVE_TIME = re.compile(r"\d+\s*(?:秒|分钟|小时|天|周|个月|月|年)前")
_DATE_ATTRIBUTES = ("datetime", "title", "data-tooltip", "data-time", "data-date")


def _attribute_date(el: HtmlElement | None) -> str | None:
    """The date an element showing a relative time keeps in its attributes (or its parent's):
    ``<span title="2023-05-28 10:28:25">11个月前</span>``."""
    for _ in range(2):
        if el is None:
            return None
        for attr in _DATE_ATTRIBUTES:
            value = el.get(attr)
            if value and any(c.isdigit() for c in value):
                date = parse_date(value)
                if date:
                    return date
        el = el.getparent()
    return None


def _microdata_time(page: _Page) -> HtmlElement | None:
    """``<time itemprop="datePublished" datetime="…">`` (a ``<meta itemprop>`` is read with the
    other ``<meta>``)."""
    for el in page.times:
        if el.get("itemprop") == "datePublished":
            return el
    return None


def _microdata_date(page: _Page) -> str | None:
    el = _microdata_time(page)
    value = (el.get("datetime") or text_of(el)) if el is not None else None
    return parse_date(value) if value else None


def _microdata_author(page: _Page) -> str | None:
    """``itemprop="author"`` on a page that marks its date with microdata too (the walk through
    the page is spent only there)."""
    if _microdata_time(page) is None:
        return None
    for el in page.root.iterfind(".//*[@itemprop='author']"):
        if el.tag == "meta" or not page.before_content_end(el):
            continue
        name = el.find(".//*[@itemprop='name']")
        text = text_of(name if name is not None else el).strip()
        if _plausible_author(text, page) and len(text) <= 20:
            return _as_names(text)
        break
    return None


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
    title_at: int | None = None
    if "title" in chosen:
        title, title_el = chosen["title"], chosen_el.get("title")
    if title and title_el is None:
        squashed = "".join(title.split())
        site = _site_like(title)
        for chunk in page.chunks:
            if len(chunk.text) >= len(squashed) and "".join(chunk.text.split()) == squashed:
                # a site's name shown in its header is no headline: only a heading counts
                if not site or _in_heading(chunk.owner):
                    title_el = chunk.owner
                    title_at = chunk.index
                break
    if "title" not in chosen:
        title, title_el, title_at = _choose_title(page, title, title_el, title_at)
    if title_at is None:
        title_at = page.chunk_index_of(title_el)
    result.title = clean_title(strip_pinyin_readings(title)) if title else None

    result.publish_date = chosen.get("publish_date") or _publish_date(page, title_at)
    result.written_date = chosen.get("written_date") or page.label("written_date")
    result.issuer = chosen.get("issuer") or page.label("issuer")
    result.issuers = split_issuers(result.issuer) if result.issuer else []
    result.index_number = chosen.get("index_number") or page.label("index_number")
    result.topic = chosen.get("topic") or page.label("topic")
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
    text = ""
    chrome: set[HtmlElement] = set(page.info_tables)  # metadata, not text
    if container is not None:
        if title_el is not None and title_el is not container and is_heading_like(title_el):
            chrome.add(title_el)  # the headline is not part of the body
        text = body_text(container, page.analysis, chrome, strict)
        if strict and text:
            text = trim_edges(text)
            announced = _announced_table(container, text)
            if announced is not None:
                more = body_text(announced, page.analysis, chrome, False)
                if more:
                    text = f"{text}\n{more}"
    only_files = _attachments_only(page, container, text, title_at) if strict else None
    if only_files:
        _text_in_attachment(result, only_files)
    elif container is not None and text:
        result.body_text = text
        result.body_html = sanitized_html(container, page.url, chrome)
        result.images = find_images(container, page.url, chrome)
        parent = container.getparent()
        result.attachments = find_attachments(parent if parent is not None else container, page.url)
        if _names_only(text, result.attachments):
            result.text_in_attachment = True
    result.doc_number = (
        chosen.get("doc_number")
        or page.label("doc_number")
        or _doc_number_from_body(result.body_text)
    )
    if result.body_text and (result.issuer is None or result.written_date is None):
        issuers, signed = _signature(result.body_text)
        if issuers and result.issuer is None:
            result.issuer = "、".join(issuers)
            result.issuers = issuers
        if signed and result.written_date is None and (issuers or result.doc_number):
            result.written_date = signed
        if result.written_date is None and result.doc_number:
            # a covering notice signed above the document it issues
            result.written_date = _signature_date(result.body_text)
    if result.publish_date is None and result.body_text:
        result.publish_date = _posted_at_end(result.body_text)
    result.author = chosen.get("author") or _author(page, title_at, result.body_text, result.title)
    if not result.body_text:
        result.kind = "not_article"
        result.reason = "no text"


_FOOTER_MARKS = re.compile(
    r"主办|承办|协办|版权所有|Copyright|©|ICP|公网安备|网站标识码|技术支持|联系电话|咨询电话|服务电话|"
    r"热线|地址[:：]|邮编|邮箱|E-?mail|网站地图|关于我们|联系我们|建议使用|分辨率|浏览器",
    re.IGNORECASE,
)
_FILE_LABEL = re.compile(
    r"^(?:附件|相关附件|附件下载|下载|点击下载|文件下载)?\s*[0-9０-９一二三四五六七八九十]*[.．、]?\s*[:：]?\s*$"
)


def _attachments_only(
    page: _Page, container: HtmlElement | None, text: str, title_at: int | None
) -> list[HtmlElement] | None:
    """The links to files under the headline of a page whose document is only an attachment:
    there is no text, or the container found is the site's footer (hotline, e-mail, ICP
    number) below the links. ``None`` when the page has text of its own."""
    if title_at is None or len(text) > 800:
        return None
    end = title_at + 80
    if text:
        if len(_FOOTER_MARKS.findall(text)) < 2:
            return None
        first = page.chunk_index_of(container)
        if first is None or first <= title_at:
            return None
        end = first
    links: list[HtmlElement] = []
    for chunk in page.chunks[title_at + 1 : end]:
        node: HtmlElement | None = chunk.owner
        for _ in range(3):
            if node is None:
                break
            if node.tag == "a":
                if is_file_url(node.get("href") or "") and node not in links:
                    links.append(node)
                break
            node = node.getparent()
    return links or None


def _text_in_attachment(result: ExtractedPage, links: list[HtmlElement]) -> None:
    """Fields of a page whose document is only in its attachments: the body is their names."""
    found = []
    for a in links:
        found.extend(find_attachments(a, result.url))
    by_url = {f.url: f for f in reversed(found)}  # the first of each URL
    result.attachments = [f for f in found if by_url.get(f.url) is f]
    if not result.attachments:
        return
    result.text_in_attachment = True
    result.body_text = "\n".join(f.name for f in result.attachments)
    result.body_html = "".join(
        f'<p><a href="{html.escape(f.url)}">{html.escape(f.name)}</a></p>'
        for f in result.attachments
    )


def _names_only(text: str, attachments: list[Attachment]) -> bool:
    """Whether a body is nothing but the names of its attachments (and ``附件：`` labels)."""
    if not attachments or len(text) > 400:
        return False
    rest = text
    for f in attachments:
        rest = rest.replace(f.name, "")
    return all(_FILE_LABEL.match(line.strip()) for line in rest.split("\n"))


def _site_like(title: str | None) -> bool:
    """A <title> that names the site or column rather than the article."""
    if not title:
        return True
    squashed = "".join(title.split())
    return len(squashed) <= 8 or bool(_SITE_NAME.search(squashed))


def _in_heading(el: HtmlElement) -> bool:
    """Whether an element is a heading or the inline content of one."""
    node: HtmlElement | None = el
    for _ in range(3):
        if node is None:
            return False
        if is_heading_like(node):
            return True
        if node.tag not in _INLINE_IN_HEADING:
            return False
        node = node.getparent()
    return False


def _plain_heading(el: HtmlElement) -> bool:
    """A heading (h1-h3) that is no link (a blog's or site's name in its header links home)."""
    if el.tag not in ("h1", "h2", "h3"):
        return False
    parent = el.getparent()
    return el.find(".//a") is None and (parent is None or parent.tag != "a")


_INLINE_IN_HEADING = frozenset({"span", "a", "b", "strong", "font", "em", "i"})
_NOT_LETTER = re.compile(r"[\W_]+")


def _letters(text: str) -> str:
    """Text reduced to letters and digits (dashes, quotes and spaces differ between a
    ``<title>`` and the headline shown)."""
    return _NOT_LETTER.sub("", text)


_TITLE_LABEL_LINE = re.compile(r"^(?:帖子主题|主\s*题|标\s*题|文章标题)\s*[:：]\s*(.*)$")


def _labelled_title(page: _Page) -> tuple[str, HtmlElement, int] | None:
    """A headline printed after a label (``主题：…``, ``标题：…``, forum and old CMS pages)."""
    chunks = page.chunks
    for k, chunk in enumerate(chunks[:600]):
        m = _TITLE_LABEL_LINE.match(chunk.text)
        if m is None:
            continue
        value = m.group(1).strip()
        owner, at = chunk.owner, chunk.index
        if not value and k + 1 < len(chunks):
            value, owner, at = chunks[k + 1].text, chunks[k + 1].owner, chunks[k + 1].index
        value = clean_title(value)
        if 6 <= len(value) <= 100 and is_title_text(value) and not is_prose(value):
            return value, owner, at
    return None


def _first_of_kind(page: _Page, block: HtmlElement) -> tuple[str, HtmlElement, int] | None:
    """The first of repeated post headers (a blog or forum page listing several posts, each
    headed by an element of the same class): the page's own post comes first."""
    cls = block.get("class")
    if not cls:
        return None
    for el, _classid in page.marked:
        if el is block:
            return None
        if el.tag == block.tag and el.get("class") == cls:
            text = clean_title(text_of(el))
            at = page.chunk_index_of(el)
            if (
                at is not None
                and 4 <= len(text) <= 100
                and is_title_text(text)
                and not is_meta_line(text)
            ):
                return text, el, at
    return None


def _choose_title(
    page: _Page, title: str | None, title_el: HtmlElement | None, title_at: int | None
) -> tuple[str | None, HtmlElement | None, int | None]:
    """The headline a reader sees: the one found from the meta / ``<title>`` conventions when
    it is shown near the text, else the emphasised line right above the text when the
    ``<title>`` is that line with the site's name around it, or names only the site (a blog,
    a forum, ``显示``)."""
    start = page.body_start()
    if start is None:
        return title, title_el, title_at
    site = not is_title_text(title) or _site_like(title)
    full = page.page_title()
    if title_el is not None and not site:
        if _in_heading(title_el) or len(title_parts(full)) < 2:
            return title, title_el, title_at
        # one piece of a ``Site - Headline`` <title> shown in the page's header: the other
        # piece, marked as the headline right above the text, wins
        cands = headline_candidates(
            page.chunks, start, "", page.block_cache, page.url, title_parts(full)
        )
        if cands and cands[0].score >= 2.5 and _letters(cands[0].text) != _letters(title or ""):
            best = cands[0]
            return best.text, best.line.owner, best.line.first
        return title, title_el, title_at
    article = strip_suffix(full)
    near_at: int | None = None
    if title_el is not None:
        at = title_at if title_at is not None else page.chunk_index_of(title_el)
        if at is not None and at >= start - _NEAR_TITLE:
            near_at = at
        else:
            tsq = squash(title or "")
            if (
                tsq
                and tsq in squash(full)
                and not _SITE_NAME.search(tsq)
                and is_heading_like(title_el)
            ):
                return title, title_el, at  # a short headline the <title> names too
    if site and near_at is None:
        labelled = _labelled_title(page)
        if labelled is not None:
            page.refresh_container(labelled[1])
            return labelled
    if near_at is not None and title_el is not None and _plain_heading(title_el):
        return title, title_el, near_at  # a heading that links nowhere: the page's own
    cands = headline_candidates(
        page.chunks, start, article, page.block_cache, page.url, title_parts(full)
    )
    if near_at is not None:
        # a short or site-like headline element near the text: kept unless a clearly marked
        # headline stands between it and the text (a blog's name above its post's title)
        if cands and cands[0].score >= 1.5 and cands[0].line.first > near_at:
            best = cands[0]
            return best.text, best.line.owner, best.line.first
        return title, title_el, near_at
    if cands:
        best = cands[0]
        bsq, tsq, asq = _letters(best.text), _letters(title or ""), _letters(article)
        same = bool(tsq) and (bsq in tsq or tsq in bsq)
        shown = len(bsq) >= 4 and (bsq in asq or (title_el is None and bsq in _letters(full)))
        if ((same or shown) and best.score >= 0.5) or (site and best.score >= 0.3):
            first = _first_of_kind(page, best.line.block) if site else None
            if first is not None:
                page.refresh_container(first[1], 0.05)  # the first post's text, however short
                return first
            return best.text, best.line.owner, best.line.first
    if site and title_el is None:
        heading = _heading_before_content(page)
        if heading is not None:
            return heading[0], heading[1], None
    return (title if is_title_text(title) else None), title_el, title_at


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
        text = clean_title(text_of(el))
        if 6 <= len(text) <= 120 and is_title_text(text):
            best = (text, el)
    return best


_POSTED = re.compile(r"(?:发表|发布|张贴)于|于\s*(?:19|20)\d{2}[-/.年].{0,40}?(?:发表|发布|张贴)")


# a last line that announces what follows (``附：招生专业及考试科目``, ``名单如下：``)
_ANNOUNCES = re.compile(r"^(?:附[:：]|附表|附件\d*[:：]).{0,40}$|^.{0,40}(?:如下|见下表)[:：]?$")


def _announced_table(container: HtmlElement, text: str) -> HtmlElement | None:
    """The table printed right after the content container when the text's last line announces
    it (``附：招生专业及考试科目``): the template put the list outside the text's cell."""
    last = text.rsplit("\n", 1)[-1].strip()
    if not _ANNOUNCES.match(last):
        return None
    node: HtmlElement | None = container
    for _ in range(3):
        if node is None:
            return None
        for sib in node.itersiblings():
            if not isinstance(sib.tag, str) or not text_of(sib):
                continue
            table = sib if sib.tag == "table" else None
            if table is None:
                tables = sib.findall(".//table")
                table = tables[0] if len(tables) == 1 else None
            if table is not None and len(table.findall(".//tr")) >= 2:
                return table
            return None  # the first thing after the text is not a table
        node = node.getparent()
    return None


_POSTED_WORDS = ("发表", "发布", "张贴")


def _signature_line(page: _Page) -> str | None:
    """A post's signature, in or right under its text (``本贴由X于2005年8月12日…发表``): the
    first statement of who posted it and when, with a few characters before it (the poster's
    name) and the date after it."""
    if page.signature_line is not False:
        return page.signature_line
    page.signature_line = None
    end = page.content_end_chunk()
    start = page.body_start()
    first = start if start is not None and start < end else end
    # the pieces run together: the signature is split over inline elements (``<b>X</b>``)
    pieces = "".join(chunk.text for chunk in page.chunks[first : end + 12])
    if "于" not in pieces or not any(word in pieces for word in _POSTED_WORDS):
        return None
    for m in _POSTED.finditer(pieces):
        date = parse_date(pieces[m.start() : m.end() + _SIGNATURE_DATE_CHARS])
        if date:
            page.signature_line = pieces[max(0, m.start() - _SIGNATURE_NAME_CHARS) : m.end()]
            page.signature_date = date
            break
    return page.signature_line


_SIGNATURE_NAME_CHARS = 26  # ``本贴由`` and a handle of up to 24 characters
_SIGNATURE_DATE_CHARS = 40


def _posted_below(page: _Page) -> str | None:
    """A post's date from its signature."""
    return page.signature_date if _signature_line(page) else None


def _posted_at_end(text: str) -> str | None:
    """A forum post's date printed under it (``本贴由X于2005年8月12日16:12:21在〖…〗发表``)."""
    for line in text.rsplit("\n", 3)[-3:]:
        if len(line) <= 120 and _POSTED.search(line):
            date = parse_date(line)
            if date:
                return date
    return None


# a signing agency on its own line (``国家卫生健康委``, ``示例市人民政府办公厅``)
_AGENCY = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}?(?:委员会|委|局|部|厅|办公室|办公厅|办|院|政府|署|中心|总局|"
    r"银行|党委|党组|司|联合会|协会|学会|工会|团委|妇联|科协|残联|大学|学院|学校|集团|公司)$"
)


def _signature(text: str) -> tuple[list[str], str | None]:
    """The signature closing an official document without an information table: the signing
    agencies, each on its own line (joint issuance) or side by side, above the date line
    (``国家卫生健康委`` / ``国家疾控局`` / ``2026年7月1日``). Returns the agencies (possibly none)
    and the date (成文日期) of the date line among the last lines."""
    lines = [line for line in text.rsplit("\n", 8)[-8:] if line.strip()]
    for k in range(len(lines) - 1, max(len(lines) - 5, -1), -1):
        if _SIGNATURE_DATE.match("".join(lines[k].split())):
            break
    else:
        return [], None
    signed = parse_date("".join(lines[k].split()))
    agencies: list[str] = []
    for line in reversed(lines[:k]):
        parts = line.split()
        if not parts or not all(_AGENCY.match(part) for part in parts):
            break
        agencies[:0] = parts
        if len(agencies) >= 8:
            break
    return agencies, signed


def _signature_date(text: str) -> str | None:
    """成文日期 of an official document without an information table: a date line under the
    issuer's signature among the last lines (``2019年1月27日``)."""
    for line in text.rsplit("\n", 6)[-6:]:
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused, and resumed as it was. Extraction allocates a few
    thousand container objects per page (the tree's element proxies, their statistics, the text
    pieces), all freed by reference counting when the page is done: it makes no reference cycles
    (a test holds it to that), so each collection the allocations would set off mid-page scans
    them in vain, and the older generations (a crawler's whole heap) now and then with them.
    Whatever cycles other code makes are collected as usual once the page is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _extract_text(
    body: bytes,
    url: str,
    content_type: str | None,
    kind: str | None,
    selectors: Mapping[str, str] | None,
    link_selector: str | None = None,
) -> ExtractedPage:
    with _gc_paused():
        return _extract_page(body, url, content_type, kind, selectors, link_selector)


def _extract_page(
    body: bytes,
    url: str,
    content_type: str | None,
    kind: str | None,
    selectors: Mapping[str, str] | None,
    link_selector: str | None,
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
    # a valid UTF-8 page without BOM: its bytes are the text's UTF-8 (no U+FFFD was put in)
    exact = encoding == "utf-8" and not body.startswith(b"\xef\xbb\xbf") and "\ufffd" not in text
    doc = parse_html(text, body if exact else None)
    if doc is None:
        result.kind, result.reason = "not_article", "no text"
        return result
    page = _Page(doc, url)
    root_stats = page.stats.get(page.root)
    result.page_chars = max(doc.shown_chars(page.stats) - (root_stats.link if root_stats else 0), 0)
    if kind not in ("article", "list"):
        kind = "list" if _looks_like_list(page) else "article"
    if kind == "list":
        result.kind = "list"
        result.links = article_links(
            page.root, url, link_selector, doc.embedded_records, page.stats
        )
        title, _ = pick_title(page.page_title(), page.meta, None, page.title_candidates())
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
    ctype: bytes | None = response.headers.get(b"Content-Type") if response.headers else None
    content_type = ctype.decode("latin-1") if isinstance(ctype, bytes) else ctype
    return _extract_text(response.body, response.url, content_type, "article", selectors)


def extract_links(response: Response, selector: str | None = None) -> list[str]:
    """Article links of a list page (absolute, de-duplicated); ``selector`` picks the ``<a>``
    elements (or their containers) when given."""
    ctype: bytes | None = response.headers.get(b"Content-Type") if response.headers else None
    content_type = ctype.decode("latin-1") if isinstance(ctype, bytes) else ctype
    page = _extract_text(response.body, response.url, content_type, "list", None, selector)
    return page.links


def extract_from_bytes(
    body: bytes,
    url: str,
    headers: Headers | None = None,
    kind: str | None = None,
) -> ExtractedPage:
    """Extract from raw bytes: ``kind="list"`` fills ``links``, ``"article"`` the article fields,
    ``None`` detects (a page that is mostly a list of dated links is a list). Never raises on a
    page; arguments of the wrong type raise ``TypeError`` in the compiled build (setup.py)."""
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
