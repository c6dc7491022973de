"""Issue 25: every value from the network is fitted to its column before the database, and one
bad item in a batch costs only itself; on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from crawler.db import bounds
from crawler.db.failures import FailureLog
from crawler.db.models import Article, AttachmentRow, CrawlRun, Failure, Source, max_chars
from crawler.db.store import ArticleStore, SourceInfo, write_isolated
from crawler.items import Attachment, PolicyArticle
from crawler.pipelines.storage import StoragePipeline
from crawler.records.normalize import normalize_article
from tests.support.crawlers import make_crawler
from tests.support.records import article


def rows(engine: Engine, table: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(table)).all())


def test_the_limits_come_from_the_models() -> None:
    assert max_chars(Article, "url") == 2048
    assert max_chars(Article, "http_etag") == 500
    assert max_chars(Article, "http_last_modified") == 100
    assert max_chars(Article, "title") == 200  # a text column with a cap in its info
    assert max_chars(Article, "body_text") is None
    assert max_chars(AttachmentRow, "url") == 2048
    assert max_chars(CrawlRun, "site") == 100
    assert bounds.DROPPED["etag"] == max_chars(Article, "http_etag")


def test_the_normaliser_caps_titles_and_labels_and_drops_overlong_validators() -> None:
    item = normalize_article(
        PolicyArticle(
            url="https://www.example.gov.cn/a.htm",
            site="cn_test",
            title="关于" + "托育" * 50_000 + "的通知",  # 100 KB
            source_name="来源" * 200,
            doc_number="国办发〔2024〕" + "1" * 300 + "号",
            body_text="正文\x00内容。",
            etag='"' + "e" * 600 + '"',
            last_modified="Mon, 13 Jan 2025 09:30:00 GMT" + " " * 80 + "x",
        )
    )
    assert item.title is not None and len(item.title) == 200
    assert item.source_name is not None and len(item.source_name) == 200
    assert (item.doc_number, item.etag, item.last_modified) == (None, None, None)
    assert item.body_text == "正文内容。"  # PostgreSQL stores no NUL character


def test_a_stored_item_keeps_a_validator_that_fits(engine: Engine) -> None:
    item = article(1, etag='"abc"', last_modified="Mon, 13 Jan 2025 09:30:00 GMT")
    ArticleStore(engine).write([item], SourceInfo("cn_test"))
    [row] = rows(engine, Article.__table__)
    assert (row.http_etag, row.http_last_modified) == ('"abc"', "Mon, 13 Jan 2025 09:30:00 GMT")


def test_the_store_fits_spooled_values_and_rejects_an_overlong_url(engine: Engine) -> None:
    """Items that never met the normaliser (spooled by an older version) are fitted too."""
    long_url = "https://www.example.gov.cn/" + "x" * 2100 + ".htm"
    fine = dataclasses.replace(article(1), etag="e" * 600, title="标题" * 500)
    fine.attachments = [
        Attachment("附件1.pdf", "https://www.example.gov.cn/" + "y" * 2100 + ".pdf", "pdf"),
        Attachment("附件2.pdf", "https://www.example.gov.cn/2.pdf", "pdf"),
    ]
    result = ArticleStore(engine).write(
        [dataclasses.replace(article(2), url=long_url), fine], SourceInfo("cn_test")
    )
    assert result.new == 1
    [row] = rows(engine, Article.__table__)
    assert row.http_etag is None and len(row.title) == 200
    assert [a.url for a in rows(engine, AttachmentRow.__table__)] == [
        "https://www.example.gov.cn/2.pdf"
    ]
    long_attachment = "https://www.example.gov.cn/" + "y" * 2100 + ".pdf"
    assert [(r.url, r.kind, r.attachment_of) for r in result.rejected] == [
        (long_url, "rejected", None),
        (long_attachment, "rejected", fine.url),
    ]
    assert f"URL of {len(long_url)} characters (the column holds 2048)" in result.rejected[0].reason


def test_a_rejected_url_is_recorded_cut_to_the_column_and_never_retried(engine: Engine) -> None:
    long_url = "https://www.example.gov.cn/" + "x" * 3000
    log = FailureLog(engine, "cn_test")
    assert log.record(long_url, bounds.REJECTED, "URL too long")
    [row] = rows(engine, Failure.__table__)
    assert row.url == long_url[:2048] and "URL of 3027 characters" in row.reason
    assert log.due() == []  # a rejected value is not fetched again


def test_a_failure_neither_recorded_nor_spooled_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from crawler.db import make_engine
    from tests.support.databases import closed_port_url

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    log = FailureLog(make_engine(closed_port_url("hunter2")), "cn_test", spool=not_a_folder)
    assert log.record("https://www.example.gov.cn/a.htm", "article", "HTTP 500") is False
    assert "lost: neither recorded in the database nor spooled" in caplog.text


def bad_date(n: int) -> PolicyArticle:
    item = article(n)
    item.publish_date = "2024-02-30"  # not a date: the row cannot be made
    return item


def test_one_bad_item_of_a_batch_of_a_new_site_costs_only_itself(
    database_url: str, tmp_path: Path
) -> None:
    """The batch fails on the bad item's data; the valid ones are stored one by one, with the
    site's ``sources`` row, which the failed batch did not take with it; the bad item is in
    the failures table with its reason, not in the spool (it would fail again there)."""
    crawler = make_crawler(database_url, tmp_path / "spool")
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    items = [article(1), article(2), bad_date(3), article(4), article(5)]
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()
    engine = pipeline.engine
    stored = rows(engine, Article.__table__)
    assert sorted(r.url for r in stored) == sorted(items[n].url for n in (0, 1, 3, 4))
    [source] = rows(engine, Source.__table__)
    assert {r.source_id for r in stored} == {source.id}
    [failure] = rows(engine, Failure.__table__)
    assert failure.url == items[2].url and failure.kind == "article"
    assert "ValueError" in failure.reason
    assert not list((tmp_path / "spool").glob("*.jsonl"))
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    assert (stats["storage/new"], stats["storage/failed"], stats["storage/rejected"]) == (4, 1, 1)
    assert stats["run/failed"] is True
    assert any(items[2].url in r for r in stats["run/failure_reasons"])
    engine.dispose()


@pytest.mark.postgres
def test_a_value_postgresql_refuses_fails_only_its_item(
    pg_engine_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the fitting, PostgreSQL refuses an overlong ETag with a DataError, which fails the
    whole batch: the batch is then stored item by item, and only that item is refused."""
    from crawler.db import make_engine

    monkeypatch.setattr("crawler.db.store.fit_article", lambda item: bounds.Fitted())
    engine = make_engine(pg_engine_url)
    store = ArticleStore(engine)
    poison = dataclasses.replace(article(2), etag="e" * 600)
    result = write_isolated(store, [article(1), poison, article(3)], SourceInfo("cn_test"))
    assert result.new == 2
    [refused] = result.rejected
    assert refused.url == poison.url and "StringDataRightTruncation" in refused.reason
    [source] = rows(engine, Source.__table__)
    assert {r.source_id for r in rows(engine, Article.__table__)} == {source.id}
    engine.dispose()


