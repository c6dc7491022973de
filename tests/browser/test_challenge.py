"""A JavaScript challenge (HTTP 412 whose script sets a cookie and reloads) is retried once in
the browser; the cookie it earns goes with the plain requests until it stops working, when the
browser is asked again; a challenge the browser cannot pass is *blocked*, with the reason."""

from __future__ import annotations

from pathlib import Path

from crawler.middlewares.browser import MAX_NAVIGATIONS
from tests.browser.helpers import crawl
from tests.browser.site import COOKIE, GUARDED_ITEMS, BrowserSite

ONE_AT_A_TIME = {"CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


def test_a_challenge_protected_site_is_crawled_end_to_end(
    site: BrowserSite, tmp_path: Path
) -> None:
    site.token_uses = 3  # the browser's reload, then two plain pages: then a new challenge
    guarded = site.url("/guarded/")
    result = crawl(tmp_path, [guarded], settings=ONE_AT_A_TIME)
    assert result.process.returncode == 0, result.log()[-3000:]

    articles = {site.url(f"/guarded/a{n}.html") for n in range(1, GUARDED_ITEMS + 1)}
    assert result.urls() == articles
    assert not result.failures()
    stats = result.stats
    assert stats["browser/challenges/passed"] == 2
    assert stats["browser/cookies_expired"] == 1
    assert "blocked/count" not in stats

    # the plain requests that got the pages carried the cookie the browser earned, and after
    # it stopped working, the one the browser earned next
    plain = [s for s in site.requests("/guarded/a") if not s.from_browser]
    tokens = [s.cookies.get(COOKIE) for s in plain]
    assert all(tokens), tokens
    assert len(set(tokens)) == 2, tokens
    # the browser was asked twice (a challenge page and its reload each time), no more
    assert sum(s.from_browser for s in site.requests("/guarded/")) == 4


def test_a_challenge_the_browser_cannot_pass_is_blocked_with_the_reason(
    site: BrowserSite, tmp_path: Path
) -> None:
    site.unsolvable = True  # its script sets a cookie the site never accepts
    guarded = site.url("/guarded/")
    result = crawl(tmp_path, [guarded], settings=ONE_AT_A_TIME)
    assert result.process.returncode == 1
    assert result.status == "blocked"
    assert not result.urls()
    reason = result.failures()[guarded].reason
    assert "JavaScript challenge (HTTP 412)" in reason, reason
    assert "the browser met it too" in reason, reason
    assert result.stats["browser/challenges/failed"] == 1
    # the page's reloads were cut off, not repeated against the site until the page timeout
    assert sum(s.from_browser for s in site.requests("/guarded/")) == MAX_NAVIGATIONS
    assert result.seconds < 60
