"""中国政府网 最新政策: the State Council's and ministries' newest policy documents."""

from __future__ import annotations

from crawler.spiders.base import PolicySpider


class CnGovSpider(PolicySpider):
    name = "cn_gov"
    source_name = "中国政府网"
    region = "central"
    start_urls = ["https://www.gov.cn/zhengce/zuixin/"]
    allowed_domains = ["www.gov.cn"]
    list_link_selector = ".news_box .list li h4 a"
    article_url_pattern = r"/content_\d+\.htm$"
