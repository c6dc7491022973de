"""Attachments in what researchers read: search (SQLite FTS5 and PostgreSQL pg_trgm), feeds
(enclosures with size and type), exports (``--with-attachments``), and the run's health."""

from __future__ import annotations

import io
import json
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import Engine

from crawler.attachments.extract import extract_bytes
from crawler.attachments.store import AttachmentStore
from crawler.db import make_engine, upgrade
from crawler.db.store import ArticleStore, SourceInfo
from crawler.items import Attachment, PolicyArticle
from crawler.monitoring.health import Thresholds, run_problems
from crawler.records.normalize import normalize_article
from crawler.research.export import export
from crawler.research.feeds import FeedSpec, atom_feed, json_feed
from crawler.research.records import iter_records
from crawler.research.search import search
from tests.attachments import samples

SOURCE = SourceInfo(site="cn_test", name="测试网", region="central")
PDF = samples.pdf([["托育机构名单", "阳光托育园附件专用词"]])
PDF_URL = "https://www.example.gov.cn/f/list.pdf"


def _stored(engine: Engine) -> None:
    article = normalize_article(
        PolicyArticle(
            url="https://www.example.gov.cn/a/1.htm",
            site="cn_test",
            title="关于公布托育机构名单的通知",
            publish_date="2024-11-28",
            body_text="现将名单公布如下，见附件。",
            attachments=[
                Attachment("托育机构名单.pdf", PDF_URL, "pdf"),
                Attachment("未下载.xlsx", "https://www.example.gov.cn/f/gone.xlsx", "xlsx"),
            ],
        )
    )
    ArticleStore(engine).write([article], SOURCE)
    store = AttachmentStore(engine)
    store.stored(
        PDF_URL,
        sha256="ab" * 32,
        size=len(PDF),
        media_type="application/pdf",
        path="ab/ab/x.pdf",
        content_type="application/octet-stream",
        etag=None,
        last_modified=None,
    )
    store.extracted("ab" * 32, extract_bytes(PDF))


def test_search_finds_a_word_only_in_an_attachment_and_names_the_file(engine: Engine) -> None:
    _stored(engine)
    hits = search(engine, "阳光托育园附件专用词")
    assert [h.title for h in hits] == ["关于公布托育机构名单的通知"]
    assert [a.name for a in hits[0].attachments] == ["托育机构名单.pdf"]
    assert "阳光托育园附件专用词" in (hits[0].snippet or "")
    # every word must occur somewhere: one in the body, one in the file
    assert len(search(engine, "名单公布 阳光托育园")) == 1
    assert search(engine, "阳光托育园 不存在的词") == []
    # traditional characters find it too
    assert len(search(engine, "陽光托育園")) == 1


def test_feeds_give_each_attachment_with_its_size_and_type(engine: Engine) -> None:
    _stored(engine)
    records = list(iter_records(engine))
    feed = json_feed(FeedSpec("all", "t", "d"), records)
    attachments = feed["items"][0]["attachments"]
    assert attachments[0] == {
        "url": PDF_URL,
        "mime_type": "application/pdf",
        "title": "托育机构名单.pdf",
        "size_in_bytes": len(PDF),
    }
    assert "size_in_bytes" not in attachments[1]  # not downloaded: no size to tell
    atom = atom_feed(FeedSpec("all", "t", "d"), records).decode()
    assert f'length="{len(PDF)}"' in atom


def test_exports_carry_attachment_text_only_when_asked(engine: Engine) -> None:
    _stored(engine)
    plain, full = io.StringIO(), io.StringIO()
    export(engine, "jsonl", plain)
    export(engine, "jsonl", full, with_attachments=True)
    without = json.loads(plain.getvalue())["attachments"]
    with_text = json.loads(full.getvalue())["attachments"]
    assert "text" not in without[0]
    assert without[0]["size"] == len(PDF)
    assert "阳光托育园附件专用词" in with_text[0]["text"]
    assert "text" not in with_text[1]


def test_only_a_run_whose_every_attachment_failed_warns() -> None:
    limits = Thresholds()
    some = {"attachments/requested": 5, "attachments/failed": 4}
    every = {"attachments/requested": 5, "attachments/failed": 3, "attachments/skipped": 2}
    assert not [p for p in run_problems(some, "finished", limits) if "attachment" in p.message]
    problems = run_problems(every, "finished", limits)
    assert [(p.severity, p.message) for p in problems] == [
        ("warning", "none of the 5 attachments could be downloaded")
    ]


def test_the_datasette_search_page_names_the_file_a_word_was_found_in(tmp_path: Path) -> None:
    """``make browse``: /-/search finds the article by a word only its attachment holds, and
    lists the file; the files table's own search box uses files_fts."""
    from tests.research.test_datasette import get_json, serve_browse

    database = tmp_path / "policy.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    _stored(engine)
    engine.dispose()
    with serve_browse(database, tmp_path / "feeds") as served:
        query = urllib.parse.quote("陽光托育園附件專用詞")  # traditional characters
        with urllib.request.urlopen(f"{served.url}/-/search?q={query}", timeout=10) as page:
            html = page.read().decode("utf-8")
        rows = get_json(f"{served.url}/policy/files.json?_search={query}&_shape=array")
    assert "关于公布托育机构名单的通知" in html
    assert "found in attachments" in html and "托育机构名单.pdf" in html
    assert [r["media_type"] for r in rows] == ["application/pdf"]
