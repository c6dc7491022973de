"""Site contracts and the degraded list mode, on hand-made pages (no crawl)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine

from crawler.items import PolicyArticle
from crawler.monitoring.health import (
    Thresholds,
    contract_problems,
    run_problems,
    stale_problem,
    status_of,
)
from crawler.spiders.base import PolicySpider
from crawler.spiders.contract import YMD, YMD_CHINESE, SiteContract

LIST = """<html><body><div class="nav"><a href="/about.html">关于我们</a></div>
<ul class="{cls}">
<li><a href="/tzgg/202411/t20241126_1.html">关于开展托育服务质量提升行动的通知</a>
<span>{d1}</span></li>
<li><a href="/tzgg/202411/t20241120_2.html">关于做好婴幼儿照护服务工作的通知</a>
<span>{d2}</span></li>
<li><a href="/tzgg/202411/t20241112_3.html">关于公布示范性托育机构名单的公告</a>
<span>{d3}</span></li>
</ul></body></html>"""


class Site(PolicySpider):
    name = "contract_test"
    source_name = "测试"
    region = "central"
    list_link_selector = "ul.news-list li a"
    article_url_pattern = r"/tzgg/\d{6}/t\d{8}_\d+\.html$"
    contract = SiteContract(list_items=3, list_date=YMD, article_fields=("title", "doc_number"))


def spider(cls: type[PolicySpider] = Site) -> PolicySpider:
    crawler = get_crawler(cls, {"EXTRACTION_WORKERS": 0})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    return cls.from_crawler(crawler)


def list_page(
    cls: str = "news-list", dates: tuple[str, str, str] = ("2024-11-26", "2024-11-20", "2024-11-12")
) -> HtmlResponse:
    url = "https://www.example.gov.cn/tzgg/"
    d1, d2, d3 = dates
    return HtmlResponse(
        url=url,
        body=LIST.format(cls=cls, d1=d1, d2=d2, d3=d3).encode("utf-8"),
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=Request(url),
    )


def stats(s: PolicySpider) -> dict[str, Any]:
    return s.stats.get_stats()


def test_the_configured_selector_is_used_and_the_list_meets_its_contract() -> None:
    s = spider()
    requests = list(s.parse_list(list_page()))
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == [
        "t20241126_1.html",
        "t20241120_2.html",
        "t20241112_3.html",
    ]
    assert stats(s)["list/newest_date"] == "2024-11-26"
    assert "list/degraded" not in stats(s)
    assert run_problems(stats(s), "finished", Thresholds()) == []


def test_a_selector_that_stopped_matching_degrades_to_the_generic_detection() -> None:
    s = spider()
    requests = list(s.parse_list(list_page(cls="list-2026")))
    assert len(requests) == 3  # still collected, through the generic detection
    assert stats(s)["list/degraded"] == 1
    problems = run_problems(stats(s), "finished", Thresholds())
    assert status_of(problems) == "degraded"
    assert "'ul.news-list li a' found nothing" in str(problems[0])


def test_without_a_url_pattern_a_broken_selector_is_an_empty_list_not_a_guess() -> None:
    class Unpatterned(Site):
        article_url_pattern = None

    s = spider(Unpatterned)
    assert list(s.parse_list(list_page(cls="list-2026"))) == []
    assert status_of(run_problems(stats(s), "finished", Thresholds())) == "failed"


def test_list_dates_in_another_format_break_the_contract() -> None:
    s = spider()
    list(s.parse_list(list_page(dates=("2024年11月26日", "2024年11月20日", "2024年11月12日"))))
    assert stats(s)["contract/undated_lists"] == ["https://www.example.gov.cn/tzgg/"]
    assert status_of(contract_problems(stats(s), Thresholds())) == "warning"


def test_chinese_list_dates_are_read_when_the_contract_says_so() -> None:
    class Chinese(Site):
        contract = SiteContract(list_items=1, list_date=YMD_CHINESE)

    s = spider(Chinese)
    list(s.parse_list(list_page(dates=("2024年11月26日", "2024年11月20日", "2025年1月2日"))))
    assert stats(s)["list/newest_date"] == "2025-01-02"


def test_a_short_first_list_page_is_a_warning() -> None:
    class Longer(Site):
        contract = SiteContract(list_items=20)

    s = spider(Longer)
    list(s.parse_list(list_page()))
    problems = contract_problems(stats(s), Thresholds())
    assert [p.severity for p in problems] == ["warning"]
    assert "3 of at least 20 items" in problems[0].message


def test_articles_missing_a_contract_field_are_counted() -> None:
    s = spider()
    with_number = PolicyArticle(url="u1", site="t", title="甲", doc_number="沪教委规〔2024〕3号")
    without = PolicyArticle(url="u2", site="t", title="乙")
    for item in (with_number, without, without):
        s.check_contract(item)
    assert stats(s)["contract/articles"] == 3
    assert stats(s)["contract/missing/doc_number"] == 2
    assert "contract/missing/title" not in stats(s)
    problems = contract_problems(stats(s), Thresholds())
    assert [p.message for p in problems] == ["contract: doc_number missing on 2 of 3 articles"]


def test_check_mode_takes_only_the_newest_article_and_no_next_page() -> None:
    s = spider()
    s.mode = "check"
    body = list_page().body.replace(b"</ul>", '</ul><a href="index_2.html">下一页</a>'.encode())
    requests = list(s.parse_list(list_page().replace(body=body)))
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == ["t20241126_1.html"]


@pytest.mark.parametrize(
    "kwargs",
    [{"list_items": 0}, {"article_fields": ("title", "no_such_field")}, {"list_date": "("}],
)
def test_a_contract_that_cannot_hold_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(Exception):  # noqa: B017 - ValueError or re.error
        SiteContract(**kwargs)


def test_a_young_site_is_judged_by_its_contract_interval(engine: Engine) -> None:
    from tests.monitoring.test_health import weekly_history

    weekly_history(engine, newest=dt.date(2026, 9, 1), count=3)  # too few dates to learn from
    with engine.connect() as conn:
        assert stale_problem(conn, "cn_test", dt.date(2026, 11, 28), Thresholds()) is None
        problem = stale_problem(conn, "cn_test", dt.date(2026, 11, 28), Thresholds(), 14)
    assert problem is not None
    assert "no new item for 88 days" in problem.message and "every 14 days" in problem.message


def test_a_short_list_degrades_to_its_dated_links() -> None:
    """Two items are too few for the generic list detection: the links beside a list date that
    match the URL pattern stand in (a dated link in the footer of another shape does not)."""
    s = spider()
    body = (
        '<ul class="list-2026"><li><a href="/tzgg/202411/t20241126_1.html">甲通知</a>'
        "<span>2024-11-26</span></li>"
        '<li><a href="/tzgg/202411/t20241120_2.html">乙通知</a><span>2024-11-20</span></li></ul>'
        '<div class="foot"><a href="/tzgg/202411/t20241101_9.html">网站地图</a></div>'
    )
    page = list_page().replace(body=f"<html><body>{body}</body></html>".encode())
    requests = list(s.parse_list(page))
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == ["t20241126_1.html", "t20241120_2.html"]
    assert stats(s)["list/degraded"] == 1


def test_a_json_list_with_no_hits_on_its_first_page_and_a_lost_json_file_are_reported() -> None:
    stats = {"list/no_hits_urls": ["https://sousuo.www.gov.cn/search-gov/data?p=0"]}
    [problem] = run_problems(stats, "finished", Thresholds())
    assert problem.severity == "warning" and "answered 'no hits' on its first page" in str(problem)
    problems = run_problems({"list/fallback_failed": 1}, "finished", Thresholds())
    assert status_of(problems) == "failed"
    assert "no longer names the JSON file" in str(problems[0])
