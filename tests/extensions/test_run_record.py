"""A blocked run, or one whose list page lost its items, fails loudly: exit code, run record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from crawler.db import make_engine
from crawler.db.models import Article, CrawlRun
from tests.support.commands import run_module
from tests.support.paths import FIXTURES, ROOT

BLOCKED_LIST = "https://www.nhc.gov.cn/rkjcyjtfzs/c100148/new_list.shtml"


def scrapy(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_module("scrapy", *args, tmp=tmp, timeout=120)


def runs(tmp: Path) -> list[CrawlRun]:
    engine = make_engine(f"sqlite:///{tmp / 'policy.db'}")
    with engine.connect() as conn:
        rows = list(conn.execute(select(CrawlRun)))
        assert conn.execute(select(Article)).first() is None  # nothing stored
    engine.dispose()
    return rows  # type: ignore[return-value]


def test_scrapy_list_names_every_spider_with_fixtures() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    spiders = set(result.stdout.split())
    assert {p.parent.name for p in FIXTURES.glob("*/expected.json")} <= spiders


def test_a_blocked_site_is_reported_as_blocked(tmp_path: Path) -> None:
    result = scrapy(
        tmp_path,
        "crawl",
        "cn_nhc",
        "-a",
        f"start_urls={BLOCKED_LIST}",
        "-s",
        f"REPLAY_DIR={FIXTURES}",
    )
    assert result.returncode == 1, result.stderr[-3000:]
    [run] = runs(tmp_path)
    assert run.status == "blocked"
    assert any(BLOCKED_LIST in p and "412" in p for p in run.problems), run.problems
    assert "Blocked at " + BLOCKED_LIST in result.stderr


def test_a_list_page_without_items_fails_the_run(tmp_path: Path) -> None:
    site = tmp_path / "fixtures" / "cn_gov"
    (site / "pages").mkdir(parents=True)
    (site / "pages" / "list.html").write_text(
        "<html><body><div class='news_box'><div class='list'><ul></ul></div></div>"
        "<p>页面改版中</p></body></html>",
        encoding="utf-8",
    )
    (site / "responses.json").write_text(
        json.dumps(
            [
                {
                    "url": "https://www.gov.cn/zhengce/zuixin/",
                    "headers": {"Content-Type": "text/html; charset=utf-8"},
                    "file": "pages/list.html",
                }
            ]
        ),
        encoding="utf-8",
    )
    result = scrapy(tmp_path, "crawl", "cn_gov", "-s", f"REPLAY_DIR={tmp_path / 'fixtures'}")
    assert result.returncode == 1, result.stderr[-3000:]
    [run] = runs(tmp_path)
    assert run.status == "failed"
    assert any("empty list page https://www.gov.cn/zhengce/zuixin/" in p for p in run.problems)


def test_start_up_objects_are_frozen_out_of_garbage_collection_while_the_spider_runs() -> None:
    import gc

    import pytest
    from scrapy import Spider, signals
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.extensions.gc_freeze import GcFreeze

    crawler = get_crawler(Spider, {"GC_FREEZE": True, "EXTENSIONS_BASE": {}})
    extension = GcFreeze.from_crawler(crawler)
    spider = Spider(name="s")
    assert gc.get_freeze_count() == 0
    try:
        crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
        assert gc.get_freeze_count() > 10_000  # modules, classes, functions of the crawl
        crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
    del extension  # kept until here: the signals hold their receivers weakly
    with pytest.raises(NotConfigured):
        GcFreeze.from_crawler(get_crawler(Spider, {"GC_FREEZE": False}))
