"""What is a JavaScript challenge (sent to the browser) and what is not (never costs anything);
how the browser's part reads in a blocked reason and in the reports."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.middlewares.browser import find_chromium
from crawler.monitoring.antibot import BROWSER_NOTE, blocked_reason, js_challenge
from crawler.monitoring.reasons import browser_use, fetch_reason, plain_reasons
from tests.browser.site import challenge_page

URL = "https://www.nhc.gov.cn/wjw/zcfg/list.shtml"
ARTICLE = "<html><body>" + "<p>关于印发托育机构设置标准的通知正文。</p>" * 200 + "</body></html>"


def response(status: int, body: str, meta: dict[str, str] | None = None) -> HtmlResponse:
    request = Request(URL, meta=meta or {})
    return HtmlResponse(URL, status=status, body=body.encode(), request=request, encoding="utf-8")


@pytest.mark.parametrize(
    ("status", "body", "challenge"),
    [
        (412, challenge_page("x"), True),  # 瑞数: 412 and a cookie-setting script
        (412, "<html><script src='/a.js'></script></html>", True),  # any 412 with a script
        (521, "<script>document.cookie='__jsl_clearance=1';</script>", True),  # 加速乐
        (200, challenge_page("x"), True),  # a 200 page that is only a challenge script
        (412, "", False),  # no script: nothing a browser could run
        (403, "<html><body>访问被拒绝</body></html>", False),  # a WAF page: blocked, no retry
        (200, ARTICLE + "<script>document.cookie='a=1'</script>", False),  # an article
        (404, challenge_page("x"), False),
        (304, "", False),
    ],
)
def test_js_challenge(status: int, body: str, challenge: bool) -> None:
    assert js_challenge(response(status, body)) is challenge


def test_the_blocked_reason_says_what_the_browser_made_of_it() -> None:
    page = challenge_page("x")
    assert blocked_reason(response(412, page)) == "JavaScript challenge (HTTP 412)"
    noted = response(412, page, {BROWSER_NOTE: "the browser met it too"})
    assert blocked_reason(noted) == "JavaScript challenge (HTTP 412); the browser met it too"
    assert blocked_reason(response(200, ARTICLE, {BROWSER_NOTE: "x"})) is None


def test_find_chromium_honours_chromium_path() -> None:
    assert find_chromium("/nonexistent/chromium") is None
    assert find_chromium() is not None  # the distribution's package, on the PATH


def test_reasons_and_browser_use_in_words() -> None:
    missing = "Chromium not found (no chromium on the PATH): apt-get install chromium"
    stats = {"browser/needed/render": 2, "browser/missing": missing}
    assert plain_reasons(stats)[0] == f"needs a browser: {missing}"
    assert browser_use(stats) == (
        True,
        False,
        f"needed (rendering lists): not available: {missing}",
    )
    assert browser_use({}) == (False, None, "not needed")
    passed = {"browser/challenges": 1, "browser/challenges/passed": 1, "browser/pages": 1}
    assert browser_use(passed) == (
        True,
        True,
        "needed (1 JavaScript challenge(s)): got through, 1 page(s), 1 challenge(s) passed",
    )
    failed = {**passed, "browser/challenges/passed": 0, "browser/challenges/failed": 1}
    assert browser_use(failed)[1] is False
    timeout = f"{URL} (BrowserTimeoutError: {URL} did not load within 30 s)"
    assert fetch_reason(timeout) == f"the browser timed out loading {URL}"
