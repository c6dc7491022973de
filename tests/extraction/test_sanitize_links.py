"""Body HTML: links made absolute exactly as ``urljoin`` does, chrome left out, page untouched."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from lxml import etree

from crawler.extraction.sanitize import absolute_url, sanitized_html

BASES = ("http://www.example.gov.cn/zwgk/2024/", "https://www.example.gov.cn/a/b.html")
URLS = (
    # absolute, given back as they are
    "http://www.example.gov.cn/x/1.html",
    "https://cdn.example.com/img/2.jpg?w=300&h=200",
    "http://www.example.gov.cn/附件/通知.pdf",
    "http://example.com",
    "http://a.example.com:8080/p?q=1",
    # absolute, but urljoin changes them or checks them
    "http://www.example.gov.cn/x/1.html?",
    "http://www.example.gov.cn/x/1.html#",
    "http://www.example.gov.cn/x/1.html#part",
    "http://www.example.gov.cn/x;v=1",
    "http://www.example.gov.cn/x/1.html?#a",
    "http:///x/1.html",
    "http://[::1]/x",
    "http://例子.中国/x",
    "http://www.example.gov.cn/a b.html",
    "http://www.example.gov.cn/a\tb.html",
    # relative
    "./P020240101.pdf",
    "../2023/t2023.html",
    "/zwgk/1.html",
    "?page=2",
    "#top",
    "//cdn.example.com/x.js",
    "HTTP://WWW.EXAMPLE.GOV.CN/UPPER.html",
)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("url", URLS)
def test_absolute_url_is_urljoin(base: str, url: str) -> None:
    try:
        expected: str | type[ValueError] = urljoin(base, url)
    except ValueError:
        expected = ValueError
    try:
        got: str | type[ValueError] = absolute_url(base, url)
    except ValueError:
        got = ValueError
    assert got == expected


def test_chrome_is_left_out_and_the_page_is_not_changed() -> None:
    root = etree.fromstring(
        "<html><body><div id='c'><h1>标题</h1><p>正文第一段<a href='/a/1.pdf'>附件</a></p>"
        "<div class='share'>分享到</div>尾巴<p>正文第二段</p></div></body></html>",
        etree.HTMLParser(),
    )
    container = root.find(".//div[@id='c']")
    assert container is not None
    chrome = {container.find("h1"), container.find("div")}
    before = etree.tostring(root)
    html = sanitized_html(container, "http://www.example.gov.cn/x/", chrome)  # type: ignore[arg-type]
    assert html is not None
    assert "标题" not in html and "分享到" not in html
    assert "尾巴" in html and "正文第二段" in html  # the chrome's tail stays
    assert 'href="http://www.example.gov.cn/a/1.pdf"' in html
    assert "data-pc" not in html
    assert etree.tostring(root) == before  # nothing marked or moved in the page itself
