"""One PostgreSQL database for all workers: no duplicate rows, no lost repost links."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from crawler.db import make_engine, upgrade
from crawler.db.concurrent import ConcurrentArticleStore
from crawler.db.models import Article
from crawler.db.store import ArticleStore, SourceInfo, WriteResult
from crawler.items import PolicyArticle
from crawler.records.normalize import content_hash

pytestmark = pytest.mark.postgres

BODY = (
    "为贯彻落实党中央、国务院决策部署，加快完善普惠托育服务体系，现就有关事项通知如下。"
    "一、各地要把托育服务纳入经济社会发展规划，完善支持政策。"
    "二、加强托育机构监管，落实安全责任，提升服务质量。"
) * 6


def article(url: str, site: str, body: str = BODY, **fields: Any) -> PolicyArticle:
    title = fields.pop("title", "关于完善普惠托育服务体系的通知")
    return PolicyArticle(
        url=url,
        site=site,
        title=title,
        body_text=body,
        publish_date="2024-11-20",
        content_hash=content_hash(title, body),
        **fields,
    )


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def racing(base: type[ArticleStore], barrier: threading.Barrier) -> type[ArticleStore]:
    """``base`` whose two writers both reach cluster assignment before either goes on."""

    class Racing(base):  # type: ignore[valid-type, misc]
        def _cluster(self, conn: Any, fresh: list[Any], result: WriteResult) -> None:
            if fresh:
                barrier.wait(timeout=20)
            super()._cluster(conn, fresh, result)

    return Racing


def write_together(engine: Engine, store_cls: type[ArticleStore], batches: list[Any]) -> None:
    barrier = threading.Barrier(len(batches))
    cls = racing(store_cls, barrier)
    errors: list[BaseException] = []

    def write(items: list[PolicyArticle], site: str) -> None:
        try:
            cls(engine).write(items, SourceInfo(site=site, name=site, region="central"))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=write, args=batch) for batch in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def clusters(engine: Engine) -> dict[str, tuple[int, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(Article.url, Article.cluster_id, Article.dedup_layer))
        return {url: (cluster, layer) for url, cluster, layer in rows}


REPOSTS = [
    # the same content at two bureaus
    ([article("https://a.gov.cn/1.html", "a")], "a"),
    ([article("https://b.gov.cn/9.html", "b")], "b"),
]


def test_concurrent_reposts_share_one_cluster(engine: Engine) -> None:
    write_together(engine, ConcurrentArticleStore, REPOSTS)
    found = clusters(engine)
    assert len(found) == 2
    (cluster_a, layer_a), (cluster_b, layer_b) = found.values()
    assert cluster_a == cluster_b  # linked: one policy, two copies
    assert sorted([layer_a or "", layer_b or ""]) == ["", "content"]


def test_concurrent_documents_and_near_copies_share_clusters(engine: Engine) -> None:
    doc = {"doc_number": "国办发〔2024〕52号", "issuer": "国务院办公厅"}
    near_body = BODY.replace("现就有关事项通知如下", "现将有关事项通知如下")
    batches = [
        (
            [
                article("https://a.gov.cn/doc.html", "a", body="正文一" * 40, **doc),
                article("https://a.gov.cn/near.html", "a", title="托育服务通知"),
            ],
            "a",
        ),
        (
            [
                article("https://b.gov.cn/doc.html", "b", body="另一正文" * 40, **doc),
                article("https://b.gov.cn/near.html", "b", body=near_body, title="托育服务通知"),
            ],
            "b",
        ),
    ]
    write_together(engine, ConcurrentArticleStore, batches)
    found = clusters(engine)
    assert found["https://a.gov.cn/doc.html"][0] == found["https://b.gov.cn/doc.html"][0]
    assert found["https://a.gov.cn/near.html"][0] == found["https://b.gov.cn/near.html"][0]
    layers = {layer for _, layer in found.values()}
    assert {"document", "near"} <= layers


def test_the_plain_store_loses_the_link_in_this_race(engine: Engine) -> None:
    """What the lock prevents (and proof that the race above really happens)."""
    write_together(engine, ArticleStore, REPOSTS)
    (cluster_a, _), (cluster_b, _) = clusters(engine).values()
    assert cluster_a != cluster_b


def test_concurrent_writers_of_the_same_pages_make_no_duplicate_rows(engine: Engine) -> None:
    urls = [f"https://c.gov.cn/{n}.html" for n in range(300)]
    variants = [u.replace("https://", "http://www.") for u in urls]  # the same pages
    errors: list[BaseException] = []

    def write(batch_urls: list[str], site: str) -> None:
        store = ConcurrentArticleStore(engine)
        try:
            for start in range(0, len(batch_urls), 25):
                items = [
                    article(u, site, body=f"第{u.rsplit('/', 1)[1]}号 " + BODY)
                    for u in batch_urls[start : start + 25]
                ]
                store.write(items, SourceInfo(site=site, name=site, region="central"))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(urls, "c")),
        threading.Thread(target=write, args=(list(reversed(variants)), "c")),
        threading.Thread(target=write, args=(urls[::2] + urls[1::2], "c")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(Article)).scalar_one()
        keys = conn.execute(select(func.count(func.distinct(Article.url_key)))).scalar_one()
        clusterless = conn.execute(
            select(func.count()).select_from(Article).where(Article.cluster_id.is_(None))
        ).scalar_one()
    assert rows == keys == 300
    assert clusterless == 0
