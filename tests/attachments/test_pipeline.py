"""Attachments through the whole crawl, on a local site, on SQLite and PostgreSQL: downloaded
after their articles through Scrapy's machinery (robots.txt, the off-site filter, the size cap),
stored once per content, read in bounded workers; hostile files and dead links recorded with
their reasons without failing the run or any article; a second run downloads nothing; the
search finds a word that occurs only inside an attachment and names the file."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crawler.db import make_engine
from tests.attachments import samples
from tests.reliability.helpers import run_crawl
from tests.reliability.sites import Answer, LocalSite, html_answer, list_page, numbered_notice
from tests.support.commands import run_cli
from tests.support.databases import postgres_database

MARKER = "附件独有词甲乙丙"
"""A word that occurs only in good.pdf, never in a page."""
SHARED = samples.docx(["两篇文章共用的同一个附件", "托育机构备案表"])

FILES: dict[str, tuple[bytes, str]] = {
    "/f/good.pdf": (samples.pdf([["托育服务实施方案", f"检索用词：{MARKER}"]]), "application/pdf"),
    "/f/shared.docx": (SHARED, "application/octet-stream"),
    "/f/list.xlsx": (
        samples.xlsx({"名单": [["序号", "名称"], [1, "阳光托育园"]]}),
        "application/vnd.ms-excel",
    ),
    "/f/doc.ofd": (samples.ofd([["版式文档正文", "国办发〔2024〕52号"]]), "application/ofd"),
    "/f/pack.zip": (
        samples.zip_archive({"说明.docx": samples.docx(["压缩包里的说明"])}),
        "application/zip",
    ),
    "/f/bomb.zip": (samples.zip_bomb(64 * 1024 * 1024), "application/zip"),
    "/f/truncated.pdf": (samples.pdf([["托育"] * 30] * 3)[:1500], "application/pdf"),
    "/f/wrong.docx": (samples.pdf([["扩展名是docx的PDF"]]), "application/octet-stream"),
    "/f/encrypted.pdf": (samples.pdf([["加密"]], user_password="secret"), "application/pdf"),
    "/f/big.pdf": (samples.pdf([["大文件"] * 40] * 200), "application/pdf"),
    "/f2/shared-copy.docx": (SHARED, "application/octet-stream"),
}
DEAD = "/f/missing.pdf"
PRIVATE = "/private/secret.pdf"
SETTINGS = {
    "ATTACHMENTS_MAX_FILE_SIZE": "100000",
    "ATTACHMENTS_MAX_UNPACKED": str(16 * 1024 * 1024),
}


def _links(paths: list[str]) -> str:
    return "".join(
        f'<p>附件{n}：<a href="{p}">{Path(p).name}</a></p>' for n, p in enumerate(paths, 1)
    )


@dataclass
class Crawled:
    url: str
    tmp: Path
    site: LocalSite
    first: Any
    second: Any
    offsite: str


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def crawled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawled]:
    """Two crawls of the site, once per database, which every test of the module reads (none of
    them changes the site or the database)."""
    tmp_path = tmp_path_factory.mktemp(f"attachments-{request.param}")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            database_url = f"sqlite:///{tmp_path / 'policy.db'}"
        else:
            admin = request.getfixturevalue("postgres_server")
            database_url = stack.enter_context(postgres_database(admin))
        site, offsite = LocalSite(), LocalSite()
        stack.callback(site.close)
        stack.callback(offsite.close)
        yield crawl_twice(tmp_path, database_url, site, offsite)


def crawl_twice(tmp_path: Path, database_url: str, site: LocalSite, offsite: LocalSite) -> Crawled:
    site.set("/robots.txt", Answer(body=b"User-agent: *\nDisallow: /private/\n"))
    for path, (data, ctype) in FILES.items():
        site.set(path, Answer(body=data, headers={"Content-Type": ctype}))
    site.set(PRIVATE, Answer(body=samples.pdf([["不应下载"]])))
    offsite_url = offsite.url("/f/elsewhere.pdf", host="localhost")
    offsite.set("/f/elsewhere.pdf", Answer(body=samples.pdf([["别的网站"]])))
    first_paths = [p for p in FILES if not p.startswith("/f2/")] + [DEAD, PRIVATE]
    one, two = numbered_notice(1), numbered_notice(2)
    site.set("/a/1.html", html_answer(one.html(extra_body=_links(first_paths))))
    site.set(
        "/a/2.html",
        html_answer(two.html(extra_body=_links(["/f2/shared-copy.docx", offsite_url]))),
    )
    site.set(
        "/list.html", html_answer(list_page([("/a/1.html", one.title), ("/a/2.html", two.title)]))
    )
    start = site.url("/list.html")
    first = run_crawl(
        tmp_path, database_url, start, SETTINGS, env={"FILES_STORE": str(tmp_path / "files")}
    )
    second = run_crawl(
        tmp_path, database_url, start, SETTINGS, env={"FILES_STORE": str(tmp_path / "files")}
    )
    return Crawled(database_url, tmp_path, site, first, second, offsite_url)


def _rows(url: str, sql: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)))
    finally:
        engine.dispose()


def test_attachments_are_downloaded_stored_once_and_read(crawled: Crawled) -> None:
    assert crawled.first.returncode == 0, crawled.first.stderr[-4000:]
    base = crawled.site.url("")
    urls = {r.url.removeprefix(base): r for r in _rows(crawled.url, "SELECT * FROM file_urls")}
    files = {r.sha256: r for r in _rows(crawled.url, "SELECT * FROM files")}

    def file_of(path: str) -> Any:
        return files[urls[path].sha256]

    assert file_of("/f/good.pdf").status == "ok"
    assert MARKER in file_of("/f/good.pdf").text
    assert file_of("/f/good.pdf").media_type == "application/pdf"
    assert file_of("/f/good.pdf").page_count == 1
    assert file_of("/f/list.xlsx").text == "名单\n序号\t名称\n1\t阳光托育园"
    assert file_of("/f/doc.ofd").text == "版式文档正文\n国办发〔2024〕52号"
    assert "压缩包里的说明" in file_of("/f/pack.zip").text
    # read by its bytes: a PDF behind a .docx link
    assert (file_of("/f/wrong.docx").status, file_of("/f/wrong.docx").media_type) == (
        "ok",
        "application/pdf",
    )
    # hostile files: recorded with their reasons
    assert file_of("/f/bomb.zip").status == "failed"
    assert "zip bomb" in file_of("/f/bomb.zip").reason
    assert file_of("/f/truncated.pdf").status == "failed"
    assert file_of("/f/encrypted.pdf").status == "encrypted"
    # the same file under two URLs (two articles): one row, one file in FILES_STORE
    assert urls["/f/shared.docx"].sha256 == urls["/f2/shared-copy.docx"].sha256
    stored = [p for p in (crawled.tmp / "files").rglob("*") if p.is_file()]
    assert len(stored) == len(files) == len(set(FILES.values())) - 1  # big.pdf is not stored
    shared = file_of("/f/shared.docx")
    assert (crawled.tmp / "files" / shared.path).read_bytes() == SHARED
    assert shared.path.endswith(f"{shared.sha256}.docx")
    # not fetched: with the reason, to be retried
    assert (urls[DEAD].status, urls[DEAD].reason) == ("failed", "HTTP 404")
    assert urls[PRIVATE].status == "skipped" and "robots" in urls[PRIVATE].reason.lower()
    assert crawled.site.served(PRIVATE) == 0
    offsite = urls[crawled.offsite]
    assert offsite.status == "skipped" and "offsite" in offsite.reason.lower()
    assert urls["/f/big.pdf"].status == "skipped" and "larger than" in urls["/f/big.pdf"].reason
    assert all(r.next_retry_at is not None for r in urls.values() if r.status != "stored")


def test_the_run_and_its_articles_are_not_failed_by_attachments(crawled: Crawled) -> None:
    runs = _rows(crawled.url, "SELECT status, problems, stats FROM crawl_runs ORDER BY id")
    assert [r.status for r in runs] == ["ok", "ok"], [r.problems for r in runs]
    stats = runs[0].stats if isinstance(runs[0].stats, dict) else json.loads(runs[0].stats)
    assert stats["attachments/requested"] == len(FILES) + 3  # + dead, private, off-site
    assert stats["attachments/failed"] == 1
    assert stats["attachments/skipped"] == 3
    articles = _rows(crawled.url, "SELECT url FROM articles")
    assert len(articles) == 2


def test_a_second_run_downloads_nothing(crawled: Crawled) -> None:
    assert crawled.second.returncode == 0, crawled.second.stderr[-4000:]
    for path in FILES:
        assert crawled.site.served(path) == 1, path
    assert crawled.site.served(DEAD) == 1  # failed: retried after the backoff, not now
    runs = _rows(crawled.url, "SELECT stats FROM crawl_runs ORDER BY id")
    stats = runs[1].stats if isinstance(runs[1].stats, dict) else json.loads(runs[1].stats)
    assert "attachments/requested" not in stats


def test_the_search_finds_a_word_only_an_attachment_holds(crawled: Crawled) -> None:
    articles = _rows(crawled.url, "SELECT body_text FROM articles")
    assert all(MARKER not in (r.body_text or "") for r in articles)
    found = run_cli("search", MARKER, "--json", tmp=crawled.tmp, database_url=crawled.url)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert [h["url"] for h in hits] == [crawled.site.url("/a/1.html")]
    assert [a["name"] for a in hits[0]["attachments"]] == ["good.pdf"]
    assert MARKER in hits[0]["snippet"]
