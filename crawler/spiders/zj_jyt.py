"""浙江省教育厅 (Zhejiang Provincial Department of Education): 通知公告, a Hanweb column.

The column page carries its ``jpage`` unit (first records, ``ajaxParam`` form, ``proxyUrl``
``/module/jpage/dataproxy.jsp``): the Hanweb family reads them there, nothing is hard-coded.
Evidence and dates: tests/fixtures/zj_jyt/README.md.
"""

from __future__ import annotations

from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import HanwebSpider


class ZjJytSpider(HanwebSpider):
    name = "zj_jyt"
    source_name = "浙江省教育厅"
    region = "zhejiang"
    allowed_domains = ["jyt.zj.gov.cn"]
    start_urls = ["https://jyt.zj.gov.cn/col/col1229266336/index.html"]
    default_dataproxy = "/module/jpage/dataproxy.jsp"
    article_url_pattern = r"/art/\d{4}/\d{1,2}/\d{1,2}/art_1229266336_\d+\.html$"
    field_selectors = {"body": "#zoom"}
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        article_fields=("title", "publish_date", "body_text"),
        publishes_every_days=30,
        notes=(
            "Records <li><a href title>…</a><span>YYYY-MM-DD</span></li>, 15 a page in groups of "
            "45 (perpage=15; startrecord 1/46/91… in public scripts of 2020 and 2026); the column "
            "posts several notices a week, 30 days is a generous bound."
        ),
    )
