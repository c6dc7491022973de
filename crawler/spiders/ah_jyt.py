"""安徽省教育厅 (Anhui Provincial Department of Education): 通知公告.

The Anhui government platform: the static column page lists page 1, ``Ls.pagination`` names
``/content/column/31401481?pageIndex=N`` for the others. Evidence and dates:
tests/fixtures/ah_jyt/README.md.
"""

from __future__ import annotations

from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import LsGovSpider


class AhJytSpider(LsGovSpider):
    name = "ah_jyt"
    source_name = "安徽省教育厅"
    region = "anhui"
    allowed_domains = ["jyt.ah.gov.cn"]
    start_urls = ["https://jyt.ah.gov.cn/xwzx/tzgg/index.html"]
    list_link_selector = "ul.doc_list li > a"
    article_url_pattern = r"^https?://jyt\.ah\.gov\.cn/xwzx/tzgg/\d+\.html$"
    field_selectors = {"title": "h1.newstitle", "body": "div.j-fontContent, div.wzcon"}
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        article_fields=("title", "publish_date", "body_text"),
        publishes_every_days=30,
        notes=(
            "ul.doc_list > li > a[href absolute][title] + span.date YYYY-MM-DD (li.lm_line "
            "separators); page size not in the evidence. 通知公告 posts several times a week."
        ),
    )
