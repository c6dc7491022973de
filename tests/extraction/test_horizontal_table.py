"""Horizontal information tables: a row of labels over the row of their values.

Some government templates print a document's 信息公开 block as two table rows (``索取号 | 发布时间
| 发布机构 | 文件编号 | 备注`` over the values, cell for cell) instead of ``label：value`` pairs.
Its fields must be read column by column, and none of it may end up in the body text. The pages
here are invented; only the structure matters.
"""

from __future__ import annotations

import pytest

from crawler.extraction import ExtractedPage, extract_from_bytes

URL = "https://www.example.gov.cn/zwgk/20241126/a1b2c3d4.html"
PARAGRAPHS = (
    "为进一步规范托育机构卫生保健工作，现将有关事项通知如下。",
    "一、各区要加强对托育机构卫生保健工作的指导，定期开展检查评估。",
    "二、托育机构应当配备专职或兼职卫生保健人员，落实晨午检和全日健康观察制度。",
)
BODY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)

HORIZONTAL = """<table class="gk-table" border="1">
 <tr><td>索取号</td><td>发布时间</td><td>发布机构</td><td>文件编号</td><td>备注</td></tr>
 <tr><td>SHWJ-2024-00123</td><td>2024-11-26</td><td>示例市卫生健康委员会</td>
     <td>示卫规〔2024〕7号</td><td></td></tr>
</table>"""


def _page(block: str, *, inside: bool = True, body: str = BODY) -> str:
    content = f'<div id="content" class="article">{block}{body}</div>'
    if not inside:
        content = f'{block}<div id="content" class="article">{body}</div>'
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>关于加强托育机构卫生保健工作的通知_示例市卫生健康委员会</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="main"><h1>关于加强托育机构卫生保健工作的通知</h1>{content}</div>
<div class="footer">版权所有 示例市卫生健康委员会</div></body></html>"""


def _extract(html: str) -> ExtractedPage:
    return extract_from_bytes(html.encode("utf-8"), URL, {"Content-Type": "text/html"})


def _assert_fields(page: ExtractedPage) -> None:
    assert page.kind == "article"
    assert page.index_number == "SHWJ-2024-00123"
    assert page.publish_date == "2024-11-26"
    assert page.issuer == "示例市卫生健康委员会"
    assert page.doc_number == "示卫规〔2024〕7号"


def _assert_clean_body(page: ExtractedPage) -> None:
    assert page.body_text == "\n".join(PARAGRAPHS)
    assert page.body_html is not None
    for leaked in ("索取号", "发布机构", "文件编号", "备注", "SHWJ-2024-00123"):
        assert leaked not in page.body_html


@pytest.mark.parametrize("inside", [True, False], ids=["in-body", "above-body"])
def test_columns_give_the_fields_and_the_table_stays_out_of_the_body(inside: bool) -> None:
    page = _extract(_page(HORIZONTAL, inside=inside))
    _assert_fields(page)
    _assert_clean_body(page)


def test_header_cells_colons_and_spaces_in_labels() -> None:
    table = """<table><thead><tr><th>索 取 号：</th><th>发布时间：</th><th>发布机构：</th>
    <th>文件编号：</th></tr></thead><tbody><tr><td><span>SHWJ-2024-00123</span></td>
    <td>2024-11-26</td><td><p>示例市卫生健康委员会</p></td><td>示卫规〔2024〕7号</td></tr>
    </tbody></table>"""
    page = _extract(_page(table))
    _assert_fields(page)
    _assert_clean_body(page)


def test_stacked_label_rows_each_over_their_values() -> None:
    table = """<table>
    <tr><td>索取号</td><td>发布机构</td></tr><tr><td>SHWJ-2024-00123</td><td>示例市卫生健康委员会</td></tr>
    <tr><td>文件编号</td><td>成文日期</td></tr><tr><td>示卫规〔2024〕7号</td><td>2024-11-20</td></tr>
    </table>"""
    page = _extract(_page(table))
    assert page.index_number == "SHWJ-2024-00123"
    assert page.issuer == "示例市卫生健康委员会"
    assert page.doc_number == "示卫规〔2024〕7号"
    assert page.written_date == "2024-11-20"
    _assert_clean_body(page)


def test_a_data_table_under_a_label_header_is_body_text() -> None:
    """A label row over several rows lists documents: it is content, and its first row is not
    the page's metadata."""
    table = """<table>
    <tr><td>文件编号</td><td>发布机构</td></tr>
    <tr><td>示卫规〔2023〕1号</td><td>示例市卫生健康委员会</td></tr>
    <tr><td>示卫规〔2023〕2号</td><td>示例市教育委员会</td></tr>
    </table>"""
    page = _extract(_page(table, body=BODY))
    assert page.issuer is None
    assert page.doc_number != "示卫规〔2023〕1号"
    assert page.body_text is not None
    assert "示卫规〔2023〕2号" in page.body_text


def test_a_news_table_without_information_labels_is_left_alone() -> None:
    """标题 / 发布时间 alone are a news listing's header, not a document's information block."""
    table = """<table><tr><td>标题</td><td>发布时间</td></tr>
    <tr><td>示例区召开托育工作会议</td><td>2024-10-08</td></tr></table>"""
    page = _extract(_page(table))
    assert page.body_text is not None
    assert "示例区召开托育工作会议 2024-10-08" in page.body_text


def test_a_label_row_without_values_is_not_taken_out() -> None:
    table = """<table><tr><td>索取号</td><td>文件编号</td></tr></table>"""
    page = _extract(_page(table))
    assert page.index_number is None
    assert page.doc_number is None
