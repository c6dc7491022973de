"""New rows are inserted with their cluster: never updated after the insert, never pointing at a
row that is not there (raced inserts), on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select

from crawler.db import make_engine, upgrade
from crawler.db.models import Article
from crawler.db.store import ArticleStore, SourceInfo, WriteResult
from crawler.dedup.urls import url_key
from tests.support.records import BODY, OTHER_BODY, item

SOURCE = SourceInfo("cn_gov")
THIRD_BODY = "\n".join(
    [
        "为进一步规范校外培训机构收费行为，切实减轻学生家庭负担，现就有关事项通知如下。",
        "一、严格执行收费标准。培训机构应当按照核定的收费标准和收费项目向社会公示。",
        "二、加强预收费监管。各地要建立预收费资金监管制度，防范资金风险。",
        "三、强化监督检查。市场监管部门要会同教育部门开展专项检查，依法查处违规收费行为。",
    ]
)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def stored(engine: Engine) -> dict[str, tuple[int, int | None, str | None]]:
    """url → (id, cluster_id, dedup_layer)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Article.url, Article.id, Article.cluster_id, Article.dedup_layer)
        )
        return {url: (id_, cluster, layer) for url, id_, cluster, layer in rows}


def assert_clusters_valid(engine: Engine) -> None:
    """Every row has a cluster, and every cluster is the id of a stored row."""
    rows = stored(engine).values()
    ids = {id_ for id_, _, _ in rows}
    assert all(cluster is not None for _, cluster, _ in rows)
    dangling = {cluster for _, cluster, _ in rows if cluster not in ids}
    assert dangling == set(), f"cluster ids of no stored row: {dangling}"


def test_new_rows_are_inserted_with_their_cluster_and_never_updated(engine: Engine) -> None:
    store = ArticleStore(engine)
    store.write([item("https://www.gov.cn/a.htm")], SOURCE)
    batch = [
        item("https://sh.gov.cn/repost.htm"),  # a copy of the stored article
        item("https://www.gov.cn/b.htm", body=OTHER_BODY, title="宣传月"),  # a new policy
        item(
            "https://zj.gov.cn/b-copy.htm", body=OTHER_BODY, title="宣传月"
        ),  # its batch-mate copy
        item("https://www.gov.cn/c.htm", body=THIRD_BODY, title="收费"),  # another new policy
    ]
    with statements(engine) as seen:
        result = store.write(batch, SOURCE)
    updates = [s for s in seen if s.upper().startswith("UPDATE ARTICLES")]
    assert updates == []
    assert (result.new, result.layers["original"], result.layers["content"]) == (4, 2, 2)
    rows = stored(engine)
    original = rows["https://www.gov.cn/a.htm"]
    b, c = rows["https://www.gov.cn/b.htm"], rows["https://www.gov.cn/c.htm"]
    assert rows["https://sh.gov.cn/repost.htm"][1:] == (original[0], "content")
    assert b[1:] == (b[0], None)  # a cluster of its own: its own id
    assert c[1:] == (c[0], None)
    assert rows["https://zj.gov.cn/b-copy.htm"][1:] == (b[0], "content")
    assert b[0] < rows["https://zj.gov.cn/b-copy.htm"][0]  # the first copy has the smallest id
    assert_clusters_valid(engine)


def test_a_page_stored_meanwhile_by_another_writer_leaves_no_dangling_cluster(
    database_url: str, engine: Engine
) -> None:
    """The batch's first copy of a policy loses the race for its URL to another writer (another
    version of the page): its batch-mate copy joins the cluster of the row that won."""
    rival_engine = make_engine(database_url)
    rival = ArticleStore(rival_engine)
    url = "https://www.gov.cn/b.htm"

    overtaken: list[bool] = []

    class Overtaken(ArticleStore):
        def _known(self, conn: Any, keys: list[str]) -> dict[str, Any]:
            found = ArticleStore._known(conn, keys)
            if url_key(url) in keys and not overtaken:  # after our look-up, before our insert
                rival.write([item(url, body=THIRD_BODY, title="收费")], SOURCE)
                overtaken.append(True)
            return found

    store = Overtaken(engine)
    store.write([item("https://www.gov.cn/warm-up.htm", body="见附件。")], SOURCE)  # source row
    try:
        result = store.write(
            [
                item(url, body=OTHER_BODY, title="宣传月"),
                item("https://zj.gov.cn/b-copy.htm", body=OTHER_BODY, title="宣传月"),
            ],
            SOURCE,
        )
    finally:
        rival_engine.dispose()
    assert (result.new, result.updated) == (1, 1)  # the copy; the raced page is a changed page
    assert dict(result.layers) == {"content": 1}
    rows = stored(engine)
    winner = rows[url]
    assert winner[1] == winner[0]  # the rival's row started its cluster
    assert rows["https://zj.gov.cn/b-copy.htm"][1:] == (winner[0], "content")
    assert_clusters_valid(engine)


