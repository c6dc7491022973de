"""The area around the article's start: lines of text, where the body starts, the headline shown
above it.

Many pages do not show their headline in an ``<h1>``, and their ``<title>`` names the site, the
blog or the forum (``显示``, ``xx的博客``, ``网易娱乐``). What a reader takes for the headline is
then the emphasised short line right above the text (a bold or large line, a cell or element
whose class says *title*), usually followed by a date or byline line. This module reads the
page's text pieces (:class:`crawler.extraction.fields.Chunk`) as the lines a browser shows,
only in a small window before the body, so it costs little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

# at run time, not only for type checking: the compiled build (setup.py) resolves the
# annotations of dataclass fields when the module loads
from lxml.etree import _Element as HtmlElement

from .dom import BLOCK_TAGS
from .normalize import parse_date, squash

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .fields import Chunk

__all__ = [
    "Line",
    "body_start",
    "headline_candidates",
    "is_meta_line",
    "lines_between",
]

_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_LETTERS = re.compile(r"[^\W\d_]")
_SENTENCE_END = "。！？；…"
# a date / byline / source / counter line of the article's header (never its headline)
_META_WORDS = re.compile(
    r"(?:发布|发表|更新|上传|发稿|录入|修改)(?:日期|时间|于)|时间\s*[:：]|日期\s*[:：]|来源|作者|"
    r"记者|通讯员|编辑|责编|撰稿|撰文|字号|字体|发表于|发布于|posted|楼主|当前离线|积分|稿源|"
    r"出处|译者?\s*[:：]|(?:浏览|阅读|点击|访问|评论|回复)(?:数|量|次数)?\s*[:：(（]?\s*\d"
)
_CHROME_LINE = re.compile(
    r"当前位置|您的位置|现在位置|所在位置|首页\s*[>»›]|[>»›]\s*正文|上一篇|下一篇|上一条|下一条|"
    r"返回|关闭|登录|注册|搜索|扫一扫|二维码|纠错|无障碍|English|版权所有|Copyright|ICP"
)
_BREADCRUMB = re.compile(r"[>»›→]|->")
_LABEL_ONLY = re.compile(r"^[^\s:：]{1,8}[:：]$")
_TITLE_LABEL = re.compile(
    r"^(?:帖子主题|文章标题|文件名称|主\s*题|标\s*题|题\s*目|名\s*称)\s*[:：]\s*"
)
_TITLE_CLASS = re.compile(r"title|tit\b|tit_|_tit|headline|subject|heading|topic|\bbt\b", re.I)
_HOME_HREF = re.compile(r"^(?:index\.\w+|default\.\w+|\.)?$", re.IGNORECASE)
_HEADING_TAGS = {"h1": 3.0, "h2": 2.5, "h3": 2.0, "h4": 1.5, "h5": 1.0, "h6": 1.0}
_EMPHASIS_TAGS = frozenset({"b", "strong", "big"})
_SITE_WORDS = re.compile(
    r"(?:网|网站|门户|官网|首页|频道|栏目)$|博客|blog|论坛|社区|bbs|powered|discuz|欢迎", re.I
)
_MAX_BACK = 48
_DATE_START = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}"
)  # chunks looked at above the body start


@dataclass(slots=True)
class Line:
    """Consecutive text pieces a browser shows on one line (no block boundary or ``<br>``
    between them)."""

    text: str
    first: int
    """index of its first chunk"""
    last: int
    owner: HtmlElement
    """the element holding its first piece"""
    block: HtmlElement
    """its nearest block-level ancestor"""


def _block_of(el: HtmlElement, cache: dict[HtmlElement, HtmlElement]) -> HtmlElement:
    found = cache.get(el)
    if found is not None:
        return found
    node = el
    while node.tag not in BLOCK_TAGS:
        parent = node.getparent()
        if parent is None:
            break
        node = parent
    cache[el] = node
    return node


def _starts_after_break(el: HtmlElement, block: HtmlElement) -> bool:
    """Whether ``el`` (whose own text starts a piece) comes right after a ``<br>`` (or at the
    start of its block)."""
    node = el
    while node is not block:
        prev = node.getprevious()
        if prev is not None:
            return prev.tag == "br" and not (prev.tail or "").strip()
        parent = node.getparent()
        if parent is None or (parent.text or "").strip():
            return False
        node = parent
    return False


def _ends_with_break(el: HtmlElement) -> bool:
    if el.tag == "br":
        return True
    if el.tag in BLOCK_TAGS:
        return True
    last = el[-1] if len(el) else None
    return last is not None and last.tag == "br" and not (last.tail or "").strip()


def _join(parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        # pieces of one line: Han text runs on, other scripts keep a space between words
        if out and part and _HAN_RE.match(out[-1]) and _HAN_RE.match(part[0]):
            out += part
        else:
            out += " " + part
    return out


def lines_between(
    chunks: Sequence[Chunk], start: int, end: int, cache: dict[HtmlElement, HtmlElement]
) -> list[Line]:
    """The lines made of ``chunks[start:end]``."""
    lines: list[Line] = []
    parts: list[str] = []
    current: Line | None = None
    for chunk in chunks[max(start, 0) : max(end, 0)]:
        block = _block_of(chunk.owner, cache)
        if current is not None and block is current.block:
            if chunk.after is not None:
                brk = _ends_with_break(chunk.after)
            else:
                brk = chunk.owner.tag in BLOCK_TAGS or _starts_after_break(chunk.owner, block)
            if not brk:
                current.last = chunk.index
                parts.append(chunk.text)
                continue
        if current is not None:
            current.text = _join(parts)
            lines.append(current)
        current = Line("", chunk.index, chunk.index, chunk.owner, block)
        parts = [chunk.text]
    if current is not None:
        current.text = _join(parts)
        lines.append(current)
    return lines


def is_prose(text: str) -> bool:
    """A piece of running text (a paragraph), not a headline, label or byline."""
    n = len(text)
    if n >= 50:
        return True
    if n < 10:
        return False
    # a headline may end with ！ or ？, a sentence of some length ends a paragraph
    return "。" in text or text[-1] in "；…" or (n >= 30 and text[-1] in "！？")


def body_start(chunks: Sequence[Chunk], first: int, limit: int = 400) -> int | None:
    """Index of the first chunk of running text at or after ``first``."""
    for chunk in chunks[first : first + limit]:
        if is_prose(chunk.text):
            return chunk.index
    return None


def is_meta_line(text: str) -> bool:
    """A header line with a date, byline, source or counters (not a headline)."""
    if _META_WORDS.search(text):
        return True
    date = parse_date(text) if any(c.isdigit() for c in text) else None
    if date is None:
        return False
    # a date line: the date is most of it
    digits = sum(c.isdigit() for c in text)
    return digits >= 6 and len(squash(text)) <= 40


def _meta_start(text: str) -> int:
    """Where the date / byline part of a line starts."""
    m = _META_WORDS.search(text)
    cut = m.start() if m else len(text)
    d = _DATE_START.search(text)
    if d and d.start() < cut:
        cut = d.start()
    return cut


def clean_headline(text: str) -> str:
    """A headline without a leading field label (``主题：``, ``标题：``)."""
    return _TITLE_LABEL.sub("", text).strip()


def _is_chrome(text: str) -> bool:
    if _LABEL_ONLY.match(text):
        return True
    if len(text) <= 40 and _CHROME_LINE.search(text):
        return True
    return bool(_BREADCRUMB.search(text)) and len(text) <= 120


def _emphasis(line: Line, page_url: str) -> float:
    """How much the markup around a line marks it as a headline (a link away from the page
    makes it less likely, a link home is the site's name)."""
    score = 0.0
    penalty = 0.0
    node: HtmlElement | None = line.owner
    depth = 0
    linked = False
    while node is not None and depth < 6:
        tag = node.tag
        score = max(score, _HEADING_TAGS.get(tag, 0.0))
        classid = f"{node.get('class') or ''} {node.get('id') or ''}"
        if classid.strip() and _TITLE_CLASS.search(classid):
            score = max(score, 2.0)
        if tag in _EMPHASIS_TAGS:
            score = max(score, 1.0)
        elif tag == "font":
            size = (node.get("size") or "").strip()
            if size.startswith("+") or (size.isdigit() and int(size) >= 3):
                score = max(score, 1.5)
            elif node.get("color"):
                score = max(score, 0.5)
        elif tag == "a" and not linked:
            linked = True
            href = (node.get("href") or "").strip()
            if href and not href.startswith(("#", "javascript")):
                path = urlsplit(href).path if "//" in href else href.split("?")[0]
                penalty = 3.0 if _HOME_HREF.match(path.rsplit("/", 1)[-1]) else 0.5
        if node is line.block:
            align = (node.get("align") or "").lower()
            style = (node.get("style") or "").lower().replace(" ", "")
            if align == "center" or "text-align:center" in style:
                score += 0.5
            if depth >= 1 or node is not line.owner:
                break
        node = node.getparent()
        depth += 1
    return score - penalty


@dataclass(slots=True)
class Candidate:
    text: str
    line: Line
    score: float


def headline_candidates(
    chunks: Sequence[Chunk],
    start: int,
    page_title: str,
    cache: dict[HtmlElement, HtmlElement],
    page_url: str = "",
    title_parts: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """Lines above chunk ``start`` (the body's first) that may be the headline, best first.
    ``page_title``: the ``<title>`` without the site's name; ``title_parts``: every piece of the
    ``<title>`` between separators (squashed), for a site named before the headline."""
    lines = lines_between(chunks, start - _MAX_BACK, start, cache)
    title_sq = squash(page_title)
    found: list[Candidate] = []
    following_meta = False
    for rank, line in enumerate(reversed(lines)):
        text = clean_headline(line.text)
        sq = squash(text)
        if len(sq) > 80 and is_prose(text):
            break  # running text of something else: no headline between it and the body
        bonus = 0.0
        if is_meta_line(text):
            # a headline may share its line with the date or source after it
            cut = _meta_start(text)
            if cut < 6:
                following_meta = True
                continue
            text, bonus = text[:cut].strip(), -0.5
            sq = squash(text)
            following_meta = True
        elif line.text != text:
            bonus = 1.5  # printed after a title label (``主题：``)
        if (
            len(sq) < 4
            or len(sq) > 100
            or len(_LETTERS.findall(sq)) < 4
            or _is_chrome(text)
            or is_prose(text)
        ):
            following_meta = False
            continue
        score = _emphasis(line, page_url) + bonus - 0.15 * rank
        if len(sq) >= 4 and (
            (title_sq and (sq in title_sq or title_sq in sq)) or sq in title_parts
        ):
            score += 3.0
        if following_meta and bonus >= 0:
            score += 1.0
        for nearer in found:
            if squash(nearer.text) in sq:
                score += 1.0  # the full form of a nearer line (headline over a repeat)
        found.append(Candidate(text, line, score))
        following_meta = False
        if len(found) >= 8:
            break
    found.sort(key=lambda c: -c.score)
    if found and title_sq:
        _extend(found[0], lines, title_sq)
    return found


def _extend(best: Candidate, lines: list[Line], title_sq: str) -> None:
    """A headline broken over lines (``<br>`` inside it): the neighbouring lines joined to the
    best candidate while the whole is still (part of) the ``<title>``."""
    sq = squash(best.text)
    if sq not in title_sq:
        return
    k = next((i for i, line in enumerate(lines) if line is best.line), None)
    if k is None:
        return
    lo = hi = k
    text = best.text
    while lo > 0 and squash(lines[lo - 1].text + text) in title_sq:
        lo -= 1
        text = lines[lo].text + text
    while hi + 1 < len(lines) and squash(text + lines[hi + 1].text) in title_sq:
        hi += 1
        text = text + lines[hi].text
    if lo != k:
        best.line = lines[lo]
    best.text = text
