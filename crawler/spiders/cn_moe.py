"""教育部 (Ministry of Education): 通知公告, a TRS static list."""

from __future__ import annotations

from crawler.spiders.base import TrsSpider


class CnMoeSpider(TrsSpider):
    name = "cn_moe"
    source_name = "教育部"
    region = "central"
    allowed_domains = ["www.moe.gov.cn"]
    start_urls = ["https://www.moe.gov.cn/jyb_xwfb/s271/"]
    list_link_selector = "#list li a"
