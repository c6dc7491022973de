"""Two crawler processes share one frontier: each page fetched once, each article stored once,
each worker doing a real share. The speed-up is not measured here: on a 2-core machine shared with
the rest of the suite it is noise, not behaviour; ``bench/scaleout.py`` measures it, against one
worker crawling the same site in the same run.

The site: 20 sections x 5 list pages x 20 articles = 2,100 pages on nginx. Two workers crawl it at
once into a fresh PostgreSQL database, with a Redis key prefix of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.db import make_engine
from crawler.db.models import Article, CrawlRun
from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.scaleout import (
    SPIDER,
    Run,
    flush_prefix,
    leftover,
    run_workers,
    unique_prefix,
)
from tests.support.site import StaticSite, generate

pytestmark = pytest.mark.postgres

SECTIONS, PAGES, PER_PAGE = 20, 5, 20


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StaticSite, dict]]:
    tmp = tmp_path_factory.mktemp("big-site")
    info = generate(tmp / "site", SECTIONS, PAGES, PER_PAGE)
    site = StaticSite(tmp / "site", tmp / "nginx", access_log=True)
    yield site, info
    site.close()


def crawl(
    tmp: Path, site: StaticSite, info: dict, workers: int, postgres: str
) -> tuple[Run, list[str], float, dict[str, Any]]:
    url = create_postgres_database(postgres)
    prefix = unique_prefix()
    before = len(site.log())
    try:
        run = run_workers(
            tmp, workers, url, prefix, [site.base + p for p in info["starts"]], timeout=240
        )
        assert run.returncodes == [0] * workers, "\n\n".join(log[-3000:] for log in run.logs)
        log = site.log()[before:]
        fetched = [path for _, path, _ in log if path != "/robots.txt"]
        span = max(t for t, _, _ in log) - min(t for t, _, _ in log)
        engine = make_engine(url)
        with engine.connect() as conn:
            db = {
                "rows": conn.execute(select(func.count()).select_from(Article)).scalar_one(),
                "urls": conn.execute(select(func.count(func.distinct(Article.url)))).scalar_one(),
                "unclustered": conn.execute(
                    select(func.count()).select_from(Article).where(Article.cluster_id.is_(None))
                ).scalar_one(),
                "runs": conn.execute(select(func.count()).select_from(CrawlRun)).scalar_one(),
                "stored": sorted(conn.execute(select(Article.url)).scalars()),
            }
        engine.dispose()
        # the last worker out deleted the queue; the fingerprints expire a while later
        left = leftover(prefix)
        assert list(left) == [f"{prefix}:{SPIDER}:default:dupefilter"], left
        assert 0 < next(iter(left.values())) <= 600_000
        return run, fetched, span, db
    finally:
        drop_postgres_database(postgres, url)
        flush_prefix(prefix)


def new_items(log: str) -> int:
    found = re.search(r"'storage/new': (\d+)", log)
    return int(found.group(1)) if found else 0


def test_two_workers_share_the_crawl(
    tmp_path: Path,
    big_site: tuple[StaticSite, dict],
    postgres_server: str,
) -> None:
    site, info = big_site
    pages = sorted(info["lists"] + info["articles"])
    articles = sorted(site.base + p for p in info["articles"])
    assert len(pages) >= 2000

    two, fetched_two, _, db_two = crawl(tmp_path / "two", site, info, 2, postgres_server)
    # every page fetched exactly once across both workers
    assert sorted(fetched_two) == pages
    # every article stored once, linked into a cluster, one run record per worker
    assert db_two["stored"] == articles
    assert db_two["rows"] == db_two["urls"] == len(articles)
    assert db_two["unclustered"] == 0 and db_two["runs"] == 2
    # both did a real share of the work
    shares = [new_items(log) for log in two.logs]
    assert sum(shares) == len(articles)
    assert min(shares) >= len(articles) // 5, shares
