"""The spider of the generated test site (``-a start_urls=URL1,URL2`` gives its sections)."""

from __future__ import annotations

from crawler.spiders.base import PolicySpider


class ScaleoutSiteSpider(PolicySpider):
    name = "scaleout_site"
    source_name = "测试站点"
    region = "central"
    allowed_domains = ["127.0.0.1"]
    start_urls: list[str] = []
    list_link_selector = "ul.list li a"
    max_list_pages = 1000
