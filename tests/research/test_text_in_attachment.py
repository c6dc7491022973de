"""``text_in_attachment`` on the research side: in the exports (JSON lines, CSV, JSON Feed), the
feeds' policy extension (JSON Feed and Atom), and the article view; a database not upgraded to
migration 0008 is still read."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import pytest
import yaml
from datasette.app import Datasette

from crawler.db import make_engine, upgrade
from crawler.db.store import ArticleStore, SourceInfo
from crawler.items import PolicyArticle
from crawler.records.prepare import ArticleContext, extract_prepared
from crawler.research import web
from crawler.research.export import export
from crawler.research.feeds import write_feeds
from crawler.research.records import iter_records
from tests.support.databases import downgrade
from tests.support.pages import (
    ATTACHMENT_ONLY_PAGE,
    ATTACHMENT_ONLY_URL,
    WITH_TEXT_PAGE,
    WITH_TEXT_URL,
)
from tests.support.paths import ROOT

if TYPE_CHECKING:
    from sqlalchemy import Engine

SOURCE = SourceInfo(site="county_test", name="示例县人民政府", region="示例省")
EXPECTED = {ATTACHMENT_ONLY_URL: True, WITH_TEXT_URL: False}
NOTE = "全文见附件 · The text is in the attachment"
DATASETTE = ROOT / "docs" / "datasette"


def prepared(url: str, body: bytes) -> PolicyArticle:
    item = extract_prepared(
        body, url, "text/html; charset=utf-8", None, ArticleContext("county_test")
    )
    assert isinstance(item, PolicyArticle)
    return item


def store_pages(engine: Engine) -> dict[str, int]:
    """The two test pages stored; url → article id."""
    items = [
        prepared(ATTACHMENT_ONLY_URL, ATTACHMENT_ONLY_PAGE),
        prepared(WITH_TEXT_URL, WITH_TEXT_PAGE),
    ]
    ArticleStore(engine).write(items, SOURCE)
    return {r["url"]: r["id"] for r in iter_records(engine)}


@pytest.fixture
def pages(engine: Engine) -> dict[str, int]:
    return store_pages(engine)


def exported(engine: Engine, fmt: str) -> str:
    out = io.StringIO()
    export(engine, fmt, out)
    return out.getvalue()


def test_exports_carry_the_flag(engine: Engine, pages: dict[str, int]) -> None:
    lines = [json.loads(line) for line in exported(engine, "jsonl").splitlines()]
    assert {r["url"]: r["text_in_attachment"] for r in lines} == EXPECTED
    rows = list(csv.DictReader(io.StringIO(exported(engine, "csv"), newline="")))
    assert {r["url"]: r["text_in_attachment"] for r in rows} == {
        ATTACHMENT_ONLY_URL: "true",
        WITH_TEXT_URL: "false",
    }
    feed = json.loads(exported(engine, "jsonfeed"))
    assert {i["id"]: i["_policy"]["text_in_attachment"] for i in feed["items"]} == EXPECTED


def test_feeds_carry_the_flag(engine: Engine, pages: dict[str, int], tmp_path: Path) -> None:
    write_feeds(engine, tmp_path)
    feed = json.loads((tmp_path / "all.json").read_text("utf-8"))
    assert {i["id"]: i["_policy"]["text_in_attachment"] for i in feed["items"]} == EXPECTED
    atom = (tmp_path / "site" / "county_test.atom").read_bytes()
    parsed = feedparser.parse(atom)
    assert not parsed.bozo, parsed.get("bozo_exception")
    flags = {e.id: e.policy_text_in_attachment for e in parsed.entries}
    assert flags == {ATTACHMENT_ONLY_URL: "true", WITH_TEXT_URL: "false"}


def test_the_article_view_has_the_flag(engine: Engine, pages: dict[str, int]) -> None:
    for url, flag in EXPECTED.items():
        view = web.article_view(engine, pages[url])
        assert view is not None and view.text_in_attachment is flag


def test_a_database_before_migration_0008_is_still_read(
    engine: Engine, pages: dict[str, int]
) -> None:
    """``crawler export`` and the web view do not migrate: they read the column as false."""
    downgrade(engine, "0007")
    lines = [json.loads(line) for line in exported(engine, "jsonl").splitlines()]
    assert {r["url"]: r["text_in_attachment"] for r in lines} == dict.fromkeys(EXPECTED, False)
    view = web.article_view(engine, pages[ATTACHMENT_ONLY_URL])
    assert view is not None and view.text_in_attachment is False


async def _get_article_pages(path: Path, ids: dict[str, int]) -> dict[str, str]:
    metadata = yaml.safe_load((DATASETTE / "metadata.yml").read_text("utf-8"))
    ds = Datasette(
        [str(path)],
        metadata=metadata,
        plugins_dir=str(DATASETTE / "plugins"),
        template_dir=str(DATASETTE / "templates"),
        static_mounts=[("assets", str(DATASETTE / "static"))],
    )
    out = {}
    for url, id_ in ids.items():
        response = await ds.client.get(f"/policy/articles/{id_}")
        assert response.status_code == 200, response.text[:500]
        out[url] = response.text
    return out


def test_the_article_page_says_the_text_is_in_the_attachment(tmp_path: Path) -> None:
    path = tmp_path / "policy.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    ids = store_pages(engine)
    engine.dispose()
    html = asyncio.run(_get_article_pages(path, ids))
    assert NOTE in html[ATTACHMENT_ONLY_URL]
    assert NOTE not in html[WITH_TEXT_URL]
    assert "article-title" in html[WITH_TEXT_URL]  # the article view, not Datasette's row page
