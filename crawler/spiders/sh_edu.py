"""上海市教育委员会 (Shanghai Municipal Education Commission): 公示公告."""

from __future__ import annotations

from crawler.spiders.base import PolicySpider


class ShEduSpider(PolicySpider):
    name = "sh_edu"
    source_name = "上海市教育委员会"
    region = "shanghai"
    allowed_domains = ["edu.sh.gov.cn"]
    start_urls = ["https://edu.sh.gov.cn/web/gsgg/"]
    list_link_selector = "#listContent li a"
