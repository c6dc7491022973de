"""Chinese full-text search on SQLite (FTS5, one token per character) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import delete, inspect, text, update

from crawler.db import upgrade
from crawler.db.fulltext import fts_chars
from crawler.db.models import Article
from crawler.research.records import InputError
from crawler.research.search import search
from tests.support.commands import run_cli_here as run_cli
from tests.support.databases import downgrade
from tests.support.demo import PUHUI_URL, TRADITIONAL_URL

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Engine


def urls(engine: Engine, query: str, **kwargs: Any) -> list[str]:
    return [hit.url for hit in search(engine, query, **kwargs)]


def test_a_two_character_query_finds_the_article(demo_ro: Engine) -> None:
    found = urls(demo_ro, "托育")
    assert PUHUI_URL in found and TRADITIONAL_URL in found
    assert len(found) == 5  # every article that mentions 托育, and nothing else


def test_a_four_character_query_finds_the_article_first(demo_ro: Engine) -> None:
    found = urls(demo_ro, "普惠托育")
    assert found[0] == PUHUI_URL  # in the title and three times in the body
    assert "https://www.gov.cn/zhengce/content/2020-12/31/content_5575804.htm" not in found


def test_a_traditional_query_finds_the_simplified_article(demo_ro: Engine) -> None:
    assert urls(demo_ro, "普惠托育服務")[0] == PUHUI_URL
    assert PUHUI_URL in urls(demo_ro, "託育")  # 託 is the traditional 托 of 托育


def test_a_simplified_query_finds_the_traditional_article(demo_ro: Engine) -> None:
    assert urls(demo_ro, "社会工作局") == [TRADITIONAL_URL]
    assert urls(demo_ro, "托儿") == [TRADITIONAL_URL]  # two characters, 托兒 on the page
    hit = search(demo_ro, "社会工作局")[0]
    assert hit.title == "社會工作局推出普惠托育服務計劃"  # shown as published
    assert hit.snippet is not None and "社會工作局" in hit.snippet


def test_every_word_must_occur(demo_ro: Engine) -> None:
    assert urls(demo_ro, "普惠托育 用人单位") == [
        "https://www.gov.cn/zhengce/content/202410/content_6983123.htm"
    ]
    assert urls(demo_ro, "托育 学前教育") == []


def test_filters_and_limit(demo_ro: Engine) -> None:
    assert set(urls(demo_ro, "托育", site="cn_nhc")) == {PUHUI_URL}
    since = urls(demo_ro, "托育", since=dt.date(2024, 11, 21))
    assert PUHUI_URL not in since and TRADITIONAL_URL in since
    assert len(urls(demo_ro, "托育", limit=2)) == 2


def test_results_carry_dates_sites_and_links(demo_ro: Engine) -> None:
    hit = search(demo_ro, "普惠托育")[0]
    assert hit.publish_date == dt.date(2024, 11, 20)
    assert hit.site == "cn_nhc"
    assert hit.doc_number == "国卫人口发〔2024〕30号"
    assert hit.snippet is not None and "普惠托育" in hit.snippet


def test_the_score_counts_title_and_body_occurrences(demo_ro: Engine) -> None:
    hit = search(demo_ro, "普惠托育")[0]
    with demo_ro.connect() as conn:
        title, body = conn.execute(
            text("SELECT title, body_text FROM articles WHERE url = :url"), {"url": hit.url}
        ).one()
    assert hit.score == 5 * title.count("普惠托育") + body.count("普惠托育") > 5


def test_letters_match_and_count_in_any_case(demo: Engine) -> None:
    from crawler.db.store import ArticleStore, SourceInfo
    from crawler.items import PolicyArticle
    from crawler.records.normalize import normalize_article

    url = "https://www.gov.cn/zhengce/app.htm"
    article = PolicyArticle(
        url=url,
        site="cn_gov",
        title="“随申办”App托育服务上线",
        body_text="市民可通过随申办APP预约托育服务。下载app后，在首页进入托育专区。",
        publish_date="2024-11-28",
    )
    ArticleStore(demo).write([normalize_article(article)], SourceInfo("cn_gov"))
    hits = search(demo, "aPP 托育专区")
    assert [hit.url for hit in hits] == [url]
    assert hits[0].score == (5 * 1 + 2) + (5 * 0 + 1)  # App, APP, app; 托育专区 once


def test_like_wildcards_in_a_query_are_literal(demo_ro: Engine) -> None:
    assert urls(demo_ro, "%") == []
    assert urls(demo_ro, "_育") == []


def test_bad_queries_are_refused(demo_ro: Engine) -> None:
    with pytest.raises(InputError, match="at least one word"):
        search(demo_ro, "   ")
    with pytest.raises(InputError, match="limit"):
        search(demo_ro, "托育", limit=0)


def test_the_index_follows_inserts_updates_and_deletes(demo: Engine) -> None:
    with demo.begin() as conn:
        conn.execute(
            update(Article)
            .where(Article.url == PUHUI_URL)
            .values(title="关于婴幼儿照护服务的通知", body_text="婴幼儿照护服务体系建设。")
        )
    assert PUHUI_URL in urls(demo, "婴幼儿照护")
    assert PUHUI_URL not in urls(demo, "普惠托育")
    with demo.begin() as conn:
        conn.execute(delete(Article).where(Article.url == PUHUI_URL))
    assert urls(demo, "婴幼儿照护") == []
    if demo.dialect.name == "sqlite":
        with demo.begin() as conn:  # raises if the FTS index and the table disagree
            conn.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"))


def test_the_migration_creates_and_removes_the_index(engine: Engine) -> None:
    def objects() -> set[str]:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.execute(
                    text("SELECT name FROM sqlite_master WHERE name LIKE 'articles_fts%'")
                )
            else:
                rows = conn.execute(
                    text(
                        "SELECT indexname FROM pg_indexes "
                        "WHERE indexname LIKE 'ix_articles_search%'"
                    )
                )
            return {name for (name,) in rows}

    if engine.dialect.name == "sqlite":
        expected = {"articles_fts", "articles_fts_source", "articles_fts_insert",
                    "articles_fts_update", "articles_fts_delete"}  # fmt: skip
    else:
        expected = {"ix_articles_search_title", "ix_articles_search_body"}
    assert expected <= objects()
    downgrade(engine, "0001")
    assert objects() == set()
    assert "articles" in inspect(engine).get_table_names()
    upgrade(engine)
    assert expected <= objects()
    only_search_objects_differ_from_the_models(engine)


def test_words_are_served_by_the_index(demo_ro: Engine) -> None:
    with demo_ro.begin() as conn:
        if demo_ro.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            sql = (
                "EXPLAIN SELECT id FROM articles "
                "WHERE coalesce(title_simplified, title) ILIKE '%普惠托育%'"
            )
            expected = "ix_articles_search_title"
        else:
            sql = (
                "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE id IN "
                "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"普 惠 托 育\"')"
            )
            expected = "VIRTUAL TABLE INDEX"
        plan = "\n".join(str(row[-1]) for row in conn.execute(text(sql)))
    assert expected in plan, plan


# ------------------------------------------------------------------------------------------- CLI


def test_crawler_search_prints_ranked_results(
    demo_ro: Engine, settings_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_for(demo_ro)
    assert run_cli(["search", "普惠托育", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "  1. 2024-11-20  cn_nhc  关于促进普惠托育服务高质量发展的通知"
    assert PUHUI_URL in out and "国卫人口发〔2024〕30号" in out
    assert lines[-1] == "the first 3 results for 「普惠托育」; more match: --limit N shows more"
    assert run_cli(["search", "普惠托育", "--limit", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    shown = sum(1 for line in lines if line[:5].strip().rstrip(".").isdigit())
    assert lines[-1] == f"{shown} result(s) for 「普惠托育」" and shown > 3  # all, no notice
    assert run_cli(["search", "託育", "--site", "mo_ias", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["url"] for r in rows] == [TRADITIONAL_URL]


def test_crawler_search_rejects_bad_input(
    demo_ro: Engine, settings_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_for(demo_ro)
    with pytest.raises(SystemExit) as exc:
        run_cli(["search", "托育", "--since", "2024-13-01"])
    assert exc.value.code == 2
    assert "not a date: '2024-13-01'" in capsys.readouterr().err
    assert run_cli(["search", "托育", "--limit", "5000"]) == 2
    assert "--limit must be between 1 and 1000" in capsys.readouterr().err


def test_crawler_search_names_a_missing_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'nothing.db'}"
    monkeypatch.setattr("crawler.cli.common.project_settings", lambda: {"DATABASE_URL": url})
    assert run_cli(["search", "托育"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "nothing.db").exists()


def only_search_objects_differ_from_the_models(engine: Engine) -> None:
    """Migration 0002 matches the models once its search objects are left out (include_object)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from crawler.db import include_object
    from crawler.db.models import Base

    with engine.connect() as conn:
        plain = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        filtered = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": include_object}), Base.metadata
        )
    assert filtered == []
    assert plain, "the search objects exist and only include_object hides them"


