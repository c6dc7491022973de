"""Authors: where Chinese pages print them, and what a name looks like.

A byline stands between the headline and the text (``作者：X``, ``本报记者 X Y``, ``文/X``), in
the dateline of the first paragraph (``新华社北京5月9日电（记者X）``), at the end of the text
(``（记者 X）``, ``（X 上海报道）``, ``作者 X``), or, on forums and blogs, next to the post's date
(``X 发表于 2005-9-15``, ``由 X 发布于``, a link to the poster's profile). Editors (``责任编辑``,
``编辑``, ``责编``), photographers (``摄``) and sources (``来源``) are never authors.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .fields import is_field_label

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lxml.etree import _Element as HtmlElement

    from .fields import Chunk

__all__ = [
    "byline_in_lines",
    "byline_in_text",
    "name_line",
    "names",
    "poster_in_lines",
    "poster_link",
]

_HAN = "\u4e00-\u9fff"
_SEP = re.compile(r"[\s\u3000、/／|｜丨︱]+")
# what ends the names: another label, a date, a bracket, the text
_STOP = re.compile(
    r"责任编辑|责编|编辑|审核|审校|校对|摄影|摄|来源|出处|出自|出品|排版|翻译|译|报道|发布|发表|"
    r"时间|日期|供图|制图|视频|图片|实习生|通讯员|记者|监制|统筹|策划|"
    r"[\d（()）\[\]【】<>《》\"“”:：，,。；;！？!?]"
)
_GLUED = re.compile(r"(?:责任编辑|责编|编辑|摄影|摄|报道|发自)$")
# a role printed before the name (``政能亮特约评论员 韩涵``)
_ROLE = re.compile(r"(?:评论员|研究员|记者|通讯员|主编|教授|专家|主任|学者|编审|撰稿人)$")
_HAN_NAME = re.compile(rf"^[{_HAN}]{{2,4}}(?:[·•][{_HAN}]{{1,8}})?$")
# characters a Chinese personal name practically never has (words of a sentence, institutions)
_NOT_NAME_CHARS = re.compile(
    r"[的了是在说和与将已对向从这那们个等里吗呢吧着过被把让给就都也还又而及或其此该所以因如但"
    r"省市县区镇乡村局委部厅处科院校社台网站报刊讯电据称表示获悉介绍今昨日月年时分秒前后上下内外]"
)
_USERNAME = re.compile(r"^[^\s:：,，。；;()（）\[\]【】<>=\"'“”]{2,24}$")
_LABELLED = re.compile(
    r"(?<![责编审校])(?:作\s*者|撰\s*文|撰\s*稿人?|执\s*笔人?|口\s*述|文\s*字)\s*[:：︱｜丨|/／\s]\s*"
    r"|(?<![\w])文\s*[/／丨｜︱|]\s*"
)
_REPORTER = re.compile(
    r"(?:(?:本报|本刊|本台|本网|新华社|中新社|中新网|总台|央视|央广|[^\s，。、（）()]{0,8}?)"
    r"(?:特约|见习|实习)?记者|(?:特约)?通讯员|实习生)\s*[:：]?\s*"
)
_PAREN = re.compile(r"[（(]([^（）()]{2,40})[）)]")
_PLACE_REPORT = re.compile(rf"\s*[{_HAN}]{{2,6}}(?:报道|发自.*)$")
_POSTED = re.compile(
    r"(?:^|\s)([^\s:：，,。|｜]{2,24}?)\s*(?:发表于|发布于|张贴于)"
    r"|由\s*([^\s:：，,。|｜]{2,24}?)\s*(?:于|发表|发布|张贴)"
)
_BY = re.compile(r"(?:^|\s)by\s+([^\s,，|｜]{2,24})", re.IGNORECASE)
_POSTED_AT = re.compile(r"posted\s*@\s*[\d\-/: ]+\s+(\S{2,24})", re.IGNORECASE)
_PROFILE = re.compile(
    r"space-uid-\d+|[?&]mod=space(?:&|$)|(?:^|/)(?:u|user|users|member|members|people|space|home|author|"
    r"blogger|profile)/[^/?#]+/?(?:\?|$)|[?&](?:uid|userid|user_id|lookuserid|username)=\w|"
    r"blog\.\w+\?name=",
    re.IGNORECASE,
)
_NOT_POSTER = frozenset({"楼主", "作者", "本帖", "最后", "管理", "回复", "发表", "只看该作者"})
# words that stand alone on a header line and look like a name (two to four characters)
_NOT_NAME_WORDS = frozenset(
    re.split(
        r"\s+",
        "精华 管理 置顶 热门 推荐 原创 转载 正文 摘要 导读 简介 问题描述 内容 详情 全文 收藏 举报 "
        "关注 私信 评论 点赞 分享 打印 返回 更多 相关 阅读 新手上路 游客 匿名 首页 主页 个人主页 "
        "个人中心 我的主页 大中小 中小 试行 暂行 草案 修订 征求意见稿 图片 视频 组图 附件 特刊 "
        "专题 快讯 独家 综述 评论员 社论 本报讯 完",
    )
)
_STOP_WORD = re.compile(
    r"责任编辑|责编|编辑|审核|校对|摄影|来源|出处|出自|发布|发表|时间|日期|记者|通讯员"
)
_ORGISH = re.compile(r"报|社|网|新闻|中心|政府|委员会|办公|厅|局|部|院|频道|电视|广播|平台|公司")


def _merge_single(tokens: list[str]) -> list[str]:
    """``王乐文 方 敏`` prints a two-character name with a space inside: join single
    characters pairwise."""
    out: list[str] = []
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if len(tok) == 1 and k + 1 < len(tokens) and len(tokens[k + 1]) == 1:
            out.append(tok + tokens[k + 1])
            k += 2
            continue
        out.append(tok)
        k += 1
    return out


def _is_han_name(token: str) -> bool:
    return (
        bool(_HAN_NAME.match(token))
        and not _NOT_NAME_CHARS.search(token)
        and token not in _NOT_NAME_WORDS
        and not is_field_label(token)
    )


def names(value: str, *, usernames: bool = False, whole: bool = False) -> list[str]:
    """The personal names a byline value starts with (``王建宏 张文攀 土豆，…`` -> the two
    names); ``usernames``: the value is a forum or blog handle, taken as printed;
    ``whole``: every piece must be a name."""
    value = value.strip(" \t:：|｜丨︱/／")
    if usernames:
        first = value.split()[0] if value.split() else ""
        if (
            _USERNAME.match(first)
            and first not in _NOT_POSTER
            and first not in _NOT_NAME_WORDS
            and not _STOP_WORD.match(first)
        ):
            return [first]
        return []
    stop = _STOP.search(value)
    head = value[: stop.start()] if stop else value
    if whole and stop and value[stop.start() :].strip(" ）)"):
        tail = value[stop.start() :]
        if not _PLACE_REPORT.fullmatch(" " + tail) and not tail.startswith(("摄", "报道")):
            return []
    tokens = [t for t in _SEP.split(head) if t]
    if (
        stop
        and value[stop.start()] in "，,。"
        and head
        and not head[-1].isspace()
        and len(tokens) > 1
    ):
        tokens = tokens[:-1]  # ``… 土豆，听名字就…``: the last word starts the text
    tokens = [_GLUED.sub("", t) or t for t in tokens]
    tokens = _merge_single(tokens)
    if len(tokens) > 1 and not _is_han_name(tokens[0]) and _ROLE.search(tokens[0]):
        tokens = tokens[1:]
    found: list[str] = []
    for tok in tokens:
        if _is_han_name(tok):
            found.append(tok)
        else:
            if whole:
                return []
            break
        if len(found) >= 8:
            break
    return found


def _labelled(text: str) -> list[str]:
    for m in _LABELLED.finditer(text):
        rest = text[m.end() :]
        found = names(rest)
        if found:
            return found
        # a value that is not a list of Chinese names (a handle, ``周思博 (Joel Spolsky)``)
        raw = re.split(r"\s{2,}|\s(?:译|出自|来源|编辑|责任编辑)", rest, maxsplit=1)[0].strip()
        if (
            2 <= len(raw) <= 30
            and not re.search(r"[，。；！？:：]", raw)
            and _USERNAME.match(raw.split()[0])
            and not _STOP.match(raw)
        ):
            return [raw]
    return []


def _reporter(text: str, *, at_start: bool, anywhere: bool = False) -> list[str]:
    """``记者 X``: in brackets anywhere; else where the line starts with it, or (``anywhere``,
    in a header line) where it follows a space: a sentence such as ``记者了解到`` names
    nobody."""
    if "记者" not in text and "通讯员" not in text and "实习生" not in text:
        return []
    for m in _PAREN.finditer(text):
        inner = m.group(1)
        r = _REPORTER.search(inner)
        if r:
            found = names(inner[r.end() :])
            if found:
                return found
    if at_start:
        stripped = text.lstrip("□■●◎ ")
        lead = _REPORTER.match(stripped)
        if lead:
            return names(stripped[lead.end() :])
    if anywhere:
        for hit in _REPORTER.finditer(text):
            if hit.start() == 0 or text[hit.start() - 1] in " \u3000|｜丨]】":
                found = names(text[hit.end() :])
                if found:
                    return found
    return []


_BRACKETED = re.compile(r"(?<!来源：)(?<!来源:)[\[【]\s*([^\]】\[【]{2,16}?)\s*[\]】]")


def byline_in_lines(lines: Sequence[str]) -> list[str]:
    """Authors printed in the header lines between the headline and the text: a labelled or
    reporter byline, or a bracketed name beside the date (``2004年7月16日08:19 [ 黄宇 ]``)."""
    for text in lines:
        if len(text) > 120:
            continue
        found = _labelled(text) or _reporter(text, at_start=True, anywhere=True)
        if found:
            return found
        if any(c.isdigit() for c in text):
            for m in _BRACKETED.finditer(text):
                found = names(m.group(1), whole=True)
                if found:
                    return found
    return []


def name_line(lines: Sequence[str]) -> list[str]:
    """A line of one to three names alone right under the headline (an essay's author)."""
    if lines and len(lines[0]) <= 12:
        found = names(lines[0], whole=True)
        if found and len(found) <= 3:
            return found
    return []


_DATE_IN = re.compile(r"(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}")


def poster_in_lines(lines: Sequence[str]) -> list[str]:
    """A forum or blog post's author next to its date: ``X 发表于 …``, ``由 X 发布于``,
    ``posted @ … X``, a handle on the line above ``2020.06.09 09:37 发布于``, or a handle
    starting a line with the date (``再睡一夏 | 455 | 2024-01-03``)."""
    for text in lines:
        if len(text) > 120:
            continue
        m = _POSTED.search(text) or _POSTED_AT.search(text)
        if m is None and _DATE_IN.search(text):
            m = _BY.search(text)  # ``发布时间 2005/05/17 22:11:42 by X``
        if m:
            found = names(next(g for g in m.groups() if g), usernames=True)
            if found and not _ORGISH.search(found[0]):
                return found
    for k, text in enumerate(lines):
        if len(text) > 60:
            continue
        date = _DATE_IN.search(text)
        if date is None:
            continue
        head = text[: date.start()].strip(" ·•")
        if "|" in head or "｜" in head:
            first = re.split(r"\s*[|｜]\s*", head)[0].strip()
            if first and " " not in first and not _STOP_WORD.search(text):
                found = names(first, usernames=True)
                if found and not _ORGISH.search(found[0]):
                    return found
        elif not head and k > 0 and _POSTED_WORD.search(text) and len(lines[k - 1].split()) == 1:
            found = names(lines[k - 1], usernames=True)
            if found and not _ORGISH.search(found[0]):
                return found
    return []


_POSTED_WORD = re.compile(r"发布于|发表于|发布|posted", re.IGNORECASE)


def poster_link(chunks: Sequence[Chunk]) -> list[str]:
    """The text of the first link to a user's profile page among ``chunks``."""
    for chunk in chunks:
        node: HtmlElement | None = chunk.owner if chunk.after is None else None
        for _ in range(2):
            if node is None:
                break
            if node.tag == "a":
                href = node.get("href") or ""
                if _PROFILE.search(href):
                    found = names(chunk.text, usernames=True)
                    if found and found[0] not in _NOT_POSTER:
                        return found
                break
            node = node.getparent()
    return []


def byline_in_text(text: str) -> list[str]:
    """Authors in the first or last lines of the body text: a dateline's ``（记者X）``, a byline
    line, ``（X Y）`` or ``（X 上海报道）`` closing the text, ``作者 X`` under it."""
    head = [line for line in text.split("\n", 4)[:4] if line.strip()]
    for k, line in enumerate(head[:3]):
        if k < 2:
            found = _reporter(line[:160], at_start=True)
            if found:
                return found
        if len(line) <= 40:
            found = _labelled(line)
            if found:
                return found
        if len(line) <= 20:
            found = names(line, whole=True)
            if found and len(found) <= 4:
                return found  # a line of names under the headline
    tail = [line for line in text.rsplit("\n", 7)[-7:] if line.strip()]
    for line in reversed(tail[-6:]):
        if len(line) > 400:
            continue
        found = _labelled(line[-80:]) or _reporter(
            line[-200:], at_start=len(line) <= 40, anywhere=True
        )
        if found:
            return found
        m = re.search(r"(?:^|[。！？”」])\s*[（(]([^（）()]{2,30})[）)]\s*$", line)
        if m:
            found = names(_PLACE_REPORT.sub("", m.group(1)), whole=True)
            if found:
                return found
        found = poster_in_lines([line])
        if found:
            return found
    return []
