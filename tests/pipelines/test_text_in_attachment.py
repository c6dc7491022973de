"""A page whose text is in its attachments (``text_in_attachment``): the flag goes from the
extracted page through the spider and the pipelines into the database, on SQLite and on
PostgreSQL (written there with the concurrent store), and follows the page when it is stored
again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select, update

from crawler.db.concurrent import ConcurrentArticleStore
from crawler.db.models import Article, AttachmentRow, Revision
from crawler.db.store import ArticleStore
from crawler.items import PolicyArticle
from crawler.pipelines.checks import RecordCheckPipeline
from crawler.pipelines.storage import StoragePipeline
from crawler.spiders.base import PolicySpider
from crawler.spiders.meta_keys import ARTICLE, KIND, PAGE
from tests.support.pages import (
    ATTACHMENT_ONLY_PAGE,
    ATTACHMENT_ONLY_URL,
    FILE_NAME,
    FILE_URL,
    THE_TEXT_ON_THE_PAGE,
    WITH_TEXT_PAGE,
    WITH_TEXT_URL,
)


class CountySpider(PolicySpider):
    name = "county_test"
    source_name = "示例县人民政府"
    region = "示例省"


def make_crawler(database_url: str, tmp: Path, workers: int = 0) -> Crawler:
    crawler = get_crawler(
        CountySpider,
        {
            "DATABASE_URL": database_url,
            "SPOOL_DIR": str(tmp / "spool"),
            "EXTRACTION_WORKERS": workers,
            # the rule of a body cut short judges these small pages (a fifth of the page)
            "HEALTH_SHORT_BODY_MIN_PAGE": 200,
            "HEALTH_MIN_BODY_SHARE": 0.2,
        },
    )
    crawler.spider = crawler._create_spider()
    return crawler


def response(url: str, body: bytes) -> HtmlResponse:
    return HtmlResponse(
        url,
        body=body,
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=Request(url, meta={KIND: ARTICLE}),
    )


def crawl(
    crawler: Crawler, pages: list[tuple[str, bytes]], *, in_workers: bool = False
) -> StoragePipeline:
    """The article pages through the spider (extracted on the crawl's thread, or in the
    extraction workers as ArticleExtractionMiddleware has it done) and the record check and
    storage pipelines."""
    spider = crawler.spider
    assert isinstance(spider, CountySpider)
    checks = RecordCheckPipeline(crawler)
    storage = StoragePipeline.from_crawler(crawler)
    storage.open_spider()
    try:
        for url, body in pages:
            page = response(url, body)
            if in_workers:
                assert spider.extractor.in_workers and page.request is not None
                page.meta[PAGE] = asyncio.run(spider.extract_page(page, page.request))
            for item in spider.parse_article(page):
                assert isinstance(item, PolicyArticle)
                storage.process_item(checks.process_item(item))
    finally:
        storage.close_spider()
        spider.closed("finished")
        storage.engine.dispose()
    return storage


def query(database_url: str, stmt: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            return list(conn.execute(stmt)) if stmt.is_select else [conn.execute(stmt)]
    finally:
        engine.dispose()


def stored(database_url: str) -> dict[str, tuple[bool, str | None]]:
    """url → (text_in_attachment, body_text) of every stored article."""
    rows = query(database_url, select(Article.url, Article.text_in_attachment, Article.body_text))
    return {url: (flag, body) for url, flag, body in rows}


@pytest.mark.parametrize("in_workers", [False, True], ids=["crawl-thread", "workers"])
def test_an_attachment_only_page_is_stored_with_its_flag(
    database_url: str, tmp_path: Path, in_workers: bool
) -> None:
    crawler = make_crawler(database_url, tmp_path, workers=1 if in_workers else 0)
    crawl(
        crawler,
        [(ATTACHMENT_ONLY_URL, ATTACHMENT_ONLY_PAGE), (WITH_TEXT_URL, WITH_TEXT_PAGE)],
        in_workers=in_workers,
    )
    rows = stored(database_url)
    assert rows[ATTACHMENT_ONLY_URL] == (True, FILE_NAME)
    flag, body = rows[WITH_TEXT_URL]
    assert flag is False and body is not None and body.startswith("各乡镇人民政府")
    files = query(
        database_url,
        select(AttachmentRow.name, AttachmentRow.url)
        .join(Article)
        .where(Article.url == ATTACHMENT_ONLY_URL),
    )
    assert [tuple(f) for f in files] == [(FILE_NAME, FILE_URL)]  # where its text is
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    assert stats["storage/new"] == 2
    # the attachment-only page's body is its file's name: short, and not cut short
    assert "article/short_body" not in stats


def test_the_flag_follows_the_page_when_it_is_stored_again(
    database_url: str, tmp_path: Path
) -> None:
    storage = crawl(
        make_crawler(database_url, tmp_path), [(ATTACHMENT_ONLY_URL, ATTACHMENT_ONLY_PAGE)]
    )
    expected = ConcurrentArticleStore if database_url.startswith("postgresql") else ArticleStore
    assert type(storage.store) is expected

    # a row stored before the flag existed (migration 0008 gave it false), its page unchanged
    query(database_url, update(Article).values(text_in_attachment=False))
    again = make_crawler(database_url, tmp_path)
    crawl(again, [(ATTACHMENT_ONLY_URL, ATTACHMENT_ONLY_PAGE)])
    assert again.stats is not None
    assert again.stats.get_value("storage/unchanged") == 1
    assert stored(database_url)[ATTACHMENT_ONLY_URL] == (True, FILE_NAME)

    # the site puts the notice's text on the page: the text is no longer only in the file
    later = make_crawler(database_url, tmp_path)
    crawl(later, [(ATTACHMENT_ONLY_URL, THE_TEXT_ON_THE_PAGE)])
    assert later.stats is not None
    assert later.stats.get_value("storage/updated") == 1
    flag, body = stored(database_url)[ATTACHMENT_ONLY_URL]
    assert flag is False and body is not None and body.startswith("各乡镇人民政府")
    kept = query(database_url, select(Revision.body_text))
    assert [body for (body,) in kept] == [FILE_NAME]  # the attachment-only version, kept
