"""The misbehaving site of the fault-injection crawl: one list page linking to good articles and
to every kind of bad answer a government site gives."""

from __future__ import annotations

from dataclasses import dataclass

from tests.reliability.sites import (
    NOTICES,
    Answer,
    LocalSite,
    Notice,
    gzip_bomb,
    html_answer,
    list_page,
    redirect,
)

SIZE_CAP = 256 * 1024
"""DOWNLOAD_MAXSIZE of the fault-injection crawl."""

JS_CHALLENGE = (
    b"<html><head><meta charset='utf-8'><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};"
    b"$_ts.nsd=48213;$_ts.cd='qGhXrAlGcVL';document.cookie='FSSBBIl1UgzbN7N80S=5Q';"
    b"location.reload();</script></head><body></body></html>"
)
CAPTCHA = (
    "<html><head><meta charset='utf-8'><title>安全验证</title></head><body>"
    "<div class='box'><p>您的访问过于频繁，请输入验证码后继续访问</p>"
    "<img src='/captcha.jpg'><input name='code'><button>提交</button></div></body></html>"
).encode()
INVALID_HTML = """<title>测试市教育局关于2025年寒假安全工作的提醒</title>
<div class=header><a href=/>首页</a><a href=/list.html>通知公告
<div class=article>
<h1>测试市教育局关于2025年寒假安全工作的提醒
<div class=content id=zoom>
<p>各区县（市）教育局，各中小学校、幼儿园：
<p>寒假将至，为确保广大师生度过一个安全、健康、快乐的假期，现就做好寒假安全工作提醒如下。
<p>一、加强交通安全教育，教育学生遵守交通规则，不乘坐无牌无证、超员超载车辆。
<p>二、加强防溺水和冰雪安全教育，严禁学生私自到江河湖泊游泳、滑冰。
<p>三、加强消防和用电安全教育，假期前对校舍进行全面安全检查，及时消除隐患。</div></div></span>
<p>发布日期：2025-01-15</td></tr>
</table></html></body>
"""


@dataclass(frozen=True)
class Link:
    path: str
    title: str
    good: bool
    """A good article: must be stored (now or, when it heals, by the retry run)."""
    heals: bool = False
    """Answers well on the second run."""
    notice: Notice | None = None


def _notice_answer(notice: Notice, encoding: str, declared: str) -> Answer:
    meta = {"gbk": "gb2312", "utf-8": "utf-8"}[declared]
    return html_answer(notice.html(charset=meta), encoding=encoding, declared=declared)


def build(site: LocalSite, offsite_url: str) -> list[Link]:
    """Set up ``site``'s answers; the links of its list page ``/list.html``."""
    n = iter(NOTICES)
    good: list[tuple[Link, Answer]] = []
    for path, encoding, declared in (
        ("/a/utf8-1.html", "utf-8", "utf-8"),
        ("/a/utf8-2.html", "utf-8", "utf-8"),
        ("/a/gbk.html", "gbk", "gbk"),
        ("/a/gbk-declared-utf8.html", "gbk", "utf-8"),
        ("/a/utf8-declared-gbk.html", "utf-8", "gbk"),
    ):
        notice = next(n)
        good.append(
            (
                Link(path, notice.title, True, notice=notice),
                _notice_answer(notice, encoding, declared),
            )
        )
    invalid = Link("/a/invalid-html.html", "测试市教育局关于2025年寒假安全工作的提醒", True)
    good.append(
        (invalid, Answer(body=INVALID_HTML.encode(), headers={"Content-Type": "text/html"}))
    )

    bad: list[tuple[Link, Answer]] = [
        (Link("/f/http500.html", "服务器错误500", False, heals=True), Answer(500, b"error")),
        (Link("/f/http502.html", "网关错误502", False), Answer(502, b"bad gateway")),
        (Link("/f/http503.html", "服务不可用503", False, heals=True), Answer(503, b"busy")),
        (
            Link("/f/http503-retry-after.html", "服务不可用503稍后重试", False),
            Answer(503, b"busy", {"Retry-After": "1"}),
        ),
        (Link("/f/timeout.html", "超时页面", False, heals=True), Answer(fault="hang")),
        (Link("/f/reset.html", "连接重置页面", False, heals=True), Answer(fault="reset")),
        (
            Link("/f/truncated.html", "截断页面", False, heals=True),
            Answer(
                body=NOTICES[0].html().encode() * 3,
                headers={"Content-Type": "text/html; charset=utf-8"},
                fault="truncate",
            ),
        ),
        (Link("/f/loop-a.html", "重定向循环", False), redirect("/f/loop-b.html")),
        (Link("/f/offsite-redirect.html", "站外跳转", False), redirect(offsite_url)),
        (
            Link("/f/challenge-412.html", "瑞数挑战页", False),
            Answer(412, JS_CHALLENGE, {"Content-Type": "text/html"}),
        ),
        (
            Link("/f/check.html", "人机校验页", False),
            Answer(200, CAPTCHA, {"Content-Type": "text/html; charset=utf-8"}),
        ),
        (
            Link("/f/too-large.html", "超大页面", False),
            Answer(
                body=NOTICES[1].html(extra_body="<p>" + "附" * SIZE_CAP + "</p>").encode(),
                headers={"Content-Type": "text/html; charset=utf-8"},
            ),
        ),
        (
            Link("/f/gzip-bomb.html", "压缩炸弹", False),
            Answer(
                body=gzip_bomb(64 * 1024 * 1024, NOTICES[2].html().encode()),
                headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
            ),
        ),
        (
            Link("/f/empty.html", "空白页面", False, heals=True),
            Answer(200, b"", {"Content-Type": "text/html; charset=utf-8"}),
        ),
    ]
    for link, answer in good + bad:
        site.set(link.path, answer)
    site.set("/f/loop-b.html", redirect("/f/loop-a.html"))
    links = [link for link, _ in good + bad]
    site.set("/list.html", html_answer(list_page((link.path, link.title) for link in links)))
    site.set("/robots.txt", Answer(body=b"User-agent: *\nDisallow:\n"))
    return links


def heal(site: LocalSite, links: list[Link]) -> None:
    """The second run: the healing URLs answer with a good notice."""
    for number, link in enumerate(link for link in links if link.heals):
        notice = NOTICES[number % len(NOTICES)]
        healed = Notice(
            title=f"{notice.title}（重发）",
            issuer=notice.issuer,
            doc_number=notice.doc_number,
            written=notice.written,
            published=notice.published,
            paragraphs=(*notice.paragraphs, f"（本页为重新发布版本，页面{link.path}。）"),
        )
        site.set(link.path, html_answer(healed.html()))
