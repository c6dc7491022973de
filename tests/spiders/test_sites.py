"""The one generic site test: every spider's fixtures through the whole chain.

For each folder ``tests/fixtures/<spider>/`` with an ``expected.json``, the spiders crawl the
replayed fixtures (replay → spider → extraction → pipelines → database) in a real ``crawler run``
process, on SQLite and on PostgreSQL; every expected article must be stored with every field as
expected, and nothing else. A second run over the same fixtures must add no rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crawler.db import make_engine
from crawler.db.models import Article, CrawlRun
from crawler.items import FIELD_NAMES
from tests.support.commands import run_module
from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.paths import FIXTURES

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
SITES = sorted(
    p.parent.name
    for p in FIXTURES.glob("*/expected.json")
    # TEST_SITES=cn_gov,cn_moe narrows the crawl to those sites (while working on one site)
    if not os.environ.get("TEST_SITES") or p.parent.name in os.environ["TEST_SITES"].split(",")
)


def expected_articles(site: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / site / "expected.json").read_text(encoding="utf-8"))
    assert data["spider"] == site
    articles: list[dict[str, Any]] = data["articles"]
    return articles


CASES = [(site, a["url"]) for site in SITES for a in expected_articles(site)]


@dataclass
class CrawlResult:
    url: str
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    feed_dir: Path
    rows: dict[str, dict[str, Any]]
    runs: list[CrawlRun]


def crawl(database_url: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    return run_module(
        "crawler.cli",
        "run",
        "--replay",
        str(FIXTURES),
        *SITES,
        tmp=tmp,
        database_url=database_url,
        timeout=300,
        LOG_LEVEL="INFO",
    )


def as_item_dict(row: Article) -> dict[str, Any]:
    """The stored row in the shape of expected.json."""
    if row.published_at is not None:
        publish = row.published_at.astimezone(SHANGHAI).isoformat()
    else:
        publish = row.publish_date.isoformat() if row.publish_date else None
    return {
        "site": row.site,
        "title": row.title,
        "source_name": row.source_name,
        "publish_date": publish,
        "written_date": row.written_date.isoformat() if row.written_date else None,
        "doc_number": row.doc_number,
        "issuer": row.issuer,
        "index_number": row.index_number,
        "topic": row.topic,
        "body_text": row.body_text,
        "attachments": [
            {"name": a.name, "url": a.url, "file_type": a.file_type} for a in row.attachments
        ],
    }


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def crawled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CrawlResult]:
    tmp = tmp_path_factory.mktemp(f"crawl-{request.param}")
    admin_url = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'policy.db'}"
    else:
        admin_url = request.getfixturevalue("postgres_server")
        url = create_postgres_database(admin_url)
    try:
        first = crawl(url, tmp)
        if first.returncode not in (0, 1):
            pytest.fail(f"crawler run could not start:\n{first.stdout}\n{first.stderr[-3000:]}")
        shutil.copytree(tmp / "feeds", tmp / "first-feeds")
        engine = make_engine(url)
        with Session(engine) as session:
            before = session.scalars(select(Article).options(selectinload(Article.attachments)))
            rows = {a.url: as_item_dict(a) for a in before}
        second = crawl(url, tmp)
        with Session(engine) as session:
            runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        engine.dispose()
        yield CrawlResult(url, first, second, tmp / "first-feeds", rows, runs)
    finally:
        if admin_url is not None:
            drop_postgres_database(admin_url, url)


def test_the_crawl_succeeds(crawled: CrawlResult) -> None:
    assert crawled.first.returncode == 0, crawled.first.stdout + crawled.first.stderr[-5000:]
    assert {r.site for r in crawled.runs} == set(SITES)
    assert all(healthy(r) for r in crawled.runs), [(r.site, r.problems) for r in crawled.runs]


@pytest.mark.parametrize(
    ("site", "url"), CASES, ids=[f"{s}:{u.rsplit('/', 1)[-1]}" for s, u in CASES]
)
def test_article_fields(crawled: CrawlResult, site: str, url: str) -> None:
    expected = next(a for a in expected_articles(site) if a["url"] == url)
    assert url in crawled.rows, f"{url} was not stored"
    stored = crawled.rows[url]
    fields = [name for name in FIELD_NAMES if name in expected and name != "url"]
    assert set(expected) == {"url", *fields}, "expected.json holds a field the record has not"
    for field in fields:
        assert stored[field] == expected[field], f"{site} {url}: field {field}"


@pytest.mark.parametrize("site", SITES)
def test_nothing_but_the_expected_articles_is_stored(crawled: CrawlResult, site: str) -> None:
    expected = {a["url"] for a in expected_articles(site)}
    stored = {u for u, r in crawled.rows.items() if r["site"] == site}
    assert stored == expected


def healthy(run: CrawlRun) -> bool:
    """An ok run: no problem at all (staleness is not judged on replayed fixtures)."""
    return run.status == "ok"


def sections(site: str) -> int:
    """How many list sections (start URLs, or Hanweb columns) a spider crawls."""
    from scrapy.spiderloader import SpiderLoader

    from crawler.cli.common import project_settings

    spider = SpiderLoader.from_settings(project_settings()).load(site)
    return len(spider.start_urls) or len(getattr(spider, "columns", {}))


def test_a_second_run_adds_no_rows_and_fetches_only_first_list_pages(
    crawled: CrawlResult,
) -> None:
    assert crawled.second.returncode == 0, crawled.second.stderr[-5000:]
    second_runs = crawled.runs[len(SITES) :]
    assert sorted(r.site for r in second_runs) == SITES
    for run in second_runs:
        assert (run.items_new, run.items_updated, run.items_scraped) == (0, 0, 0), run.site
        # paging stopped at the first list page of each section
        assert run.stats["list/pages"] == sections(run.site), run.site
        assert run.stats["incremental/skipped_known"] >= 1, run.site
        assert healthy(run), (run.site, run.problems)
    first_requests = sum(r.requests for r in crawled.runs[: len(SITES)])
    second_requests = sum(r.requests for r in second_runs)
    print(f"requests: first run {first_requests}, second run {second_requests}")


@pytest.mark.parametrize("site", SITES)
def test_the_feed_holds_the_items_as_utf8(crawled: CrawlResult, site: str) -> None:
    raw = (crawled.feed_dir / "crawls" / f"{site}.json").read_bytes()
    assert b"\\u" not in raw  # Chinese text is written as UTF-8, not escaped
    items = json.loads(raw.decode("utf-8"))
    assert {i["url"] for i in items} == {a["url"] for a in expected_articles(site)}


def test_summary_is_printed(crawled: CrawlResult) -> None:
    for site in SITES:
        assert site in crawled.first.stdout
    assert f"{len(CASES)} articles" in crawled.first.stdout
