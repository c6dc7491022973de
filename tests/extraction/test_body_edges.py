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


def _post(inner: str) -> bytes:
    html = f"""<html><head><meta charset="utf-8"><title>示例区新增三处普惠托育点_示例号</title>
    </head><body><div class="nav"><a href="/">首页</a> <a href="/news/">资讯</a></div>
    <h1>示例区新增三处普惠托育点</h1>
    <article class="article">{inner}</article>
    <div class="foot">示例号 版权所有</div></body></html>"""
    return html.encode("utf-8")


def test_a_platform_s_header_and_closing_lines_are_not_the_text() -> None:
    inner = f"""<p>2024-05-20 06:48</p><p>发布于：北京市</p>
    {"".join(f"<p>{p}</p>" for p in PARAS)}
    <p>（编辑：小何）<a href="/">返回示例号，查看更多</a></p><p>责任编辑：</p>
    <p>平台声明：该文观点仅代表作者本人，示例号系信息发布平台，仅提供信息存储空间服务。</p>"""
    page = extract_from_bytes(_post(inner), "https://www.example.com/a/1", kind="article")
    assert page.body_text is not None
    assert page.body_text.startswith(PARAS[0])
    assert "查看更多" not in page.body_text
    assert "平台声明" not in page.body_text
    assert PARAS[2] in page.body_text


def test_a_video_player_s_controls_and_messages_are_not_the_text() -> None:
    inner = f"""<div class="player"><div>展开</div><div>00:00</div>
    <div>很抱歉，当前视频播放失败</div><div>错误代码：QVS.4100</div><div>收起</div></div>
    {"".join(f"<p>{p}</p>" for p in PARAS)}"""
    page = extract_from_bytes(_post(inner), "https://www.example.com/a/2", kind="article")
    assert page.body_text is not None
    for chrome in ("展开", "00:00", "视频播放失败", "QVS.4100", "收起"):
        assert chrome not in page.body_text
    assert page.body_text.endswith(PARAS[2])
