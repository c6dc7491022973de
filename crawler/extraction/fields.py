"""Metadata fields: CMS ``<meta>`` conventions, label–value pairs in tables and lines, title."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from .dom import itertext
from .normalize import clean_text, normalize_doc_number, parse_date, strip_pinyin_readings

if TYPE_CHECKING:
    from lxml.etree import _Element as HtmlElement

__all__ = [
    "Chunk",
    "LabelHit",
    "chunks_of",
    "clean_value",
    "find_labels",
    "iter_chunks",
    "meta_map",
    "pick_title",
    "text_of",
]

_HAN = "\u4e00-\u9fff"

# field -> labels (as printed, without spaces); longer labels are tried first
LABELS: dict[str, tuple[str, ...]] = {
    "index_number": ("索引号", "索 引 号", "信息索引号", "信息索引"),
    "topic": ("主题分类", "主题类别", "主题类目", "主题信息分类", "信息分类", "信息类别"),
    "issuer": (
        "发文机关",
        "发文单位",
        "发布机关",
        "发布机构",
        "发文机构",
        "制发机关",
        "发布单位",
        "成文机关",
        "公开主体",
    ),
    "doc_number": ("发文字号", "发文文号", "文件编号", "发文编号", "文号"),
    "written_date": ("成文日期", "成文时间", "印发日期", "签发日期", "制发日期", "生成日期"),
    "publish_date": (
        "发布日期",
        "发布时间",
        "发表时间",
        "发表日期",
        "公开日期",
        "公开时间",
        "发稿时间",
        "发布于",
        "上传时间",
        "更新时间",
        "时间",
        "日期",
    ),
    "title": ("标题", "文件名称", "文章标题"),
    "author": ("作者", "撰稿人", "撰稿", "文字", "记者", "作　者"),
    "source_name": ("信息来源", "文章来源", "稿件来源", "本文来源", "来源", "稿源", "出处"),
    # terminators only: never a value we report
    "_stop": (
        "责任编辑",
        "编辑",
        "审核",
        "校对",
        "摄影",
        "公开属性",
        "公开方式",
        "公开范围",
        "效力状态",
        "有效性",
        "施行日期",
        "生效日期",
        "废止日期",
        "主题词",
        "主 题 词",
        "关键词",
        "浏览次数",
        "访问量",
        "点击数",
        "阅读数",
        "浏览量",
        "字号",
        "字体",
        "分享到",
        "打印",
    ),
}
WEAK_LABELS = frozenset({"时间", "日期", "更新时间", "上传时间", "生成日期", "文字", "记者"})


def _label_regex() -> re.Pattern[str]:
    items: list[tuple[str, str]] = []
    for name, labels in LABELS.items():
        for label in labels:
            items.append((name, "".join(label.split())))
    items.sort(key=lambda it: -len(it[1]))
    alts = []
    for _name, label in items:
        alts.append(r"[\s\u3000]*".join(re.escape(ch) for ch in label))
    return re.compile(rf"(?<![{_HAN}])(?:{'|'.join(alts)})[\s\u3000]*(?:[:：]|(?=\s*$))")


_LABEL_RE = _label_regex()
_LABEL_FIELD: dict[str, str] = {
    "".join(label.split()): name for name, labels in LABELS.items() for label in labels
}
# first characters of the labels: a short text piece without a colon can only be a label when
# it starts with one of them (pieces are stripped, so their first character is the label's)
_LABEL_FIRST = frozenset(label[0] for label in _LABEL_FIELD)
_WS = re.compile(r"[\s\u3000\xa0]+")


@dataclass(slots=True)
class Chunk:
    """A piece of page text: an element's ``.text`` or a child's ``.tail``."""

    text: str
    owner: HtmlElement
    index: int


@dataclass(slots=True)
class LabelHit:
    """One ``label: value`` pair found on the page."""

    name: str
    label: str
    value: str
    chunk: int
    element: HtmlElement
    weak: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def text_of(el: HtmlElement) -> str:
    """Whitespace-normalised text of an element (``<br>`` and blocks become spaces)."""
    return clean_text(" ".join(itertext(el))).replace("\n", " ")


def iter_chunks(root: HtmlElement) -> list[Chunk]:
    """Non-empty text pieces of the ``<body>`` in document order."""
    start = root
    out: list[Chunk] = []
    for event, el in etree.iterwalk(start, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            text = el.text
            if text and not text.isspace() and el.tag != "title":
                out.append(Chunk(text.strip(), el, len(out)))
        elif el is not start:
            tail = el.tail
            if tail and not tail.isspace():
                parent = el.getparent()
                out.append(Chunk(tail.strip(), parent if parent is not None else el, len(out)))
    return out


def chunks_of(pieces: list[tuple[str, HtmlElement]]) -> list[Chunk]:
    """The chunks of text pieces already collected in document order
    (:attr:`crawler.extraction.dom.Analysis.pieces`): the same list as :func:`iter_chunks`."""
    return [Chunk(text, owner, index) for index, (text, owner) in enumerate(pieces)]


def _near(a: HtmlElement, b: HtmlElement, levels: int = 4) -> bool:
    ancestors = set()
    el: HtmlElement | None = a
    for _ in range(levels):
        if el is None:
            break
        ancestors.add(el)
        el = el.getparent()
    el = b
    for _ in range(levels):
        if el is None:
            return False
        if el in ancestors:
            return True
        el = el.getparent()
    return False


def _in_cell(el: HtmlElement) -> bool:
    node: HtmlElement | None = el
    for _ in range(3):
        if node is None:
            return False
        if node.tag in ("td", "th", "dt"):
            return True
        node = node.getparent()
    return False


def _label_name(raw: str) -> str:
    return "".join(raw.replace("：", "").replace(":", "").split())


def find_labels(chunks: list[Chunk]) -> list[LabelHit]:
    """All ``label：value`` pairs: in one text piece (``发布时间：2021-01-01 来源：xx``) or in
    neighbouring cells / elements (``<td>索引号：</td><td>000014349/2019-00007</td>``)."""
    hits: list[LabelHit] = []
    n = len(chunks)
    for i, chunk in enumerate(chunks):
        text = chunk.text
        if len(text) > 300:
            text = text[:300]
        if "：" not in text and ":" not in text:
            # no colon: only a bare label (``<td>索引号</td><td>…</td>``) can start a pair
            if len(text) > 12 or text[0] not in _LABEL_FIRST:
                continue
            if "".join(text.split()) not in _LABEL_FIELD:
                continue
        matches = list(_LABEL_RE.finditer(text))
        if not matches:
            continue
        for k, m in enumerate(matches):
            label = _label_name(m.group(0))
            name = _LABEL_FIELD.get(label)
            if name is None:
                continue
            end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
            value = text[m.end() : end].strip(" \t\u3000\xa0|｜丨/【】[]")
            source = chunk
            if not value and k + 1 == len(matches) and i + 1 < n:
                nxt = chunks[i + 1]
                colon = m.group(0).rstrip().endswith((":", "："))
                if (
                    not _LABEL_RE.match(nxt.text)
                    and _near(chunk.owner, nxt.owner)
                    and (colon or _in_cell(chunk.owner))
                ):
                    value = nxt.text
                    nxt_m = _LABEL_RE.search(value)
                    if nxt_m:
                        value = value[: nxt_m.start()]
                    source = nxt
            value = clean_text(value).replace("\n", " ")
            if name == "_stop" or not value:
                continue
            hits.append(
                LabelHit(name, label, value, source.index, source.owner, weak=label in WEAK_LABELS)
            )
    return hits


def meta_map(root: HtmlElement) -> dict[str, str]:
    """``<meta name|property|itemprop|http-equiv=... content=...>`` keyed by lower-case name (first
    non-empty wins)."""
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = meta.get("name") or meta.get("property") or meta.get("itemprop")
        key = key or meta.get("http-equiv")
        content = meta.get("content")
        if not key or not content:
            continue
        key = key.strip().lower()
        content = clean_text(content).replace("\n", " ")
        if content and key not in out:
            out[key] = content
    return out


# ------------------------------------------------------------------------------------ title

_SUFFIX_SPLIT = re.compile(r"\s*(?:_|\||｜|--|——|—|\s-\s|\s–\s|-(?=[^\d\s]{2,}[^-]*$))\s*")


def _squash(text: str) -> str:
    return _WS.sub("", text)


def _strip_suffix(title: str) -> str:
    parts = [p for p in _SUFFIX_SPLIT.split(title) if p.strip()]
    if len(parts) <= 1:
        return title.strip()
    first = parts[0].strip()
    if len(_squash(first)) >= 2:
        return first
    return max(parts, key=lambda p: len(_squash(p))).strip()


def pick_title(
    root: HtmlElement,
    meta: dict[str, str],
    label_title: str | None,
    heading_elements: list[HtmlElement],
) -> tuple[str | None, HtmlElement | None]:
    """The headline and the element that shows it (when one does)."""
    title_el = root.find(".//title")
    page_title = text_of(title_el) if title_el is not None else ""
    squashed_page_title = _squash(page_title)

    headings: list[tuple[str, HtmlElement]] = []
    for el in heading_elements:
        if el.tag in ("title", "html", "body", "head", "meta"):
            continue
        text = text_of(el)
        if 2 <= len(text) <= 150:
            headings.append((text, el))
        if len(headings) >= 40:
            break

    squashed = [_squash(text) for text, _ in headings]

    def element_for(title: str) -> HtmlElement | None:
        sq = _squash(title)
        for heading_sq, (_, el) in zip(squashed, headings, strict=True):
            if heading_sq == sq:
                return el
        return None

    for key in ("articletitle", "og:title", "twitter:title", "headline", "title"):
        value = meta.get(key)
        if value:
            value = strip_pinyin_readings(value)
            cand = value if key == "articletitle" else _strip_suffix(value)
            shown = element_for(cand)
            if key == "articletitle" or shown is not None:
                return cand, shown

    # a heading whose text the <title> starts with / contains (the site suffix then goes away)
    best: tuple[int, str, HtmlElement] | None = None
    min_len = max(2, len(_squash(_strip_suffix(page_title))) // 2) if page_title else 2
    for order, (text, el) in enumerate(headings):
        sq = squashed[order]
        if len(sq) < min_len or not squashed_page_title:
            continue
        if sq in squashed_page_title:
            rank = (0 if el.tag == "h1" else 1) * 1000 - len(sq) + order // 10
            if best is None or rank < best[0]:
                best = (rank, text, el)
    if best is not None:
        return strip_pinyin_readings(best[1]), best[2]
    if label_title:
        return label_title, element_for(label_title)
    for key in ("og:title", "twitter:title"):
        if meta.get(key):
            return _strip_suffix(meta[key]), None
    if page_title:
        cand = _strip_suffix(page_title)
        return strip_pinyin_readings(cand), element_for(cand)
    for text, el in headings:
        if el.tag == "h1":
            return strip_pinyin_readings(text), el
    return None, None


# ------------------------------------------------------------------------------------ values


def clean_value(name: str, value: str) -> str | None:
    """Normalise a raw field value; ``None`` when it does not look like that field."""
    value = clean_text(value).replace("\n", " ").strip()
    if not value:
        return None
    if name in ("publish_date", "written_date"):
        return parse_date(value)
    if name == "doc_number":
        doc = normalize_doc_number(value)
        if not doc or len(doc) > 60 or not re.search(r"\d|〔", doc):
            return None
        return doc
    if name == "index_number":
        value = value.split()[0] if value.split() else value
        return value if len(value) <= 60 and re.search(r"\d", value) else None
    limits = {"topic": 80, "issuer": 120, "title": 200, "source_name": 60, "author": 40}
    if name in ("source_name", "author"):
        value = re.split(r"\s{2,}|[|｜丨]|(?<=\S)\s+(?=\d{4}[-年/])", value)[0].strip()
        value = value.strip("()（）【】[] ")
    if len(value) > limits.get(name, 200):
        return None
    return value or None