def test_characters_split_by_punctuation_are_not_a_match(demo: Engine) -> None:
    """The index matches 托育、机构 for 托育机构 (punctuation separates tokens); search does not."""
    with demo.begin() as conn:
        conn.execute(
            update(Article)
            .where(Article.url == PUHUI_URL)
            .values(title="通知", body_text="托育、机构一览。", body_simplified=None)
        )
    assert PUHUI_URL not in urls(demo, "托育机构")
    assert PUHUI_URL in urls(demo, "托育")
    assert PUHUI_URL in urls(demo, "育、机")  # punctuation inside a word: the substring is found


def test_migration_0004_reindexes_stored_articles_both_ways(
    tmp_path: Path,
) -> None:
    """Articles indexed under the trigram index (0003) are found after 0004 and after downgrade.
    (They are stored with today's code, which writes today's columns, then the database goes
    down to 0003: 0004's downgrade indexes them by trigrams.)"""
    from crawler.db import make_engine
    from tests.support.demo import build_demo

    engine = make_engine(f"sqlite:///{tmp_path / 'policy.db'}")
    try:
        upgrade(engine)
        build_demo(engine)
        downgrade(engine, "0003")

        def match(query: str) -> set[str]:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT a.url FROM articles_fts JOIN articles AS a "
                        "ON a.id = articles_fts.rowid WHERE articles_fts MATCH :q"
                    ),
                    {"q": query},
                )
                return {url for (url,) in rows}

        trigram = match('"普惠托育"')
        assert PUHUI_URL in trigram
        upgrade(engine)
        assert match('"普 惠 托 育"') == trigram
        assert set(urls(engine, "普惠托育")) == trigram
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"))
        downgrade(engine, "0003")
        assert match('"普惠托育"') == trigram
    finally:
        engine.dispose()


def test_a_plain_sqlite3_connection_can_search_but_not_change_text(
    demo_sqlite_file: Path,
) -> None:
    """The sqlite3 shell has no fts_chars(): MATCH works, a text change fails loudly."""
    import sqlite3

    conn = sqlite3.connect(demo_sqlite_file)
    try:
        found = conn.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '\"普 惠 托 育\"'"
        ).fetchone()[0]
        assert found >= 1
        with pytest.raises(sqlite3.OperationalError, match="fts_chars"):
            conn.execute("UPDATE articles SET title = 'x' WHERE id = 1")
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize("value", ["", "托", "托育", "托育 AB", "𠀀的x", " 甲\n乙 "])
def test_fts_chars_puts_a_space_between_every_character(value: str) -> None:
    assert fts_chars(value) == " ".join(value)
    assert fts_chars(None) is None
