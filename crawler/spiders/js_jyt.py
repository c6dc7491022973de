"""江苏省教育厅 (Jiangsu Provincial Department of Education): 通知公告, a Hanweb column.

The column page embeds the first records and names its dataproxy (``/module/web/jpage/…``) and
form; the Hanweb family reads them there. Evidence and dates: tests/fixtures/js_jyt/README.md.
"""

from __future__ import annotations

from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import HanwebSpider


class JsJytSpider(HanwebSpider):
    name = "js_jyt"
    source_name = "江苏省教育厅"
    region = "jiangsu"
    allowed_domains = ["jyt.jiangsu.gov.cn"]
    start_urls = ["https://jyt.jiangsu.gov.cn/col/col58320/index.html"]
    article_url_pattern = r"/art/\d{4}/\d{1,2}/\d{1,2}/art_58320_\d+\.html$"
    field_selectors = {"body": "#zoom"}
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        article_fields=("title", "publish_date", "body_text"),
        publishes_every_days=30,
        notes=(
            "Records <li class='cf'><a href title>…</a><span class='fr'>…YYYY-MM-DD…</span></li> "
            "as the browser shows them; Jiangsu provincial Hanweb columns page 15 at a time in "
            "groups of 45 (startrecord=1&endrecord=45&perpage=15, 2025). Several notices a week."
        ),
    )
