"""Redirects that go nowhere good are failures with a reason, not silent drops.

Scrapy's own redirect middlewares (HTTP ``Location`` and ``<meta http-equiv="refresh">``) hand a
redirect loop to the duplicate filter and an off-site target to the offsite filter, both of which
drop the request without calling its errback: the article would vanish without a trace. These
subclasses refuse both with ``IgnoreRequest``, so the spider's errback records them in the
failures table ("redirect loop back to …", "redirect off-site to …").

A target is on the site when its host name (without the port: ``127.0.0.1:18090`` is
``127.0.0.1``) is one of the spider's ``allowed_domains`` or a subdomain of one, as for Scrapy's
offsite filter. (Scrapy's ``url_is_from_any_domain`` compares the host *with* its port, so a
same-site redirect on a site served on a port of its own was refused as off-site.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.dedup.urls import canonical_url


def host_of(url: str) -> str:
    """The host name of ``url``, lower-cased, without port or credentials ('' if none)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def on_site(url: str, allowed_domains: list[str]) -> bool:
    """Whether ``url``'s host is one of ``allowed_domains`` or a subdomain of one, whatever its
    port."""
    host = host_of(url)
    domains = [host_of(f"//{d}") or d.lower() for d in allowed_domains]
    return bool(host) and any(host == d or host.endswith(f".{d}") for d in domains)


def check_redirect(crawler: Crawler, redirected: Request, request: Request) -> None:
    """Refuse a redirect back to a URL of the chain (a loop) or to another site."""
    earlier = [*request.meta.get("redirect_urls", []), request.url]
    if canonical_url(redirected.url) in {canonical_url(u) for u in earlier}:
        raise IgnoreRequest(f"redirect loop back to {redirected.url}")
    spider = crawler.spider
    allowed = [d for d in getattr(spider, "allowed_domains", None) or [] if d]
    if allowed and not on_site(redirected.url, allowed):
        raise IgnoreRequest(f"redirect off-site to {urlsplit(redirected.url).netloc}")


class CheckedRedirectMiddleware(RedirectMiddleware):
    """HTTP redirects (3xx ``Location``), loops and off-site targets refused with a reason."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        check_redirect(self.crawler, redirected, request)
        result: Request = super()._redirect(redirected, request, reason)
        return result


class CheckedMetaRefreshMiddleware(MetaRefreshMiddleware):
    """``<meta http-equiv="refresh" content="0;url=…">`` redirects, checked the same way."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        check_redirect(self.crawler, redirected, request)
        result: Request = super()._redirect(redirected, request, reason)
        return result
