"""Small pure text normalisers for Chinese policy / news pages.

Every function here is idempotent (``f(f(x)) == f(x)``) and never raises on any ``str``.
They are used by the extractor and by the project's normalisation pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

__all__ = [
    "DocNumber",
    "clean_text",
    "fullwidth_digits",
    "normalize_doc_number",
    "parse_date",
    "parse_doc_number",
    "split_issuers",
    "squash",
    "strip_artifact_lines",
    "strip_boilerplate_lines",
    "strip_pinyin_readings",
    "to_simplified",
]

SHANGHAI = timezone(timedelta(hours=8))

# ----------------------------------------------------------------------------------- whitespace

_SPACE_CHARS = "\u3000\xa0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\t\f\v"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_WS_TABLE = {ord(c): " " for c in _SPACE_CHARS} | {ord(c): None for c in _ZERO_WIDTH}
_WS_TABLE[ord("\r")] = "\n"
_WS_TABLE[ord("\u2028")] = "\n"
_WS_TABLE[ord("\u2029")] = "\n"
_WS_TABLE[ord("\x85")] = "\n"
_MULTI_SPACE = re.compile(r" {2,}")
_TO_REPLACE = re.compile("[" + "".join(re.escape(chr(c)) for c in _WS_TABLE) + "]")
_REPLACEMENT = {chr(c): (r or "") for c, r in _WS_TABLE.items()}


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENT[match.group()]


def squash(text: str) -> str:
    """Text without white space (how titles are compared). ``str.split`` and the regular
    expressions' ``\\s`` know the same white space, and splitting is the quicker."""
    return "".join(text.split())


def clean_text(text: str) -> str:
    """Normalise whitespace: ideographic/no-break spaces become spaces, zero-width characters go,
    runs of spaces collapse, lines are stripped and empty lines dropped (paragraphs stay
    separated by a single ``\\n``)."""
    if not text:
        return ""
    if _TO_REPLACE.search(text):  # a regex pass is ~7x faster than str.translate on CJK text
        text = _TO_REPLACE.sub(_replace, text)
    if "  " in text:
        text = _MULTI_SPACE.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


_FULLWIDTH_DIGITS = {0xFF10 + i: ord("0") + i for i in range(10)}


def fullwidth_digits(text: str) -> str:
    """Fullwidth digits ``０-９`` to ASCII digits."""
    return text.translate(_FULLWIDTH_DIGITS)


# ----------------------------------------------------------------------------------- dates

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "〇零○Ｏ一二三四五六七八九十"
_CN_DATE = re.compile(
    rf"([{_CN_NUM}]{{4}})\s*年\s*([{_CN_NUM}]{{1,3}})\s*月\s*([{_CN_NUM}]{{1,3}})\s*[日号]"
)
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*[日号]?"
    r"(?:(?:T|-|\s*)(\d{1,2})\s*[:：时]\s*(\d{1,2})(?!\d)(?:\s*[:：分]\s*(\d{1,2})(?!\d)(?:\.\d+)?)?)?"
    r"(?:\s*(Z|[+-]\d{2}:?\d{2})(?!\d))?"
)


def _cn_small_number(text: str) -> int | None:
    """二十一 -> 21, 十 -> 10, 三 -> 3 (values below 100)."""
    if not text:
        return None
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = _CN_DIGITS.get(head, -1) if head else 1
        ones = _CN_DIGITS.get(tail, -1) if tail else 0
        if tens < 0 or ones < 0:
            return None
        return tens * 10 + ones
    value = 0
    for ch in text:
        digit = _CN_DIGITS.get(ch)
        if digit is None:
            return None
        value = value * 10 + digit
    return value


