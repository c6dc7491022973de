"""Incremental repeat runs, alerts and the exit code of ``crawler run``.

Runs ``crawler run`` over copies of the cn_gov / cn_nhc fixtures that the tests change between
runs (new articles appear, a list page loses its items, the site starts blocking), with alerts
going to a local HTTP receiver through apprise's ``json://`` target.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from crawler.db import make_engine
from crawler.db.models import Article, CrawlRun
from tests.support.alerts import Receiver
from tests.support.commands import run_module
from tests.support.paths import FIXTURES

NEW_TITLES = [
    "国务院办公厅关于进一步完善育儿补贴制度的通知",
    "国家卫生健康委关于开展托育服务质量评估工作的通知",
    "教育部办公厅关于做好幼儿园托班招生工作的通知",
]


def run(
    tmp: Path, fixtures: Path, receiver: Receiver, *spiders: str
) -> subprocess.CompletedProcess[str]:
    return run_module(
        "crawler.cli", "run", "--replay", str(fixtures), *spiders, tmp=tmp, ALERT_URLS=receiver.url
    )


def copy_site(tmp: Path, site: str) -> Path:
    target = tmp / "fixtures" / site
    shutil.copytree(FIXTURES / site, target)
    return target


def add_articles(site: Path) -> None:
    """Put three new rows at the top of cn_gov's 最新政策 JSON list, with their pages."""
    listing = site / "pages" / "ZUIXINZHENGCE.json"
    rows = json.loads(listing.read_text(encoding="utf-8"))
    template = (site / "pages" / "zhengce_content_6988950.htm").read_text(encoding="utf-8")
    responses = json.loads((site / "responses.json").read_text(encoding="utf-8"))
    new_rows = []
    for n, title in enumerate(NEW_TITLES):
        number = 6990001 + n
        page = template.replace(
            "让“托得起、托得好”成为现实——多部门介绍普惠托育服务体系建设进展", title
        )
        page = page.replace("新华社北京11月27日电", f"新华社北京12月{n + 1}日电（第{number}号稿）")
        (site / "pages" / f"new_{number}.htm").write_text(page, encoding="utf-8")
        url = f"https://www.gov.cn/zhengce/202412/content_{number}.htm"
        responses.append(
            {
                "url": url,
                "headers": {"Content-Type": "text/html; charset=utf-8"},
                "file": f"pages/new_{number}.htm",
            }
        )
        new_rows.append(
            {"TITLE": title, "SUB_TITLE": "", "URL": url, "DOCRELPUBTIME": f"2024-12-0{n + 1}"}
        )
    listing.write_text(json.dumps(new_rows + rows, ensure_ascii=False), encoding="utf-8")
    (site / "responses.json").write_text(
        json.dumps(responses, ensure_ascii=False), encoding="utf-8"
    )


def expected_count(site: str) -> int:
    data = json.loads((FIXTURES / site / "expected.json").read_text(encoding="utf-8"))
    return len(data["articles"])


def article_count(tmp: Path) -> int:
    engine = make_engine(f"sqlite:///{tmp / 'policy.db'}")
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(Article)).scalar_one())
    engine.dispose()
    return count


def last_runs(tmp: Path) -> list[CrawlRun]:
    engine = make_engine(f"sqlite:///{tmp / 'policy.db'}")
    with engine.connect() as conn:
        rows = list(conn.execute(select(CrawlRun).order_by(CrawlRun.id)))
    engine.dispose()
    return rows  # type: ignore[return-value]


def test_repeat_runs_cost_what_is_new_and_alert_once(tmp_path: Path, receiver: Receiver) -> None:
    site = copy_site(tmp_path, "cn_gov")
    fixtures = site.parent

    first = run(tmp_path, fixtures, receiver, "cn_gov")
    assert first.returncode == 0, first.stderr[-3000:]
    stored = expected_count("cn_gov")
    assert article_count(tmp_path) == stored
    assert len(receiver.bodies) == 1  # the digest of the first items
    assert f"{stored} new item(s)" in receiver.bodies[0]["title"]

    second = run(tmp_path, fixtures, receiver, "cn_gov")
    assert second.returncode == 0, second.stderr[-3000:]
    run2 = last_runs(tmp_path)[-1]
    assert run2.stats["list/pages"] == 2  # only the two sections' list files
    assert run2.items_scraped == 0  # no article page fetched
    assert len(receiver.bodies) == 1  # nothing new: no alert

    add_articles(site)
    third = run(tmp_path, fixtures, receiver, "cn_gov")
    assert third.returncode == 0, third.stderr[-3000:]
    run3 = last_runs(tmp_path)[-1]
    assert run3.items_new == 3 and run3.items_scraped == 3
    assert article_count(tmp_path) == stored + 3
    assert len(receiver.bodies) == 2  # one alert for the third run
    message = receiver.bodies[1]["message"]
    assert "3 new item(s)" in receiver.bodies[1]["title"]
    assert all(title in message for title in NEW_TITLES)
    assert "content_6990001.htm" in message
    print(f"requests per run: {[r.requests for r in last_runs(tmp_path)]}")


def test_a_layout_change_alerts_and_exits_non_zero(tmp_path: Path, receiver: Receiver) -> None:
    site = copy_site(tmp_path, "sh_wsjkw")
    page = site / "pages" / "xwfb_index.html"
    html = page.read_text(encoding="utf-8")
    items = re.compile(r"<li><a href=[^>]*>[^<]*</a><span class=\"time\">[^<]*</span></li>")
    assert items.search(html)
    page.write_text(items.sub("", html), encoding="utf-8")  # a redesign: the list is gone
    result = run(tmp_path, site.parent, receiver, "sh_wsjkw")
    assert result.returncode == 1
    assert "https://wsjkw.sh.gov.cn/xwfb/index.html yielded no article link" in result.stdout
    [alert] = receiver.bodies
    assert "problems at sh_wsjkw" in alert["title"]
    assert "empty list page" in alert["message"]
    assert last_runs(tmp_path)[-1].status == "failed"


def test_a_blocked_site_alerts_and_exits_non_zero(tmp_path: Path, receiver: Receiver) -> None:
    site = copy_site(tmp_path, "cn_nhc")
    responses = json.loads((site / "responses.json").read_text(encoding="utf-8"))
    challenge = next(r for r in responses if r.get("status") == 412)
    for entry in responses:  # every list page of the site now answers with the challenge
        if "list" in entry["url"].rsplit("/", 1)[-1]:
            entry.update(status=412, file=challenge["file"], headers=challenge["headers"])
    (site / "responses.json").write_text(
        json.dumps(responses, ensure_ascii=False), encoding="utf-8"
    )
    result = run(tmp_path, site.parent, receiver, "cn_nhc")
    assert result.returncode == 1
    [alert] = receiver.bodies
    assert "[blocked] cn_nhc" in alert["message"]
    assert "JavaScript challenge (HTTP 412)" in alert["message"]
    assert last_runs(tmp_path)[-1].status == "blocked"
    assert article_count(tmp_path) == 0


def test_a_second_run_cannot_overlap_the_first(tmp_path: Path, receiver: Receiver) -> None:
    from crawler.cli.lock import RunLock

    with RunLock(tmp_path / "crawler.lock").acquire():
        result = run(tmp_path, FIXTURES, receiver, "cn_gov")
    assert result.returncode == 3
    assert "another crawler run is in progress" in result.stderr
