"""``crawler run`` and ``crawler check`` say which sites need the browser and whether it got
through; without Chromium, the sites that need it are reported as *needs a browser* with the
install line, and the others run as usual. Replayed fixtures never need the browser."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.spiders.sh_edu import ShEduSpider
from tests.browser.helpers import run_cli
from tests.browser.site import GUARDED_ITEMS, JS_ITEMS, PLAIN_ITEMS, BrowserSite
from tests.support.paths import FIXTURES

NO_CHROMIUM = "/nonexistent/chromium"


def test_without_chromium_a_site_that_needs_it_is_reported_and_the_others_run(
    site: BrowserSite, tmp_path: Path
) -> None:
    js_list = site.url("/js-list/")
    env = {
        "CHROMIUM_PATH": NO_CHROMIUM,
        "BROWSER_TEST_START_URLS": js_list,
        "BROWSER_TEST_RENDER": js_list,
        "BROWSER_TEST_PLAIN_URLS": site.url("/plain/"),
    }
    result = run_cli(tmp_path, "run", "test_browser", "test_browser_plain", env=env)
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    needing = lines["test_browser"]
    assert "failed" in needing
    assert "needs a browser" in needing and "apt-get install chromium" in needing, needing
    plain = lines["test_browser_plain"]
    assert plain.split()[1] in ("ok", "warning") and plain.split()[2] == str(PLAIN_ITEMS), plain
    assert not any(s.from_browser for s in site.requests())
    assert not site.requests("/js-list/")  # not even asked for without the browser


def test_check_reports_whether_the_browser_was_needed_and_got_through(
    site: BrowserSite, tmp_path: Path
) -> None:
    js_list, guarded = site.url("/js-list/"), site.url("/guarded/")
    env = {
        "BROWSER_TEST_START_URLS": f"{js_list},{guarded}",
        "BROWSER_TEST_RENDER": js_list,
        "BROWSER_TEST_PLAIN_URLS": site.url("/plain/"),
    }
    result = run_cli(tmp_path, "check", "--json", "test_browser", "test_browser_plain", env=env)
    checks = {c["spider"]: c for c in json.loads(result.stdout)}
    needing, plain = checks["test_browser"], checks["test_browser_plain"]
    assert needing["browser_needed"] is True
    assert needing["browser_through"] is True, needing
    assert "rendering lists" in needing["browser"]
    assert "1 JavaScript challenge(s)" in needing["browser"]
    assert "got through" in needing["browser"] and "1 challenge(s) passed" in needing["browser"]
    assert needing["links"] == JS_ITEMS + GUARDED_ITEMS  # both lists read in full
    assert plain["browser_needed"] is False and plain["browser"] == "not needed"

    env["CHROMIUM_PATH"] = NO_CHROMIUM
    result = run_cli(tmp_path, "check", "test_browser", env=env)
    assert result.returncode == 1
    assert "browser: needed (rendering lists" in result.stdout, result.stdout
    assert "not available: Chromium not found" in result.stdout
    assert "! needs a browser: Chromium not found" in result.stdout
    assert "apt-get install chromium" in result.stdout


def test_sh_edu_renders_its_lists_and_its_fixtures_answer_without_a_browser(
    tmp_path: Path,
) -> None:
    spider = ShEduSpider()
    for url in ShEduSpider.start_urls:
        meta = spider.list_request(url, page=1).meta
        assert meta["playwright"] is True
        assert meta["pc_wait_for"] == "ul#listContent > li > a"
    assert "playwright" not in spider.article_request(ShEduSpider.start_urls[0]).meta

    # offline: the replay fixtures answer the rendered requests, so no browser is needed
    result = run_cli(
        tmp_path,
        "check",
        "--json",
        "--replay",
        str(FIXTURES),
        "sh_edu",
        env={"SCRAPY_SETTINGS_MODULE": "crawler.settings", "CHROMIUM_PATH": NO_CHROMIUM},
    )
    [check] = json.loads(result.stdout)
    assert check["verdict"] == "ok", check
    assert check["browser_needed"] is True
    assert "answered from the replay fixtures" in check["browser"]
    assert check["links"] >= 2
