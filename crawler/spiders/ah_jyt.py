"""安徽省教育厅 (Anhui Provincial Department of Education): 通知公告."""

from __future__ import annotations

from crawler.spiders.base import PolicySpider


class AhJytSpider(PolicySpider):
    name = "ah_jyt"
    source_name = "安徽省教育厅"
    region = "anhui"
    allowed_domains = ["jyt.ah.gov.cn"]
    start_urls = ["https://jyt.ah.gov.cn/xwzx/tzgg/index.html"]
    list_link_selector = ".list li a, ul li.clearfix a"
    article_url_pattern = r"/xwzx/tzgg/\d+\.html$"
