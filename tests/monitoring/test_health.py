"""Health rules: field coverage and staleness learned from a site's history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from crawler.db.store import ArticleStore, SourceInfo
from crawler.items import PolicyArticle
from crawler.monitoring.health import Thresholds, run_problems, stale_problem, status_of
from crawler.records.normalize import normalize_article

LIMITS = Thresholds()


def weekly_history(engine: Engine, newest: dt.date, count: int = 12) -> None:
    items = [
        normalize_article(
            PolicyArticle(
                url=f"https://www.example.gov.cn/{n}.html",
                site="cn_test",
                title=f"通知 {n}",
                body_text=f"第{n}号通知正文。",
                publish_date=(newest - dt.timedelta(days=7 * n)).isoformat(),
            )
        )
        for n in range(count)
    ]
    ArticleStore(engine).write(items, SourceInfo("cn_test"))


def test_a_site_quiet_for_much_longer_than_usual_is_stale(engine: Engine) -> None:
    weekly_history(engine, newest=dt.date(2026, 9, 1))
    with engine.connect() as conn:
        problem = stale_problem(conn, "cn_test", dt.date(2026, 11, 28), LIMITS)
    assert problem is not None and problem.severity == "warning"
    assert "no new item for 88 days" in problem.message and "every 7 days" in problem.message


def test_a_site_publishing_as_usual_is_not_stale(engine: Engine) -> None:
    weekly_history(engine, newest=dt.date(2026, 11, 20))
    with engine.connect() as conn:
        assert stale_problem(conn, "cn_test", dt.date(2026, 11, 28), LIMITS) is None


def test_too_little_history_says_nothing(engine: Engine) -> None:
    weekly_history(engine, newest=dt.date(2025, 1, 1), count=3)
    with engine.connect() as conn:
        assert stale_problem(conn, "cn_test", dt.date(2026, 11, 28), LIMITS) is None


def test_missing_publish_dates_on_new_items_are_a_warning() -> None:
    stats = {"storage/new": 10, "storage/new_without_publish_date": 2}
    problems = run_problems(stats, "finished", LIMITS)
    assert [p.severity for p in problems] == ["warning"]
    assert status_of(problems) == "warning"
    assert (
        run_problems({"storage/new": 10, "storage/new_without_publish_date": 1}, "finished", LIMITS)
        == []
    )


def test_errors_above_the_threshold_fail_the_run() -> None:
    stats = {"downloader/request_count": 20, "fetch/failed": 2}
    assert status_of(run_problems(stats, "finished", LIMITS)) == "failed"
    assert (
        run_problems({"downloader/request_count": 100, "fetch/failed": 2}, "finished", LIMITS) == []
    )


def test_blocked_outranks_failed() -> None:
    stats = {
        "blocked/urls": ["https://x.gov.cn/ (HTTP 412)"],
        "list/empty_urls": ["https://x.gov.cn/"],
    }
    assert status_of(run_problems(stats, "finished", LIMITS)) == "blocked"
