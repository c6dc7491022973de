"""Run health: rules evaluated after every run, stored with the run, and alerted on.

A site that changes its layout or blocks us must raise an alarm, not go quiet. Each rule turns a
run's stats (and, for staleness, the site's history) into problems with a severity:

- ``failed``: a list page yielded no items (layout change), items could not be stored, the
  spider raised, or more than ``HEALTH_MAX_ERROR_RATE`` of the requests failed;
- ``blocked``: the site answered with an anti-bot page;
- ``degraded``: a list selector stopped matching and the generic list detection stood in for it
  (the run still collected; the selector needs mending);
- ``warning``: field coverage fell (``publish_date`` missing on more than
  ``HEALTH_MAX_MISSING_DATE_RATE`` of the new items), the site's contract
  (:mod:`crawler.spiders.contract`) was not met (a first list page shorter than it says, list
  dates in another format, an article field missing on more than
  ``HEALTH_MAX_MISSING_FIELD_RATE`` of the articles), or no new item for much longer than the
  site's usual interval (learned from the publish dates it has stored, else the contract's).
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from crawler.db.models import Article

SEVERITY = {"ok": 0, "warning": 1, "degraded": 2, "failed": 3, "blocked": 4}


@dataclass(frozen=True, slots=True)
class Thresholds:
    max_error_rate: float = 0.05
    max_missing_date_rate: float = 0.1
    max_missing_field_rate: float = 0.2
    stale_factor: float = 3.0
    stale_min_days: int = 14
    stale_min_history: int = 5

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        default = cls()
        return cls(
            max_error_rate=settings.getfloat("HEALTH_MAX_ERROR_RATE", default.max_error_rate),
            max_missing_date_rate=settings.getfloat(
                "HEALTH_MAX_MISSING_DATE_RATE", default.max_missing_date_rate
            ),
            max_missing_field_rate=settings.getfloat(
                "HEALTH_MAX_MISSING_FIELD_RATE", default.max_missing_field_rate
            ),
            stale_factor=settings.getfloat("HEALTH_STALE_FACTOR", default.stale_factor),
            stale_min_days=settings.getint("HEALTH_STALE_MIN_DAYS", default.stale_min_days),
        )


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def _int(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def run_problems(
    stats: Mapping[str, Any], finish_reason: str | None, limits: Thresholds
) -> list[Problem]:
    """What went wrong in a run, from its stats alone."""
    problems = [Problem("failed", r) for r in stats.get("run/failure_reasons") or []]
    if stats.get("run/failed") and not problems:
        problems.append(Problem("failed", "run marked failed"))
    if finish_reason not in (None, "finished"):
        problems.append(Problem("failed", f"finished with reason {finish_reason!r}"))
    exceptions = _int(stats, "spider_exceptions/count")
    if exceptions:
        problems.append(Problem("failed", f"{exceptions} spider exception(s)"))
    for url in stats.get("list/empty_urls") or []:
        problems.append(Problem("failed", f"empty list page {url} (layout changed?)"))
    for url in stats.get("blocked/urls") or []:
        problems.append(Problem("blocked", f"blocked at {url}"))
    for what in stats.get("list/degraded_selectors") or []:
        problems.append(
            Problem("degraded", f"list selector {what}; the generic list detection stood in")
        )
    problems.extend(contract_problems(stats, limits))
    errors = _int(stats, "fetch/failed") + _int(stats, "article/not_article")
    pages = max(pages_requested(stats), errors, 1)
    if errors and errors / pages > limits.max_error_rate:
        problems.append(
            Problem(
                "failed", f"{errors} of {pages} pages could not be fetched or were not articles"
            )
        )
    new = _int(stats, "storage/new")
    missing = _int(stats, "storage/new_without_publish_date")
    if new and missing / new > limits.max_missing_date_rate:
        problems.append(Problem("warning", f"publish_date missing on {missing} of {new} new items"))
    return problems


def pages_requested(stats: Mapping[str, Any]) -> int:
    """The pages a run asked for: its requests less the retries of the same pages and the
    robots.txt files (Scrapy counts both in ``downloader/request_count``)."""
    return (
        _int(stats, "downloader/request_count")
        - _int(stats, "retry/count")
        - _int(stats, "robotstxt/request_count")
    )


def contract_problems(stats: Mapping[str, Any], limits: Thresholds) -> list[Problem]:
    """The site contract's breaches, from the ``contract/…`` stats the spider counted."""
    problems = [
        Problem("warning", f"contract: list page {what}")
        for what in stats.get("contract/short_lists") or []
    ]
    problems.extend(
        Problem("warning", f"contract: list page {url} shows no date in the contract's format")
        for url in stats.get("contract/undated_lists") or []
    )
    articles = _int(stats, "contract/articles")
    for key in sorted(k for k in stats if k.startswith("contract/missing/")):
        missing = _int(stats, key)
        if articles and missing / articles > limits.max_missing_field_rate:
            name = key.rsplit("/", 1)[-1]
            problems.append(
                Problem("warning", f"contract: {name} missing on {missing} of {articles} articles")
            )
    return problems


def stale_problem(
    conn: Connection,
    site: str,
    today: dt.date,
    limits: Thresholds,
    every_days: int | None = None,
) -> Problem | None:
    """ "No new item for much longer than usual", the usual interval learned from the site's
    stored publish dates, or, while it has too few of them, ``every_days`` (its contract's)."""
    table = Article.__table__
    dates = list(
        conn.execute(
            select(table.c.publish_date)
            .where(table.c.site == site, table.c.publish_date.is_not(None))
            .distinct()
            .order_by(table.c.publish_date.desc())
            .limit(60)
        ).scalars()
    )
    if not dates:
        return None
    if len(dates) > limits.stale_min_history:
        gaps = [(a - b).days for a, b in itertools.pairwise(dates)]
        usual: float = statistics.quantiles(gaps, n=10)[-1] if len(gaps) >= 2 else gaps[0]
    elif every_days is not None:
        usual = every_days
    else:
        return None
    quiet = (today - dates[0]).days
    allowed = max(limits.stale_factor * usual, limits.stale_min_days)
    if quiet > allowed:
        return Problem(
            "warning",
            f"no new item for {quiet} days (newest {dates[0]}; usually every {usual:.0f} days)",
        )
    return None


def status_of(problems: list[Problem]) -> str:
    return max((p.severity for p in problems), key=SEVERITY.__getitem__, default="ok")
