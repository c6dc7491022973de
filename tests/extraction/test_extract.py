"""Extractor behaviour on raw bytes with headers."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse, Response

from crawler.extraction import (
    ExtractedPage,
    extract_article,
    extract_from_bytes,
    extract_links,
    to_eval_dict,
)

from . import pages

GOV_URL = "https://www.gov.cn/zhengce/content/2021-05/06/content_1234567.htm"
NEWS_URL = "https://edu.sh.gov.cn/xwzx/20211121/abc.html"
LIST_URL = "https://jyt.example.gov.cn/xwzx/tzgg/index.html"


def _news(**kw: str) -> ExtractedPage:
    body = pages.news_page(**kw).encode("utf-8")
    return extract_from_bytes(body, NEWS_URL, {"Content-Type": "text/html; charset=utf-8"})


# ------------------------------------------------------------------------- gov.cn info table


@pytest.fixture(scope="module")
def govcn() -> ExtractedPage:
    return extract_from_bytes(pages.govcn_fragment().encode("utf-8"), GOV_URL, kind="article")


def test_govcn_info_table_fields(govcn: ExtractedPage) -> None:
    assert govcn.kind == "article"
    assert govcn.index_number == "000014349/2021-00042"
    assert govcn.topic == "卫生、体育\\卫生"
    assert govcn.issuer == "国务院办公厅"
    assert govcn.issuers == ["国务院办公厅"]
    assert govcn.doc_number == "国办发〔2021〕12号"


def test_govcn_written_and_published_dates_are_separate(govcn: ExtractedPage) -> None:
    assert govcn.written_date == "2021-04-29"
    assert govcn.publish_date == "2021-05-06"


def test_govcn_title_from_info_table_without_head(govcn: ExtractedPage) -> None:
    assert govcn.title == "国务院办公厅关于促进托育服务健康发展的意见"


def test_govcn_body_excludes_info_table_and_chrome(govcn: ExtractedPage) -> None:
    assert govcn.body_text is not None
    assert pages.PARAGRAPHS[2] in govcn.body_text
    for chrome in ("索 引 号", "主 题 词", "扫一扫在手机打开当前页", "打印", "关闭"):
        assert chrome not in govcn.body_text


def test_gbk_bytes_with_charset_header() -> None:
    body = pages.govcn_fragment().encode("gbk")
    page = extract_from_bytes(body, GOV_URL, {"Content-Type": "text/html; charset=GBK"})
    assert page.encoding == "gb18030"
    assert page.doc_number == "国办发〔2021〕12号"
    assert page.body_text is not None and pages.PARAGRAPHS[1] in page.body_text


def test_header_lying_about_charset_gives_no_mojibake() -> None:
    body = pages.news_page(charset="gbk").encode("gbk")
    page = extract_from_bytes(body, NEWS_URL, {b"Content-Type": b"text/html; charset=utf-8"})
    assert page.encoding == "gb18030"
    assert page.title == "市教委召开托育服务工作推进会"
    assert page.body_text is not None and "\ufffd" not in page.body_text
    assert pages.PARAGRAPHS[3] in page.body_text


# ------------------------------------------------------------------------- news / bureau page


def test_news_title_strips_site_suffix() -> None:
    assert _news().title == "市教委召开托育服务工作推进会"


def test_news_publish_line_keeps_the_given_time() -> None:
    page = _news()
    assert page.publish_date == "2021-11-21T10:30+08:00"
    assert page.source_name == "市教委"


def test_news_author_is_not_the_editor() -> None:
    assert _news().author == "张三"


def test_news_body_has_paragraphs_and_no_page_chrome() -> None:
    text = _news().body_text
    assert text is not None
    assert text.split("\n")[:5] == pages.PARAGRAPHS
    for chrome in ("首页", "分享到", "打印本页", "相关链接", "ICP", "不是正文", "color"):
        assert chrome not in text


def test_news_body_html_is_sanitised() -> None:
    html = _news().body_html
    assert html is not None
    assert "<p>" in html
    for bad in ("<script", "onerror", "javascript:", "<style"):
        assert bad not in html
    assert 'src="https://edu.sh.gov.cn/images/2021/photo1.jpg"' in html


def test_news_images_and_attachments_are_absolute() -> None:
    page = _news()
    assert [(i.src, i.alt) for i in page.images] == [
        ("https://edu.sh.gov.cn/images/2021/photo1.jpg", "会议现场")
    ]
    assert [(a.name, a.url, a.file_type) for a in page.attachments] == [
        ("托育机构备案登记表.pdf", "https://edu.sh.gov.cn/files/2021/notice.pdf", "pdf")
    ]


def test_trs_meta_conventions() -> None:
    page = extract_from_bytes(pages.trs_meta_page().encode("utf-8"), NEWS_URL)
    assert page.title == "关于做好2022年托育机构年检工作的通知"
    assert page.publish_date == "2022-04-26T09:15+08:00"
    assert page.source_name == "上海市卫生健康委员会"
    assert page.body_text is not None and pages.PARAGRAPHS[4] in page.body_text


def test_pinyin_readings_are_stripped_from_body_and_title() -> None:
    html = pages.news_page().replace("托育服务工作推进会", "托育服務(wù)推進(jìn)會")
    page = extract_from_bytes(html.encode("utf-8"), NEWS_URL)
    assert page.title == "市教委召开托育服務推進會"


# ------------------------------------------------------------------------- selectors


def test_selectors_win_over_heuristics() -> None:
    response = HtmlResponse(NEWS_URL, body=pages.news_page().encode("utf-8"))
    page = extract_article(
        response,
        selectors={"title": "div.crumb", "publish_date": "//h1", "body": "div.related"},
    )
    assert page.title is not None and page.title.startswith("您现在所在的位置")
    # a selector value that does not parse as a date is ignored, the heuristics still answer
    assert page.publish_date == "2021-11-21T10:30+08:00"
    assert page.body_text is not None and "托育机构设置标准解读" in page.body_text


def test_invalid_selector_is_ignored() -> None:
    response = HtmlResponse(NEWS_URL, body=pages.news_page().encode("utf-8"))
    page = extract_article(response, selectors={"title": "div[[["})
    assert page.title == "市教委召开托育服务工作推进会"


# ------------------------------------------------------------------------- lists


def test_list_links_are_absolute_dated_and_deduplicated() -> None:
    body = pages.list_page().encode("utf-8")
    page = extract_from_bytes(body, LIST_URL)
    assert page.kind == "list"
    assert len(page.links) == 15
    assert page.links[0] == "https://jyt.example.gov.cn/xwzx/tzgg/202111/t20211101_1001.html"
    assert not any("index_1" in link or link.endswith("/zwgk/") for link in page.links)


def test_hanweb_embedded_records_are_list_items() -> None:
    page = extract_from_bytes(pages.hanweb_list_page().encode("utf-8"), LIST_URL)
    assert page.kind == "list"
    assert len(page.links) == 12
    assert page.links[0] == "https://jyt.example.gov.cn/art/2021/11/1/art_1229266336_5001.html"


def test_extract_links_with_selector() -> None:
    response = HtmlResponse(LIST_URL, body=pages.list_page().encode("utf-8"))
    assert extract_links(response, "div.page a") == [
        "https://jyt.example.gov.cn/xwzx/tzgg/index_1.html",
        "https://jyt.example.gov.cn/xwzx/tzgg/index_2.html",
    ]


def test_article_is_not_detected_as_list() -> None:
    assert _news().kind == "article"


# ------------------------------------------------------------------------- not articles


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (b"", None, "empty body"),
        (b"%PDF-1.7\n...", None, "not HTML"),
        (b"\x89PNG\r\n\x1a\n....", None, "not HTML"),
        (b"<html>x</html>", {"Content-Type": "application/json"}, "not HTML"),
        (b"<html><head><script>var a=1;</script></head><body></body></html>", None, "no text"),
    ],
)
def test_not_article_reasons(body: bytes, headers: dict[str, str] | None, reason: str) -> None:
    page = extract_from_bytes(body, NEWS_URL, headers)
    assert page.kind == "not_article"
    assert page.reason is not None and page.reason.startswith(reason)


def test_extract_article_uses_response_headers() -> None:
    body = pages.news_page(charset="gbk").encode("gbk")
    response = Response(NEWS_URL, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    page = extract_article(response)
    assert page.encoding == "gb18030"
    assert page.title == "市教委召开托育服务工作推进会"


# ------------------------------------------------------------------------- eval contract


def test_to_eval_dict_contract() -> None:
    out = to_eval_dict(_news())
    assert set(out) <= {
        "title",
        "publish_date",
        "written_date",
        "doc_number",
        "issuer",
        "index_number",
        "topic",
        "author",
        "body_text",
        "links",
    }
    assert "written_date" not in out  # None values are left out
    assert out["title"] == "市教委召开托育服务工作推进会"
    json.dumps(out, ensure_ascii=False)


def test_list_of_div_items_inside_a_section() -> None:
    items = "".join(
        f'<div class="item"><a href="/c/{i}.html">第{i}期托育服务工作简报发布</a>'
        f'<span class="date">2021-10-{i:02d}</span></div>'
        for i in range(1, 11)
    )
    section = f"<section class='news'>{items}</section>"
    html = f"<html><body>{pages.NAV}{section}{pages.FOOTER}</body></html>"
    page = extract_from_bytes(html.encode("utf-8"), LIST_URL, kind="list")
    assert page.links == [f"https://jyt.example.gov.cn/c/{i}.html" for i in range(1, 11)]


def test_list_in_table_rows() -> None:
    rows = "".join(
        f'<tr><td><a href="t{i}.htm">关于公布第{i}批示范托育机构名单的通知</a></td>'
        f"<td>2021年9月{i}日</td></tr>"
        for i in range(1, 9)
    )
    html = f"<html><body>{pages.NAV}<table class='list'>{rows}</table>{pages.FOOTER}</body></html>"
    page = extract_from_bytes(html.encode("utf-8"), LIST_URL)
    assert page.kind == "list"
    assert page.links[-1] == "https://jyt.example.gov.cn/xwzx/tzgg/t8.htm"
    assert len(page.links) == 8


def test_document_without_info_table_gets_number_and_signature_date_from_text() -> None:
    html = (
        "<html><head><title>关于推进托育服务的意见</title></head><body>"
        "<div class='main'><h1>关于推进托育服务的意见</h1><div class='TRS_Editor'>"
        "<p>某府发〔2021〕8号</p>" + pages.BODY_HTML + "<p>某某市人民政府</p><p>2021年6月30日</p>"
        "</div></div></body></html>"
    )
    page = extract_from_bytes(html.encode("utf-8"), NEWS_URL, kind="article")
    assert page.doc_number == "某府发〔2021〕8号"
    assert page.written_date == "2021-06-30"


def test_javascript_challenge_page_is_not_an_article() -> None:
    html = (
        b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'>"
        b"<script>var _$x='challenge';eval(_$x);</script></head><body></body></html>"
    )
    page = extract_from_bytes(html, "https://www.nhc.gov.cn/wjw/zcfg/list.shtml", kind="article")
    assert page.kind == "not_article"
    assert page.reason is not None and "JavaScript" in page.reason


def test_dated_list_keeps_offsite_article_links() -> None:
    items = "".join(
        f'<li><a href="https://mp.weixin.qq.com/s/post{i}">今日托育服务信息发布第{i}期</a>'
        f"<span>2022-04-{i:02d}</span></li>"
        for i in range(1, 9)
    )
    html = f"<html><body>{pages.NAV}<ul class='list'>{items}</ul>{pages.FOOTER}</body></html>"
    page = extract_from_bytes(html.encode("utf-8"), "https://wsjkw.sh.gov.cn/yqtb/index.html")
    assert page.kind == "list"
    assert page.links[0] == "https://mp.weixin.qq.com/s/post1"
    assert len(page.links) == 8


def test_undated_list_keeps_only_links_of_the_same_site() -> None:
    items = "".join(
        f'<li><a href="{host}/news/{i}.html">托育服务机构建设经验交流材料之{i}</a></li>'
        for i, host in enumerate(["https://www.example.gov.cn"] * 6 + ["https://other.com"] * 2)
    )
    html = f"<html><body><ul class='list'>{items}</ul></body></html>"
    page = extract_from_bytes(html.encode("utf-8"), "https://jyt.example.gov.cn/", kind="list")
    assert len(page.links) == 6
    assert all(link.startswith("https://www.example.gov.cn/") for link in page.links)


def test_title_from_heading_when_title_tag_is_only_the_site_name() -> None:
    html = (
        "<html><head><title>上海市教育委员会</title></head><body>"
        + pages.NAV
        + "<div class='detail'>"
        "<div class='article-title'>关于开展2021年托育机构年检的通知</div>"
        "<div class='time'>2021-11-01</div><div class='content'>" + pages.BODY_HTML + "</div></div>"
        "</body></html>"
    )
    page = extract_from_bytes(html.encode("utf-8"), NEWS_URL, kind="article")
    assert page.title == "关于开展2021年托育机构年检的通知"
    assert page.publish_date == "2021-11-01"


def test_long_comment_thread_after_the_article_does_not_win() -> None:
    comment = "这篇文章写得很好，我非常赞同作者的观点，希望相关部门能够尽快落实，造福广大家庭！"
    thread = "".join(
        f'<div class="item"><span class="user">网友{i}</span><p>{comment}</p></div>'
        for i in range(12)
    )
    html = (
        "<html><head><title>市教委召开托育服务工作推进会_某网</title></head><body>"
        "<div class='art'><h1>市教委召开托育服务工作推进会</h1><div class='TRS_Editor'>"
        + "".join(f"<p>{p}</p>" for p in pages.PARAGRAPHS[:3])
        + f"</div></div><div class='pl'>{thread}</div></body></html>"
    )
    page = extract_from_bytes(html.encode("utf-8"), NEWS_URL, kind="article")
    assert page.body_text is not None
    assert pages.PARAGRAPHS[1] in page.body_text
    assert comment not in page.body_text
