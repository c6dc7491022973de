"""Metadata fields: CMS ``<meta>`` conventions, label–value pairs in tables and lines, title."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# at run time, not only for type checking: the compiled build (setup.py) resolves the
# annotations of dataclass fields when the module loads
from lxml.etree import _Element as HtmlElement

from .dom import Chunk, inline_text
from .normalize import (
    clean_text,
    normalize_doc_number,
    parse_date,
    squash,
    strip_pinyin_readings,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator


__all__ = [
    "INFO_FIELDS",
    "Chunk",
    "LabelHit",
    "clean_title",
    "clean_value",
    "find_labels",
    "is_field_label",
    "is_title_text",
    "meta_map",
    "pick_title",
    "strip_suffix",
    "text_of",
    "title_parts",
]

_HAN = "\u4e00-\u9fff"

# field -> labels (as printed, without spaces); longer labels are tried first
LABELS: dict[str, tuple[str, ...]] = {
    "index_number": ("索引号", "索 引 号", "信息索引号", "信息索引", "索取号"),
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
        "发表于",
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
        "备注",
    ),
}
WEAK_LABELS = frozenset(
    {"时间", "日期", "更新时间", "上传时间", "生成日期", "文字", "记者", "发表于"}
)


def _label_regex() -> re.Pattern[str]:
    items: list[tuple[str, str]] = []
    for name, labels in LABELS.items():
        for label in labels:
            items.append((name, "".join(label.split())))
    items.sort(key=lambda it: -len(it[1]))
    alts = []
    for _name, label in items:
        alts.append(r"[\s\u3000]*".join(re.escape(ch) for ch in label))
    # the label ends with a colon, the piece of text, or (a date's label) space before a digit
    return re.compile(
        rf"(?<![{_HAN}])(?:{'|'.join(alts)})[\s\u3000]*(?:[:：]|(?=\s*$)|(?<=[\s\u3000])(?=[0-9]))"
    )


_LABEL_RE = _label_regex()
_LABEL_FIELD: dict[str, str] = {
    "".join(label.split()): name for name, labels in LABELS.items() for label in labels
}
# first characters of the labels: a short text piece without a colon can only be a label when
# it starts with one of them (pieces are stripped, so their first character is the label's)
_LABEL_FIRST = frozenset(label[0] for label in _LABEL_FIELD)


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
    """Whitespace-normalised text of an element on one line (``<br>`` and blocks become spaces,
    adjacent inline elements run on: :func:`crawler.extraction.dom.inline_text`)."""
    return clean_text(inline_text(el))


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


# ------------------------------------------------------------------- horizontal info tables

INFO_FIELDS = frozenset({"index_number", "issuer", "doc_number", "written_date", "topic"})
"""Fields only a document's information-disclosure block carries (not a news byline's)."""
_CELL_TAGS = ("td", "th")


def _row_cells(row: HtmlElement) -> list[HtmlElement]:
    return [c for c in row if isinstance(c.tag, str) and c.tag in _CELL_TAGS]


def _cell_label(cell: HtmlElement) -> str | None:
    """The label a table cell holds, as printed without spaces and colons, or None."""
    text = text_of(cell)
    if not text or len(text) > 14:
        return None
    label = _label_name(text)
    return label if label in _LABEL_FIELD else None


def _label_cells(row: HtmlElement) -> list[str] | None:
    """The labels of a row made only of label cells (at least two), else None."""
    cells = _row_cells(row)
    if len(cells) < 2:
        return None
    found: list[str] = []
    for cell in cells:
        label = _cell_label(cell)
        if label is None:
            return None  # (most rows: a label beside its value)
        found.append(label)
    return found


def _label_row(row: HtmlElement) -> list[str] | None:
    """The labels of a row of label cells with at least one label of a document's information
    block (``INFO_FIELDS``), else None."""
    labels = _label_cells(row)
    if labels is None or not any(_LABEL_FIELD[label] in INFO_FIELDS for label in labels):
        return None
    return labels


def _table_of(row: HtmlElement) -> HtmlElement | None:
    node = row.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def _own_rows(table: HtmlElement) -> Iterator[HtmlElement]:
    """The rows of ``table`` itself (not of tables nested in its cells), in order."""
    return (r for r in table.iter("tr") if _table_of(r) is table)


def _horizontal_tables(
    chunks: list[Chunk], tables: set[HtmlElement] | None
) -> tuple[list[LabelHit], set[int]]:
    """Fields of horizontal information tables: a row of label cells (``索取号 | 发布时间 |
    发布机构 | 文件编号 | 备注``) with the row of their values right below it, cell for cell.

    A table counts only when each such label row has exactly one value row (a label row over
    many rows is a data table, a list of documents); the pairs may repeat. The table is then
    metadata, not text: it is added to ``tables``, which the body leaves out.
    Returns the hits and the indexes of the chunks not to be paired again: those of such tables
    and of every row of label cells (a label there never labels the cell after it)."""
    first_chunk: dict[HtmlElement, int] = {}  # filled once a table qualifies
    rows: dict[HtmlElement, None] = {}
    label_first = _LABEL_FIRST
    for chunk in chunks:
        text = chunk.text
        if len(text) > 14 or text[0] not in label_first or _label_name(text) not in _LABEL_FIELD:
            continue
        node: HtmlElement | None = chunk.owner
        for _ in range(4):  # the label's row: <tr><td><p><span>label</span></p></td>
            if node is None or node.tag == "tr":
                break
            node = node.getparent()
        if node is not None and node.tag == "tr":
            rows.setdefault(node)
    hits: list[LabelHit] = []
    used: set[int] = set()
    done: set[HtmlElement] = set()
    for row in rows:
        if _label_cells(row) is not None:
            # a row of labels only: its values are below, never in the next cell
            inside_row = set(row.iter())
            used.update(chunk.index for chunk in chunks if chunk.owner in inside_row)
        table = _table_of(row)
        if table is None or table in done:
            continue
        done.add(table)
        # its rows in pairs, read only as far as they are pairs (a layout table holding the
        # whole page fails at its first rows)
        table_rows = _own_rows(table)
        pairs: list[tuple[list[str], HtmlElement]] = []
        whole = False
        while True:
            first = next(table_rows, None)
            if first is None:
                whole = True
                break
            labels = _label_row(first)
            if labels is None:
                break
            values = next(table_rows, None)
            if values is None or _label_row(values) is not None:
                break
            if len(_row_cells(values)) != len(labels):
                break
            pairs.append((labels, values))
        if not whole or not pairs:
            continue  # not (only) an information table: leave it to the other rules
        if not first_chunk:
            for chunk in reversed(chunks):
                first_chunk[chunk.owner] = chunk.index
        for labels, values in pairs:
            for label, cell in zip(labels, _row_cells(values), strict=True):
                found = [first_chunk[el] for el in cell.iter() if el in first_chunk]
                if not found:
                    continue  # an empty value cell
                index = min(found)
                name = _LABEL_FIELD[label]
                value = text_of(cell)
                if name != "_stop" and value:
                    hits.append(
                        LabelHit(name, label, value, index, cell, weak=label in WEAK_LABELS)
                    )
        inside = set(table.iter())
        used.update(chunk.index for chunk in chunks if chunk.owner in inside)
        if tables is not None:
            tables.add(table)
    return hits, used


def find_labels(chunks: list[Chunk], info_tables: set[HtmlElement] | None = None) -> list[LabelHit]:
    """All ``label：value`` pairs: in one text piece (``发布时间：2021-01-01 来源：xx``), in
    neighbouring cells / elements (``<td>索引号：</td><td>000014349/2019-00007</td>``) or in a
    horizontal information table (a row of labels over the row of their values; see
    :func:`_horizontal_tables`; such tables are added to ``info_tables``: metadata, never body
    text)."""
    hits, used = _horizontal_tables(chunks, info_tables)
    n = len(chunks)
    for i, chunk in enumerate(chunks):
        if i in used:
            continue
        text = chunk.text
        if len(text) > 300:
            text = text[:300]
        if "：" not in text and ":" not in text:
            # no colon: only a bare label (``<td>索引号</td><td>…</td>``) or one before a
            # number (``发布时间 2005/05/17``) can start a pair
            if text[0] not in _LABEL_FIRST:
                continue
            if "".join(text.split()) not in _LABEL_FIELD and not (
                " " in text and _LABEL_RE.match(text)
            ):
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
    hits.sort(key=lambda hit: hit.chunk)  # document order (stable: pairs of one piece keep theirs)
    return hits


def meta_map(metas: Iterable[HtmlElement]) -> dict[str, str]:
    """``<meta name|property|itemprop|http-equiv=... content=...>`` (of the page's ``<meta>``
    elements, in document order) keyed by lower-case name (first non-empty wins)."""
    out: dict[str, str] = {}
    for meta in metas:
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

# a separator between a headline and the site / column names around it
_SUFFIX_SPLIT = re.compile(r"(\s*(?:_|\||｜|--|——|—|::|»|\s-\s|\s–\s|-(?=[^\d\s]{2,}[^-]*$))\s*)")
# what the name of a site, a channel or a blog looks like
_SITE_PART = re.compile(
    r"网$|网站|门户|官网|首页|频道|栏目|新闻$|政务公开|人民政府$|委员会$|办公厅$|社区$|报$|日报|"
    r"晚报|在线|中心$",
    re.IGNORECASE,
)
_SITE_MARK = re.compile(r"博客|blog|论坛|bbs|powered|discuz|\.com|\.cn|\.net|www\.", re.IGNORECASE)
# what follows these is never part of the headline (a ``|`` or ``——`` may start its subtitle)
_STRONG_SEPARATORS = frozenset({"_", "-", "--", "::", "–"})
_MARKUP = re.compile(r"<[^<>]{1,200}>")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # icon-font glyphs
_NO_WORD = re.compile(r"^[\W_]*$")
_TITLE_LABEL = re.compile(r"^(?:帖子主题|文章标题|文件名称|主\s*题|标\s*题|题\s*目)\s*[:：]\s*")


def _site_part(part: str, at_end: bool) -> bool:
    """A piece of a ``<title>`` that names the site, channel or blog rather than the article."""
    sq = squash(part)
    if not sq:
        return True
    if len(sq) <= 40 and _SITE_MARK.search(sq):
        return True
    if len(sq) <= 14 and _SITE_PART.search(sq):
        return True
    # the last piece: a short name (``知乎``, ``今日头条``) or one in Latin letters only
    return at_end and (len(sq) <= 4 or sq.isascii())


def strip_suffix(title: str) -> str:
    """A ``<title>`` without the names of the site, channel or blog before or after the
    headline (``…_要闻_光明网``, ``多维博客 » …``); a subtitle after ``——`` or ``|`` stays,
    what follows ``_`` or ``-`` never belongs to the headline."""
    tokens = _SUFFIX_SPLIT.split(title)
    parts, seps = tokens[0::2], tokens[1::2]
    if len(parts) <= 1:
        return title.strip()
    lo, hi = 0, len(parts)
    removed = False
    while hi - lo > 1:
        part = parts[hi - 1]
        if not (
            seps[hi - 2].strip() in _STRONG_SEPARATORS
            or _site_part(part, True)
            or (removed and len(squash(part)) <= 6)
        ):
            break
        removed = True
        hi -= 1
    removed = False
    while hi - lo > 1:
        part = parts[lo]
        if not (_site_part(part, False) or (removed and len(squash(part)) <= 4)):
            break
        removed = True
        lo += 1
    out = parts[lo]
    for k in range(lo + 1, hi):
        out += seps[k - 1] + parts[k]
    return out.strip()


def title_parts(title: str) -> frozenset[str]:
    """The pieces of a ``<title>`` between its separators, squashed (four characters or more)."""
    return frozenset(
        sq for sq in (squash(p) for p in _SUFFIX_SPLIT.split(title)[0::2]) if len(sq) >= 4
    )


def clean_title(text: str) -> str:
    """A headline as shown: markup that leaked into a meta value (``<div>``) and a leading field
    label (``主题：``, ``标题：``) removed."""
    if "<" in text:
        text = _MARKUP.sub("", text)
    text = text.strip()
    if "题" in text or "称" in text:  # every title label has one
        text = _TITLE_LABEL.sub("", text)
    if _PRIVATE_USE.search(text):
        text = _PRIVATE_USE.sub("", text)
    text = text.rstrip(" -_|｜·")  # a template's dangling separator (``…？- -``)
    return " ".join(text.split())


def is_field_label(text: str) -> bool:
    """Whether a piece of text is one of the labels of a page's fields (``发文字号``, ``字号``)."""
    return _label_name(text) in _LABEL_FIELD


