"""The queries behind the web view (crawler.research.web), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from crawler.db.store import ArticleStore
from crawler.records.normalize import normalize_article
from crawler.research import web
from crawler.research.records import ARTICLES
from tests.support.demo import ITEMS, NHC, PUHUI_URL, SH, TRADITIONAL_URL, UNSAFE_URL

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Engine

REPOST_URL = "https://wsjkw.sh.gov.cn/fybj/20241122/repost.html"


def article_id(engine: Engine, url: str) -> int:
    with engine.connect() as conn:
        found: int = conn.execute(select(ARTICLES.c.id).where(ARTICLES.c.url == url)).scalar_one()
        return found


def test_newest_first_undated_last(demo_ro: Engine) -> None:
    listed = web.newest(demo_ro)
    dates = [a.publish_date for a in listed]
    assert dates[-1] is None  # the undated article comes last
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True)
    assert len(listed) == sum(len(items) for items in ITEMS.values())
    assert web.newest(demo_ro, limit=2)[0].publish_date == dt.date(2024, 11, 26)


def test_newest_filters_by_site_region_and_tag(demo_ro: Engine) -> None:
    assert {a.site for a in web.newest(demo_ro, site="cn_moe")} == {"cn_moe"}
    shanghai = web.newest(demo_ro, region="上海")
    assert [a.site for a in shanghai] == ["sh_wsjkw"] and shanghai[0].region == "上海"
    tagged = web.newest(demo_ro, tag="学前教育")
    assert len(tagged) == 2 and all("学前教育" in a.tags for a in tagged)
    assert web.newest(demo_ro, site="cn_moe", tag="托育") == []


def test_filter_choices_count_articles(demo_ro: Engine) -> None:
    choices = web.filter_choices(demo_ro)
    assert choices.total == 7
    by_site = {s.site: s for s in choices.sites}
    assert by_site["cn_gov"].articles == 2 and by_site["cn_gov"].region == "central"
    assert dict(choices.regions) == {"central": 5, "上海": 1, "澳门": 1}
    assert choices.tags[0] == ("托育", 5)  # the most used first


def test_article_view_has_panel_fields_attachments_and_copies(demo_ro: Engine) -> None:
    view = web.article_view(demo_ro, article_id(demo_ro, PUHUI_URL))
    assert view is not None
    assert view.doc_number == "国卫人口发〔2024〕30号"
    assert view.issuers == ["国家卫生健康委", "国家发展改革委"]  # split from the printed issuer
    assert sorted(view.tags) == ["托育", "普惠托育"]
    assert [a["name"] for a in view.attachments] == [
        "附件1：普惠托育机构名单.pdf",
        "附件2：统计表.xlsx",
    ]
    assert view.attachments[0]["file_type"] == "pdf"
    assert [c.site for c in view.copies] == ["sh_wsjkw"]  # the repost, same 发文字号
    assert view.revisions == []
    assert web.article_view(demo_ro, 10**9) is None


def test_article_view_sanitises_the_body_again(demo_ro: Engine) -> None:
    view = web.article_view(demo_ro, article_id(demo_ro, UNSAFE_URL))
    assert view is not None and view.body_html is not None
    assert "学前教育宣传月" in view.body_html
    for unsafe in ("<script", "onclick", "onerror", "javascript:"):
        assert unsafe not in view.body_html


def test_article_view_lists_revisions_newest_first(demo: Engine) -> None:
    item = next(i for i in ITEMS[NHC] if i.url == PUHUI_URL)
    store = ArticleStore(demo)
    for n in (1, 2):
        changed = dataclasses.replace(
            item, attachments=list(item.attachments), tags=list(item.tags), issuers=[]
        )
        changed.body_text = f"{item.body_text}\n三、第{n}次修订。"
        store.write([normalize_article(changed)], NHC)
    view = web.article_view(demo, article_id(demo, PUHUI_URL))
    assert view is not None and len(view.revisions) == 2
    assert view.revisions[0].replaced_at is not None
    assert view.revisions[1].replaced_at is not None
    assert view.revisions[0].replaced_at >= view.revisions[1].replaced_at
    assert view.revisions[0].diff is not None and "第2次修订" in view.revisions[0].diff
    assert "第2次修订" in (view.body_text or "")


def test_site_health_gives_the_last_runs_newest_first(demo: Engine) -> None:
    runs = web.CRAWL_RUNS
    start = dt.datetime(2024, 12, 1, 8, 0, tzinfo=dt.UTC)
    rows = [
        {
            "site": "cn_nhc",
            "started_at": start + dt.timedelta(days=n),
            "status": status,
            "items_new": n,
            "problems": problems,
        }
        for n, (status, problems) in enumerate(
            [("ok", []), ("ok", []), ("warning", ["quiet: no new article in 30 days"]),
             ("failed", ["list page empty: the site may have changed"])]
        )
    ]  # fmt: skip
    rows.append(
        {
            "site": "gone_site",
            "started_at": start,
            "status": "blocked",
            "items_new": 0,
            "problems": [],
        }
    )
    with demo.begin() as conn:
        conn.execute(insert(runs), rows)
    health = {s.site: s for s in web.site_health(demo, runs=3)}
    nhc = health["cn_nhc"]
    assert [r.status for r in nhc.runs] == ["failed", "warning", "ok"]  # the last three
    assert nhc.runs[0].problems == ["list page empty: the site may have changed"]
    assert nhc.runs[0].items_new == 3
    assert nhc.articles == 1 and nhc.newest_publish_date == dt.date(2024, 11, 20)
    assert health["gone_site"].articles == 0  # a site with runs but no articles is listed
    assert health["cn_moe"].runs == []  # and a site with articles but no runs
    assert nhc.name == "国家卫生健康委员会" and nhc.region == "central"


def test_monthly_counts_and_their_chart(demo_ro: Engine) -> None:
    counts = web.monthly_counts(demo_ro)
    assert counts.months[0] == "2020-12" or counts.earlier > 0
    assert counts.months[-1] == "2024-11"
    assert counts.count("cn_gov", "2024-10") == 1
    assert counts.count("cn_moe", "2024-11") == 1
    assert counts.undated == 1
    dated = sum(n for per in counts.counts.values() for n in per.values()) + counts.earlier
    assert dated == 6
    svg = web.month_chart_svg(counts)
    root = ElementTree.fromstring(svg)  # well-formed
    bars = root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert sum(int(b.get("data-count", "0")) for b in bars) == dated - counts.earlier
    assert {(b.get("data-site"), b.get("data-month")) for b in bars} >= {("cn_gov", "2024-10")}
    short = web.monthly_counts(demo_ro, months=2)
    assert short.months == ["2024-10", "2024-11"] and short.earlier == 1  # the 2020 article


def test_month_range_crosses_years() -> None:
    assert web._month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    empty = web.month_chart_svg(web.MonthlyCounts([], [], {}))
    assert "No dated articles" in empty


def test_feed_links_and_opml(tmp_path: Path) -> None:
    assert web.read_feed_index(tmp_path) is None  # no feeds written yet
    index = {
        "feeds": [
            {"title": "all", "json_feed": "all.json", "atom": "all.atom"},
            {"title": "标签 托育", "json_feed": "tag/托育.json", "atom": "tag/托育.atom"},
        ]
    }
    (tmp_path / "index.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    entries = web.read_feed_index(tmp_path)
    assert entries is not None
    links = web.feed_links(entries, "http://127.0.0.1:8001/feeds/")
    assert links[web.tag_feed_path("托育")].atom == (
        "http://127.0.0.1:8001/feeds/tag/%E6%89%98%E8%82%B2.atom"
    )
    opml = ElementTree.fromstring(web.opml("托育 & more", links.values()))
    outlines = opml.findall(".//outline")
    assert [o.get("xmlUrl") for o in outlines] == [f.atom for f in links.values()]
    assert opml.findtext("head/title") == "托育 & more"


def test_readonly_engine_cannot_write(demo_sqlite_file: Path) -> None:
    engine = web.readonly_engine(demo_sqlite_file)
    try:
        assert web.article_view(engine, article_id(engine, TRADITIONAL_URL)) is not None
        with (
            pytest.raises(OperationalError, match=re.compile("readonly", re.I)),
            engine.begin() as conn,
        ):
            conn.exec_driver_sql("DELETE FROM sources")
    finally:
        engine.dispose()
    with closing(sqlite3.connect(demo_sqlite_file)) as conn:
        assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 5


def test_json_list_accepts_what_drivers_return() -> None:
    assert web.json_list(None) == []
    assert web.json_list('["\\u6258\\u80b2", ""]') == ["托育"]
    assert web.json_list(["a", None]) == ["a"]
    assert web.json_list("not json") == ["not json"]


def test_the_repost_is_in_the_same_cluster(demo_ro: Engine) -> None:
    view = web.article_view(demo_ro, article_id(demo_ro, REPOST_URL))
    assert view is not None and [c.site for c in view.copies] == ["cn_nhc"]
    assert SH.site == "sh_wsjkw"
