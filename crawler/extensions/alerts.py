"""Alerts: a digest of new items and every health problem, through apprise.

apprise speaks e-mail (``mailto://``), WeCom/企业微信 (``wecombot://``), DingTalk (``dingtalk://``),
Feishu (``feishu://``), generic webhooks (``json://``, ``form://``) and dozens more; targets are
apprise URLs in the ``ALERT_URLS`` environment variable (space or comma separated). Alerts are off
when it is empty.

One alert per run: ``crawler run`` sends one digest for all its spiders; a plain ``scrapy crawl``
sends one for its spider (the :class:`AlertExtension`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.monitoring.health import RunStatus

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_ITEMS_LISTED = 30


@dataclass(slots=True)
class SiteReport:
    """What one spider's run has to say."""

    site: str
    status: str
    new: int = 0
    new_items: list[Sequence[str | None]] = field(default_factory=list)
    """(title, publish_date, url) of new items (the first few)."""
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_stats(cls, site: str, stats: dict[str, Any]) -> SiteReport:
        return cls(
            site=site,
            status=str(stats.get("run/status", RunStatus.FAILED)),
            new=int(stats.get("storage/new", 0) or 0),
            new_items=list(stats.get("storage/new_items") or []),
            problems=list(stats.get("run/problems") or []),
        )


def alert_urls(value: str | None) -> list[str]:
    """The apprise URLs of ``ALERT_URLS``; an invalid one fails at start, naming the setting."""
    urls = [u for u in re.split(r"[\s,]+", value or "") if u]
    if urls:
        import apprise

        for url in urls:
            if apprise.Apprise.instantiate(url) is None:
                raise ValueError(f"ALERT_URLS: {url.split('://', 1)[0]}://… is not a valid target")
    return urls


def compose(reports: Iterable[SiteReport]) -> tuple[str, str] | None:
    """(title, body) of the alert for these reports, or None when there is nothing to say."""
    reports = list(reports)
    new = sum(r.new for r in reports)
    troubled = [r for r in reports if r.problems]
    if not new and not troubled:
        return None
    lines: list[str] = []
    for report in troubled:
        lines.append(f"[{report.status}] {report.site}")
        lines.extend(f"  - {problem}" for problem in report.problems)
    if troubled and new:
        lines.append("")
    listed = 0
    for report in reports:
        if not report.new:
            continue
        lines.append(f"{report.site}: {report.new} new")
        for title, date, url in report.new_items:
            if listed >= MAX_ITEMS_LISTED:
                break
            lines.append(f"  - {date or '????-??-??'}  {title or '(no title)'}\n    {url}")
            listed += 1
    if new > listed:
        lines.append(f"… and {new - listed} more")
    parts = []
    if new:
        parts.append(f"{new} new item(s)")
    if troubled:
        parts.append(f"problems at {', '.join(r.site for r in troubled)}")
    return f"policy-crawler: {'; '.join(parts)}", "\n".join(lines)


def send(urls: Sequence[str], reports: Iterable[SiteReport]) -> bool:
    """Send the digest; True if there was nothing to send or every target took it."""
    message = compose(reports)
    if message is None or not urls:
        return True
    import apprise

    notifier = apprise.Apprise()
    for url in urls:
        notifier.add(url)
    title, body = message
    ok = bool(notifier.notify(title=title, body=body))
    if ok:
        logger.info("Alert sent: %s", title)
    else:
        logger.error("Alert could not be sent to every target: %s", title)
    return ok


class AlertExtension:
    """Sends the alert of a ``scrapy crawl`` run (``crawler run`` sends its own, combined)."""

    def __init__(self, crawler: Crawler, urls: list[str]) -> None:
        self.crawler = crawler
        self.urls = urls
        # After RunRecorder (connected first), which sets run/status and run/problems.
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("ALERTS_BY_RUNNER"):
            raise NotConfigured("crawler run sends the alerts")
        urls = alert_urls(crawler.settings.get("ALERT_URLS"))
        if not urls:
            raise NotConfigured("ALERT_URLS is empty")
        return cls(crawler, urls)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        send(self.urls, [SiteReport.from_stats(spider.name, self.crawler.stats.get_stats())])