def _format(
    y: int, mo: int, d: int, time: tuple[int, int, int | None] | None, tz: str | None
) -> str | None:
    try:
        day = date(y, mo, d)
    except ValueError:
        return None
    if time is None:
        return day.isoformat()
    hh, mm, ss = time
    if not (0 <= hh <= 23 and 0 <= mm <= 59 and (ss is None or 0 <= ss <= 59)):
        return day.isoformat()
    moment = datetime(y, mo, d, hh, mm, ss or 0, tzinfo=SHANGHAI)
    if tz:
        if tz == "Z":
            offset = timedelta(0)
        else:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
        if offset != timedelta(hours=8):
            try:
                moment = datetime(y, mo, d, hh, mm, ss or 0, tzinfo=timezone(offset))
            except ValueError:
                return day.isoformat()
            moment = moment.astimezone(SHANGHAI)
            ss = moment.second if ss is not None or moment.second else None
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if ss is not None:
        text += f":{moment.second:02d}"
    return text + "+08:00"


# month/day/year as ASP pages print it (``7/5/2005 9:23:57 PM``); read only when unambiguous
# (a day above 12) or when the AM/PM clock marks the US style
_US_DATE = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?![\d/])"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?",
    re.IGNORECASE,
)


def _us_date(text: str) -> str | None:
    for m in _US_DATE.finditer(text):
        month, day = int(m.group(1)), int(m.group(2))
        if month > 12 >= day:  # day first after all
            month, day = day, month
        elif day <= 12 and not m.group(7):
            continue  # 06/02/2022: month first only where an AM/PM clock says it is US style
        time = None
        if m.group(4) is not None:
            hour = int(m.group(4))
            ampm = (m.group(7) or "").upper()
            if ampm == "PM" and hour < 12:
                hour += 12
            elif ampm == "AM" and hour == 12:
                hour = 0
            time = (hour, int(m.group(5)), int(m.group(6)) if m.group(6) else None)
        result = _format(int(m.group(3)), month, day, time, None)
        if result:
            return result
    return None


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``; ``YYYY-MM-DDTHH:MM[:SS]+08:00`` when a time
    of day is given right after it (Asia/Shanghai; an explicit other offset is converted).
    Handles ``2021年11月21日``, ``2021-11-21 10:30``, ``2021/11/21``, ``2021.11.21``,
    ``2021-11-21-17:30:12``, ``二〇二一年十一月二十一日``, ``7/5/2005 9:23:57 PM`` (month first,
    as ASP pages print it) and any prefix such as ``发布时间：``."""
    if not text:
        return None
    text = fullwidth_digits(text)
    for m in _DATE.finditer(text):
        time = None
        if m.group(4) is not None:
            time = (int(m.group(4)), int(m.group(5)), int(m.group(6)) if m.group(6) else None)
        result = _format(int(m.group(1)), int(m.group(2)), int(m.group(3)), time, m.group(7))
        if result:
            return result
    for m in _CN_DATE.finditer(text):
        year = _cn_small_number(m.group(1))
        month = _cn_small_number(m.group(2))
        day = _cn_small_number(m.group(3))
        if year is not None and month is not None and day is not None:
            result = _format(year, month, day, None, None)
            if result:
                return result
    if "/" in text:
        return _us_date(text)
    if (
        len(text) <= _ENGLISH_DATE_CHARS
        and ("20" in text or "19" in text)
        and _MONTH_WORD.search(text)
    ):
        return _english_date(text)
    short = _SHORT_YEAR.match(text)
    if short:  # ``24-5-13 17:07`` alone: a post header's date with a two-digit year
        hour, minute = int(short.group(4)), int(short.group(5))
        year, month, day = (int(short.group(k)) for k in (1, 2, 3))
        return _format(2000 + year, month, day, (hour, minute, None), None)
    return None


_MONTHS = {
    name: k
    for k, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_WORD = re.compile(r"(?i)\b(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b")
# ``March 3, 2021``, ``Mar. 3 2021``, ``3 March 2021`` (an English-language edition's dateline)
_ENGLISH_DATE = re.compile(
    r"(?i)\b(?:(?P<m1>[a-z]{3,9})\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{2})"
    r"|(?P<d2>\d{1,2})\s+(?P<m2>[a-z]{3,9})\.?,?\s+(?P<y2>(?:19|20)\d{2}))\b"
)


_ENGLISH_DATE_CHARS = 80  # a date line, not running text


def _english_date(text: str) -> str | None:
    for m in _ENGLISH_DATE.finditer(text):
        month = _MONTHS.get((m.group("m1") or m.group("m2")).lower())
        if month is None:
            continue
        day = int(m.group("d1") or m.group("d2"))
        result = _format(int(m.group("y1") or m.group("y2")), month, day, None, None)
        if result:
            return result
    return None


# the whole text is a date with a two-digit year and a time of day (``24-5-13 17:07``)
_SHORT_YEAR = re.compile(r"^\s*(\d{2})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})\s*$")


# ----------------------------------------------------------------------------------- 文号

_OPEN = "〔[(（［﹝【〖{｛<《"
_CLOSE = "〕])）］﹞】〗}｝>》"
_DOC_YEAR = re.compile(rf"\s*[{re.escape(_OPEN)}]\s*((?:19|20)\d{{2}})\s*[{re.escape(_CLOSE)}]\s*")
_DOC_PARTS = re.compile(r"^(?P<code>.*?)〔(?P<year>\d{4})〕第?(?P<seq>\d+)号")
_DOC_NOYEAR = re.compile(r"^(?P<code>.*?[^\d\s])第?(?P<seq>\d+)号")


@dataclass(frozen=True, slots=True)
class DocNumber:
    """A parsed 发文字号: ``国办发〔2019〕15号`` -> ("国办发", 2019, 15)."""

    issuer_code: str
    year: int | None
    sequence: int


def normalize_doc_number(text: str) -> str | None:
    """发文字号 with the year's brackets (``[] () ［］ ﹝﹞ 【】 ...``) normalised to ``〔〕``,
    whitespace removed; ``None`` when nothing is left."""
    if not text:
        return None
    text = "".join(fullwidth_digits(clean_text(text)).split())
    text = _DOC_YEAR.sub(lambda m: f"〔{m.group(1)}〕", text)
    return text or None


def parse_doc_number(text: str) -> DocNumber | None:
    """Split a 发文字号 into issuer code, year and sequence number."""
    norm = normalize_doc_number(text)
    if not norm:
        return None
    m = _DOC_PARTS.match(norm)
    if m and m.group("code"):
        return DocNumber(m.group("code"), int(m.group("year")), int(m.group("seq")))
    m = _DOC_NOYEAR.match(norm)
    if m and m.group("code"):
        return DocNumber(m.group("code"), None, int(m.group("seq")))
    return None


_ISSUER_SPLIT = re.compile(r"[、，,；;/|｜\s]+")


def split_issuers(text: str) -> list[str]:
    """Jointly issued 发文机关 (``国务院办公厅、中央军委办公厅``) split into single agencies."""
    if not text:
        return []
    return [part for part in _ISSUER_SPLIT.split(clean_text(text)) if part]


# ----------------------------------------------------------------------------------- artefacts

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN = rf"[a-zü]*[{_TONE_VOWELS}][a-zü{_TONE_VOWELS}]*"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONE_VOWEL = re.compile(f"[{_TONE_VOWELS}]")
_PINYIN_READING = re.compile(rf"(?<=[{_HAN}])(?:\({_PINYIN}\)|（{_PINYIN}）)+")


def strip_pinyin_readings(text: str) -> str:
    """Remove tone-marked pinyin readings injected right after a Han character:
    ``電(diàn)話(huà)`` -> ``電話``. Other parenthesised text is kept."""
    if "(" not in text and "（" not in text:
        return text
    if not _TONE_VOWEL.search(text):  # every reading has one: most texts end here (4x faster)
        return text
    return _PINYIN_READING.sub("", text)


_ARTIFACT_LINE = re.compile(
    r"^\s*(?:"
    r"[^\n]{0,80}\.(?:png|jpe?g|gif|bmp|webp|tiff?|svg)"  # image file name left as a caption
    r"|(?:浏览|阅读|点击|访问|查看)(?:次数|数|量|人次)?\s*[:：]?\s*\d+\s*次?"  # view counters
    r"|(?:浏览|阅读|点击|访问)(?:次数|数|量|人次)\s*[:：]\s*"  # counters filled in by script
    r"|(?:views?|hits?)\s*[:：]?\s*\d+"
    r"|展开(?:全文)?|收起|\d{1,2}:\d{2}(?::\d{2})?"  # a player's or a fold's controls
    r"|很抱歉[，,]?\s*(?:当前)?视频(?:播放)?失败.*|错误代码\s*[:：]\s*[\w.-]+"
    r")\s*$",
    re.IGNORECASE,
)


def strip_artifact_lines(text: str) -> str:
    """Drop lines that are image file names (``截屏2021-12-02 下午4.55.03.png``) or view
    counters."""
    if not text:
        return text
    lines = text.split("\n")
    kept = [line for line in lines if not _ARTIFACT_LINE.match(line)]
    return text if len(kept) == len(lines) else "\n".join(kept)


_BOILER_TOKEN = re.compile(
    r"打印本页|打印此页|打印文章|打印|关闭本页|关闭窗口|关闭|"
    r"字体\s*[:：]?\s*(?:[大中小]\s*){1,3}|字号\s*[:：]?\s*(?:[大中小]\s*){1,3}|"
    r"大\s*中\s*小|"
    r"分享到|分享|扫一扫在手机打开当前页面?|用手机扫描二维码|扫描二维码|"
    r"收藏本页|加入收藏|收藏|返回顶部|返回首页|返回列表|返回|"
    r"微信|微博|QQ空间|QQ|保存本页|我要纠错|纠错|默认|放大|缩小|"
    r"【|】|\[|\]|\||｜|丨|:|：|·|/",
)
_BOILER_ANCHOR = re.compile(
    r"打印|关闭|字体|字号|分享|扫一扫|收藏|返回顶部|纠错|扫描二维码|大\s*中\s*小"
)


_NAV_LINE = re.compile(
    r"^\s*(?:您现在(?:所在)?的?位置|当前位置|所在位置|您的位置|现在位置)\s*[:：]"
)
_PREV_NEXT = re.compile(
    r"^\s*[【\[]?\s*(?:上一篇|下一篇|上一条|下一条|上篇|下篇)\s*[】\]]?\s*[:：]"
)


def strip_boilerplate_lines(text: str) -> str:
    """Drop lines made only of page chrome: 打印本页, 关闭窗口, 【字体：大 中 小】, 分享到,
    扫一扫在手机打开当前页, breadcrumbs (当前位置：…), 上一篇：/下一篇： …"""
    if not text:
        return text
    lines = text.split("\n")
    kept = []
    for line in lines:
        if len(line) <= 120 and (_NAV_LINE.match(line) or _PREV_NEXT.match(line)):
            continue
        if len(line) <= 60 and _BOILER_ANCHOR.search(line):
            rest = _BOILER_TOKEN.sub("", line)
            if not rest.strip(" \t\u3000\xa0"):
                continue
        kept.append(line)
    return text if len(kept) == len(lines) else "\n".join(kept)


# ----------------------------------------------------------------------------------- script


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese (OpenCC ``t2s``; the converter is created once)."""
    if not text or text.isascii():
        return text
    converter = _t2s()
    out: str = converter.convert(text)
    if out == text:  # nothing to convert (most pages): converting again would change nothing
        return out
    # conversion is applied until stable so that the function is idempotent
    for _ in range(3):
        again: str = converter.convert(out)
        if again == out:
            break
        out = again
    return out
