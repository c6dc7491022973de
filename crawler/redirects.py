"""Redirects that go nowhere good are failures with a reason, not silent drops.

Scrapy's own redirect middleware hands a redirect loop to the duplicate filter and an off-site
target to the offsite filter, both of which drop the request without calling its errback: the
article would vanish without a trace. This subclass refuses both with ``IgnoreRequest``, so the
spider's errback records them in the failures table.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.url import url_is_from_any_domain

from crawler.urls import canonical_url


class CheckedRedirectMiddleware(RedirectMiddleware):
    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        earlier = [*request.meta.get("redirect_urls", []), request.url]
        if canonical_url(redirected.url) in {canonical_url(u) for u in earlier}:
            raise IgnoreRequest(f"redirect loop back to {redirected.url}")
        spider = self.crawler.spider
        allowed = [d for d in getattr(spider, "allowed_domains", None) or [] if d]
        if allowed and not url_is_from_any_domain(redirected.url, allowed):
            raise IgnoreRequest(f"redirect off-site to {urlsplit(redirected.url).netloc}")
        result: Request = super()._redirect(redirected, request, reason)
        return result
