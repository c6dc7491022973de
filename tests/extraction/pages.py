"""Small hand-written pages modelled on the structures of the target sites (no real page text)."""

from __future__ import annotations

PARAGRAPHS = [
    "各区教育局、卫生健康委：",
    "为贯彻落实国家关于促进三岁以下婴幼儿照护服务发展的部署，进一步规范托育机构管理，现就有关事项通知如下。",
    "一、充分认识托育服务工作的重要意义。各区要把托育服务纳入经济社会发展规划，加强统筹协调，落实工作责任。",
    "二、加强托育机构监督管理。各区要建立健全备案登记制度，定期开展检查，确保安全、卫生、保育等要求落实到位。",
    "三、强化组织保障。各区要加强经费投入，完善人员培训，推动托育服务高质量发展，满足群众多样化需求。",
]
BODY_HTML = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)

NAV = (
    '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>'
)
FOOTER = (
    '<div class="footer"><p><a href="/about">关于我们</a> | <a href="/map">网站地图</a></p>'
    "<p>主办单位：某某市教育委员会 ICP备案号：沪ICP备00000000号</p></div>"
)
SHARE = (
    '<div class="share-bar">分享到：<a href="#">微信</a><a href="#">微博</a></div>'
    '<div class="print-bar">【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】'
    '<a href="javascript:window.print()">打印本页</a> '
    '<a href="javascript:window.close()">关闭窗口</a>'
    "</div>"
)
RELATED = (
    '<div class="related"><h3>相关链接</h3><ul>'
    '<li><a href="/a/1.html">关于开展托育机构年检的通知</a></li>'
    '<li><a href="/a/2.html">托育机构设置标准解读</a></li>'
    '<li><a href="/a/3.html">婴幼儿照护服务常见问题</a></li></ul></div>'
)


def govcn_fragment() -> str:
    """gov.cn policy-library layout: info table (table.bd1) above #UCAP-CONTENT, no <head>."""
    return f"""
<div class="wrap">
 <table class="bd1"><tbody>
  <tr><td><b>索 引 号：</b></td><td>000014349/2021-00042</td>
      <td><b>主题分类：</b></td><td>卫生、体育\\卫生</td></tr>
  <tr><td><b>发文机关：</b></td><td>国务院办公厅</td>
      <td><b>成文日期：</b></td><td>2021年04月29日</td></tr>
  <tr><td><b>标　　题：</b></td><td colspan="3">国务院办公厅关于促进托育服务健康发展的意见</td></tr>
  <tr><td><b>发文字号：</b></td><td>国办发〔2021〕12号</td>
      <td><b>发布日期：</b></td><td>2021年05月06日</td></tr>
 </tbody></table>
 <table class="bd1"><tbody><tr><td><b>主 题 词：</b></td><td></td></tr></tbody></table>
 <table><tr><td id="UCAP-CONTENT" class="b12c">
   <p style="text-align:center">国务院办公厅关于促进托育服务健康发展的意见</p>
   <p style="text-align:center">国办发〔2021〕12号</p>
   {BODY_HTML}
   <p>国务院办公厅</p><p>2021年4月29日</p>
 </td></tr></table>
 <div id="qr_container">扫一扫在手机打开当前页</div>
 <table><tr><td><a href="#" onclick="window.print()">打印</a>
   <a href="#" onclick="window.close()">关闭</a></td></tr></table>
</div>"""


def news_page(extra_head: str = "", charset: str = "utf-8") -> str:
    """A news / bureau article: <title> with a site suffix, an <h1>, a 发布时间 / 来源 line."""
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}">
<title>市教委召开托育服务工作推进会_上海市教育委员会</title>{extra_head}
<script>var x = "<p>不是正文</p>";</script><style>p {{ color: red }}</style></head>
<body>{NAV}
<div class="crumb">您现在所在的位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a></div>
<div class="main">
 <h1 class="title">市教委召开托育服务工作推进会</h1>
 <div class="info"><span>发布时间：2021-11-21 10:30</span> <span>来源：市教委</span>
   <span>作者：张三</span> <span>责任编辑：李四</span></div>
 {SHARE}
 <div class="article-content" id="zoom">{BODY_HTML}
   <p><img src="/images/2021/photo1.jpg" alt="会议现场" onerror="alert(1)"></p>
   <p>附件：<a href="/files/2021/notice.pdf">托育机构备案登记表.pdf</a></p>
 </div>
 {RELATED}
</div>{FOOTER}</body></html>"""


def trs_meta_page() -> str:
    """TRS-style meta conventions (ArticleTitle, PubDate, ContentSource), body in .TRS_Editor."""
    return f"""<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="关于做好2022年托育机构年检工作的通知">
<meta name="PubDate" content="2022-04-26 09:15">
<meta name="ContentSource" content="上海市卫生健康委员会">
<title>关于做好2022年托育机构年检工作的通知</title></head>
<body>{NAV}<div class="Article_title">关于做好2022年托育机构年检工作的通知</div>
<div class="TRS_Editor">{BODY_HTML}</div>{FOOTER}</body></html>"""


def list_page() -> str:
    """A TRS list: dated items in the main list, plus navigation and footer links."""
    items = "".join(
        f'<li><a href="./202111/t202111{i:02d}_{1000 + i}.html" title="t">'
        f"关于托育服务工作的第{i}号通知公告</a>"
        f"<span>2021-11-{i:02d}</span></li>"
        for i in range(1, 16)
    )
    return f"""<html><head><meta charset="utf-8"><title>通知公告_某某省教育厅</title></head>
<body>{NAV}<div class="list-box"><ul id="list">{items}</ul>
<div class="page"><a href="index_1.html">下一页</a> <a href="index_2.html">尾页</a></div></div>
{FOOTER}</body></html>"""


def hanweb_list_page() -> str:
    """Hanweb JCMS: the list is embedded as CDATA records in a <script type="text/xml">."""
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/2021/11/{i}/art_1229266336_{5000 + i}.html" '
        f'title="t">浙江省托育服务工作通知第{i}号</a><span>2021-11-{i:02d}</span></li>]]></record>'
        for i in range(1, 13)
    )
    return f"""<html><head><meta charset="utf-8"><title>通知公告</title></head>
<body>{NAV}<div id="div1229266336"><script type="text/xml"><datastore><recordset>{records}
</recordset></datastore></script></div>{FOOTER}</body></html>"""
