"""Issue 25: one bad item costs only itself, on SQLite and on PostgreSQL.

One crawl per database of a new site (no ``sources`` row yet) whose twelve valid notices are
listed with one poison of each kind (:mod:`tests.reliability.poison_site`), all in one storage
batch; then ``crawler db replay`` of a spool whose head holds lines that fail on their data.
Each test checks one protection of that crawl or replay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from sqlalchemy import select

from crawler.db import make_engine
from crawler.db.models import AttachmentRow, Source
from crawler.db.spool import Spool
from crawler.items import PolicyArticle
from tests.reliability import poison_site
from tests.reliability.helpers import failures, key, run_crawl, stored_articles
from tests.reliability.sites import LocalSite, numbered_notice
from tests.support.commands import run_cli
from tests.support.databases import create_postgres_database, drop_postgres_database

SETTINGS = {"ROBOTSTXT_OBEY": "False"}


@dataclass
class Poisoned:
    tmp: Path
    site: LocalSite
    offsite: LocalSite
    built: poison_site.PoisonSite
    database_url: str
    crawl: CompletedProcess[str]
    stored: dict[str, Any]
    """url_key → articles row after the crawl."""
    failed: dict[str, Any]
    """url_key → failures row after the crawl."""

    def url(self, path: str) -> str:
        return self.site.url(path)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def poisoned(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Poisoned]:
    tmp = tmp_path_factory.mktemp(f"poison-{request.param}")
    site, offsite = LocalSite(), LocalSite()
    admin = request.getfixturevalue("postgres_server") if request.param == "postgresql" else ""
    database_url = create_postgres_database(admin) if admin else f"sqlite:///{tmp / 'policy.db'}"
    try:
        built = poison_site.build(site, offsite.url("/landing.html", host="localhost"))
        crawl = run_crawl(tmp, database_url, site.url("/list.html"), SETTINGS)
        stored = {key(row.url): row for row in stored_articles(database_url)}
        yield Poisoned(
            tmp, site, offsite, built, database_url, crawl, stored, failures(database_url)
        )
    finally:
        site.close()
        offsite.close()
        if admin:
            drop_postgres_database(admin, database_url)


def test_the_crawl_finishes_and_reports_the_refused_item(poisoned: Poisoned) -> None:
    result = poisoned.crawl
    assert "Spider closed (finished)" in result.stderr, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    assert result.returncode == 1  # an item was not stored: the run failed, loudly
    assert "1 item(s) not stored, recorded in the failures table" in result.stderr


def test_every_valid_article_of_the_new_site_is_stored_with_its_source(
    poisoned: Poisoned,
) -> None:
    """The batch also held the poison: the valid articles are stored all the same, and they
    refer to a ``sources`` row that exists (it was not rolled back with a failed batch)."""
    missing = [p for p in poisoned.built.valid if key(poisoned.url(p)) not in poisoned.stored]
    assert missing == [], poisoned.crawl.stderr[-3000:]
    engine = make_engine(poisoned.database_url)
    try:
        with engine.connect() as conn:
            sources = {row.id: row.site for row in conn.execute(select(Source.__table__))}
    finally:
        engine.dispose()
    assert sorted(sources.values()) == ["test_faulty"]
    assert {row.source_id for row in poisoned.stored.values()} == set(sources)


def test_overlong_validators_are_dropped_and_the_article_stored(poisoned: Poisoned) -> None:
    row = poisoned.stored[key(poisoned.url("/a/etag.html"))]
    assert row.title == poisoned.built.notices["/a/etag.html"].title
    assert (row.http_etag, row.http_last_modified) == (None, None)


def failure_of(poisoned: Poisoned, url: str) -> Any:
    """The one failures row of ``url`` (a long URL is recorded cut to the column)."""
    rows = [r for r in poisoned.failed.values() if url.startswith(r.url)]
    assert len(rows) == 1, sorted(poisoned.failed)
    return rows[0]


def test_an_overlong_listed_url_is_a_recorded_failure(poisoned: Poisoned) -> None:
    """Scrapy's link length limit drops such a link with an INFO line; here it is recorded."""
    url = poisoned.url(poison_site.LONG_URL_PATH)
    assert poisoned.site.served(poison_site.LONG_URL_PATH) == 0
    row = failure_of(poisoned, url)
    assert row.kind == "rejected"  # recorded, never retried: the same URL would fail again
    assert len(row.url) == 2048 and f"URL of {len(url)} characters" in row.reason


def test_an_article_with_an_overlong_url_is_a_failure_of_that_item_alone(
    poisoned: Poisoned,
) -> None:
    """Reached by a redirect, the page is fetched; the store refuses only its article."""
    url = poisoned.url(poison_site.LONG_TARGET_PATH)
    assert poisoned.site.served(poison_site.LONG_TARGET_PATH) == 1
    assert key(url) not in poisoned.stored
    row = failure_of(poisoned, url)
    assert row.kind == "rejected"
    assert f"URL of {len(url)} characters (the column holds 2048)" in row.reason


