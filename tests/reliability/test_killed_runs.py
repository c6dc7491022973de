"""Issue 25: a run killed mid-crawl (SIGKILL) leaves its ``crawl_runs`` row ``running``; the next
run of the site closes it as ``killed``, with the time it was last seen, and says so; on SQLite
and PostgreSQL. And the command-line errors of a crash-prone setup are plain usage errors."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.db import make_engine
from crawler.db.models import CrawlRun
from tests.reliability.helpers import crawl_command, run_crawl, stored_articles
from tests.reliability.sites import Answer, LocalSite, html_answer, list_page, numbered_notice
from tests.support.commands import command_env, run_cli, run_module
from tests.support.paths import ROOT

ARTICLES = 30
SETTINGS = {"ROBOTSTXT_OBEY": "False", "STORAGE_BATCH_SIZE": "2"}


def runs(database_url: str) -> list[CrawlRun]:
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    finally:
        engine.dispose()


def stored(database_url: str) -> int:
    try:
        return len(stored_articles(database_url))
    except SQLAlchemyError:  # the tables are not made yet
        return 0


def slow_site(site: LocalSite) -> None:
    links = []
    for n in range(ARTICLES):
        answer = html_answer(numbered_notice(n).html())
        site.set(f"/a/{n}.html", Answer(answer.status, answer.body, answer.headers, delay=0.2))
        links.append((f"/a/{n}.html", numbered_notice(n).title))
    site.set("/list.html", html_answer(list_page(links)))


def test_a_killed_runs_row_is_closed_by_the_next_run(
    database_url: str, site: LocalSite, tmp_path: Path
) -> None:
    slow_site(site)
    crawl = subprocess.Popen(
        crawl_command(site.url("/list.html"), {**SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}),
        cwd=ROOT,
        env=command_env(tmp_path, database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and crawl.poll() is None:
            if sum(p.startswith("/a/") for p in site.paths()) >= 8 and stored(database_url) >= 4:
                break
            time.sleep(0.05)
        crawl.send_signal(signal.SIGKILL)
    finally:
        crawl.wait()
    assert crawl.returncode == -signal.SIGKILL
    [killed] = runs(database_url)
    assert (killed.status, killed.finished_at) == ("running", None)  # what the kill left

    result = run_crawl(tmp_path, database_url, site.url("/list.html"), SETTINGS, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = runs(database_url)
    assert first.id == killed.id
    assert (first.status, first.finish_reason) == ("killed", "killed")
    # finished_at: when it was last seen at work (its last article stored), not the next start
    assert first.finished_at is not None
    assert first.started_at < first.finished_at < second.started_at
    assert any("never finished" in p for p in first.problems)
    assert second.status == "warning"
    assert any("an earlier run was killed" in p for p in second.problems), second.problems
    assert "never finished: paging every list to its end" in result.stderr
    status = run_cli("status", tmp=tmp_path, database_url=database_url)
    assert "wK" in status.stdout, status.stdout


def test_a_lock_file_in_a_folder_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    lock = Path("/proc") / f"pc-lock-{uuid.uuid4().hex[:8]}" / "crawler.lock"
    result = run_module("crawler.cli", "run", "sh_edu", tmp=tmp_path, LOCK_FILE=str(lock))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"crawler run: cannot use LOCK_FILE {lock}" in result.stderr


def test_crawler_extract_refuses_a_file_larger_than_the_download_cap(tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    with page.open("wb") as fh:  # 20 MiB + 1 byte: one more than DOWNLOAD_MAXSIZE
        fh.write(b"<html><body><p>" + b"\xe6\x96\x87" * (20 * 1024 * 1024 // 3) + b"</p>")
        fh.write(b"<p>" * (20 * 1024 * 1024 + 1 - fh.tell()))
    result = run_module("crawler.cli", "extract", str(page), tmp=tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "larger than DOWNLOAD_MAXSIZE (20971520 bytes)" in result.stderr
    assert result.stdout == ""
