"""Parsing once with lxml, cleaning, and per-node text statistics computed in one pass."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from lxml import etree
from lxml.etree import _Element as HtmlElement

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "BLOCK_TAGS",
    "PARAGRAPH_TAGS",
    "Analysis",
    "Chunk",
    "Doc",
    "NodeStats",
    "compute_stats",
    "drop_keep_tail",
    "inline_text",
    "itertext",
    "json_ld_dates",
    "parse_html",
    "script_time",
    "select",
    "xpath_elements",
]

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
# removed with their content (never text of an article)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "select",
    "textarea",
    "button",
    "input",
)
_INVISIBLE = ("script", "style", "noscript", "template")
# the white space ``str.split`` knows (what the statistics leave out), the common first
_COMMON_SPACE = " \n\t\r\u3000\xa0\u2002\u2003"
_WHITESPACE = (
    *_COMMON_SPACE,
    *(c for c in map(chr, range(0x3001)) if c.isspace() and c not in _COMMON_SPACE),
)
# Embedded media. HTML5's void ones have no content, but lxml (libxml2 knows HTML 4) nests
# everything after an unclosed one inside it: they are unwrapped (the element goes, what it holds
# stays). The others hold only fallback content ("您的浏览器不支持视频") when closed, but the rest
# of the page when not: they are unwrapped when they hold a block or more than
# ``_FALLBACK_CHARS`` characters, else dropped with their fallback. An ``<iframe>``'s content is
# raw text to lxml: markup there is parsed again first.
_VOID_MEDIA = ("embed", "source", "track", "wbr", "keygen")
_MEDIA = ("object", "video", "audio", "canvas", "map", "applet", "iframe")
_FALLBACK_CHARS = 100
_UNWRAP = "pc-unwrap"
_DROP = "pc-drop"
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# text an element hidden with ``visibility: hidden`` holds when it is the article, made visible
# by a script (a hidden menu or dialog holds far less)
_REVEALED_CHARS = 300
# the style and hidden attributes, in document order (an element's own are adjacent): the
# elements that may be hidden, found faster than by selecting them (``//*[@style or @hidden]``)
# or by filtering the styles in XPath, and without reading their attributes again
_HIDING_ATTRIBUTES = etree.XPath("descendant-or-self::*/@style | descendant-or-self::*/@hidden")
# the block elements a paragraph of text may stand in, and the fewest characters it takes
PARAGRAPH_TAGS = frozenset(BLOCK_TAGS - {"html", "body", "table", "tbody", "thead", "tfoot", "tr"})
PARAGRAPH_CHARS = 8
_PUNCT = "，。；！？、“”"
_PUNCT_RE = re.compile(f"[{_PUNCT}]")
# (no table of IDs: nothing here looks an element up by its ID, and building it takes time)
_PARSER = etree.HTMLParser(
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    remove_blank_text=False,
    collect_ids=False,
)


@dataclass(slots=True)
class Doc:
    """A parsed page: the root, the raw embedded XML records (Hanweb list data) and the text."""

    root: HtmlElement
    embedded_records: list[str] = field(default_factory=list)
    raw: bytes = b""
    """The page as parsed (UTF-8): searched for what the tree no longer holds (scripts)."""
    text_chars: int | None = None
    """Characters (not counting white space) of the page's text before any cleaning, scripts
    and styles left out, when counted so (see ``shown_chars``)."""
    removed_chars: int = 0
    """Characters of the text the cleaning removed, when ``text_chars`` was not counted."""

    def shown_chars(self, stats: dict[HtmlElement, NodeStats]) -> int:
        """What a reader sees of the page, in characters (not counting white space): scripts and
        styles left out, whatever the cleaning then removes (or wrongly removes: a health rule
        compares the body with it). Counted before the cleaning, or else the cleaned page's own
        (``stats``) and what was removed."""
        if self.text_chars is not None:
            return self.text_chars
        body = self.root.find("body")
        st = stats.get(body if body is not None else self.root)
        return (st.total if st is not None else 0) + self.removed_chars


def parse_html(text: str, utf8: bytes | None = None) -> Doc | None:
    """Parse decoded page text; scripts, styles, forms controls and hidden elements are removed.
    ``None`` when nothing parseable is left. ``utf8``: the text's exact UTF-8 bytes when the
    caller has them (a page served as valid UTF-8), spared encoding it again."""
    data = utf8 if utf8 is not None else text.encode("utf-8", "replace")
    if not data or data.isspace():  # (no stripped copy of the whole page)
        return None
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.ParserError, ValueError):
        return None
    if root is None or not isinstance(root.tag, str):
        return None
    # content after a stray </html> can end up in a second top-level element: merge it
    siblings = [sib for sib in root.itersiblings() if isinstance(sib.tag, str)]
    if siblings:
        target = root.find("body")
        if target is None:
            target = root
        for sib in siblings:
            target.extend(list(sib))
    # one walk finds what the cleaning removes or unwraps (each ``strip_*`` call is a walk too)
    records: list[str] = []
    media: list[HtmlElement] = []
    controls = 0  # characters of the form controls' text (what a reader sees of them)
    for el in root.iter(*_DROP_TAGS, *_VOID_MEDIA, *_MEDIA):
        tag = el.tag
        if tag in _MEDIA or tag in _VOID_MEDIA:
            if next(el.iterancestors(*_DROP_TAGS), None) is None:
                media.append(el)
        elif tag == "script":
            if (el.get("type") or "").lower() in ("text/xml", "text/html") and el.text:
                records.append(el.text)
        elif tag not in _INVISIBLE and next(el.iterancestors(*_DROP_TAGS), None) is None:
            controls += _ns_len(_text_of(el))  # (an <svg>'s <style> is no text to a reader)
            controls -= sum(_ns_len(_text_of(inner)) for inner in el.iter(*_INVISIBLE))
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    # What a reader sees is counted before any other cleaning, whatever it removes (or wrongly
    # removes: the health rule compares the body with this). Media that hold something (a
    # fallback text, or the rest of the page when left unclosed) are cleaned by rules of their
    # own: then the whole page is counted first. Otherwise the count is the cleaned page's own
    # (its statistics) and what the hidden elements removed here held.
    removed = controls
    text_chars: int | None = None
    if any(len(el) or _ns_len(el.text) for el in media):
        body = root.find("body")
        text_chars = _chars(_text_of(body if body is not None else root)) + controls
    if media:
        _clear_media(root, media)
    found = _HIDING_ATTRIBUTES(root)
    dropped: HtmlElement | None = None
    for value in found if isinstance(found, list) else ():
        if not isinstance(value, etree._ElementUnicodeResult):
            continue
        el = value.getparent()
        if el is None or el is dropped:
            continue  # (the other attribute of an element already removed)
        shown = -1
        if value.attrname == "style":
            # _HIDDEN needs "none" or "hidden" (n, o, e, d fold to ASCII letters only): the
            # case-insensitive regex is slow on long styles, the substring test is not
            low = value.lower()
            if ("none" not in low and "dden" not in low) or not (m := _HIDDEN.search(value)):
                continue  # (a hidden attribute after it still counts)
            if m.group(0)[0] in "vV":
                shown = _ns_len(_text_of(el))
                if shown > _REVEALED_CHARS and el.get("hidden") is None:
                    continue  # an article its script shows once loaded (WeChat's #js_content)
        parent = el.getparent()
        if parent is None or el.tag in ("html", "body"):
            continue
        if text_chars is None and root in el.iterancestors():  # (not inside one removed)
            removed += shown if shown >= 0 else _ns_len(_text_of(el))
        drop_keep_tail(el, parent)
        dropped = el
    return Doc(
        root=root,
        embedded_records=records,
        raw=data,
        text_chars=text_chars,
        removed_chars=removed,
    )


# a script variable holding the post's time as a Unix timestamp (WeChat: ``var ct = "…"``)
_TIME_VARIABLES = (b"var ct", b"var publish_time", b"var create_time", b"var pubtime")
_TIMESTAMP = re.compile(rb"\s*=\s*[\"']?(1\d{9})[\"']?\s*[;,\n]")


def script_time(data: bytes) -> str | None:
    """The post's time a script variable holds (WeChat fills its header's empty time element
    from ``var ct``)."""
    for name in _TIME_VARIABLES:
        at = data.find(name)
        if at != -1:
            m = _TIMESTAMP.match(data, at + len(name))
            if m:
                return _from_timestamp(int(m.group(1)))
    return None


_JSON_LD_DATES = ("datePublished", "pubDate", "dateCreated")
_CHINA = timezone(timedelta(hours=8))


def _from_timestamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, _CHINA).isoformat()


_JSON_LD_OPEN = b"application/ld+json"
_JSON_LD_BLOCKS = 5


def json_ld_dates(data: bytes) -> list[str]:
    """The publication dates the page's JSON-LD blocks state, in the page's order."""
    out: dict[str, str] = {}
    at = data.find(_JSON_LD_OPEN)
    for _ in range(_JSON_LD_BLOCKS):
        if at == -1:
            break
        start = data.find(b">", at) + 1
        end = data.find(b"</script", start)
        if start <= 0 or end == -1:
            break
        _json_ld_dates(data[start:end], out)
        at = data.find(_JSON_LD_OPEN, end)
    return list(out.values())


def _json_ld_dates(block: bytes, out: dict[str, str]) -> None:
    """The first publication date of each kind a JSON-LD block states."""
    try:
        data = json.loads(block)
    except ValueError:
        return
    todo = [data]
    while todo:
        item = todo.pop(0)
        if isinstance(item, list):
            todo.extend(item[:20])
        elif isinstance(item, dict):
            for key in _JSON_LD_DATES:
                value = item.get(key)
                if isinstance(value, str) and key.lower() not in out:
                    out[key.lower()] = value
            graph = item.get("@graph")
            if isinstance(graph, list):
                todo.extend(graph[:20])


def _chars(text: str) -> int:
    """Characters but white space (quicker than splitting a whole page's text)."""
    return len(text) - sum(map(text.count, _WHITESPACE))


def _text_of(el: HtmlElement) -> str:
    text: str = etree.tostring(el, method="text", encoding="unicode", with_tail=False)
    return text


def _clear_media(root: HtmlElement, media: list[HtmlElement]) -> None:
    """Remove embedded media elements (``media``, in document order), keeping what follows them
    (see ``_VOID_MEDIA``)."""
    # the innermost first: an outer one sees what it really holds (a reversed copy, not
    # reversed(): the compiled build, setup.py, cannot compile reversed() of a list of elements)
    for el in media[::-1]:
        if el.tag in _VOID_MEDIA:
            el.tag = _UNWRAP
            continue
        if el.tag == "iframe":
            _parse_raw_content(el)
        holds_blocks = len(el) and any(d.tag in BLOCK_TAGS for d in el.iterdescendants())
        if holds_blocks or _ns_len(_text_of(el)) > _FALLBACK_CHARS:
            el.tag = _UNWRAP  # it holds the page after it
        else:
            el.tag = _DROP  # it holds its own fallback only
    etree.strip_elements(root, _DROP, with_tail=False)
    etree.strip_tags(root, _UNWRAP)


def _parse_raw_content(el: HtmlElement) -> None:
    """An ``<iframe>`` whose raw text holds markup (the rest of the page, when it was not
    closed): that markup parsed into elements in its place."""
    raw = el.text
    if not raw or "<" not in raw:
        return
    try:
        parsed = etree.fromstring(f"<html><body>{raw}</body></html>".encode(), _PARSER)
    except (etree.ParserError, ValueError):
        return
    body = parsed.find("body") if parsed is not None else None
    if body is None:
        return
    el.text = body.text
    el.extend(list(body))


def drop_keep_tail(el: HtmlElement, parent: HtmlElement) -> None:
    """Remove ``el`` from ``parent``, keeping the text that follows it in its place."""
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _ns_len(text: str | None) -> int:
    if not text or text.isspace():
        return 0
    return len("".join(text.split()))


def _punct(text: str | None) -> int:
    if not text:
        return 0
    return sum(map(text.count, _PUNCT))


@dataclass(slots=True)
class NodeStats:
    """Text statistics of one element (characters exclude whitespace)."""

    total: int = 0
    """characters in the whole subtree"""
    link: int = 0
    """characters inside <a>"""
    links: int = 0
    """number of <a href> in the subtree"""
    inline: int = 0
    """characters of the element's own paragraph (itself and inline descendants)"""
    inline_link: int = 0
    inline_punct: int = 0


@dataclass(slots=True)
class Chunk:
    """A piece of page text: an element's ``.text`` or a child's ``.tail``."""

    text: str
    owner: HtmlElement
    index: int
    after: HtmlElement | None = None
    """for a child's ``.tail``: that child (the owner is its parent)"""


@dataclass(slots=True)
class Analysis:
    """Per-element statistics and the elements worth a second look, from one pass."""

    stats: dict[HtmlElement, NodeStats]
    marked: list[tuple[HtmlElement, str]]
    """elements with a class or id (document order), with ``"class id"`` lower-cased"""
    headings: list[HtmlElement]
    """h1-h3 and elements with "title" in their class / id, in document order"""
    classes: dict[HtmlElement, str] = field(default_factory=dict)
    """``"class id"`` of the elements with a class or id, as written (read from the tree once:
    each attribute read is a costly call into lxml)"""
    paragraphs: list[tuple[HtmlElement, float]] = field(default_factory=list)
    """the elements holding a paragraph of their own (see ``PARAGRAPH_TAGS``: at least
    ``PARAGRAPH_CHARS`` characters of text outside blocks, at most half of it in links), each
    with its weight ``1 + punctuation marks + min(characters / 60, 4)``, last-first"""
    chunks: list[Chunk] = field(default_factory=list)
    """the non-blank text pieces in document order, stripped, with the element that holds them:
    an element's ``.text`` (not the ``<title>``'s) and a child's ``.tail`` (held by the parent,
    ``after`` the child)"""
    metas: list[HtmlElement] = field(default_factory=list)
    """the ``<meta>`` elements, in document order"""
    times: list[HtmlElement] = field(default_factory=list)
    """the ``<time>`` elements, in document order"""
    title: HtmlElement | None = None
    """the first ``<title>``"""


_EMPTY = NodeStats()  # shared by the leaves without text (never added to: only parents are)


def compute_stats(root: HtmlElement) -> Analysis:
    """Statistics for every element, bottom-up in one pass (each element pushes its sums to its
    parent, so no child lists are walked); the text pieces are collected in the same pass."""
    elements = list(root.iter(etree.Element))
    # the parent's NodeStats is the accumulator its children add to (created by the first one)
    acc: dict[HtmlElement, NodeStats] = {}
    pop = acc.pop
    stats: dict[HtmlElement, NodeStats] = {}
    marked: list[tuple[HtmlElement, str]] = []
    headings: list[HtmlElement] = []
    classes: dict[HtmlElement, str] = {}
    paragraphs: list[tuple[HtmlElement, float]] = []
    block = BLOCK_TAGS
    paragraph_tags = PARAGRAPH_TAGS
    findall = _PUNCT_RE.findall
    empty = _EMPTY
    # Text pieces in reverse document order. Elements come last-first, each after its subtree,
    # so an element's subtree fills out[start:] ending with its own text; its tail goes before
    # them, at ``start``. A parent's subtree starts where its last child's does.
    out: list[Chunk] = []
    starts: dict[HtmlElement, int] = {}
    noted: dict[str, list[HtmlElement]] = {"meta": [], "time": [], "title": []}
    for el in elements[::-1]:  # a copy, not reversed(): see _clear_media
        st = pop(el, None)
        tag = el.tag
        if tag in noted:
            noted[tag].append(el)
        text = el.text
        if text and text.isspace():
            text = None
        if st is None:
            # a leaf: without text (``<br>``, an empty cell) it shares the empty statistics
            st = NodeStats() if text or tag == "a" else empty
            start = len(out)
        else:
            start = starts.pop(el)
        if text:
            n = len("".join(text.split()))
            st.total += n
            st.inline += n
            if not text.isascii():  # (the marks are all CJK)
                st.inline_punct += len(findall(text))
            if tag != "title":
                out.append(Chunk(text.strip(), el, 0))
        cls = el.get("class")
        ident = el.get("id")
        if cls or ident:
            classid = classes[el] = f"{cls or ''} {ident or ''}"
            classid = classid.lower()
            if tag == "time":
                classid += " time"
            marked.append((el, classid))
            if tag in ("h1", "h2", "h3") or "title" in classid:
                headings.append(el)
        elif tag == "time":
            marked.append((el, " time"))
        elif tag in ("h1", "h2", "h3"):
            headings.append(el)
        if tag == "a":
            st.link = st.total
            st.inline_link = st.inline
            if el.get("href"):
                st.links += 1
        elif (
            (inline := st.inline) >= PARAGRAPH_CHARS
            and tag in paragraph_tags
            and st.inline_link * 2 <= inline  # (a paragraph, not a list of links)
        ):
            paragraphs.append((el, 1.0 + st.inline_punct + min(inline / 60.0, 4.0)))
        stats[el] = st
        parent = el.getparent()
        if parent is None:
            continue
        pst = acc.get(parent)
        if pst is None:
            pst = acc[parent] = NodeStats()
            starts[parent] = start
        if st.total:
            pst.total += st.total
            pst.link += st.link
            pst.links += st.links
            if tag not in block:
                pst.inline += st.inline
                pst.inline_link += st.inline_link
                pst.inline_punct += st.inline_punct
        elif st.links:  # no text: every other count is 0 too
            pst.links += st.links
        tail = el.tail
        if tail and not tail.isspace():
            n = len("".join(tail.split()))
            pst.total += n
            pst.inline += n
            if not tail.isascii():
                pst.inline_punct += len(findall(tail))
            out.insert(start, Chunk(tail.strip(), parent, 0, el))
    marked.reverse()
    headings.reverse()
    out.reverse()
    for index, chunk in enumerate(out):
        chunk.index = index
    for found in noted.values():
        found.reverse()
    titles = noted["title"]
    return Analysis(
        stats,
        marked,
        headings,
        classes,
        paragraphs,
        out,
        noted["meta"],
        noted["time"],
        titles[0] if titles else None,
    )


def inline_text(el: HtmlElement) -> str:
    """The text of an element as a reader sees it, on one line: the pieces of adjacent inline
    elements run on without a gap (``<span>WS2</span><span>80—20</span><span>26</span>`` is
    ``WS280—2026``), block boundaries and ``<br>`` are one space, white space is collapsed."""
    if len(el) == 0:  # no children: the common case of headings and cells
        return " ".join((el.text or "").split())
    block = BLOCK_TAGS
    for node in el.iterdescendants():
        if node.tag in block or node.tag == "br":
            break
    else:  # inline children only: the text runs on (lxml's own text serialisation, in C)
        return " ".join(_text_of(el).split())
    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            if node is not el and (tag in block or tag == "br"):
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        elif node is not el:
            if tag in block:
                parts.append(" ")
            if node.tail:
                parts.append(node.tail)
    return " ".join("".join(parts).split())


def itertext(el: HtmlElement) -> Iterator[str]:
    """``el.itertext()`` typed as text (lxml yields ``str`` for documents parsed from bytes as
    HTML)."""
    return cast("Iterator[str]", el.itertext())


def xpath_elements(root: HtmlElement, expr: str) -> list[HtmlElement]:
    """Elements an XPath expression selects (other results are ignored)."""
    found = root.xpath(expr)
    if not isinstance(found, list):
        return []
    return [el for el in found if isinstance(el, HtmlElement)]


@lru_cache(maxsize=256)
def _to_xpath(selector: str) -> str:
    if selector.startswith(("/", "(")):
        return selector
    from cssselect import HTMLTranslator

    xpath: str = HTMLTranslator().css_to_xpath(selector)
    return xpath


def select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    """Elements matching a CSS selector, or an XPath when it starts with ``/`` or ``(``; an invalid
    selector matches nothing."""
    try:
        found = root.xpath(_to_xpath(selector))
    except Exception:  # cssselect / lxml raise several unrelated types on bad input
        return []
    if not isinstance(found, list):
        return []
    return [el for el in found if isinstance(el, HtmlElement)]
