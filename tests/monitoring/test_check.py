"""``crawler check``: every site's fixture passes the probe offline; a changed layout is reported
with the selector that stopped matching, exits non-zero, and a crawl of it still collects."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from scrapy.spiderloader import SpiderLoader
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.cli.common import project_settings
from crawler.db import make_engine
from crawler.db.models import Article, CrawlRun
from crawler.monitoring.check import SiteCheck, assess
from crawler.monitoring.reasons import fetch_reason, plain_reasons
from crawler.spiders.base import PolicySpider
from crawler.spiders.contract import SiteContract
from tests.support.commands import run_module
from tests.support.paths import FIXTURES

LOADER = SpiderLoader.from_settings(project_settings())
SPIDERS = sorted(LOADER.list())


def spider_class(name: str) -> type[PolicySpider]:
    cls: type[PolicySpider] = LOADER.load(name)
    return cls


@pytest.mark.parametrize("name", SPIDERS)
def test_every_spider_has_a_fixture_with_evidence_and_a_contract(name: str) -> None:
    folder = FIXTURES / name
    assert (folder / "responses.json").is_file(), f"{name}: no fixture folder {folder}"
    assert (folder / "expected.json").is_file(), f"{name}: no expected.json"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    evidence = re.search(r"^## Evidence\b(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert evidence, f"{name}: the fixture README has no '## Evidence' section"
    # every claim cites a dated source or says it is unverified
    assert re.search(r"\b20\d\d-\d\d(-\d\d)?\b", evidence.group(1)), f"{name}: evidence undated"
    cls = spider_class(name)
    assert isinstance(cls.__dict__.get("contract"), SiteContract), f"{name} declares no contract"


def run_check(*args: str, tmp: Path) -> tuple[int, list[dict[str, Any]]]:
    result = run_module(
        "crawler.cli", "check", "--json", "--log-file", str(tmp / "check.log"), *args, tmp=tmp
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return result.returncode, json.loads(result.stdout)


def test_every_site_passes_the_probe_on_its_fixtures(tmp_path: Path) -> None:
    code, checks = run_check("--replay", str(FIXTURES), tmp=tmp_path)
    not_ok = {c["spider"]: (c["verdict"], c["reasons"]) for c in checks if not c["healthy"]}
    assert not not_ok
    assert code == 0
    assert sorted(c["spider"] for c in checks) == SPIDERS
    for check in checks:
        assert check["list_pages"] >= 1 and check["links"] >= 1, check
        assert check["article_url"], check
        assert check["fields"] and all(check["fields"].values()), check
        assert check["newest_date"], check
    assert not (tmp_path / "policy.db").exists()  # the probe writes nothing to the database


def redesigned(name: str, tmp: Path) -> Path:
    """A copy of ``name``'s fixtures whose first list pages renamed every class and id the
    spider's list selector names (a redesign); returns the replay folder."""
    cls = spider_class(name)
    tokens = re.findall(r"[.#]([\w-]+)", cls.list_link_selector or "")
    assert tokens, cls.list_link_selector
    names = re.compile(rb"\b(?:" + b"|".join(re.escape(t.encode()) for t in tokens) + rb")\b")
    folder = tmp / "fixtures" / name
    shutil.copytree(FIXTURES / name, folder)
    manifest = json.loads((folder / "responses.json").read_text(encoding="utf-8"))
    starts = set(cls.start_urls)
    changed = 0
    for entry in manifest:
        if entry["url"] in starts and entry.get("file"):
            page = folder / entry["file"]
            body = page.read_bytes()
            new = names.sub(b"redesigned-2026", body)
            changed += new != body
            page.write_bytes(new)
    assert changed, f"{name}: no start list page names {tokens}"
    return folder.parent


def redesignable() -> str:
    """The first spider whose list selector names a class or id and that has a URL pattern."""
    for name in SPIDERS:
        cls = spider_class(name)
        if cls.article_url_pattern and re.search(r"[.#][\w-]+", cls.list_link_selector or ""):
            return name
    pytest.fail("no spider with a class/id list selector and an article URL pattern")


