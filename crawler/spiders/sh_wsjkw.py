"""上海市卫生健康委员会 (Shanghai Municipal Health Commission): 新闻发布.

Public crawlers of wsjkw.sh.gov.cn (tests/fixtures/sh_wsjkw/README.md, Evidence) show static list
pages: ``ul.uli16.nowrapli.list-date`` (later also ``trout-region-list``) items ``<a href title>`` +
``<span class="time">YYYY-MM-DD</span>``, some of them off-site (mp.weixin.qq.com); a jQuery pager
``pagination({totalPage: N…})`` / ``pagination("setPage", current, N)`` over ``index.html``,
``index_2.html``… (the TRS family's ``SET_PAGE``). Articles carry ``ArticleTitle`` / ``PubDate`` /
``ContentSource`` metas, ``#ivs_title``, ``#ivs_date`` and the body in ``#ivs_content``.

No 政策文件 / 通知公告 column of this site was found in public code (the commission's policy
documents are on the city's policy platform, spider ``sh_policy``); 新闻发布 is the column public
crawlers read, and the one that reports 托育 work.
"""

from __future__ import annotations

from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import TrsSpider


class ShWsjkwSpider(TrsSpider):
    name = "sh_wsjkw"
    source_name = "上海市卫生健康委员会"
    region = "shanghai"
    allowed_domains = ["wsjkw.sh.gov.cn"]
    start_urls = ["https://wsjkw.sh.gov.cn/xwfb/index.html"]
    list_link_selector = "ul.list-date > li > a"
    article_url_pattern = r"^https?://wsjkw\.sh\.gov\.cn/[a-z0-9_]+/\d{8}/[0-9a-f]{32}\.html$"
    field_selectors = {"body": "#ivs_content"}
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        publishes_every_days=14,
        notes=(
            "A 新闻发布 page lists 20 items (2022 page: 54 pages of them), part of them links "
            "to mp.weixin.qq.com that are not crawled; news comes several times a week."
        ),
    )
