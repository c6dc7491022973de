"""Recognise anti-bot answers: a blocked site must be reported as blocked, never stored or ignored.

Government sites answer crawlers with JavaScript challenges (瑞数-style HTTP 412 pages that set a
dynamic cookie, 加速乐 521 pages), WAF block pages, and CAPTCHA pages served with status 200.

A JavaScript challenge (:func:`js_challenge`) is what a real browser may get through: the crawl
retries it once in one (:mod:`crawler.middlewares.browser`), which notes in the request's
``meta[BROWSER_NOTE]`` what came of it when it did not help; :func:`blocked_reason` adds that note.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.http import Response

# Markers are searched in the first bytes of the body, lower-cased.
SNIFF_BYTES = 20_000
CHALLENGE_STATUSES = frozenset({202, 403, 405, 412, 418, 429, 503, 521})
JS_CHALLENGE = re.compile(
    rb"\$_ts\s*=|window\[['\"]\$_ts['\"]\]|__jsl_clearance|document\.cookie\s*=|"
    rb"acw_sc__v2|_waf_|cdn-cgi/challenge-platform|challenge-form|jschallenge|"
    rb"wzwschallenge|wzwsquestion",
)
WAF_PAGE = re.compile(
    "(?:访问被拒绝|访问受限|拒绝访问|请求被阻断|请求已被拦截|您的访问被阻断|非法请求|安全狗|云锁|"
    "网站防火墙|web应用防火墙|waf拦截|您的ip所在区域不允许访问|access denied|request blocked|"
    "forbidden by waf)".encode(),
)
CAPTCHA_PAGE = re.compile(
    "(?:请输入验证码|输入验证码|滑动验证|拖动滑块|人机验证|安全验证|验证后继续访问|captcha)".encode(),
)
SHORT_PAGE = 4_000
"""A CAPTCHA marker only counts on a short page: articles may mention 验证码 in passing."""
BROWSER_NOTE = "pc_browser"
"""Request meta key: why the browser did not turn a challenge into the page (none to ask, it met
the challenge again...), added to the blocked reason."""


_SCRIPT_OR_STYLE = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.S)
_TAG = re.compile(rb"<[^>]*>")


def visible_text(head: bytes) -> bytes:
    """The page's text without scripts, styles, tags and attributes (so URLs such as
    ``/captcha.html`` in a link do not count as a CAPTCHA page)."""
    return _TAG.sub(b" ", _SCRIPT_OR_STYLE.sub(b" ", head))


def js_challenge(response: Response) -> bool:
    """Whether ``response`` is a JavaScript challenge, which a browser may get through: a
    challenge status with a challenge script (瑞数 412, 加速乐 521...), any HTTP 412 with a
    script, or a short 200 page that is nothing but a challenge script.

    Called on every response: an ordinary page (a 2xx of at least ``SHORT_PAGE`` bytes, or any
    status that challenges do not use) is answered without reading its body."""
    status = response.status
    if status not in CHALLENGE_STATUSES and (status >= 300 or len(response.body) >= SHORT_PAGE):
        return False
    head = response.body[:SNIFF_BYTES].lower()
    if status in CHALLENGE_STATUSES:
        return bool(JS_CHALLENGE.search(head)) or (status == 412 and b"<script" in head)
    return b"<p" not in head and bool(JS_CHALLENGE.search(head))


def blocked_reason(response: Response) -> str | None:
    """Why ``response`` is an anti-bot answer rather than content, or None if it looks genuine;
    with what the browser made of it when it was asked (``meta[BROWSER_NOTE]``)."""
    reason = _blocked_reason(response)
    if reason is None:
        return None
    request = getattr(response, "request", None)
    note = request.meta.get(BROWSER_NOTE) if request is not None else None
    return f"{reason}; {note}" if note else reason


def _blocked_reason(response: Response) -> str | None:
    head = response.body[:SNIFF_BYTES].lower()
    status = response.status
    if status in CHALLENGE_STATUSES and JS_CHALLENGE.search(head):
        return f"JavaScript challenge (HTTP {status})"
    if status == 412:
        return "HTTP 412 Precondition Failed (anti-bot challenge)"
    short = len(head) < SHORT_PAGE * 2
    if status not in CHALLENGE_STATUSES and not (status < 300 and short):
        return None  # a full page with a normal status: nothing below could match
    text = visible_text(head)
    if status in CHALLENGE_STATUSES and WAF_PAGE.search(text):
        return f"WAF block page (HTTP {status})"
    if status < 300:
        if len(head) < SHORT_PAGE and b"<p" not in head and JS_CHALLENGE.search(head):
            return f"JavaScript challenge (HTTP {status})"
        if short and CAPTCHA_PAGE.search(text):
            return f"CAPTCHA page (HTTP {status})"
        if short and WAF_PAGE.search(text):
            return f"WAF block page (HTTP {status})"
    return None
