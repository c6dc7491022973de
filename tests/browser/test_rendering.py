"""Lists filled in by JavaScript are read in the real Chromium; everything else stays plain
Scrapy, and a crawl that needs no browser never starts (or even imports) one."""

from __future__ import annotations

from pathlib import Path

from tests.browser.helpers import crawl
from tests.browser.site import JS_ITEMS, PLAIN_ITEMS, BrowserSite


def test_a_list_filled_by_javascript_yields_every_item(site: BrowserSite, tmp_path: Path) -> None:
    js_list, plain = site.url("/js-list/"), site.url("/plain/")
    result = crawl(tmp_path, [js_list, plain], render=[js_list])
    assert result.process.returncode == 0, result.log()[-3000:]

    stored = result.urls()
    js_articles = {site.url(f"/js-list/a{n}.html") for n in range(1, JS_ITEMS + 1)}
    plain_articles = {site.url(f"/plain/a{n}.html") for n in range(1, PLAIN_ITEMS + 1)}
    assert js_articles <= stored  # the list's HTML holds none of them: the script wrote them all
    assert plain_articles <= stored
    stats = result.stats
    assert stats["list/links"] == JS_ITEMS + PLAIN_ITEMS
    assert stats["browser/pages"] == 1
    assert stats["browser/launches"] == 1

    # the section that asked for it went through the browser (which ran the page's XHR); the
    # other section and every article page were plain Scrapy requests
    assert [s.from_browser for s in site.requests("/js-list/items.json")] == [True]
    assert all(s.from_browser for s in site.requests("/js-list/") if s.path == "/js-list/")
    assert not any(s.from_browser for s in site.requests("/plain/"))
    articles = [s for s in site.requests() if s.path.endswith(".html")]
    assert len(articles) == JS_ITEMS + PLAIN_ITEMS
    assert not any(s.from_browser for s in articles)


def test_a_crawl_that_needs_no_browser_never_starts_one(site: BrowserSite, tmp_path: Path) -> None:
    result = crawl(tmp_path, [site.url("/plain/")])
    assert result.process.returncode == 0, result.log()[-3000:]
    assert len(result.urls()) == PLAIN_ITEMS
    assert not any(s.from_browser for s in site.requests())
    # not even imported: the download handler loads scrapy-playwright on the first page that
    # needs it
    assert result.probe == {"imported": []}
    assert not any(key.startswith("browser/") for key in result.stats)
    assert "Browser: Chromium" not in result.log()


def test_a_page_that_never_finishes_loading_times_out_and_the_crawl_finishes(
    site: BrowserSite, tmp_path: Path
) -> None:
    hang, plain = site.url("/hang/"), site.url("/plain/")
    result = crawl(tmp_path, [hang, plain], render=[hang], settings={"BROWSER_PAGE_TIMEOUT": "3"})

    # the hanging server would hold the page for two minutes; the page timeout ends it
    assert result.seconds < 60, result.log()[-3000:]
    assert result.process.returncode == 1  # a list page failed: the run failed, and says so
    failure = result.failures()[hang]
    assert failure.reason.startswith("BrowserTimeoutError"), failure.reason
    assert "did not load within 3 s" in failure.reason
    assert len(result.urls()) == PLAIN_ITEMS  # the rest of the crawl went on
    assert result.stats["browser/timeouts"] == 1
    assert [s.from_browser for s in site.requests("/hang/")] == [True]


def test_pages_open_at_once_and_browser_restarts_are_bounded(
    site: BrowserSite, tmp_path: Path
) -> None:
    lists = [site.url(f"/js-list/?copy={n}") for n in range(1, 5)]
    result = crawl(
        tmp_path,
        lists,
        render=[site.url("/js-list/")],
        settings={"BROWSER_MAX_PAGES": "1", "BROWSER_RESTART_PAGES": "2"},
    )
    assert result.process.returncode == 0, result.log()[-3000:]
    stats = result.stats
    assert stats["browser/pages"] == 4
    assert stats["browser/open_pages_max"] == 1  # four list requests at once, one page open
    assert stats["browser/restarts/pages"] == 2  # after the second page and after the fourth
    assert stats["browser/launches"] == 2


def test_the_browser_is_restarted_above_its_memory_cap(site: BrowserSite, tmp_path: Path) -> None:
    lists = [site.url(f"/js-list/?copy={n}") for n in range(1, 3)]
    result = crawl(
        tmp_path,
        lists,
        render=[site.url("/js-list/")],
        settings={"BROWSER_MAX_PAGES": "1", "BROWSER_MAX_MEMORY_MB": "1"},
    )
    assert result.process.returncode == 0, result.log()[-3000:]
    stats = result.stats
    assert stats["browser/memory_peak_mb"] > 1
    assert stats["browser/restarts/memory"] == 2
    assert stats["browser/launches"] == 2
    assert "above BROWSER_MAX_MEMORY_MB" in result.log()
