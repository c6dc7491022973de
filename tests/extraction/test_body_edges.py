"""Where the article's text ends: a list the text announces, printed outside its cell."""

from __future__ import annotations

from crawler.extraction import extract_from_bytes

URL = "https://www.example.gov.cn/art/2024/5/9/art_1_1.html"
PARAS = (
    "为做好二〇二四年托育机构从业人员培训工作，现将有关事项通知如下。",
    "一、培训对象为全市备案托育机构的保育人员和管理人员，每期培训五天。",
    "二、各区卫生健康部门负责组织报名，培训结束后统一发放结业证书。",
)


def _page(last_line: str, after: str) -> bytes:
    rows = "".join(
        f"<tr><td>{k}</td><td>示例区第{k}托育中心</td><td>{k * 3}</td></tr>" for k in range(1, 5)
    )
    html = f"""<html><head><meta charset="gb2312">
    <title>关于开展托育从业人员培训的通知</title></head><body>
    <div class="nav"><a href="/">首页</a> <a href="/tzgg/">通知公告</a></div>
    <table><tr><td class="title">关于开展托育从业人员培训的通知</td></tr>
    <tr><td class="content">{"".join(f"<p>{p}</p>" for p in PARAS)}
    <p>{last_line}</p></td></tr></table>
    {after.format(rows=rows)}
    <div class="foot">版权所有 示例市卫生健康委员会 联系电话：000-00000000</div></body></html>"""
    return html.encode("gb18030")


TABLE = '<table border="1"><tr><th>序号</th><th>机构名称</th><th>名额</th></tr>{rows}</table>'


def test_a_table_the_last_line_announces_is_part_of_the_text() -> None:
    page = extract_from_bytes(_page("附：第一期培训名额分配表", TABLE), URL, kind="article")
    assert page.body_text is not None
    assert page.body_text.startswith(PARAS[0])
    assert "示例区第4托育中心" in page.body_text
    assert "版权所有" not in page.body_text


def test_a_table_after_text_that_announces_nothing_stays_out() -> None:
    page = extract_from_bytes(_page("特此通知。", TABLE), URL, kind="article")
    assert page.body_text is not None
    assert page.body_text.endswith("特此通知。")
    assert "示例区第1托育中心" not in page.body_text
