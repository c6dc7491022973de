"""Signature blocks, text split over inline runs, pages whose document is only an attachment
(issue 20). Invented pages; the structures are those of government sites."""

from __future__ import annotations

from crawler.extraction import ExtractedPage, extract_from_bytes

URL = "https://www.example.gov.cn/zwgk/202607/t20260701_1.html"
NAV = '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>'
FOOTER = """<div class="bottom"><p>主办单位：示例市卫生健康委员会 地址：示例路1号 邮编：200000</p>
<p>咨询电话：12345，联系邮箱：contact@example.gov.cn。如您对本网站有意见和建议，请来信告诉我们，
我们将认真对待每一条意见。</p><p>网站标识码：3100000000 示ICP备00000000号</p></div>"""
TEXT = (
    "各省、自治区、直辖市卫生健康委、疾控局：",
    "为做好托育机构卫生评价工作，现将有关事项通知如下。",
    "一、各地要按照属地管理原则，组织开展托育机构卫生评价，评价结果向社会公开。",
    "二、托育机构应当建立卫生保健制度，配备卫生保健人员，落实晨午检和健康观察。",
)


def _page(content: str, title: str = "关于做好托育机构卫生评价工作的通知") -> str:
    return f"""<html><head><meta charset="utf-8"><title>{title}_示例网</title></head><body>
    {NAV}<div class="main"><h1>{title}</h1>
    <div class="info">发布时间：2026-07-02 来源：示例市卫生健康委员会</div>
    <div class="content">{content}</div></div>{FOOTER}</body></html>"""


def _extract(html: str) -> ExtractedPage:
    return extract_from_bytes(html.encode("utf-8"), URL, kind="article")


def _signed(*lines: str) -> str:
    body = "".join(f"<p>{t}</p>" for t in TEXT)
    return body + "".join(f'<p style="text-align: right">{line}</p>' for line in lines)


def test_joint_issuers_on_separate_lines_above_the_date() -> None:
    page = _extract(_page(_signed("国家卫生健康委", "国家疾控局", "2026年7月1日")))
    assert page.issuer == "国家卫生健康委、国家疾控局"
    assert page.issuers == ["国家卫生健康委", "国家疾控局"]
    assert page.written_date == "2026-07-01"
    assert page.publish_date == "2026-07-02"
    assert page.body_text is not None
    assert page.body_text.endswith("国家卫生健康委\n国家疾控局\n2026年7月1日")


def test_issuers_side_by_side_and_a_date_in_chinese_numerals() -> None:
    page = _extract(_page(_signed("示例省教育厅 示例省卫生健康委员会", "二〇二六年七月一日")))
    assert page.issuers == ["示例省教育厅", "示例省卫生健康委员会"]
    assert page.written_date == "2026-07-01"


def test_a_note_under_the_signature_is_no_obstacle() -> None:
    page = _extract(_page(_signed("示例市人民政府办公厅", "2026年6月30日", "（此件公开发布）")))
    assert page.issuer == "示例市人民政府办公厅"
    assert page.written_date == "2026-06-30"


def test_an_information_table_wins_over_the_signature() -> None:
    table = """<table class="xxgk"><tr><td>发文机关：</td><td>示例市卫生健康委员会</td>
    <td>成文日期：</td><td>2026年06月28日</td></tr></table>"""
    page = _extract(_page(table + _signed("示例市教育委员会", "2026年7月1日")))
    assert page.issuer == "示例市卫生健康委员会"
    assert page.written_date == "2026-06-28"


def test_a_news_text_ending_with_a_date_has_no_issuer() -> None:
    page = _extract(_page(_signed("本报记者 张三", "2026年7月1日")))
    assert page.issuer is None
    assert page.written_date is None  # no signing agency, no 文号: a news date, not 成文日期


def test_inline_runs_join_without_spaces_in_attachment_names_and_titles() -> None:
    link = (
        '<p>附件：<a href="/files/ws280.pdf"><span>WS2</span><span>80—20</span><span>26</span>'
        "<span>托育机构卫生评价规范</span>.pdf</a></p>"
    )
    html = _page(_signed("示例市卫生健康委员会", "2026年7月1日") + link, "关于发布WS280—2026的通知")
    html = html.replace(
        "<h1>关于发布WS280—2026的通知</h1>",
        "<h1><span>关于发布</span><span>WS2</span><span>80—20</span><span>26</span>的通知</h1>",
    )
    page = _extract(html)
    assert [a.name for a in page.attachments] == ["WS280—2026托育机构卫生评价规范.pdf"]
    assert page.title == "关于发布WS280—2026的通知"