def test_concurrent_writers_reserve_distinct_ids(engine: Engine) -> None:
    """Two writers with their own connections, many batches each: no id is taken twice (on
    SQLite the ids are reserved under the write lock) and every cluster is a stored row."""
    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        store = ArticleStore(engine)
        try:
            for n in range(8):
                store.write(
                    [
                        item(
                            f"https://{prefix}.gov.cn/{n}-{k}.htm",
                            body=f"{prefix}{n}{k}" + (OTHER_BODY if k % 2 else BODY),
                            title=f"{prefix} {n} {k}",
                        )
                        for k in range(10)
                    ],
                    SourceInfo(prefix),
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(stored(engine)) == 160
    assert_clusters_valid(engine)


def test_concurrent_copies_share_a_cluster_on_sqlite(tmp_path: Path) -> None:
    """Two writers reach cluster assignment together with copies of one policy: the second sees
    the first one's row, thanks to SQLite's write lock, taken before the look-ups (PostgreSQL
    needs ConcurrentArticleStore's advisory lock for this, see tests/distributed)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'policy.db'}")
    upgrade(engine)
    barrier = threading.Barrier(2)
    together: list[bool] = []
    errors: list[BaseException] = []

    class Together(ArticleStore):
        def _cluster(self, conn: Any, fresh: list[Any], result: WriteResult) -> None:
            if fresh and together:
                barrier.wait(timeout=20)
            super()._cluster(conn, fresh, result)

    stores = {site: Together(engine) for site in ("a", "b")}
    for site, store in stores.items():  # source rows first: their insert takes the write lock
        store.write([item(f"https://{site}.gov.cn/warm-up.htm", body="见附件。")], SourceInfo(site))
    together.append(True)

    def write(site: str) -> None:
        try:
            stores[site].write([item(f"https://{site}.gov.cn/copy.htm")], SourceInfo(site))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(site,)) for site in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    rows = stored(engine)
    engine.dispose()
    first, second = rows["https://a.gov.cn/copy.htm"], rows["https://b.gov.cn/copy.htm"]
    assert first[1] == second[1]
    assert sorted([first[2] or "", second[2] or ""]) == ["", "content"]


def test_the_band_keys_of_a_large_batch_go_to_sqlite_as_one_parameter(tmp_path: Path) -> None:
    """1,100 new pages (35,200 band keys, more than SQLite's default limit of 32,766 parameters)
    in one write: the look-up sends them as one JSON array, and finds the stored original."""
    engine = make_engine(f"sqlite:///{tmp_path / 'policy.db'}")
    upgrade(engine)
    try:
        rng = random.Random(5)
        han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
        bodies = ["".join(rng.choices(han, k=300)) for _ in range(1100)]
        distinct = [item(f"https://www.gov.cn/{n}.htm", body=b) for n, b in enumerate(bodies)]
        repost = item("https://www.moe.gov.cn/repost.htm", body=f"转载自中国政府网。{bodies[7]}")
        store = ArticleStore(engine)
        store.write([distinct[7]], SOURCE)  # stored first: the batch's look-up must find it
        with statements(engine) as seen:
            store.write([*distinct, repost], SOURCE)
        lookups = [sql for sql in seen if "FROM lsh_bands" in sql]
        assert lookups and all("json_each(?)" in sql for sql in lookups), lookups
        rows = stored(engine)
        assert len(rows) == 1101
        assert len({cluster for _, cluster, _ in rows.values()}) == 1100
        assert rows["https://www.moe.gov.cn/repost.htm"][1:] == (
            rows["https://www.gov.cn/7.htm"][0],
            "near",
        )
        assert_clusters_valid(engine)
    finally:
        engine.dispose()
