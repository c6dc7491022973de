"""Issue 25: embedded media never take the text after them with them, and a body cut short is
flagged by a health rule.

lxml (libxml2 knows HTML 4) nests everything after an unclosed ``<embed>`` (void in HTML5, and an
ordinary way to write it) inside it; the cleaner used to drop ``embed`` with its content, and the
article was stored as ``视频：``."""

from __future__ import annotations

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.extraction import dom
from crawler.extraction.extract import extract_bytes
from crawler.items import PolicyArticle
from crawler.monitoring.health import Thresholds, run_problems, short_body
from crawler.pipelines.checks import RecordCheckPipeline

PARAGRAPHS = [
    f"第{n}条：为规范托育机构备案管理，保障婴幼儿安全和健康，各地卫生健康部门应当依照本办法"
    f"做好托育机构的备案、信息公示和事中事后监管工作，确保服务质量持续提升（{n}）。"
    for n in range(1, 41)
]  # about 3,300 characters, as on the page of the issue


def page(media: str) -> bytes:
    body = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>托育机构备案管理办法解读_测试市卫生健康委员会</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="article"><h1>托育机构备案管理办法解读</h1>
<div class="content" id="zoom">
<p>视频：</p>{media}
{body}
</div></div>
<div class="footer">主办单位：测试市卫生健康委员会　网站标识码：3300000001</div>
</body></html>""".encode()


def extract(html: bytes) -> dom.Doc | None:
    return dom.parse_html(html.decode())


UNCLOSED = [
    '<embed src="/v/a.mp4" type="video/mp4" width="640" height="360">',
    '<object data="/v/a.swf" type="application/x-shockwave-flash"><param name="q" value="h">',
    '<video src="/v/a.mp4" controls>',
    '<video controls><source src="/v/a.mp4" type="video/mp4">',
    '<audio src="/v/a.mp3" controls>',
    '<iframe src="/v/player.html" width="640">',
]


@pytest.mark.parametrize("media", UNCLOSED, ids=lambda m: m.split()[0].strip("<"))
def test_an_unclosed_media_element_keeps_the_body_after_it(media: str) -> None:
    result = extract_bytes(page(media), "https://wsjkw.example.gov.cn/a/1.html", None, "article")
    assert result.kind == "article", result.reason
    assert result.body_text is not None
    for paragraph in PARAGRAPHS:
        assert paragraph in result.body_text
        assert result.body_html is not None and paragraph in result.body_html
    for tag in ("<embed", "<object", "<video", "<audio", "<iframe", "<source"):
        assert tag not in (result.body_html or "")


def test_closed_media_go_with_their_fallback_and_nothing_else() -> None:
    media = (
        '<video controls><source src="/v/a.mp4" type="video/mp4">您的浏览器不支持视频播放</video>'
        '<object data="/v/a.swf"><param name="q" value="h"><embed src="/v/a.swf"></object>'
        '<iframe src="/v/player.html">您的浏览器不支持框架</iframe>'
    )
    result = extract_bytes(page(media), "https://wsjkw.example.gov.cn/a/1.html", None, "article")
    assert result.body_text is not None
    assert "不支持" not in result.body_text
    assert all(p in result.body_text for p in PARAGRAPHS)


def test_the_page_text_is_measured_before_cleaning() -> None:
    result = extract_bytes(page(UNCLOSED[0]), "https://x.example.gov.cn/a/1.html", None, "article")
    body = len("".join((result.body_text or "").split()))
    assert result.page_chars is not None
    assert body <= result.page_chars < body + 200  # the page: body, title, footer; no links


def test_the_page_text_counts_controls_and_hidden_text_but_no_code() -> None:
    doc = dom.parse_html(
        "<html><head><title>标题</title></head><body><p>正文一二三</p>"
        "<svg><style>.a{fill:red}</style><text>图表</text></svg>"
        "<button>提交<script>var x=1;</script></button><select><option>选项甲</option></select>"
        "<noscript><iframe>不算</iframe></noscript><div style='display:none'>隐藏的字</div>"
        "<video>浏览器不支持</video></body></html>"
    )
    assert doc is not None
    # 正文一二三 图表 提交 选项甲 隐藏的字 浏览器不支持: what a reader could be shown (the media
    # hold text: the page is counted before its cleaning)
    assert doc.text_chars == 5 + 2 + 2 + 3 + 4 + 6
    assert doc.shown_chars(dom.compute_stats(doc.root).stats) == doc.text_chars


def test_without_media_text_the_count_is_the_cleaned_page_and_what_was_removed() -> None:
    doc = dom.parse_html(
        "<html><head><title>标题</title></head><body><p>正文\u2003一二三</p>"
        "<button>提交</button><div style='display:none'>隐藏的字<div hidden>里面</div></div>"
        "<div style='visibility:hidden'>看不见</div><iframe src='/x'></iframe><p>尾</p>"
        "</body></html>"
    )
    assert doc is not None
    assert doc.text_chars is None  # nothing counted before the cleaning
    # 正文一二三 提交 隐藏的字 里面 看不见 尾: the nested hidden element counted once
    assert doc.shown_chars(dom.compute_stats(doc.root).stats) == 5 + 2 + 4 + 2 + 3 + 1


@pytest.mark.parametrize(
    "attributes",
    [
        "style='display:none'",
        "style='DISPLAY : NoNe'",  # CSS is case-insensitive
        "hidden",
        "style='color:red' hidden",
        "hidden style='color:red'",
        "style='visibility:hidden' hidden",  # the attribute hides even a long text
    ],
)
def test_an_element_hidden_by_either_attribute_goes_and_is_counted(attributes: str) -> None:
    doc = dom.parse_html(
        f"<html><body><p>正文</p><div {attributes}>{'隐' * 400}</div><p>尾</p></body></html>"
    )
    assert doc is not None
    assert "".join(doc.root.itertext()) == "正文尾"
    assert doc.removed_chars == 400


@pytest.mark.parametrize("style", ["border:none", "overflow:hidden", "visibility:visible"])
def test_a_style_that_hides_nothing_keeps_its_element(style: str) -> None:
    doc = dom.parse_html(f"<html><body><p>正文</p><div style='{style}'>看得见</div></body></html>")
    assert doc is not None
    assert "".join(doc.root.itertext()) == "正文看得见"
    assert doc.removed_chars == 0


# --- the health rule: a body that is a tiny fraction of its page -----------------------------


CUT_SHORT = "视频："
"""What the cleaning before issue 25 left of this page's body: the media element and, with it,
everything after it."""


def test_a_body_cut_short_is_flagged() -> None:
    """Were the cleaner to drop the text again, the run would say so; the whole body is not
    flagged. (The body is set by hand: a compiled build of the extractor cannot be patched.)"""
    result = extract_bytes(page(UNCLOSED[0]), "https://x.example.gov.cn/a/1.html", None, "article")
    assert result.page_chars is not None and result.page_chars > 3000
    assert result.body_text.startswith(CUT_SHORT) and PARAGRAPHS[-1] in result.body_text
    assert not short_body(result.body_text, result.page_chars, Thresholds())
    assert short_body(CUT_SHORT, result.page_chars, Thresholds())

    item = PolicyArticle(
        url=result.url,
        site="cn_test",
        title="通知",
        body_text=CUT_SHORT,
        page_chars=result.page_chars,
    )
    crawler = get_crawler(Spider)
    assert crawler.stats is not None
    RecordCheckPipeline(crawler).process_item(item)
    stats = crawler.stats.get_stats()
    assert stats["article/short_body"] == 1
    problems = [str(p) for p in run_problems(stats, "finished", Thresholds())]
    assert problems == [
        f"warning: body cut short? {result.url}: {len(CUT_SHORT)} of the page's "
        f"{result.page_chars} characters"
    ]


def test_a_short_notice_on_a_small_page_is_not_flagged() -> None:
    limits = Thresholds()
    assert not short_body("关于放假的通知。", 400, limits)  # a small page: too little to judge
    assert not short_body("正" * 120, 2000, limits)  # 6 %: a short notice among chrome
    assert short_body("正" * 40, 2000, limits)