def is_title_text(text: str | None) -> bool:
    """Whether a string can be a headline: some letters, not a bare field label (``内容：``)."""
    if not text:
        return False
    sq = squash(text)
    if _NO_WORD.match(sq):
        return False
    if sq.endswith((":", "：")) and len(sq) <= 12:
        return False
    return len(sq) > 12 or _label_name(sq) not in _LABEL_FIELD


def pick_title(
    page_title: str,
    meta: dict[str, str],
    label_title: str | None,
    heading_elements: list[HtmlElement],
) -> tuple[str | None, HtmlElement | None]:
    """The headline and the element that shows it (when one does); ``page_title``: the text of
    the ``<title>``."""
    squashed_page_title = squash(page_title)
    article_part = squash(strip_suffix(page_title)) if page_title else ""

    headings: list[tuple[str, HtmlElement]] = []
    for el in heading_elements:
        if el.tag in ("title", "html", "body", "head", "meta"):
            continue
        text = clean_title(text_of(el))
        if 2 <= len(text) <= 150 and is_title_text(text):
            headings.append((text, el))
        if len(headings) >= 40:
            break

    squashed = [squash(text) for text, _ in headings]

    def element_for(title: str) -> HtmlElement | None:
        sq = squash(title)
        for heading_sq, (_, el) in zip(squashed, headings, strict=True):
            if heading_sq == sq:
                return el
        return None

    for key in ("articletitle", "og:title", "twitter:title", "headline", "title"):
        value = meta.get(key)
        if value:
            value = clean_title(strip_pinyin_readings(value))
            cand = value if key == "articletitle" else strip_suffix(value)
            if not is_title_text(cand):
                continue
            shown = element_for(cand)
            if key == "articletitle" or shown is not None:
                return cand, shown

    # a heading whose text the <title> starts with / contains (the site suffix then goes away);
    # one that is (part of) the article's piece of the <title> wins over a site name
    best: tuple[int, str, HtmlElement] | None = None
    min_len = max(2, len(article_part) // 2) if page_title else 2
    title_parts = (
        {squash(p) for p in _SUFFIX_SPLIT.split(page_title)[0::2]} if page_title else set()
    )
    for order, (text, el) in enumerate(headings):
        sq = squashed[order]
        if (len(sq) < min_len and sq not in title_parts) or not squashed_page_title:
            continue
        if sq in squashed_page_title:
            rank = (0 if el.tag == "h1" else 1) * 1000 - len(sq) + order // 10
            if article_part and sq not in article_part and article_part not in sq:
                rank += 5000
            if best is None or rank < best[0]:
                best = (rank, text, el)
    if best is not None:
        return strip_pinyin_readings(best[1]), best[2]
    if label_title and is_title_text(label_title):
        return clean_title(label_title), element_for(label_title)
    for key in ("og:title", "twitter:title"):
        if meta.get(key):
            cand = strip_suffix(clean_title(meta[key]))
            if is_title_text(cand):
                return cand, None
    if page_title:
        cand = strip_suffix(page_title)
        if is_title_text(cand):
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
