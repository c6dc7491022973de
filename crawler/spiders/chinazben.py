"""chinazben.com: a childcare-industry portal's news (the seed article's site).

A general news list, so only articles matching the topic vocabulary are kept.
"""

from __future__ import annotations

from crawler.spiders.base import PolicySpider


class ChinazbenSpider(PolicySpider):
    name = "chinazben"
    source_name = "chinazben"
    region = "shanghai"
    allowed_domains = ["www.chinazben.com"]
    start_urls = ["https://www.chinazben.com/news/"]
    list_link_selector = "article h2.post-title a"
    next_page_selector = "a.next.page-numbers::attr(href)"
    require_tags = True
