"""Why a site failed, in words a person can act on, from a run's stats.

The spiders remember the first failed URLs with a technical reason (``fetch/failed_urls``: ``URL
(DNSLookupError: …)``, ``blocked/urls``, ``list/empty_urls``, ``list/degraded_selectors``); these
functions turn them into sentences such as "network unreachable: DNS lookup failed for
www.gov.cn" or "blocked: HTTP 412 JavaScript challenge at …". :func:`browser_use` says whether
a run needed the browser (:mod:`crawler.middlewares.browser`) and whether it got through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

_REMEMBERED = re.compile(r"^(?P<url>\S+) \((?P<reason>.*)\)$", re.S)

_NETWORK = (
    ("DNS lookup failed", "network unreachable: DNS lookup failed for {host}"),
    ("DNSLookupError", "network unreachable: DNS lookup failed for {host}"),
    ("CannotResolveHostError", "network unreachable: DNS lookup failed for {host}"),
    ("ConnectionRefusedError", "connection refused by {host}"),
    ("TCPTimedOutError", "timed out connecting to {host}"),
    ("TimeoutError", "timed out waiting for {host}"),
    ("ConnectionLost", "{host} closed the connection"),
    ("ConnectError", "could not connect to {host}"),
    ("SSLError", "TLS handshake with {host} failed"),
    ("ResponseNeverReceived", "no response from {host}"),
    ("NoRouteError", "network unreachable: no route to {host}"),
)
_HTTP_HINTS = {
    "404": "the page is gone (moved?)",
    "403": "forbidden (blocked?)",
    "410": "the page is gone",
    "500": "server error",
    "502": "bad gateway",
    "503": "service unavailable",
}


def _split(entry: str) -> tuple[str, str]:
    match = _REMEMBERED.match(entry)
    return (match["url"], match["reason"]) if match else (entry, "")


def fetch_reason(entry: str) -> str:
    """A ``fetch/failed_urls`` entry (``URL (reason)``) in plain words."""
    url, reason = _split(entry)
    host = urlsplit(url).hostname or url
    if reason.startswith("BrowserMissing: "):
        return reason.removeprefix("BrowserMissing: ")  # "needs a browser: … apt-get install …"
    if reason.startswith("BrowserTimeoutError"):
        return f"the browser timed out loading {url}"
    for marker, words in _NETWORK:
        if marker in reason:
            return words.format(host=host)
    http = re.match(r"HTTP (\d{3})", reason)
    if http:
        code = http.group(1)
        hint = _HTTP_HINTS.get(code)
        return f"HTTP {code} at {url}" + (f": {hint}" if hint else "")
    if "robots.txt" in reason:
        return f"robots.txt forbids {url}"
    return f"could not fetch {url}: {reason or 'unknown error'}"


def blocked_reason(entry: str) -> str:
    url, reason = _split(entry)
    return f"blocked: {reason or 'anti-bot page'} at {url}"


def plain_reasons(stats: Mapping[str, Any], limit: int = 5) -> list[str]:
    """The distinct reasons a run went wrong, most telling first, at most ``limit``."""
    reasons: list[str] = []
    if stats.get("browser/missing"):
        reasons.append(f"needs a browser: {stats['browser/missing']}")
    reasons.extend(blocked_reason(e) for e in stats.get("blocked/urls") or [])
    reasons.extend(fetch_reason(e) for e in stats.get("fetch/failed_urls") or [])
    reasons.extend(
        f"list selector {what}; the generic list detection stood in (degraded)"
        for what in stats.get("list/degraded_selectors") or []
    )
    reasons.extend(
        f"list page {url} yielded no article link: its layout changed?"
        for url in stats.get("list/empty_urls") or []
    )
    reasons.extend(
        f"not an article page: {url}" for url in stats.get("article/not_article_urls") or []
    )
    unique = list(dict.fromkeys(reasons))
    if len(unique) > limit:
        return [*unique[: limit - 1], f"… and {len(unique) - limit + 1} more"]
    return unique


def _count(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def browser_use(stats: Mapping[str, Any]) -> tuple[bool, bool | None, str]:
    """Whether a run needed the browser, whether it got through (None: not tried), and both in
    words: ``not needed``; ``needed (rendering lists): got through, 3 page(s)``; ``needed
    (1 JavaScript challenge): did not get through``; ``needed (...): not available: …``."""
    render = _count(stats, "browser/needed/render")
    challenges = _count(stats, "browser/challenges")
    if not render and not challenges:
        return False, None, "not needed"
    why = ", ".join(
        [
            *(["rendering lists"] if render else []),
            *([f"{challenges} JavaScript challenge(s)"] if challenges else []),
        ]
    )
    pages = _count(stats, "browser/pages")
    passed = _count(stats, "browser/challenges/passed")
    failed = _count(stats, "browser/challenges/failed")
    timeouts = _count(stats, "browser/timeouts")
    missing = stats.get("browser/missing")
    if missing:
        return True, False, f"needed ({why}): not available: {missing}"
    if not pages:
        if stats.get("replay/hit"):
            return True, None, f"needed ({why}): answered from the replay fixtures, not started"
        return True, False, f"needed ({why}): not started (see the log)"
    done = [f"{pages} page(s)"]
    if passed:
        done.append(f"{passed} challenge(s) passed")
    if failed:
        done.append(f"{failed} challenge(s) not passed")
    if timeouts:
        done.append(f"{timeouts} page(s) timed out")
    through = not failed and not timeouts and (passed > 0 or not challenges)
    verdict = "got through" if through else "did not get through"
    return True, through, f"needed ({why}): {verdict}, {', '.join(done)}"
