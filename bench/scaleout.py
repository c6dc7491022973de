"""Scale-out benchmark: one crawler process alone vs two sharing the Redis frontier.

    .venv/bin/python -m bench.scaleout [--sections 20 --pages 5 --per-page 20] [--workers 2]

Generates a site (list pages + articles), serves it with nginx on 127.0.0.1, and crawls it
into a throw-away PostgreSQL database: first with one worker, then with ``--workers`` at once
(each on its own fresh database and Redis key prefix). Prints the wall time of each, their
ratio, and checks that every page was fetched once and every article stored once.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from crawler.db import make_engine
from crawler.db.models import Article
from tests.support.databases import (
    POSTGRES_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
)
from tests.support.scaleout import flush_prefix, run_workers, unique_prefix
from tests.support.site import StaticSite, generate


def crawl(
    tmp: Path, site: StaticSite, info: dict[str, list[str]], workers: int
) -> dict[str, float]:
    url = create_postgres_database(POSTGRES_ADMIN_URL)
    prefix = unique_prefix()
    before = len(site.log())
    try:
        run = run_workers(
            tmp / f"run{workers}", workers, url, prefix, [site.base + p for p in info["starts"]]
        )
        for code, text in zip(run.returncodes, run.logs, strict=True):
            if code:
                print("\n".join(line for line in text.splitlines() if "ERROR" in line)[-3000:])
                print(text[text.find("'run/problems'") :][:1000])
        if any(run.returncodes):
            raise SystemExit(f"a worker failed: {run.returncodes}")
        log = site.log()[before:]
        pages = [p for _, p, _ in log if p != "/robots.txt"]
        engine = make_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(Article)).scalar_one()
            distinct = conn.execute(select(func.count(func.distinct(Article.url)))).scalar_one()
        engine.dispose()
        expected = len(info["lists"]) + len(info["articles"])
        span = max(t for t, _, _ in log) - min(t for t, _, _ in log)
        print(
            f"{workers} worker(s): {run.seconds:6.1f} s wall, {span:6.1f} s first→last page, "
            f"{len(pages)} fetches of {len(set(pages))} pages (expected {expected}), "
            f"{rows} article rows ({distinct} distinct)"
        )
        assert len(pages) == len(set(pages)) == expected, "a page fetched twice or never"
        assert rows == distinct == len(info["articles"]), "an article stored twice or never"
        return {"wall": run.seconds, "span": span}
    finally:
        drop_postgres_database(POSTGRES_ADMIN_URL, url)
        flush_prefix(prefix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=20)
    parser.add_argument("--pages", type=int, default=5, help="list pages per section")
    parser.add_argument("--per-page", type=int, default=20, help="articles per list page")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scaleout-") as name:
        tmp = Path(name)
        info = generate(tmp / "site", args.sections, args.pages, args.per_page)
        print(f"site: {len(info['lists'])} list pages, {len(info['articles'])} articles")
        site = StaticSite(tmp / "site", tmp / "nginx", access_log=True)
        try:
            one = crawl(tmp, site, info, 1)
            many = crawl(tmp, site, info, args.workers)
        finally:
            site.close()
    print(
        f"speed-up with {args.workers} workers: {one['wall'] / many['wall']:.2f}x wall time, "
        f"{one['span'] / many['span']:.2f}x first→last page"
    )


if __name__ == "__main__":
    main()
