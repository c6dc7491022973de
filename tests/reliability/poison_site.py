"""A local site with one poison of each kind among valid articles (issue 25).

Twelve valid notices, and next to them: an article whose ``ETag`` (602 characters) and
``Last-Modified`` (150) are longer than their columns, one whose URL is longer than 2,048
characters (listed, and reached by a redirect), one linking an attachment with such a URL, one
whose video is an unclosed ``<embed>``
(lxml nests the rest of the body inside it), a same-site redirect (on a URL with a port), a
redirect loop and a meta refresh to another site.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.reliability.sites import (
    Answer,
    LocalSite,
    Notice,
    html_answer,
    list_page,
    numbered_notice,
    redirect,
)

VALID = 12
LONG_ETAG = '"' + "e" * 600 + '"'
LONG_LAST_MODIFIED = "Mon, 13 Jan 2025 09:30:00 GMT; " + "x" * 120
LONG_URL_PATH = "/a/long-" + "x" * 2100 + ".html"
"""Listed: longer than the link limit, never fetched."""
LONG_TARGET_PATH = "/a/moved-" + "w" * 2100 + ".html"
"""The target of ``/r/long.html``: fetched (a redirect), its article refused by the store."""
LONG_ATTACHMENT = "/files/" + "y" * 2100 + ".pdf"
EMBED = '<p>视频：</p><embed src="/v/briefing.mp4" type="video/mp4" width="640" height="360">'


@dataclass
class PoisonSite:
    valid: list[str] = field(default_factory=list)
    """Paths of the valid articles (stored whatever the poison does)."""
    notices: dict[str, Notice] = field(default_factory=dict)
    """Path → notice of every article page."""


def _page(notice: Notice, before_body: str = "", extra_body: str = "") -> str:
    """The notice's page, with ``before_body`` at the top of its content."""
    page = notice.html(extra_body=extra_body)
    marker = '<div class="content" id="zoom">\n'
    return page.replace(marker, marker + before_body + "\n", 1) if before_body else page


def build(site: LocalSite, offsite_url: str) -> PoisonSite:
    """Set up ``site``'s answers and its list page ``/list.html``."""
    out = PoisonSite()
    links: list[tuple[str, str]] = []

    def article(path: str, notice: Notice, answer: Answer, valid: bool = True) -> None:
        site.set(path, answer)
        out.notices[path] = notice
        links.append((path, notice.title))
        if valid:
            out.valid.append(path)

    for n in range(VALID):
        notice = numbered_notice(n)
        article(f"/a/{n}.html", notice, html_answer(notice.html()))
    notice = numbered_notice(100)
    page = html_answer(notice.html())
    headers = {**page.headers, "ETag": LONG_ETAG, "Last-Modified": LONG_LAST_MODIFIED}
    article("/a/etag.html", notice, Answer(body=page.body, headers=headers))
    notice = numbered_notice(101)
    article(LONG_URL_PATH, notice, html_answer(notice.html()), valid=False)
    notice = numbered_notice(105)
    site.set(LONG_TARGET_PATH, html_answer(notice.html()))
    out.notices[LONG_TARGET_PATH] = notice
    site.set("/r/long.html", redirect(LONG_TARGET_PATH))
    links.append(("/r/long.html", notice.title))
    notice = numbered_notice(102)
    attachment = f'<p>附件：<a href="{LONG_ATTACHMENT}">附件1.pdf</a></p>'
    article("/a/attachment.html", notice, html_answer(notice.html(extra_body=attachment)))
    notice = numbered_notice(103)
    article("/a/embed.html", notice, html_answer(_page(notice, before_body=EMBED)))
    notice = numbered_notice(104)
    site.set("/a/moved.html", html_answer(notice.html()))
    out.notices["/a/moved.html"] = notice
    links.append(("/r/moved.html", notice.title))
    site.set("/r/moved.html", redirect("/a/moved.html"))
    site.set("/r/loop-a.html", redirect("/r/loop-b.html"))
    site.set("/r/loop-b.html", redirect("/r/loop-a.html"))
    links.append(("/r/loop-a.html", "重定向循环"))
    refresh = (
        '<html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={offsite_url}"></head>'
        "<body><p>页面已迁移</p></body></html>"
    )
    site.set("/r/refresh.html", html_answer(refresh))
    links.append(("/r/refresh.html", "站外刷新跳转"))
    site.set("/list.html", html_answer(list_page(links)))
    return out