def test_a_changed_layout_is_reported_and_the_crawl_degrades_but_collects(tmp_path: Path) -> None:
    name = redesignable()
    replay = redesigned(name, tmp_path)
    code, [check] = run_check("--replay", str(replay), name, tmp=tmp_path / "check")
    assert code == 1
    assert check["verdict"] == "degraded"
    selector = spider_class(name).list_link_selector
    assert any(f"{selector!r} found nothing" in r for r in check["reasons"]), check["reasons"]
    assert check["article_url"]  # the generic detection still found the newest article

    crawl = run_module("crawler.cli", "run", "--replay", str(replay), name, tmp=tmp_path)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr[-3000:]
    expected = json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))
    engine = make_engine(f"sqlite:///{tmp_path / 'policy.db'}")
    with Session(engine) as session:
        stored = set(session.scalars(select(Article.url)))
        run = session.scalars(select(CrawlRun)).one()
    engine.dispose()
    first_page = {a["url"] for a in expected["articles"]} & stored
    assert first_page, "the degraded crawl stored nothing"
    assert run.status == "degraded"
    assert "degraded" in crawl.stdout


def test_an_unreachable_site_is_reported_in_plain_words() -> None:
    stats = {
        "fetch/failed_urls": [
            "https://www.gov.cn/zhengce/zuixin/ (CannotResolveHostError: DNS lookup failed: "
            "no results for hostname lookup: www.gov.cn.)",
            "https://www.gov.cn/robots.txt (CannotResolveHostError: DNS lookup failed: …)",
        ],
        "run/status": "failed",
    }
    check = assess("cn_gov", stats, [], SiteContract(), sections=1, today=None)
    assert check.verdict == "failed"
    assert check.reasons == ["network unreachable: DNS lookup failed for www.gov.cn"]


def test_a_blocked_site_and_its_reason() -> None:
    stats = {
        "blocked/count": 1,
        "blocked/urls": ["https://www.nhc.gov.cn/x/ (JavaScript challenge (HTTP 412))"],
        "list/pages": 0,
        "run/status": "blocked",
    }
    check = assess("cn_nhc", stats, [], SiteContract(), sections=1, today=None)
    assert check.verdict == "blocked"
    assert (
        check.reasons[0] == "blocked: JavaScript challenge (HTTP 412) at https://www.nhc.gov.cn/x/"
    )


def test_a_stale_site_is_not_healthy() -> None:
    import datetime as dt

    stats = {
        "list/pages": 1,
        "list/links": 20,
        "list/newest_date": "2026-09-01",
        "run/status": "ok",
    }
    item = type("A", (), {"url": "u", "title": "t", "publish_date": "2026-09-01", "body_text": "b"})
    contract = SiteContract(publishes_every_days=7)
    check: SiteCheck = assess("x", stats, [item()], contract, 1, dt.date(2026, 12, 7))
    assert check.age_days == 97
    assert check.verdict == "stale" and not check.healthy
    assert assess("x", stats, [item()], contract, 1, None).verdict == "ok"  # replay: not judged


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (
            "https://a.gov.cn/x (TimeoutError: User timeout caused connection failure.)",
            "timed out waiting for a.gov.cn",
        ),
        (
            "https://a.gov.cn/x (HTTP 404)",
            "HTTP 404 at https://a.gov.cn/x: the page is gone (moved?)",
        ),
        (
            "https://a.gov.cn/x (ConnectionRefusedError: Connection was refused)",
            "connection refused by a.gov.cn",
        ),
    ],
)
def test_fetch_reasons_in_plain_words(entry: str, words: str) -> None:
    assert fetch_reason(entry) == words


def test_reasons_are_capped() -> None:
    stats = {"list/empty_urls": [f"https://a.gov.cn/{i}" for i in range(9)]}
    reasons = plain_reasons(stats, limit=3)
    assert len(reasons) == 3 and reasons[-1] == "… and 7 more"


def test_failure_counts_are_of_pages_not_of_retries_and_robots_files() -> None:
    from crawler.monitoring.health import Thresholds, run_problems

    # two list pages, each tried 4 times, and robots.txt tried 4 times: all failed (offline)
    stats = {
        "downloader/request_count": 12,
        "retry/count": 9,
        "robotstxt/request_count": 1,
        "fetch/failed": 2,
    }
    [problem] = run_problems(stats, "finished", Thresholds())
    assert problem.message == "2 of 2 pages could not be fetched or were not articles"