@pytest.fixture
def pg_engine_url(postgres_server: str) -> Any:
    from crawler.db import make_engine, upgrade
    from tests.support.databases import create_postgres_database, drop_postgres_database

    url = create_postgres_database(postgres_server)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_postgres_database(postgres_server, url)


def test_the_spool_keeps_lines_it_cannot_replay_out_of_the_spool(
    engine: Engine, tmp_path: Path
) -> None:
    from crawler.db.spool import Spool, replay_spool

    spool = Spool(tmp_path / "spool")
    spool.append("cn_test", [bad_date(1), article(2)])
    told: list[int] = []  # what a terminal's count line is told as the replay goes
    replayed = replay_spool(spool, ArticleStore(engine), progress=told.append)
    assert (replayed.stored, replayed.rejected) == (1, 1)
    assert told == [2]
    assert spool.files() == []
    bad = (tmp_path / "spool" / "cn_test.jsonl.bad").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["url"] for line in bad] == [bad_date(1).url]
    assert [r.url for r in rows(engine, Failure.__table__)] == [bad_date(1).url]
    assert replay_spool(spool, ArticleStore(engine)).stored == 0


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_deadlock_is_written_again_not_taken_for_a_lost_connection(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's driver reports a deadlock as an OperationalError, like a lost connection:
    the batch is written again instead of spooled (and the database taken for gone)."""
    from sqlalchemy.exc import OperationalError

    from crawler.db.store import is_connection_error

    deadlock = OperationalError("INSERT …", {}, _Deadlock("deadlock detected"))
    assert not is_connection_error(deadlock)
    original = ArticleStore.write
    calls: list[int] = []

    def write_once_deadlocked(self: ArticleStore, items: Any, source: SourceInfo) -> Any:
        calls.append(len(items))
        if len(calls) == 1:
            raise deadlock
        return original(self, items, source)

    monkeypatch.setattr(ArticleStore, "write", write_once_deadlocked)
    result = write_isolated(ArticleStore(engine), [article(1), article(2)], SourceInfo("cn_test"))
    assert (result.new, result.rejected, calls) == (2, [], [2, 2])
