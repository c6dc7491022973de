"""Run health: rules evaluated after every run, stored with the run, and alerted on.

A site that changes its layout or blocks us must raise an alarm, not go quiet. Each rule turns a
run's stats (and, for staleness, the site's history) into problems with a severity:

- ``failed``: a list page yielded no items (layout change), items could not be stored (refused
  by the database, or *lost*: neither stored nor spooled), the spider raised, or more than
  ``HEALTH_MAX_ERROR_RATE`` of the requests failed;
- ``blocked``: the site answered with an anti-bot page;
- ``degraded``: a list selector stopped matching and the generic list detection stood in for it
  (the run still collected; the selector needs mending);
- ``warning``: field coverage fell (``publish_date`` missing on more than
  ``HEALTH_MAX_MISSING_DATE_RATE`` of the new items), the site's contract
  (:mod:`crawler.spiders.contract`) was not met (a first list page shorter than it says, list
  dates in another format, an article field missing on more than
  ``HEALTH_MAX_MISSING_FIELD_RATE`` of the articles), an article's body was a tiny fraction of
  its page's text (less than ``HEALTH_MIN_BODY_SHARE``, 5 %, of a page with at least
  ``HEALTH_SHORT_BODY_MIN_PAGE`` characters outside links: probably cut short; not counted for
  a page whose text is in its attachments, ``text_in_attachment``), or no new item
  for much longer than the site's usual interval (learned from the publish dates it has stored,
  else the contract's), or an earlier run of the site was found killed (it never finished;
  its row is closed as ``killed``), or every attachment of the run failed (at least three;
  a single attachment's failure never fails a run nor its article).
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select

from crawler.db.models import Article


class RunStatus(StrEnum):
    """The status of a run (``crawl_runs.status``, the ``run/status`` stat): the severity of its
    worst problem, or ``running`` (its row is open) or ``killed`` (it never finished)."""

    OK = "ok"
    WARNING = "warning"
    DEGRADED = "degraded"
    FAILED = "failed"
    BLOCKED = "blocked"
    RUNNING = "running"
    """The run has not finished (yet): its row is opened when it starts."""
    KILLED = "killed"
    """The run never finished: its process is gone (killed, crashed, powered off); a later run
    of the site closes its row (:class:`crawler.extensions.run_record.RunRecorder`)."""


SEVERITY = {
    RunStatus.OK: 0,
    RunStatus.WARNING: 1,
    RunStatus.DEGRADED: 2,
    RunStatus.FAILED: 3,
    RunStatus.BLOCKED: 4,
}
"""The statuses a finished run's problems give it, from best to worst."""
FAILING = frozenset({RunStatus.FAILED, RunStatus.BLOCKED})
"""A crawl that ends with one of these failed: ``crawler run`` and ``scrapy crawl`` exit 1."""
UNHEALTHY = FAILING | {RunStatus.KILLED}
"""A site whose last run has one of these needs a person: ``crawler status`` exits 1."""
MAX_REPORTED = 20
"""URLs a list stat keeps for the run record (the count is always complete)."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    max_error_rate: float = 0.05
    max_missing_date_rate: float = 0.1
    max_missing_field_rate: float = 0.2
    stale_factor: float = 3.0
    stale_min_days: int = 14
    stale_min_history: int = 5
    min_body_share: float = 0.05
    short_body_min_page: int = 1000

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
            min_body_share=settings.getfloat("HEALTH_MIN_BODY_SHARE", default.min_body_share),
            short_body_min_page=settings.getint(
                "HEALTH_SHORT_BODY_MIN_PAGE", default.short_body_min_page
            ),
        )


@dataclass(frozen=True, slots=True)
class Problem:
    severity: RunStatus
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def short_body(body_text: str | None, page_chars: int, limits: Thresholds) -> bool:
    """Whether a body is a tiny fraction of its page's visible text (outside links): cut short
    by a page the extractor misread (an unclosed element swallowing the rest, say)."""
    if page_chars < limits.short_body_min_page:
        return False
    body = len("".join((body_text or "").split()))
    return body < limits.min_body_share * page_chars


def _int(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def run_problems(
    stats: Mapping[str, Any], finish_reason: str | None, limits: Thresholds
) -> list[Problem]:
    """What went wrong in a run, from its stats alone."""
    problems = [Problem(RunStatus.FAILED, r) for r in stats.get("run/failure_reasons") or []]
    if stats.get("run/failed") and not problems:
        problems.append(Problem(RunStatus.FAILED, "run marked failed"))
    if finish_reason not in (None, "finished"):
        problems.append(Problem(RunStatus.FAILED, f"finished with reason {finish_reason!r}"))
    exceptions = _int(stats, "spider_exceptions/count")
    if exceptions:
        problems.append(Problem(RunStatus.FAILED, f"{exceptions} spider exception(s)"))
    for url in stats.get("list/empty_urls") or []:
        problems.append(Problem(RunStatus.FAILED, f"empty list page {url} (layout changed?)"))
    for url in stats.get("blocked/urls") or []:
        problems.append(Problem(RunStatus.BLOCKED, f"blocked at {url}"))
    for url in stats.get("list/no_hits_urls") or []:
        problems.append(
            Problem(RunStatus.WARNING, f"list {url} answered 'no hits' on its first page")
        )
    if stats.get("list/fallback_failed"):
        problems.append(
            Problem(RunStatus.FAILED, "the column page no longer names the JSON file of its list")
        )
    for what in stats.get("list/degraded_selectors") or []:
        problems.append(
            Problem(
                RunStatus.DEGRADED, f"list selector {what}; the generic list detection stood in"
            )
        )
    problems.extend(contract_problems(stats, limits))
    for what in stats.get("run/killed_runs") or []:
        problems.append(Problem(RunStatus.WARNING, f"an earlier run was killed: {what}"))
    short = stats.get("article/short_body_urls") or []
    for what in short:
        problems.append(Problem(RunStatus.WARNING, f"body cut short? {what}"))
    more = _int(stats, "article/short_body") - len(short)
    if more > 0:
        problems.append(
            Problem(RunStatus.WARNING, f"{more} more article(s) with a body cut short?")
        )
    errors = _int(stats, "fetch/failed") + _int(stats, "article/not_article")
    pages = max(pages_requested(stats), errors, 1)
    if errors and errors / pages > limits.max_error_rate:
        problems.append(
            Problem(
                RunStatus.FAILED,
                f"{errors} of {pages} pages could not be fetched or were not articles",
            )
        )
    problems.extend(attachment_problems(stats))
    new = _int(stats, "storage/new")
    missing = _int(stats, "storage/new_without_publish_date")
    if new and missing / new > limits.max_missing_date_rate:
        problems.append(
            Problem(RunStatus.WARNING, f"publish_date missing on {missing} of {new} new items")
        )
    return problems


def pages_requested(stats: Mapping[str, Any]) -> int:
    """The pages a run asked for: its requests less the retries of the same pages, the
    robots.txt files and the attachments (Scrapy counts them all in
    ``downloader/request_count``)."""
    return (
        _int(stats, "downloader/request_count")
        - _int(stats, "retry/count")
        - _int(stats, "robotstxt/request_count")
        - _int(stats, "attachments/requested")
    )


ATTACHMENTS_ALL_FAILED_MIN = 3
"""Attachments a run must have tried before "every one failed" is a warning."""


def attachment_problems(stats: Mapping[str, Any]) -> list[Problem]:
    """Attachments never fail a run, nor its articles (a dead link is the site's business; each
    is recorded in ``file_urls`` and retried): only a run whose every attachment failed, at least
    :data:`ATTACHMENTS_ALL_FAILED_MIN` of them, warns (the files moved, or a rule blocks them)."""
    tried = _int(stats, "attachments/requested")
    failed = _int(stats, "attachments/failed") + _int(stats, "attachments/skipped")
    if tried >= ATTACHMENTS_ALL_FAILED_MIN and failed >= tried:
        return [Problem(RunStatus.WARNING, f"none of the {tried} attachments could be downloaded")]
    return []


def contract_problems(stats: Mapping[str, Any], limits: Thresholds) -> list[Problem]:
    """The site contract's breaches, from the ``contract/…`` stats the spider counted."""
    problems = [
        Problem(RunStatus.WARNING, f"contract: list page {what}")
        for what in stats.get("contract/short_lists") or []
    ]
    problems.extend(
        Problem(
            RunStatus.WARNING, f"contract: list page {url} shows no date in the contract's format"
        )
        for url in stats.get("contract/undated_lists") or []
    )
    articles = _int(stats, "contract/articles")
    for key in sorted(k for k in stats if k.startswith("contract/missing/")):
        missing = _int(stats, key)
        if articles and missing / articles > limits.max_missing_field_rate:
            name = key.rsplit("/", 1)[-1]
            problems.append(
                Problem(
                    RunStatus.WARNING,
                    f"contract: {name} missing on {missing} of {articles} articles",
                )
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
            RunStatus.WARNING,
            f"no new item for {quiet} days (newest {dates[0]}; usually every {usual:.0f} days)",
        )
    return None


def status_of(problems: list[Problem]) -> RunStatus:
    return max((p.severity for p in problems), key=SEVERITY.__getitem__, default=RunStatus.OK)
