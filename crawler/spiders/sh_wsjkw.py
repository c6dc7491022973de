"""上海市卫生健康委员会 (Shanghai Municipal Health Commission): 新闻发布."""

from __future__ import annotations

from crawler.spiders.families import TrsSpider


class ShWsjkwSpider(TrsSpider):
    name = "sh_wsjkw"
    source_name = "上海市卫生健康委员会"
    region = "shanghai"
    allowed_domains = ["wsjkw.sh.gov.cn"]
    start_urls = ["https://wsjkw.sh.gov.cn/xwfb/index.html"]
    list_link_selector = "ul.list-date li a"
    article_url_pattern = r"^https://wsjkw\.sh\.gov\.cn/"
