"""Article pages written for the tests (invented text, the structure of a county government's
notice page): one whose document is only its attachment, one with its text on the page.

The extractor flags the first ``text_in_attachment`` (its body is the file's name); the tests of
the flag's way from an extracted page to the database, the exports and the web view use them.
"""

from __future__ import annotations

SITE = "https://www.example-county.gov.cn"
ATTACHMENT_ONLY_URL = f"{SITE}/tzgg/202608/t20260803_1.html"
WITH_TEXT_URL = f"{SITE}/tzgg/202608/t20260805_2.html"
FILE_NAME = "示例县2026年秋季托育机构名单.pdf"
FILE_URL = f"{SITE}/files/2026/tuoyu-mingdan.pdf"
TITLE = "示例县关于公布2026年秋季托育机构名单的通知"
TEXT = (
    "各乡镇人民政府、街道办事处，县直有关单位：",
    "为方便家长选择托育服务，现将经备案的2026年秋季托育机构名单予以公布。",
    "各托育机构要严格落实卫生保健、安全管理和膳食营养等要求，主动接受社会监督。",
    "名单实行动态管理，机构信息发生变化的，应当在十个工作日内办理变更备案。",
)

_NAV = (
    '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> '
    '<a href="/tzgg/">通知公告</a></div>'
)
_CATALOGUE = (
    '<table class="xxgk">'
    "<tr><td>索引号：</td><td>999999999/2026-{number:05d}</td>"
    "<td>主题分类：</td><td>卫生、体育/妇幼卫生</td></tr>"
    "<tr><td>发文机关：</td><td>示例县卫生健康局</td><td>成文日期：</td><td>{written}</td></tr>"
    "<tr><td>发文字号：</td><td>示卫健发〔2026〕{number}号</td>"
    "<td>发布日期：</td><td>{date}</td></tr></table>"
)
_FOOTER = (
    '<div class="footer"><p>主办单位：示例县人民政府办公室　承办单位：示例县大数据服务中心</p>'
    "<p>地址：示例县人民路88号　邮编：999999　联系电话：0000-12345678</p>"
    "<p>网站标识码：9999999999　示ICP备99999999号-1　示公网安备99999999999999号</p>"
    "<p>建议使用1920×1080分辨率浏览本网站，为保证浏览效果请使用较新版本的浏览器。</p></div>"
)


def notice_page(
    content: str, title: str = TITLE, date: str = "2026-08-03", number: int = 17
) -> bytes:
    """A notice page of the invented county site with ``content`` as its text, 发布日期
    ``date`` and 发文字号 ``示卫健发〔2026〕{number}号``."""
    catalogue = _CATALOGUE.format(number=number, written="2026-07-30", date=date)
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{title}_示例县人民政府</title></head><body>{_NAV}{catalogue}
<div class="main"><h1>{title}</h1><div class="info">发布日期：{date} 来源：示例县卫生健康局</div>
<div class="content">{content}</div></div>{_FOOTER}</body></html>"""
    return html.encode("utf-8")


FILE_LINK = f'<p><a href="{FILE_URL}">{FILE_NAME}</a></p>'
ATTACHMENT_ONLY_PAGE = notice_page(FILE_LINK)
"""The notice's document is only its PDF: the page links it and says nothing else."""
WITH_TEXT_PAGE = notice_page(
    "".join(f"<p>{line}</p>" for line in TEXT) + f"<p>附件：</p>{FILE_LINK}",
    title="示例县关于做好2026年秋季托育机构备案工作的通知",
    date="2026-08-05",
    number=18,
)
"""A notice with its text on the page and the same PDF attached."""
THE_TEXT_ON_THE_PAGE = notice_page("".join(f"<p>{line}</p>" for line in TEXT) + FILE_LINK)
"""The attachment-only notice (same URL) after the site put its text on the page too."""
