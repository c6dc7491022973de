"""The health rule of a body cut short (less than ``HEALTH_MIN_BODY_SHARE`` of its page's text)
does not count a page whose text is in its attachments: its body is the files' names."""

from __future__ import annotations

import dataclasses

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.extraction import extract_from_bytes
from crawler.items import PolicyArticle
from crawler.monitoring.health import Thresholds, run_problems, short_body
from crawler.pipelines.checks import RecordCheckPipeline
from crawler.records.prepare import ArticleContext, build_article
from tests.support.pages import ATTACHMENT_ONLY_PAGE, ATTACHMENT_ONLY_URL, FILE_NAME

SETTINGS = {"HEALTH_SHORT_BODY_MIN_PAGE": 200, "HEALTH_MIN_BODY_SHARE": 0.2}
"""The rule applied to the test's small page: judged from 200 characters, a body under a fifth
of the page is short (the site pages it is meant for are larger; the share is not the point)."""
LIMITS = Thresholds.from_settings(Settings(SETTINGS))


def checked(item: PolicyArticle) -> Crawler:
    crawler = get_crawler(Spider, SETTINGS)
    RecordCheckPipeline(crawler).process_item(item)
    return crawler


def attachment_only_item() -> PolicyArticle:
    page = extract_from_bytes(ATTACHMENT_ONLY_PAGE, ATTACHMENT_ONLY_URL, kind="article")
    item = build_article(page, ATTACHMENT_ONLY_URL, ArticleContext(site="county_test"))
    item.page_chars = page.page_chars
    return item


def test_an_attachment_only_page_is_not_a_body_cut_short() -> None:
    item = attachment_only_item()
    assert item.text_in_attachment is True and item.body_text == FILE_NAME
    assert item.page_chars is not None
    assert short_body(item.body_text, item.page_chars, LIMITS)  # by its size alone: short

    crawler = checked(item)
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    assert "article/short_body" not in stats
    assert run_problems(stats, "finished", LIMITS) == []


def test_the_same_body_without_the_flag_is_still_a_warning() -> None:
    item = dataclasses.replace(attachment_only_item(), text_in_attachment=False)
    crawler = checked(item)
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    assert stats["article/short_body"] == 1
    problems = [str(p) for p in run_problems(stats, "finished", LIMITS)]
    assert problems == [
        f"warning: body cut short? {ATTACHMENT_ONLY_URL}: {len(FILE_NAME)} of the page's "
        f"{item.page_chars} characters"
    ]
