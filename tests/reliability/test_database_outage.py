"""Issue 8.2: when the database is unreachable, or dies mid-crawl, items go to the local spool
(fsync'd JSON lines), the crawl exits non-zero, and the spool is replayed into the database by the
next run or by ``crawler db replay``: zero items lost, none duplicated."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.db import make_engine
from crawler.db.models import Article
from crawler.db.spool import Spool, replay_spool
from crawler.db.store import ArticleStore
from crawler.items import PolicyArticle
from tests.reliability.helpers import (
    ThrowawayPostgres,
    crawl_command,
    failures,
    key,
    run_crawl,
    stored_articles,
)
from tests.reliability.sites import Answer, LocalSite, html_answer, list_page, numbered_notice
from tests.support.commands import command_env, run_cli
from tests.support.databases import (
    closed_port_url,
    create_postgres_database,
    drop_postgres_database,
)
from tests.support.paths import ROOT


def publish(site: LocalSite, count: int, delay: float = 0.0) -> list[str]:
    """``count`` good notices linked from ``/list.html``; their URLs."""
    links = []
    for n in range(count):
        notice = numbered_notice(n)
        path = f"/a/{n}.html"
        answer = html_answer(notice.html())
        site.set(path, Answer(answer.status, answer.body, answer.headers, delay=delay))
        links.append((path, notice.title))
    site.set("/list.html", html_answer(list_page(links)))
    return [site.url(path) for path, _ in links]


def spooled(tmp: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for path in sorted((tmp / "spool").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def assert_stored_exactly_once(database_url: str, urls: list[str]) -> None:
    rows = stored_articles(database_url)
    keys = [key(r.url) for r in rows]
    assert len(keys) == len(set(keys)), "duplicated articles"
    assert sorted(keys) == sorted(key(u) for u in urls), "lost or unexpected articles"
    assert all(r.title and r.body_text for r in rows)


@dataclass
class ClosedPortCrawl:
    site: LocalSite
    tmp: Path
    urls: list[str]
    database_url: str
    result: subprocess.CompletedProcess[str]
    spooled: list[dict[str, object]]
    replay: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def closed_port_crawl(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ClosedPortCrawl]:
    """A crawl while nothing listens at DATABASE_URL, then ``crawler db replay`` into a
    database that works. The list also links a page that answers HTTP 500."""
    tmp = tmp_path_factory.mktemp("closed")
    site = LocalSite()
    database_url = create_postgres_database(postgres_server)
    try:
        urls = publish(site, 8)
        site.set("/f/http500.html", Answer(500, b"error"))
        links = [(url.rsplit(str(site.port), 1)[1], "测试通知") for url in urls]
        site.set("/list.html", html_answer(list_page([*links, ("/f/http500.html", "服务器错误")])))
        down = closed_port_url()
        result = run_crawl(tmp, down, site.url("/list.html"), {"ROBOTSTXT_OBEY": "False"})
        items = spooled(tmp)
        replay = run_cli("db", "replay", tmp=tmp, database_url=database_url)
        yield ClosedPortCrawl(site, tmp, urls, database_url, result, items, replay)
    finally:
        site.close()
        drop_postgres_database(postgres_server, database_url)


def test_unreachable_database_spools_everything_and_db_replay_stores_it(
    closed_port_crawl: ClosedPortCrawl,
) -> None:
    crawl = closed_port_crawl
    assert crawl.result.returncode == 1, crawl.result.stderr[-3000:]
    assert "unavailable at start" in crawl.result.stderr
    assert sorted(key(str(i["url"])) for i in crawl.spooled) == sorted(key(u) for u in crawl.urls)

    assert crawl.replay.returncode == 0, crawl.replay.stderr
    assert "replayed 8 spooled item(s)" in crawl.replay.stdout
    assert_stored_exactly_once(crawl.database_url, crawl.urls)
    assert spooled(crawl.tmp) == []
    engine = make_engine(crawl.database_url)  # nothing left: a second replay stores nothing
    assert replay_spool(Spool(crawl.tmp / "spool"), ArticleStore(engine)).stored == 0
    engine.dispose()
    assert_stored_exactly_once(crawl.database_url, crawl.urls)


def test_a_failure_met_while_the_database_is_down_is_not_lost(
    closed_port_crawl: ClosedPortCrawl,
) -> None:
    failed = key(closed_port_crawl.site.url("/f/http500.html"))
    assert "HTTP 500" in closed_port_crawl.result.stderr  # it did fail during the outage
    assert failed in failures(closed_port_crawl.database_url)


def test_database_dying_mid_crawl_loses_nothing_and_the_next_run_replays(
    site: LocalSite, tmp_path: Path, own_postgres: ThrowawayPostgres
) -> None:
    total = 30
    urls = publish(site, total, delay=0.1)
    database_url = own_postgres.new_database()
    settings = {
        "ROBOTSTXT_OBEY": "False",
        "STORAGE_BATCH_SIZE": "4",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    }
    log = tmp_path / "crawl.log"
    with log.open("w") as log_file:
        crawl = subprocess.Popen(
            crawl_command(site.url("/list.html"), settings),
            cwd=ROOT,
            env=command_env(tmp_path, database_url),
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    engine = make_engine(database_url)
    stopped_at = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and crawl.poll() is None:
            try:
                with engine.connect() as conn:
                    stopped_at = conn.execute(
                        select(func.count()).select_from(Article)
                    ).scalar_one()
            except Exception:
                stopped_at = 0  # migrations not applied yet
            if stopped_at >= 8:
                break
            time.sleep(0.05)
        engine.dispose()
        own_postgres.stop("immediate")  # the database dies mid-crawl
        crawl.wait(timeout=90)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        engine.dispose()
        own_postgres.start()

    stderr = log.read_text()
    assert 8 <= stopped_at < total, f"the outage did not land mid-crawl ({stopped_at} stored)"
    assert crawl.returncode == 1, stderr[-3000:]
    assert "kept in spool" in stderr
    stored_before = {key(r.url) for r in stored_articles(database_url)}
    in_spool = {key(str(i["url"])) for i in spooled(tmp_path)}
    assert stored_before | in_spool == {key(u) for u in urls}, "items lost in the outage"

    # The next run replays the spool first, then crawls (the site is unchanged).
    result = run_crawl(tmp_path, database_url, site.url("/list.html"), settings)
    assert result.returncode == 0, result.stderr[-3000:]
    assert spooled(tmp_path) == []
    assert_stored_exactly_once(database_url, urls)
    assert own_postgres.password not in stderr + result.stderr


def torn_spool(folder: Path, site: str, urls: list[str]) -> None:
    """A spool whose last line was cut short by a crash in the middle of an append."""
    spool = Spool(folder)
    spool.append(
        site,
        [
            PolicyArticle(
                url=url,
                site=site,
                title=f"关于托育服务的通知（{n}）",
                body_text="为推动托育服务高质量发展，现将有关事项通知如下。" * 5 + str(n),
                content_hash=f"{n:064d}",
            )
            for n, url in enumerate(urls)
        ],
    )
    with spool.path(site).open("a", encoding="utf-8") as fh:
        fh.write('{"url": "http://127.0.0.1/torn.html", "site": "test_faulty", "ti')


def test_a_torn_spool_line_does_not_block_the_replay_of_the_others(
    tmp_path: Path, pg_url: str
) -> None:
    urls = [f"http://127.0.0.1:9/a/{n}.html" for n in range(3)]
    torn_spool(tmp_path / "spool", "test_faulty", urls)
    engine = make_engine(pg_url)
    try:
        from crawler.db import upgrade

        upgrade(engine)
        replayed = replay_spool(Spool(tmp_path / "spool"), ArticleStore(engine))
    finally:
        engine.dispose()
    assert (replayed.stored, replayed.rejected) == (3, 0)
    assert_stored_exactly_once(pg_url, urls)


def test_a_torn_spool_line_does_not_stop_the_next_crawl(
    site: LocalSite, tmp_path: Path, pg_url: str
) -> None:
    urls = publish(site, 3)
    spooled_urls = [site.url(f"/old/{n}.html") for n in range(2)]
    torn_spool(tmp_path / "spool", "test_faulty", spooled_urls)
    result = run_crawl(tmp_path, pg_url, site.url("/list.html"), {"ROBOTSTXT_OBEY": "False"})
    assert "Spider closed (finished)" in result.stderr, result.stderr[-3000:]
    assert_stored_exactly_once(pg_url, urls + spooled_urls)