def test_an_attachment_with_an_overlong_url_is_left_out_and_recorded(poisoned: Poisoned) -> None:
    article = poisoned.stored[key(poisoned.url("/a/attachment.html"))]
    engine = make_engine(poisoned.database_url)
    try:
        with engine.connect() as conn:
            attachments = conn.execute(
                select(AttachmentRow.url).where(AttachmentRow.article_id == article.id)
            ).all()
    finally:
        engine.dispose()
    assert attachments == []
    row = failure_of(poisoned, poisoned.url(poison_site.LONG_ATTACHMENT))
    assert row.kind == "rejected" and "attachment URL" in row.reason


def test_an_unclosed_embed_keeps_the_body_after_it(poisoned: Poisoned) -> None:
    row = poisoned.stored[key(poisoned.url("/a/embed.html"))]
    for paragraph in poisoned.built.notices["/a/embed.html"].paragraphs[1:]:
        assert paragraph in row.body_text, row.body_text
    assert "body cut short" not in poisoned.crawl.stderr


def test_a_same_site_redirect_on_a_url_with_a_port_is_followed(poisoned: Poisoned) -> None:
    assert poisoned.site.served("/a/moved.html") == 1
    row = poisoned.stored.get(key(poisoned.url("/a/moved.html")))
    assert row is not None, poisoned.failed.get(key(poisoned.url("/r/moved.html")))
    assert row.title == poisoned.built.notices["/a/moved.html"].title
    assert key(poisoned.url("/r/moved.html")) not in poisoned.failed


def test_a_redirect_loop_is_reported_as_a_loop(poisoned: Poisoned) -> None:
    rows = [r for k, r in poisoned.failed.items() if "/r/loop-" in k]
    assert len(rows) == 1
    assert "redirect loop" in rows[0].reason, rows[0].reason


def test_a_meta_refresh_to_another_site_is_a_recorded_failure(poisoned: Poisoned) -> None:
    row = poisoned.failed.get(key(poisoned.url("/r/refresh.html")))
    assert row is not None, sorted(poisoned.failed)
    assert "off-site" in row.reason
    assert poisoned.offsite.paths() == []


# --- crawler db replay -----------------------------------------------------------------------


def spooled_item(url: str, n: int, **changes: Any) -> PolicyArticle:
    notice = numbered_notice(200 + n)
    values: dict[str, Any] = {
        "url": url,
        "site": "test_faulty",
        "title": notice.title,
        "publish_date": notice.published,
        "body_text": "\n".join(notice.paragraphs),
        "content_hash": f"{n:064d}",
        **changes,
    }
    return PolicyArticle(**values)


def test_replay_skips_and_records_lines_that_fail_on_data_and_drains(
    poisoned: Poisoned,
) -> None:
    """Lines that fail on their data at the head of the spool (spooled by an older version):
    the replay records them, stores the rest, and empties the spool; the next replay has
    nothing left to do."""
    tmp = poisoned.tmp
    base = "http://127.0.0.1:9/spooled"
    long_url = f"{base}/{'z' * 2100}.html"
    poison = [
        spooled_item(long_url, 0),
        spooled_item(f"{base}/bad-date.html", 1, publish_date="2024-02-30"),
        spooled_item(f"{base}/etag.html", 2, etag=poison_site.LONG_ETAG),
    ]
    valid = [spooled_item(f"{base}/{n}.html", n) for n in range(3, 8)]
    Spool(tmp / "spool").append("test_faulty", [*poison, *valid])

    first = run_cli("db", "replay", tmp=tmp, database_url=poisoned.database_url)
    assert "Traceback" not in first.stderr, first.stderr[-3000:]
    assert first.returncode == 1  # two items were not stored: said, once
    assert "replayed 6 spooled item(s)" in first.stdout, first.stdout + first.stderr
    assert "2 spooled item(s) not stored" in first.stderr
    stored = {key(row.url): row for row in stored_articles(poisoned.database_url)}
    for item in [*valid, poison[2]]:
        assert key(item.url) in stored, item.url
    assert stored[key(poison[2].url)].http_etag is None
    recorded = failures(poisoned.database_url)
    assert recorded[key(poison[1].url)].kind == "article"
    assert "ValueError" in recorded[key(poison[1].url)].reason
    assert [r.kind for r in recorded.values() if long_url.startswith(r.url)] == ["rejected"]
    assert list((tmp / "spool").glob("*.jsonl")) == []
    bad = [json.loads(line)["url"] for line in (tmp / "spool" / "test_faulty.jsonl.bad").open()]
    assert sorted(bad) == sorted([long_url, poison[1].url])

    second = run_cli("db", "replay", tmp=tmp, database_url=poisoned.database_url)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "replayed 0 spooled item(s)" in second.stdout
