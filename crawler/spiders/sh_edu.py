"""上海市教育委员会 (Shanghai Municipal Education Commission): 公示公告 and 政策文件.

What public crawlers of edu.sh.gov.cn show (tests/fixtures/sh_edu/README.md, Evidence): a column's
list is ``ul#listContent > li`` with the article link and a ``span.listTime`` date; the page count
is a ``共N页`` text in ``div.whj_padding``, page N being ``index_N.html`` (1-based: page 2 is
``index_2.html``); articles are ``/<column>/YYYYMMDD/<32 hex>.html`` with the body in
``div.trout-region-content``, the template of the other Shanghai government sites.

**The list pages are rendered in a browser** (``render_js``; :mod:`crawler.middlewares.browser`),
the article pages are plain HTTP. Evidence (tests/fixtures/sh_edu/README.md): the public spider
that reads this list waits for ``ul#listContent > li`` in a browser, and a public monitoring
project's source list marks edu.sh.gov.cn ``use_playwright``, as it marks the Hanweb sites whose
lists are known to be written by a script; no JSON request behind the list is known, so there is
nothing plain HTTP could read instead. Whether the HTML the server sends already holds the list
is *unverified*; a browser reads the list either way, at the cost of Chromium
(``apt-get install chromium``): without it the site is reported as *needs a browser*. The replay
fixture (the list as static HTML) answers the rendered requests offline, before any browser.
"""

from __future__ import annotations

import re
from typing import ClassVar

from scrapy.http import Response, TextResponse

from crawler.spiders.base import PolicySpider
from crawler.spiders.contract import YMD, SiteContract

PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页")


class ShEduSpider(PolicySpider):
    name = "sh_edu"
    source_name = "上海市教育委员会"
    region = "shanghai"
    allowed_domains = ["edu.sh.gov.cn"]
    start_urls = [
        "https://edu.sh.gov.cn/web/gsgg/",  # 公示公告
        "https://edu.sh.gov.cn/xxgk2_zhzw_zcwj_02/index.html",  # 政务公开 > 政策文件
    ]
    list_link_selector = "ul#listContent > li > a"
    article_url_pattern = (
        r"^https?://edu\.sh\.gov\.cn/(?:web/[a-z]+|xxgk2_[a-z0-9_]+|xwzx_[a-z]+)"
        r"/\d{8}/[0-9a-f]{32}\.html$"
    )
    render_js: ClassVar[bool] = True
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        publishes_every_days=30,
        notes=(
            "A column page lists about 15-20 items (span.listTime YYYY-MM-DD); 公示公告 and "
            "政策文件 see new items every week or two. The lists are read in a browser "
            "(render_js): an empty list means the selector no longer matches the rendered page."
        ),
    )

    def next_page_url(self, response: Response, page: int) -> str | None:
        """``index_{page+1}.html`` while ``page`` is below the ``共N页`` count."""
        if not isinstance(response, TextResponse):
            return None
        pager = " ".join(response.css("div.whj_padding ::text").getall())
        match = PAGE_COUNT.search(pager) or PAGE_COUNT.search(response.text)
        if match is None or page >= int(match.group(1)):
            return None
        return response.urljoin(f"index_{page + 1}.html")
