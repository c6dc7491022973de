"""Issue 8.3: a crawl killed with SIGKILL mid-way and restarted ends with every article stored
exactly once.

One crawl (250 articles on 2 list pages, slowed slightly) is killed once per
module after about 80 article requests; each test restarts it from a copy of what the kill left
(the SQLite database, the job folder, the spool) in its own way.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.helpers import crawl_command, key, run_crawl, stored_articles
from tests.reliability.sites import Answer, LocalSite, html_answer, list_page, numbered_notice
from tests.support.commands import command_env
from tests.support.paths import ROOT

ARTICLES = 250
PER_PAGE = 125
KILL_AFTER = 80
"""Article requests served before the SIGKILL."""
SETTINGS = {"ROBOTSTXT_OBEY": "False", "STORAGE_BATCH_SIZE": "25"}


@dataclass
class Killed:
    site: LocalSite
    snapshot: Path
    urls: list[str]
    stored_at_kill: int
    served_at_kill: int

    def restore(self, tmp: Path) -> Path:
        """A copy of the state the kill left; the run folder."""
        run = tmp / "run"
        shutil.copytree(self.snapshot, run)
        return run


def database(run: Path) -> str:
    return f"sqlite:///{run / 'policy.db'}"


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Killed]:
    site = LocalSite()
    try:
        urls = []
        for n in range(ARTICLES):
            path = f"/a/{n}.html"
            answer = html_answer(numbered_notice(n).html())
            site.set(path, Answer(answer.status, answer.body, answer.headers, delay=0.02))
            urls.append(site.url(path))
        pages = ARTICLES // PER_PAGE
        for page in range(pages):
            numbers = range(page * PER_PAGE, (page + 1) * PER_PAGE)
            links = [(f"/a/{n}.html", numbered_notice(n).title) for n in numbers]
            next_href = f"/list_{page + 1}.html" if page + 1 < pages else None
            path = "/list.html" if page == 0 else f"/list_{page}.html"
            site.set(path, html_answer(list_page(links, next_href)))
        run = tmp_path_factory.mktemp("killed")
        crawl = subprocess.Popen(
            crawl_command(site.url("/list.html"), SETTINGS),
            cwd=ROOT,
            env=command_env(run, database(run)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and crawl.poll() is None:
                if sum(p.startswith("/a/") for p in site.paths()) >= KILL_AFTER:
                    break
                time.sleep(0.005)
            crawl.send_signal(signal.SIGKILL)
        finally:
            crawl.wait()
        served = sum(p.startswith("/a/") for p in site.paths())
        assert crawl.returncode == -signal.SIGKILL
        assert KILL_AFTER <= served < ARTICLES, f"the kill did not land mid-crawl ({served})"
        stored = len(stored_articles(database(run)))
        yield Killed(site, run, urls, stored, served)
    finally:
        site.close()


def assert_every_article_once(run: Path, urls: list[str]) -> None:
    keys = [key(a.url) for a in stored_articles(database(run))]
    duplicated = [k for k, n in Counter(keys).items() if n > 1]
    missing = {key(u) for u in urls} - set(keys)
    assert not duplicated, f"{len(duplicated)} article(s) stored twice"
    assert not missing, f"{len(missing)} of {len(urls)} article(s) never stored"


def test_the_kill_lands_mid_crawl(killed: Killed) -> None:
    assert KILL_AFTER <= killed.served_at_kill < ARTICLES
    assert killed.stored_at_kill < ARTICLES


def test_a_killed_crawl_restarted_as_usual_stores_every_article_once(
    killed: Killed, tmp_path: Path
) -> None:
    """The project's own state is the resume point: the database holds what was stored, and the
    unfinished run record makes the restart page every list to its end (``run/resumed``)."""
    run = killed.restore(tmp_path)
    result = run_crawl(run, database(run), killed.site.url("/list.html"), SETTINGS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "never finished: paging every list to its end" in result.stderr
    assert_every_article_once(run, killed.urls)


def test_a_killed_crawl_is_completed_by_a_backfill_run_without_duplicates(
    killed: Killed, tmp_path: Path
) -> None:
    run = killed.restore(tmp_path)
    result = run_crawl(
        run, database(run), killed.site.url("/list.html"), SETTINGS, args=["-a", "mode=backfill"]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert_every_article_once(run, killed.urls)
