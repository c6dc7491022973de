"""``crawler check``: a live probe of every site, for operators.

Per spider it fetches each section's first list page and the newest article listed there
(``-a mode=check``; politely: the crawl's own settings, robots.txt obeyed) and reports what it
found against the site's contract (:mod:`crawler.spiders.contract`): list pages and links found,
blocked or not, the newest item's date and age, which contract fields the article carries,
whether the site needed the browser (lists rendered, JavaScript challenges) and whether it got
through, and why anything failed, in plain words. Nothing is written to the configured database:
the probe keeps its run records and failures in a throw-away SQLite file.

A site is *ok* only when none of this found a problem; any other verdict makes the command exit
non-zero, so that cron or a monitor can run it nightly.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.monitoring.health import RunStatus
from crawler.monitoring.reasons import browser_use, plain_reasons
from crawler.spiders.contract import DEFAULT_CONTRACT, SiteContract

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

VERDICTS = ("ok", "stale", "warning", "degraded", "failed", "blocked")
"""From best to worst; a site's verdict is the worst that applies."""


@dataclass
class SiteCheck:
    spider: str
    verdict: str = "ok"
    list_pages: int = 0
    sections: int = 0
    links: int = 0
    blocked: bool = False
    newest_date: str | None = None
    age_days: int | None = None
    article_url: str | None = None
    fields: dict[str, bool] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    browser_needed: bool = False
    browser_through: bool | None = None
    """Whether the browser got the pages it was asked for (None: not needed, or not tried)."""
    browser: str = "not needed"

    @property
    def healthy(self) -> bool:
        return self.verdict == "ok"

    def worsen(self, verdict: str, reason: str | None = None) -> None:
        if VERDICTS.index(verdict) > VERDICTS.index(self.verdict):
            self.verdict = verdict
        if reason and reason not in self.reasons:
            self.reasons.append(reason)


def assess(
    name: str,
    stats: Mapping[str, Any],
    items: Sequence[Any],
    contract: SiteContract,
    sections: int,
    today: dt.date | None,
    stale_factor: float = 3.0,
) -> SiteCheck:
    """The verdict on one spider's probe from its stats and the articles it yielded; ``today``
    None skips the age check (replayed fixtures are old by design)."""
    check = SiteCheck(
        spider=name,
        list_pages=int(stats.get("list/pages", 0) or 0),
        sections=sections,
        links=int(stats.get("list/links", 0) or 0),
        blocked=bool(stats.get("blocked/count")),
    )
    check.browser_needed, check.browser_through, check.browser = browser_use(stats)
    for reason in plain_reasons(stats):
        check.reasons.append(reason)
    status = str(stats.get("run/status") or RunStatus.FAILED)
    if check.blocked:
        check.worsen("blocked")
    if status == RunStatus.DEGRADED or stats.get("list/degraded"):
        check.worsen("degraded")
    if status == RunStatus.FAILED:
        check.worsen("failed")
    for problem in stats.get("run/problems") or []:
        if "contract:" in problem:
            check.worsen("warning", problem.split("contract:", 1)[1].strip())
    if check.list_pages == 0:
        check.worsen("failed", check.reasons[0] if check.reasons else "no list page was fetched")
    elif check.links == 0:
        check.worsen("failed", "the list pages yielded no article link")
    dates = [d for d in (stats.get("list/newest_date"),) if d]
    if items:
        article = items[0]
        check.article_url = getattr(article, "url", None)
        check.fields = {f: bool(getattr(article, f, None)) for f in contract.article_fields}
        missing = [f for f, present in check.fields.items() if not present]
        if missing:
            check.worsen("warning", f"the newest article lacks {', '.join(missing)}")
        dates.extend(str(getattr(a, "publish_date", None) or "")[:10] for a in items)
    elif check.links:
        check.worsen("failed", check.reasons[0] if check.reasons else "no article was stored")
    dates = [d for d in dates if d]
    if dates:
        check.newest_date = max(dates)
        if today is not None:
            check.age_days = (today - dt.date.fromisoformat(check.newest_date)).days
            every = contract.publishes_every_days
            if every is not None and check.age_days > stale_factor * every:
                check.worsen(
                    "stale",
                    f"newest item is {check.age_days} days old; the site publishes at least "
                    f"every {every} days",
                )
    return check


def run_checks(
    names: Sequence[str], settings: Settings, *, replay: str | None = None, log_file: Path
) -> list[SiteCheck]:
    """Probe the named spiders in one Scrapy process; the log goes to ``log_file``."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.db import ensure_schema, make_engine
    from crawler.monitoring.health import Thresholds

    with tempfile.TemporaryDirectory(prefix="crawler-check-") as scratch:
        database = f"sqlite:///{Path(scratch) / 'check.db'}"
        engine = make_engine(database)
        ensure_schema(engine)
        engine.dispose()
        overrides: dict[str, Any] = {
            "DATABASE_URL": database,
            "SPOOL_DIR": str(Path(scratch) / "spool"),
            "FEEDS": {},
            "ITEM_PIPELINES": {},
            "INCREMENTAL_ENABLED": False,
            "EXTRACTION_WORKERS": 0,
            "ADDONS": {},
            "LOG_FILE": str(log_file),
            "LOG_FILE_APPEND": False,
        }
        if replay:
            overrides["REPLAY_DIR"] = replay
        for key, value in overrides.items():
            settings.set(key, value, priority="cmdline")
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["crawler.extensions.alerts.AlertExtension"] = None
        settings.set("EXTENSIONS", extensions, priority="cmdline")
        process = CrawlerProcess(settings)
        crawlers: list[Crawler] = []
        items: dict[str, list[Any]] = {}
        for name in names:
            crawler = process.create_crawler(name)
            collected: list[Any] = []
            items[name] = collected

            def keep(item: Any, collected: list[Any] = collected) -> None:
                collected.append(item)

            crawler.signals.connect(keep, signal=signals.item_scraped, weak=False)
            crawlers.append(crawler)
            process.crawl(crawler, mode="check")
        process.start()
        limits = Thresholds.from_settings(settings)
        today = None if replay else dt.datetime.now(dt.UTC).date()
        results = []
        for name, crawler in zip(names, crawlers, strict=True):
            spidercls: Any = crawler.spidercls
            contract = getattr(spidercls, "contract", DEFAULT_CONTRACT)
            sections = len(spidercls.start_urls) or len(getattr(spidercls, "columns", {}) or {})
            stats = crawler.stats.get_stats() if crawler.stats is not None else {}
            results.append(
                assess(name, stats, items[name], contract, sections, today, limits.stale_factor)
            )
        return results


def format_check(check: SiteCheck) -> list[str]:
    """A few lines a person reads at a glance."""
    newest = check.newest_date or "-"
    if check.age_days is not None:
        newest += f" ({check.age_days} days old)"
    fields = " ".join(f"{k} {'✓' if v else '✗'}" for k, v in check.fields.items()) or "-"
    lines = [
        f"{check.spider:<18} {check.verdict.upper():<9} lists {check.list_pages}/{check.sections}"
        f", links {check.links}, newest {newest}",
        f"{'':<18} article: {check.article_url or '-'}",
        f"{'':<18} fields: {fields}",
        f"{'':<18} browser: {check.browser}",
    ]
    lines.extend(f"{'':<18} ! {reason}" for reason in check.reasons)
    return lines


def as_json(checks: Sequence[SiteCheck]) -> list[dict[str, Any]]:
    return [{**asdict(c), "healthy": c.healthy} for c in checks]
