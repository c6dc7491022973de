"""A crawler for the item pipelines' tests: its spider, its database, its spool."""

from __future__ import annotations

from pathlib import Path

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler


class DemoSpider(Spider):
    name = "cn_test"
    source_name = "测试网"
    region = "central"


def make_crawler(database_url: str, spool: Path, batch_size: int = 200) -> Crawler:
    crawler = get_crawler(
        DemoSpider,
        {"DATABASE_URL": database_url, "SPOOL_DIR": str(spool), "STORAGE_BATCH_SIZE": batch_size},
    )
    crawler.spider = crawler._create_spider()
    return crawler
