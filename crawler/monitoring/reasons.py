"""Why a site failed, in words a person can act on, from a run's stats.

The spiders remember the first failed URLs with a technical reason (``fetch/failed_urls``: ``URL
(DNSLookupError: …)``, ``blocked/urls``, ``list/empty_urls``, ``list/degraded_selectors``); these
functions turn them into sentences such as "network unreachable: DNS lookup failed for
www.gov.cn" or "blocked: HTTP 412 JavaScript challenge at …".
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
