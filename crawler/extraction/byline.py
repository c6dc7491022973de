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
from .surnames import has_surname

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
    r"发自|时间|日期|供图|制图|视频|图片|实习生|通讯员|记者|监制|统筹|策划|"
    r"受访者|[/／]\s*[文图摄]|[\d（()）\[\]【】<>《》\"“”:：，,。；;！？!?]"
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
# the outlet before the role (``本报``, ``河南商报``) holds no colon or dot: in
# ``第A04版：小记者训练营`` a page name ends at the colon, and ``小记者`` is no reporter
_REPORTER = re.compile(
    r"(?P<outlet>本报|本刊|本台|本网|新华社|中新社|中新网|总台|央视|央广|[^\s，。、（）():：·•]{0,8}?)?"
    r"(?:(?:特约|见习|实习|首席)?记者|(?:特约)?通讯员|实习生)\s*[:：]?\s*"
)
# an outlet as printed before a reporter's role (``河南商报``, ``中国青年网``)
_OUTLET = re.compile(r"(?:报|社|台|网|刊|新闻|杂志|周刊|频道|客户端)$")
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
        "专题 快讯 独家 综述 评论员 社论 本报讯 完 目录 展开 收起 全部 用户 认证用户 合伙人 会员 "
        "版主 管理员 楼主 网友 访客 作者 企业 机构 个人 专访 专栏",
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


def names(
    value: str, *, usernames: bool = False, whole: bool = False, surname: bool = False
) -> list[str]:
    """The personal names a byline value starts with (``王建宏 张文攀 土豆，…`` -> the two
    names); ``usernames``: the value is a forum or blog handle, taken as printed;
    ``whole``: every piece must be a name; ``surname``: every name starts with a family name
    (weak evidence: a line of text, a reporter's role inside a sentence)."""
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
    if stop and value[stop.start() :].lstrip(" /／\u3000").startswith("摄"):
        return []  # ``新华社记者 X 摄``: a photographer
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
        if _is_han_name(tok) and (not surname or has_surname(tok)):
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
            and not _ORGISH.search(raw)
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
            outlet = lead.group("outlet") or ""
            # an unknown word before the role (``在线荐稿记者博客``) needs a family name after it
            return names(
                stripped[lead.end() :], surname=bool(outlet) and not _OUTLET.search(outlet)
            )
    if anywhere:
        for hit in _REPORTER.finditer(text):
            if hit.start() == 0 or text[hit.start() - 1] in " \u3000|｜丨]】·•":
                found = names(text[hit.end() :], surname=True)
                if found:
                    return found
    return []


# a year and month: a line that dates something (a post header, a byline beside its date)
_DATE_IN = re.compile(r"(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}")
# a news agency's dateline naming its reporters without the word
# (``新华社北京5月19日电（刘艺、杨吉）``)
_DATELINE = re.compile(r"^.{0,24}?\d{1,2}月\d{1,2}日\s*(?:电|讯)\s*[（(]([^（）()]{2,40})[）)]")
_BRACKETED = re.compile(r"(?<!来源：)(?<!来源:)[\[【]\s*([^\]】\[【]{2,16}?)\s*[\]】]")


def byline_in_lines(lines: Sequence[str]) -> list[str]:
    """Authors printed in the header lines between the headline and the text: a labelled or
    reporter byline, or a bracketed name beside the date (``2004年7月16日08:19 [ 黄宇 ]``)."""
    for k, text in enumerate(lines):
        if len(text) > 120:
            continue
        found = _labelled(text)
        if found:
            return found
        found = _reporter(text, at_start=True, anywhere=True)
        if found:
            # ``本报实习生 X Y`` over ``本报记者 Z``: one byline on consecutive lines
            for more in lines[k + 1 : k + 3]:
                extra = _reporter(more, at_start=True) if len(more) <= 60 else []
                if not extra:
                    break
                found += [name for name in extra if name not in found]
            return found
        if _DATE_IN.search(text):
            for m in _BRACKETED.finditer(text):
                found = names(m.group(1), whole=True, surname=True)
                if found:
                    return found
    return []


