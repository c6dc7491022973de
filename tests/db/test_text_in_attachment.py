"""``articles.text_in_attachment`` (migration 0008): written and updated by the plain and the
concurrent store, on SQLite and PostgreSQL; a database at 0007 upgrades with its rows kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from crawler.db import current_revision, head_revision, include_object, upgrade
from crawler.db.concurrent import ConcurrentArticleStore
from crawler.db.models import Article, Base
from crawler.db.spool import item_from_dict, item_to_json
from crawler.db.store import ArticleStore, SourceInfo
from crawler.items import Attachment, PolicyArticle
from crawler.research.search import search
from tests.support.databases import downgrade
from tests.support.records import article

SOURCE = SourceInfo(site="cn_test", name="测试网")
FILE = Attachment("2026年托育机构名单.pdf", "https://www.example.gov.cn/f/mingdan.pdf", "pdf")


def only_file(n: int, body: str = FILE.name, **changes: object) -> PolicyArticle:
    """Article ``n`` whose page only links its document: the body is the file's name."""
    return article(n, body, **{"attachments": [FILE], "text_in_attachment": True, **changes})


def flags(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        rows = conn.execute(select(Article.url, Article.text_in_attachment))
        return {url.rsplit("/", 1)[-1]: flag for url, flag in rows}


@pytest.mark.parametrize("store_class", [ArticleStore, ConcurrentArticleStore])
def test_the_stores_write_and_update_the_flag(
    engine: Engine, store_class: type[ArticleStore]
) -> None:
    store = store_class(engine)
    result = store.write([only_file(1), article(2)], SOURCE)
    assert result.new == 2
    assert flags(engine) == {"content_1.htm": True, "content_2.htm": False}

    # the same content, the flag read otherwise: the row takes the page's flag (unchanged)
    result = store.write(
        [only_file(1, text_in_attachment=False), only_file(2, body="正文内容。")], SOURCE
    )
    assert (result.new, result.updated, result.unchanged) == (0, 0, 2)
    assert flags(engine) == {"content_1.htm": False, "content_2.htm": True}

    # changed content: the upsert writes the flag with it
    result = store.write([only_file(1, body="附件：2026年托育机构名单.pdf")], SOURCE)
    assert result.updated == 1
    assert flags(engine)["content_1.htm"] is True


def test_a_spooled_record_keeps_the_flag() -> None:
    record = json.loads(item_to_json(only_file(1)))
    assert record["text_in_attachment"] is True
    assert item_from_dict(record).text_in_attachment is True
    older = {k: v for k, v in record.items() if k != "text_in_attachment"}  # spooled before 0008
    assert item_from_dict(older).text_in_attachment is False


def columns(engine: Engine) -> dict[str, Any]:
    return {c["name"]: c for c in inspect(engine).get_columns("articles")}


def test_a_0007_database_upgrades_with_its_rows(engine: Engine) -> None:
    ArticleStore(engine).write([only_file(1), article(2)], SOURCE)
    downgrade(engine, "0007")
    assert "text_in_attachment" not in columns(engine)
    with engine.begin() as conn:  # a row written by the code of 0007
        conn.execute(
            text(
                "INSERT INTO articles (url_key, url, source_id, site, issuers, tags, "
                "first_seen_at, updated_at, last_seen_at) SELECT 'k3', 'https://x.gov.cn/3', "
                "source_id, site, issuers, tags, first_seen_at, updated_at, last_seen_at "
                "FROM articles WHERE id = 1"
            )
        )

    upgrade(engine)
    assert current_revision(engine) == head_revision(engine) == "0008"
    column = columns(engine)["text_in_attachment"]
    assert column["nullable"] is False
    assert flags(engine) == {"content_1.htm": False, "content_2.htm": False, "3": False}
    with engine.begin() as conn:  # a writer that does not name the column gets false
        conn.execute(
            text(
                "INSERT INTO articles (url_key, url, source_id, site, issuers, tags, "
                "first_seen_at, updated_at, last_seen_at) SELECT 'k4', 'https://x.gov.cn/4', "
                "source_id, site, issuers, tags, first_seen_at, updated_at, last_seen_at "
                "FROM articles WHERE id = 1"
            )
        )
    assert flags(engine)["4"] is False
    with engine.connect() as conn:  # the upgraded schema is the models'
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []

    # the attachment-only page crawled again, unchanged: its row learns the flag
    result = ArticleStore(engine).write([only_file(1)], SOURCE)
    assert result.unchanged == 1
    assert flags(engine)["content_1.htm"] is True
    # the full-text search still follows the articles (SQLite: its triggers on articles)
    ArticleStore(engine).write([only_file(5, body="示例县托位统计表.xlsx")], SOURCE)
    hits = search(engine, "托位统计表")
    assert [hit.url.rsplit("/", 1)[-1] for hit in hits] == ["content_5.htm"]
