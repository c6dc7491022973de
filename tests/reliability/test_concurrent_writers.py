"""Issue 8.4: two writers storing the same articles into PostgreSQL at the same time leave no
duplicate rows and lose no update (every version written is the current one or a revision)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, text

from crawler.db import make_engine, upgrade
from crawler.db.concurrent import article_store
from crawler.db.store import ArticleStore, SourceInfo
from crawler.dedup.urls import url_key
from crawler.items import Attachment, PolicyArticle
from crawler.records.normalize import normalize_article
from tests.reliability.sites import numbered_notice

SOURCE = SourceInfo(site="test_faulty", name="测试市教育局", region="test")
COUNT = 120
BATCH = 20


def versions(version: int, count: int = COUNT) -> list[PolicyArticle]:
    """The same ``count`` articles (same URLs); ``version`` > 1 adds a revision line."""
    items = []
    for n in range(count):
        notice = numbered_notice(n)
        body = "\n".join(notice.paragraphs)
        if version > 1:
            body += f"\n（{version}版：第二条第一款修订为“每千人口托位数达到4.5个”。）"
        item = PolicyArticle(
            url=f"http://127.0.0.1:9/a/{n}.html",
            site=SOURCE.site,
            title=notice.title,
            publish_date=notice.published,
            doc_number=notice.doc_number,
            issuer=notice.issuer,
            body_text=body,
            attachments=[Attachment(name="附件1.pdf", url=f"http://127.0.0.1:9/f/{n}.pdf")],
        )
        items.append(normalize_article(item))
    return items


def writer(url: str, version: int, reverse: bool, start: Any, errors: Any) -> None:
    """One writer process with the store a crawl uses on PostgreSQL
    (:func:`crawler.db.concurrent.article_store`): all articles in batches, a refused batch
    again item by item. Any refusal is reported: that store must not deadlock."""
    engine = make_engine(url)
    store = article_store(engine)
    items = versions(version)[:: -1 if reverse else 1]
    start.wait()
    for first in range(0, len(items), BATCH):
        batch = items[first : first + BATCH]
        try:
            store.write(batch, SOURCE)
        except Exception as exc:
            errors.put(f"batch refused: {type(exc).__name__}: {exc}"[:400])
            for item in batch:
                try:
                    store.write([item], SOURCE)
                except Exception as exc:
                    errors.put(f"item lost: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    engine.dispose()


def scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def history(engine: Engine) -> dict[str, set[str]]:
    """url_key → the content hashes of its current version and of its revisions."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.url_key, a.content_hash, r.content_hash FROM articles a "
                "LEFT JOIN revisions r ON r.article_id = a.id"
            )
        ).all()
    out: dict[str, set[str]] = {}
    for key, current, revision in rows:
        out.setdefault(key, set()).add(current)
        if revision:
            out[key].add(revision)
    return out


def assert_consistent(engine: Engine, count: int) -> None:
    assert scalar(engine, "SELECT count(*) FROM articles") == count
    assert scalar(engine, "SELECT count(DISTINCT url_key) FROM articles") == count
    assert scalar(engine, "SELECT count(*) FROM article_signatures") == count
    assert scalar(engine, "SELECT count(*) FROM attachments") == count  # one each, not doubled
    assert scalar(engine, "SELECT count(*) FROM sources") == 1
    assert scalar(engine, "SELECT count(*) FROM articles WHERE cluster_id IS NULL") == 0


def run_writers(url: str, jobs: Sequence[tuple[int, bool]]) -> list[str]:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(jobs))
    errors = context.Queue()
    processes = [
        context.Process(target=writer, args=(url, version, reverse, start, errors))
        for version, reverse in jobs
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    alive = [p for p in processes if p.is_alive()]
    for process in alive:
        process.kill()
    assert not alive, "a writer hung (deadlock?)"
    assert all(p.exitcode == 0 for p in processes)
    found = []
    while not errors.empty():
        found.append(errors.get())
    return found


def test_two_processes_writing_the_same_articles_leave_one_row_each(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    try:
        # One writer front to back, the other back to front: every batch overlaps the other's.
        errors = run_writers(pg_url, [(1, False), (1, True)])
        assert errors == []
        assert_consistent(engine, COUNT)
        expected = {a.content_hash for a in versions(1)}
        assert {h for hashes in history(engine).values() for h in hashes} == expected
        assert scalar(engine, "SELECT count(*) FROM revisions") == 0
    finally:
        engine.dispose()


def test_two_processes_writing_two_versions_lose_no_update(pg_url: str) -> None:
    """Two versions of the same articles, racing: each article ends with both versions (one
    current, the other in revisions), whatever the interleaving."""
    engine = make_engine(pg_url)
    upgrade(engine)
    try:
        errors = run_writers(pg_url, [(1, False), (2, True)])
        assert not [e for e in errors if e.startswith("item lost")], errors
        assert_consistent(engine, COUNT)
        hist = history(engine)
        for a, b in zip(versions(1), versions(2), strict=True):
            assert hist[url_key(a.url)] == {a.content_hash, b.content_hash}, a.url
    finally:
        engine.dispose()


def test_a_writer_racing_an_uncommitted_insert_keeps_both_versions(pg_url: str) -> None:
    """Forced interleaving: writer A has inserted the articles but not committed; writer B reads
    (sees nothing), then upserts (waits for A's row locks), then A commits. Both stores have
    written a batch before (as in any crawl past its first batch), so their source id is cached
    and the ``sources`` upsert does not serialise them."""
    engine_a, engine_b = make_engine(pg_url), make_engine(pg_url)
    upgrade(engine_a)
    count = 10
    first, second = versions(1, count), versions(2, count)
    warm_up = versions(1, count + 2)[count:]
    store_a, store_b = ArticleStore(engine_a), ArticleStore(engine_b)
    store_a.write(warm_up[:1], SOURCE)
    store_b.write(warm_up[1:], SOURCE)
    outcome: dict[str, Any] = {}
    b_started = threading.Event()

    def write_b() -> None:
        b_started.set()
        try:
            outcome["b"] = store_b.write(second, SOURCE)
        except Exception as exc:
            outcome["b"] = exc

    try:
        with engine_a.begin() as conn:
            store_a._write(conn, first, SOURCE)
            thread = threading.Thread(target=write_b)
            thread.start()
            b_started.wait()
            time.sleep(0.5)  # B has read and now waits on A's locks
        thread.join(timeout=30)
        assert not isinstance(outcome.get("b"), Exception), f"B's write failed: {outcome['b']!r}"
        assert_consistent(engine_a, count + 2)
        hist = history(engine_a)
        lost = [
            a.url
            for a, b in zip(first, second, strict=True)
            if hist[url_key(a.url)] != {a.content_hash, b.content_hash}
        ]
        assert lost == [], f"{len(lost)} article(s) lost a version"
    finally:
        engine_a.dispose()
        engine_b.dispose()