def name_line(lines: Sequence[str]) -> list[str]:
    """A line of one to three names alone right under the headline (an essay's author)."""
    if lines and len(lines[0]) <= 12:
        found = names(lines[0], whole=True)
        # four characters without a family name are a subheading (``人物画像``), not a pen name
        if found and len(found) <= 3 and all(len(n) < 4 or has_surname(n) for n in found):
            return found
    return []


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
            first, *rest = re.split(r"\s*[|｜]\s*", head)
            first = first.strip()
            # ``再睡一夏 | 455 | 2024-01-03``: a handle and counts, not ``专访|《…》引发争议``
            short = all(len(piece) <= 12 for piece in rest)
            if first and short and " " not in first and not _STOP_WORD.search(text):
                found = names(first, usernames=True)
                if found and not _ORGISH.search(found[0]):
                    return found
        elif not head and k > 0 and _POSTED_WORD.search(text) and len(lines[k - 1].split()) == 1:
            found = names(lines[k - 1], usernames=True)
            if found and not _ORGISH.search(found[0]):
                return found
    return []


_POSTED_WORD = re.compile(r"发布于|发表于|发布|posted", re.IGNORECASE)


def _in_menu(link: HtmlElement) -> bool:
    """A link among several in one list or bar (``用户 认证用户 企业 媒体``): a menu, not a
    post's header."""
    parent = link.getparent()
    if parent is not None and parent.tag == "li":
        parent = parent.getparent()
    if parent is None:
        return False
    return len(parent.findall(".//a")) >= 4


def poster_link(chunks: Sequence[Chunk]) -> list[str]:
    """The text of the first link to a user's profile page among ``chunks``."""
    for chunk in chunks:
        node: HtmlElement | None = chunk.owner if chunk.after is None else None
        for _ in range(2):
            if node is None:
                break
            if node.tag == "a":
                href = node.get("href") or ""
                if _PROFILE.search(href) and not _in_menu(node):
                    found = names(chunk.text, usernames=True)
                    if found and found[0] not in _NOT_POSTER and not _ORGISH.search(found[0]):
                        return found
                break
            node = node.getparent()
    return []


def _under_title(text: str, title: str | None) -> list[str]:
    """A line of names right under the headline repeated at the top of the text (an essay or a
    paper reposted on a forum): pen names count there."""
    if not title:
        return []
    head = [line.strip() for line in text.split("\n", 8)[:8] if line.strip()]
    wanted = "".join(title.split())
    for k, line in enumerate(head[:-1]):
        line = "".join(line.split())
        same = line == wanted or (len(line) >= 6 and (line in wanted or wanted in line))
        if same and len(head[k + 1]) <= 20:
            found = names(head[k + 1], whole=True)
            if found and len(found) <= 4:
                return found
    return []


# ``（X Y）`` closing the text
_CLOSING_NAMES = re.compile(r"(?:^|[。！？”」])\s*[（(]([^（）()]{2,30})[）)]\s*$")


def byline_in_text(text: str, title: str | None = None, *, bare: bool = True) -> list[str]:
    """Authors in the first or last lines of the body text: names under the repeated headline,
    a dateline's ``（记者X）``, a byline line, ``（X Y）`` or ``（X 上海报道）`` closing the text,
    ``作者 X`` under it. ``bare=False``: only labelled and reporters' bylines (an official
    document's contact line or closing note names nobody's authorship)."""
    found = _under_title(text, title) if bare else []
    if found:
        return found
    head = [line for line in text.split("\n", 4)[:4] if line.strip()]
    for k, line in enumerate(head[:3]):
        if k < 2:
            found = _reporter(line[:160], at_start=True)
            if found:
                return found
            dateline = _DATELINE.match(line)
            if dateline:
                found = names(dateline.group(1), whole=True)
                if found:
                    return found
        if len(line) <= 40:
            found = _labelled(line)
            if found:
                return found
        if len(line) <= 20 and bare:
            found = names(line, whole=True, surname=True)
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
        closing = bare and line.endswith((")", "）", " "))
        m = _CLOSING_NAMES.search(line) if closing else None
        if m:
            found = names(_PLACE_REPORT.sub("", m.group(1)), whole=True)
            if found:
                return found
        found = poster_in_lines([line]) if bare else []
        if found:
            return found
    return []
