"""Small behaviours of the spider base classes, the anti-bot check and the tag vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.monitoring.antibot import blocked_reason
from crawler.records.vocabulary import Vocabulary, VocabularyError
from crawler.spiders.families import TrsSpider


def html(url: str, body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(
        url=url,
        status=status,
        body=body.encode("utf-8"),
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=Request(url),
    )


class Trs(TrsSpider):
    name = "trs_test"
    source_name = "测试"
    region = "central"


class TrsFromTwo(Trs):
    page_suffix_start = 2


@pytest.mark.parametrize(
    ("url", "script", "expected"),
    [
        (
            "https://a.gov.cn/s271/",
            'createPageHTML(3, 0, "index", "html");',
            "https://a.gov.cn/s271/index_1.html",
        ),
        (
            "https://a.gov.cn/s271/index_1.html",
            'createPageHTML(3, 1, "index", "html");',
            "https://a.gov.cn/s271/index_2.html",
        ),
        ("https://a.gov.cn/s271/index_2.html", 'createPageHTML(3, 2, "index", "html");', None),
        (
            "https://a.gov.cn/zuixin/",
            "createPageHTML('page_div', 2, 1, 'home', 'htm', 5);",
            "https://a.gov.cn/zuixin/home_1.htm",
        ),
        (
            "https://a.gov.cn/zuixin/home_1.htm",
            "createPageHTML('page_div', 2, 2, 'home', 'htm', 5);",
            None,
        ),
    ],
)
def test_trs_pager_script_gives_the_next_page(url: str, script: str, expected: str | None) -> None:
    response = html(url, f"<ul id=list></ul><script>{script}</script>")
    assert Trs().next_page_url(response, 1) == expected


def test_trs_second_page_suffix_is_configurable() -> None:
    response = html(
        "https://a.gov.cn/c100147/new_list.shtml",
        "<script>createPageHTML('page_div', 3, 1, 'new_list', 'shtml', 40);</script>",
    )
    assert TrsFromTwo().next_page_url(response, 1) == "https://a.gov.cn/c100147/new_list_2.shtml"


def test_the_shanghai_jquery_pager_gives_the_next_page() -> None:
    script = '$(".pagination").pagination("setPage",1,2);'
    first = html("https://wsjkw.sh.gov.cn/xwfb/index.html", f"<script>{script}</script>")
    last = html(
        "https://wsjkw.sh.gov.cn/xwfb/index_2.html",
        "<script>$('.p').pagination('setPage', 2, 2)</script>",
    )
    assert Trs().next_page_url(first, 1) == "https://wsjkw.sh.gov.cn/xwfb/index_2.html"
    assert Trs().next_page_url(last, 2) is None


def test_without_a_pager_script_the_next_link_is_followed() -> None:
    response = html("https://a.gov.cn/list.shtml", '<a href="list_2.shtml">下一页</a>')
    assert Trs().next_page_url(response, 1) == "https://a.gov.cn/list_2.shtml"


def test_a_pager_call_with_variable_arguments_falls_back_to_the_next_link() -> None:
    response = html(
        "https://a.gov.cn/s271/",
        '<script>createPageHTML(countPage, currentPage, "index", "html");</script>'
        '<a href="index_1.html">下一页</a>',
    )
    assert Trs().next_page_url(response, 1) == "https://a.gov.cn/s271/index_1.html"


MOE_PAGER = "<ul id=page></ul><script>var recordCount = 45;\nvar pageSize = 20;</script>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.moe.gov.cn/jyb_xxgk/s5743/s5744/", "index_1.html"),
        ("http://www.moe.gov.cn/jyb_xxgk/s5743/s5744/index.html", "index_1.html"),
        ("http://www.moe.gov.cn/jyb_xxgk/s5743/s5744/index_1.html", "index_2.html"),
        ("http://www.moe.gov.cn/jyb_xxgk/s5743/s5744/index_2.html", None),  # 3 pages of 20
    ],
)
def test_a_record_count_pager_gives_the_next_index_page(url: str, expected: str | None) -> None:
    response = html(url, MOE_PAGER)
    column = "http://www.moe.gov.cn/jyb_xxgk/s5743/s5744/"
    assert Trs().next_page_url(response, 1) == (column + expected if expected else None)


def test_a_record_count_pager_on_a_search_list_pages_by_query() -> None:
    was5 = "http://www.moe.gov.cn/was5/web/search?channelid=239993"
    script = "<script>var recordCount = 31; var pageSize = 15;</script>"
    assert Trs().next_page_url(html(was5, script), 1) == f"{was5}&page=2"
    assert Trs().next_page_url(html(f"{was5}&page=2", script), 2) == f"{was5}&page=3"
    assert Trs().next_page_url(html(f"{was5}&page=3", script), 3) is None


def test_create_page_html_wins_over_a_record_count() -> None:
    response = html(
        "https://a.gov.cn/c100147/new_list.shtml",
        "<script>var recordCount = 90; var pageSize = 20;"
        "createPageHTML('page_div', 2, 2, 'new_list', 'shtml', 30);</script>",
    )
    assert TrsFromTwo().next_page_url(response, 2) is None


CHALLENGE = (
    '<html><head><meta id="9DhefwqGPrzGxEp9hPaoag" content="abc" r="m">'
    "<script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1;</script>"
    '<script type="text/javascript" r="m" src="/x/abc.js"></script></head><body></body></html>'
)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (412, CHALLENGE, "JavaScript challenge (HTTP 412)"),
        (412, "", "HTTP 412 Precondition Failed (anti-bot challenge)"),
        (
            403,
            "<html><body><h1>访问被拒绝</h1>网站防火墙</body></html>",
            "WAF block page (HTTP 403)",
        ),
        (
            200,
            "<html><body><form>请输入验证码<input name=code></form></body></html>",
            "CAPTCHA page (HTTP 200)",
        ),
        (
            521,
            "<script>document.cookie='__jsl_clearance=1';location.reload()</script>",
            "JavaScript challenge (HTTP 521)",
        ),
        (  # 安全宝/wzws challenge of Anhui government sites
            200,
            '<html><body><script>var wzwschallenge="abc";wzwsquestion="1+1";</script>'
            "</body></html>",
            "JavaScript challenge (HTTP 200)",
        ),
        (
            403,
            "<html><body><p>您的IP所在区域不允许访问</p></body></html>",
            "WAF block page (HTTP 403)",
        ),
    ],
)
def test_anti_bot_answers_are_recognised(status: int, body: str, reason: str) -> None:
    assert blocked_reason(html("https://a.gov.cn/x", body, status)) == reason


def test_an_article_mentioning_a_captcha_is_not_blocked() -> None:
    paragraphs = "".join(
        f"<p>第{n}条 托育机构应当建立信息系统，登录时输入验证码。</p>" for n in range(200)
    )
    assert (
        blocked_reason(html("https://a.gov.cn/a.html", f"<html><body>{paragraphs}</body></html>"))
        is None
    )


def test_an_ordinary_404_is_not_blocked() -> None:
    assert blocked_reason(html("https://a.gov.cn/x", "<h1>404 Not Found</h1>", 404)) is None


def test_vocabulary_tags_simplified_and_traditional_text() -> None:
    vocabulary = Vocabulary.load()
    assert vocabulary.tags("关于加快构建普惠托育服务体系的意见", None) == ["托育", "普惠"]
    assert "托育" in vocabulary.tags(None, "首屆長三角托育服務發展論壇")
    assert vocabulary.tags("关于举办运动会的通知", "体育比赛安排") == []


def test_a_broken_vocabulary_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "vocab.toml"
    path.write_text('[托育]\nterms = "托育"\n', encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"vocab\.toml"):
        Vocabulary.load(path)


def test_a_site_that_needs_javascript_is_rendered_by_playwright() -> None:
    from scrapy.settings import Settings

    class Rendered(Trs):
        render_js = True

    plain, rendered = Settings(), Settings()
    Trs.update_settings(plain)
    Rendered.update_settings(rendered)
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    assert rendered.getdict("DOWNLOAD_HANDLERS") == {"http": handler, "https": handler}
    assert rendered.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["executable_path"] == "/usr/bin/chromium"
    assert "playwright" not in str(plain.getdict("DOWNLOAD_HANDLERS"))
    assert Rendered().list_request("https://a.gov.cn/", 1).meta["playwright"] is True
    assert "playwright" not in Trs().list_request("https://a.gov.cn/", 1).meta
