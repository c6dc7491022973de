"""Main content: container by paragraph scoring, then text without page chrome."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.items import Attachment

from .dom import BLOCK_TAGS, Analysis, NodeStats, inline_text, itertext
from .model import Image
from .normalize import (
    clean_text,
    strip_artifact_lines,
    strip_boilerplate_lines,
    strip_pinyin_readings,
)

if TYPE_CHECKING:
    from lxml.etree import _Element as HtmlElement

__all__ = [
    "body_text",
    "find_attachments",
    "find_container",
    "find_images",
    "is_chrome",
    "is_file_url",
    "trim_edges",
]

_POSITIVE = re.compile(
    r"article|content|text|zoom|detail|body|main|trs_?editor|trs_?ueditor|ucap|conzw|zhengwen|"
    r"xxgk|artibody|endtext|post|entry|news_?con|ivs|pages_content|article_con",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"comment|footer|foot|header|sidebar|(?<![a-z])side(?![a-z])|nav|menu|breadcrumb|crumb|position|location|"
    r"related|relate|recommend|rec_|(?<![a-z])hot|rank|share|bdshare|print|toolbar|tool|fontsize|font_size|"
    r"qrcode|qr_|ewm|erweima|copyright|pager|pagination|page_?nav|banner|advert|ad_|ads|"
    r"social|subscribe|login|search|tags?$|keyword|xgwz|xgxx|xglj|otherlink|link_?list|friend|"
    r"bottom|top_?bar|topbar|weixin|weibo|jiucuo|correction|close|moeCode|shuxing|attribute|"
    r"info_?table|xxgk_?table|table_?info|fenxiang",
    re.IGNORECASE,
)
_SKIP_TAGS = frozenset({"nav", "footer", "aside", "form", "head", "title", "meta", "link", "base"})
_META_LABELS = re.compile(r"索\s*引\s*号|发文机关|发文字号|成文日期|主题分类|公开属性|发布机构")
_FILE_EXT = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|wps|et|ofd|zip|rar|7z|txt|csv|ceb|tif)(?:$|[?#])", re.IGNORECASE
)


def _class_id(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


@lru_cache(maxsize=8192)
def _class_flags(ci: str) -> tuple[bool, bool]:
    """Whether a ``"class id"`` string matches the positive / the negative patterns (class names
    repeat on a page and across a site's pages, so each string is matched once)."""
    return bool(_POSITIVE.search(ci)), bool(_NEGATIVE.search(ci))


def _class_weight(ci: str) -> float:
    """The weight of an element's ``"class id"``: more for a content-like name, less for chrome."""
    if not ci.strip():
        return 1.0
    positive, negative = _class_flags(ci)
    weight = 1.0
    if positive:
        weight *= 1.3
    if negative:
        weight *= 0.4
    return weight


def find_container(
    analysis: Analysis,
    title_el: HtmlElement | None = None,
    after_title: float = 0.35,
) -> tuple[HtmlElement | None, float]:
    """The element holding the article's paragraphs (readability-style scoring, Chinese punctuation
    counted), and its score. When the headline element is known, the first strong candidate
    after it (``after_title``: at least that share of the best score) wins over a stronger one
    further down (comment threads, long related-news blocks, recommended articles)."""
    stats = analysis.stats
    classes = analysis.classes
    scores: dict[HtmlElement, float] = {}
    for el, score in analysis.paragraphs:
        scores[el] = scores.get(el, 0.0) + score
        parent = el.getparent()
        factor = 1.0
        depth = 0
        while parent is not None and depth < 4:
            scores[parent] = scores.get(parent, 0.0) + score * factor
            parent = parent.getparent()
            depth += 1
            factor = 0.5 if depth == 1 else factor * 0.5
    best: HtmlElement | None = None
    best_score = 0.0
    final: dict[HtmlElement, float] = {}
    for el, raw in scores.items():
        if el.tag in ("html", "p", "li", "a", "span", "font", "h1", "h2", "h3"):
            continue
        st = stats[el]
        if st.total == 0:
            continue
        density = st.link / st.total
        score = raw * (1.0 - density) * _class_weight(classes.get(el, ""))
        final[el] = score
        if score > best_score:
            best, best_score = el, score
    if best is not None and title_el is not None:
        best, best_score = _first_after_title(best, best_score, final, stats, title_el, after_title)
    if best is None:
        # very short pages: the paragraph with most text
        cands = [el for el in scores if el.tag not in ("html",)]
        if cands:
            best = max(cands, key=lambda e: stats[e].total - stats[e].link)
            best_score = scores[best]
    return best, best_score


def _contains(outer: HtmlElement, inner: HtmlElement) -> bool:
    node: HtmlElement | None = inner
    while node is not None:
        if node is outer:
            return True
        node = node.getparent()
    return False


def _first_after_title(
    best: HtmlElement,
    best_score: float,
    final: dict[HtmlElement, float],
    stats: dict[HtmlElement, NodeStats],
    title_el: HtmlElement,
    ratio: float = 0.5,
) -> tuple[HtmlElement, float]:
    n = len(stats)
    order = dict(zip(stats, range(n, 0, -1), strict=True))  # n - i for the i-th key
    title_at = order.get(title_el)
    best_at = order.get(best, 0)
    if title_at is None or best_at <= title_at:
        return best, best_score  # the best candidate holds or precedes the headline: keep it
    earlier = [
        el
        for el, sc in final.items()
        if sc >= ratio * best_score
        and title_at < order.get(el, 0) < best_at
        and not _contains(el, best)
    ]
    if not earlier:
        return best, best_score
    chosen = min(earlier, key=lambda el: order.get(el, 0))
    # a nested, higher-scoring candidate is the tighter container
    for el in earlier:
        if final[el] > final[chosen] and _contains(chosen, el):
            chosen = el
    return chosen, final[chosen]


def is_chrome(
    el: HtmlElement,
    st: NodeStats | None,
    ci: str,
    container_total: int,
    strict: bool = True,
) -> bool:
    """Page chrome inside the content container: share/print bars, related links, info tables.
    ``ci``: the element's ``"class id"`` (``""`` for none; see ``Analysis.classes``).
    ``strict=False`` (a container named by a selector) only drops forms/navigation elements and
    info tables."""
    tag = el.tag
    if tag in _SKIP_TAGS:
        return True
    if st is None:
        return False
    big = st.total > 0.5 * container_total and st.total > 200
    if strict:
        if ci.strip() and not big:
            positive, negative = _class_flags(ci)
            if negative and not positive:
                return True
        if st.links >= 2 and st.link > 0.6 * st.total and not big:
            return True
    if tag == "table" and st.total < 600:
        text = "".join(itertext(el))
        if len(_META_LABELS.findall(text)) >= 2:
            return True
    return False


def _render(
    container: HtmlElement,
    analysis: Analysis,
    chrome: set[HtmlElement],
    strict: bool,
) -> str:
    parts: list[str] = []
    stats = analysis.stats
    classes = analysis.classes
    cst = stats.get(container)
    container_total = cst.total if cst else 0
    walker = etree.iterwalk(container, events=("start", "end"))
    skipped: set[HtmlElement] = set()
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            if el is not container and (
                el in chrome
                or is_chrome(el, stats.get(el), classes.get(el, ""), container_total, strict)
            ):
                skipped.add(el)
                chrome.add(el)
                walker.skip_subtree()
                continue
            if tag in ("td", "th"):
                parts.append(" ")
            elif tag in BLOCK_TAGS or tag == "br":
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if el in skipped:
                skipped.discard(el)
            elif tag in ("td", "th"):
                parts.append(" ")
            elif tag in BLOCK_TAGS:
                parts.append("\n")
            if el is not container and el.tail:
                parts.append(el.tail)
    return "".join(parts)


def body_text(
    container: HtmlElement,
    analysis: Analysis,
    chrome: set[HtmlElement],
    strict: bool = True,
) -> str:
    """Article text, paragraphs separated by ``\\n``, page chrome and artefact lines removed; the
    chrome elements found are added to ``chrome``."""
    text = clean_text(_render(container, analysis, chrome, strict))
    text = strip_boilerplate_lines(text)
    text = strip_artifact_lines(text)
    text = _strip_meta_lines(text)
    return strip_pinyin_readings(text)


_META_LINE_LABELS = re.compile(
    r"(?:(?:发布|发表|更新|上传)(?:日期|时间)|(?:信息|文章|稿件)?来源|作者|浏览(?:次数|量)|点击(?:数|量|率)|"
    r"阅读(?:数|量|次数)|责任编辑|编辑|字号|字体|访问量"
    r")\s*[:：]"
)


def _strip_meta_lines(text: str) -> str:
    """Drop short lines made of several ``label：value`` pairs (the 发布时间 / 来源 / 浏览次数 line
    printed above the article)."""
    if "：" not in text and ":" not in text:
        return text
    lines = text.split("\n")
    findall = _META_LINE_LABELS.findall
    kept = [
        line
        for line in lines
        if len(line) > 120
        or ("：" not in line and ":" not in line)  # every label ends with a colon
        or len(findall(line)) < 2
    ]
    return text if len(kept) == len(lines) else "\n".join(kept)


# where a page's comments start (what follows is not the article)
_COMMENTS_HEAD = re.compile(
    r"^(?:网友|读者|最新|热门|全部|相关)?(?:评论|留言|回复|跟帖)(?:列表|区)?\s*(?:[(（]\d+[)）]|\d+条?)?"
    r"\s*[:：]?$|^(?:发表|我要|查看|更多)(?:评论|留言)|^Comments?$|^#\s*re\s*[:：]",
    re.IGNORECASE,
)
# a block of related links closing the text (``相关报道：`` and its ``·title（date）`` lines)
_RELATED_HEAD = re.compile(
    r"^[【\[]?\s*(?:相关(?:报道|新闻|链接|阅读|文章|推荐|专题)|延伸阅读|推荐阅读|更多(?:报道|阅读|新闻))"
    r"\s*[】\]]?\s*[:：]?$"
)
# where a publishing platform closes the article (what follows is its chrome)
_PLATFORM_END = re.compile(
    r"返回\S{1,6}[，,]\s*查看更多\s*$|^(?:平台|免责)?声明[:：]\s*该文观点仅代表作者"
)
# a line above the text holding only the post's date (and time) or where it was posted from
_POST_HEADER = re.compile(
    r"^(?:(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|发布于\s*[:：]?\s*\S{1,10})$"
)
_PAGINATION = re.compile(
    r"^(?:第\s*\d+\s*页\s*/\s*共\s*\d+\s*页|共\s*\d+\s*页|(?:<<|«)?\s*(?:首页|上一页|下一页|尾页|\d+|[|｜\s])*"
    r"(?:上一页|下一页)(?:[|｜\s]|首页|尾页|\d+|>>|»)*)$"
)


def _link_list(lines: list[str]) -> bool:
    """Lines that read as a list of headlines (no running text among the first ones)."""
    head = lines[:5]
    return bool(head) and all(len(line) <= 80 and "。" not in line for line in head)


def trim_edges(text: str) -> str:
    """The body without what surrounds an article inside its container: a page counter and
    pager lines, the comments after it (from their heading on) and a closing block of related
    links."""
    lines = text.split("\n")
    n = len(lines)
    cut = n
    chars = 0
    for k, line in enumerate(lines):
        chars += len(line)
        end = (
            _PLATFORM_END.search(line)
            if len(line) <= 120 and ("查看更多" in line or "声明" in line)
            else None
        )
        if end is not None and k > 0:
            # ``返回搜狐，查看更多``, ``平台声明：…``: a platform's end of the article
            lines[k] = line[: end.start()].rstrip()
            cut = k + 1 if lines[k] else k
            break
        if k < 2 or len(line) > 40:
            continue
        if _COMMENTS_HEAD.match(line) or (
            _RELATED_HEAD.match(line) and chars > 0.4 * len(text) and _link_list(lines[k + 1 :])
        ):
            cut = k
            break
    head = 0
    while head < min(cut, 2) and len(lines[head]) <= 30 and _POST_HEADER.match(lines[head]):
        head += 1  # the post's own date and place above its text (``发布于：北京市``)
    kept = [line for line in lines[head:cut] if not (len(line) <= 60 and _PAGINATION.match(line))]
    return text if len(kept) == n else "\n".join(kept)


def is_heading_like(el: HtmlElement) -> bool:
    """A headline element (not a paragraph that repeats the title inside a document body)."""
    if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return True
    ci = _class_id(el).lower()
    return "title" in ci or "bt" in ci.split() or "headline" in ci


def _inside(el: HtmlElement, skip: set[HtmlElement], stop: HtmlElement) -> bool:
    node: HtmlElement | None = el
    while node is not None and node is not stop:
        if node in skip:
            return True
        node = node.getparent()
    return False


def find_images(
    container: HtmlElement, base_url: str, skip: set[HtmlElement] | None = None
) -> list[Image]:
    """Images of the body (not of the chrome elements in ``skip``), absolute URLs, in order,
    de-duplicated."""
    out: list[Image] = []
    seen: set[str] = set()
    for img in container.iter("img"):
        if skip and _inside(img, skip, container):
            continue
        src = img.get("data-src") or img.get("data-original") or img.get("src") or ""
        src = src.strip()
        if not src or src.startswith("data:"):
            continue
        try:
            url = urljoin(base_url, src)
        except ValueError:
            continue
        if url in seen or urlsplit(url).scheme not in ("http", "https", "file"):
            continue
        seen.add(url)
        alt = clean_text(img.get("alt") or "") or None
        out.append(Image(src=url, alt=alt))
    return out


def is_file_url(href: str) -> bool:
    """Whether a link points to a file (pdf, doc, xls, ofd, zip ...)."""
    return bool(_FILE_EXT.search(href))


def find_attachments(scope: HtmlElement, base_url: str) -> list[Attachment]:
    """Links to files (pdf, doc, xls, ofd, zip ...) in ``scope``."""
    out: list[Attachment] = []
    seen: set[str] = set()
    for a in scope.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        m = _FILE_EXT.search(href)
        if not m:
            continue
        try:
            url = urljoin(base_url, href)
        except ValueError:
            continue
        if url in seen:
            continue
        seen.add(url)
        name = clean_text(inline_text(a)) or url.rsplit("/", 1)[-1]
        out.append(Attachment(name=name, url=url, file_type=m.group(1).lower()))
    return out