def test_attachment_only_page_body_is_not_the_footer() -> None:
    content = '<p><a href="/files/list2026.pdf">2026年示例市托育机构名单.pdf</a></p>'
    page = _extract(_page(content, "关于公布2026年托育机构名单的通知"))
    assert page.kind == "article"
    assert page.text_in_attachment is True
    assert page.body_text == "2026年示例市托育机构名单.pdf"
    assert [a.url for a in page.attachments] == ["https://www.example.gov.cn/files/list2026.pdf"]
    for footer_text in ("咨询电话", "主办单位", "ICP"):
        assert footer_text not in (page.body_text or "")
        assert footer_text not in (page.body_html or "")


def test_a_body_of_attachment_names_only_is_marked() -> None:
    content = (
        '<p>附件：</p><p><a href="/f/1.pdf">1.托育机构名单.pdf</a></p>'
        '<p><a href="/f/2.xlsx">2.托位统计表.xlsx</a></p>'
    )
    page = _extract(_page(content, "关于公布2026年托育机构名单的通知").replace(FOOTER, ""))
    assert page.text_in_attachment is True
    assert len(page.attachments) == 2


def test_a_page_with_text_and_attachments_is_not_marked() -> None:
    link = '<p>附件：<a href="/files/a.pdf">评价表.pdf</a></p>'
    page = _extract(_page(_signed("示例市卫生健康委员会", "2026年7月1日") + link))
    assert page.text_in_attachment is False
    assert page.body_text is not None
    assert page.body_text.startswith(TEXT[0])


# ------------------------------------------------------------------------- body boundaries


def _news(content: str, after: str = "") -> ExtractedPage:
    html = f"""<html><head><meta charset="utf-8"><title>社区托育点开到了家门口_示例网</title>
    </head><body>{NAV}<div class="main"><h1>社区托育点开到了家门口</h1>
    <div class="content">{content}</div>{after}</div>{FOOTER}</body></html>"""
    return _extract(html)


PARAS = "".join(f"<p>{t}</p>" for t in TEXT[1:])


def test_an_article_its_script_shows_is_read() -> None:
    """WeChat-style pages hide the article until their script runs (``visibility: hidden``)."""
    page = _news(f'<div id="js_content" style="visibility: hidden;">{PARAS * 4}</div>')
    assert page.body_text == "\n".join(TEXT[1:] * 4)


def test_a_hidden_menu_stays_out() -> None:
    page = _news(f'<div style="visibility:hidden"><a href="/">返回首页</a></div>{PARAS}')
    assert page.body_text == "\n".join(TEXT[1:])


def test_comments_after_the_text_are_cut_from_their_heading() -> None:
    comments = "".join(
        f"<p># re: 社区托育点开到了家门口</p><p>2004-12-27 12:{k}6</p><p>说得好，支持！</p>"
        for k in range(3)
    )
    page = _news(f"{PARAS}<p>发表于 2004年12月27日 12:40</p><h3>评论</h3>{comments}")
    assert page.body_text is not None
    assert "说得好" not in page.body_text
    assert page.body_text.startswith(TEXT[1])


def test_pager_lines_and_a_closing_list_of_related_links_are_cut() -> None:
    related = "".join(
        f"<p>·<a href='/n/{k}.html'>托育新闻标题第{k}条</a>（2005-04-0{k} 17:19PM）</p>"
        for k in range(1, 5)
    )
    pager = "<p>第1页/共1页</p><p>&lt;&lt; 上一页 | 下一页 &gt;&gt;</p>"
    content = f"{pager}{PARAS}<p>相关报道：</p>{related}"
    page = _news(content)
    assert page.body_text == "\n".join(TEXT[1:])


def test_related_news_with_its_own_text_is_kept() -> None:
    """A 相关新闻 heading followed by running text is part of what the page shows as text."""
    more = "<p>相关新闻</p><p>托育服务再上新台阶</p>" + PARAS
    page = _news(PARAS + more)
    assert page.body_text is not None
    assert "托育服务再上新台阶" in page.body_text
