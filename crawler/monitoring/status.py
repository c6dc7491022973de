"""``crawler status``: every site's last runs and health, from ``crawl_runs``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, CrawlRun
from crawler.monitoring.health import RunStatus
from crawler.monitoring.reasons import plain_reasons

MARKS: dict[str, str] = {
    RunStatus.OK: "o",
    RunStatus.WARNING: "w",
    RunStatus.DEGRADED: "d",
    RunStatus.FAILED: "F",
    RunStatus.BLOCKED: "B",
    RunStatus.KILLED: "K",
    RunStatus.RUNNING: "r",
}
"""One character per run in the 'recent' column, newest first (``killed``: a run that never
finished, closed by a later run; see :class:`crawler.extensions.run_record.RunRecorder`)."""


@dataclass(frozen=True, slots=True)
class SiteStatus:
    site: str
    started_at: dt.datetime
    status: str
    mode: str
    requests: int
    new: int
    updated: int
    failed: int
    newest: dt.date | None
    articles: int
    history: str
    problems: list[str]
    reasons: list[str]
    """Why it went wrong, in plain words (:mod:`crawler.monitoring.reasons`)."""
    lost: int = 0
    """Items of the last run neither stored nor spooled (named in its problems too)."""


def site_status(engine: Engine, runs: int = 10) -> list[SiteStatus]:
    """The latest run of every site that has run, with its recent history and article count."""
    with engine.connect() as conn, Session(bind=conn) as session:
        counts: dict[str, int] = {
            site: n
            for site, n in conn.execute(select(Article.site, func.count()).group_by(Article.site))
        }
        newest: dict[str, dt.date | None] = {
            site: date
            for site, date in conn.execute(
                select(Article.site, func.max(Article.publish_date)).group_by(Article.site)
            )
        }
        sites = conn.execute(select(CrawlRun.site).distinct().order_by(CrawlRun.site)).scalars()
        result = []
        for site in list(sites):
            recent = session.scalars(
                select(CrawlRun)
                .where(CrawlRun.site == site)
                .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
                .limit(max(runs, 1))
            ).all()
            last = recent[0]
            result.append(
                SiteStatus(
                    site=site,
                    started_at=last.started_at,
                    status=last.status,
                    mode=last.mode,
                    requests=last.requests,
                    new=last.items_new,
                    updated=last.items_updated,
                    failed=last.items_failed,
                    newest=newest.get(site),
                    articles=int(counts.get(site, 0)),
                    history="".join(MARKS.get(r.status, "?") for r in recent),
                    problems=list(last.problems or []),
                    reasons=plain_reasons(last.stats or {}),
                    lost=int((last.stats or {}).get("storage/lost", 0) or 0),
                )
            )
    return result
