"""The researcher's web view in a real browser: headless Chromium (the distribution's package,
/usr/bin/chromium, driven by Playwright) against ``make browse`` serving the demo database, the
crawl of the bundled fixtures that ``make demo`` makes.

Screenshots of every page are kept in ``WEB_SCREENSHOTS`` (default: a folder under pytest's
temporary directory, printed at the end of the run): look at them after changing a template.
``UPDATE_DOCS_SCREENSHOT=1`` also replaces the README's screenshot, ``docs/web-view.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import struct
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from crawler.research import web
from crawler.research.search import search
from tests.research.test_datasette import Served, serve_browse
from tests.support.paths import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTH = 1400
DOCS_SCREENSHOT = ROOT / "docs" / "web-view.png"
SIMULATED_DIFF = (
    "--- 2024-11-28\n+++ 2024-12-01\n-二、健全价格和支持政策。\n+二、健全价格和支持政策（修订）。\n"
)


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory, make_demo_sqlite: Path) -> Path:
    """``make demo``'s database and feeds (the session's replayed crawl of tests/fixtures, copied
    into a folder of its own), plus one earlier version of a clustered article (a page that
    changed once)."""
    tmp = tmp_path_factory.mktemp("web-demo") / "demo"
    shutil.copytree(make_demo_sqlite.parent, tmp)
    database = tmp / "policy.db"
    with closing(sqlite3.connect(database)) as conn:
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        assert count >= 20, f"the demo crawl stored {count} articles"
        clustered = conn.execute(
            "SELECT min(id) FROM articles WHERE cluster_id IN "
            "(SELECT cluster_id FROM articles GROUP BY cluster_id HAVING count(*) > 1)"
        ).fetchone()[0]
        assert clustered is not None, "the demo crawl has no repost cluster"
        with conn:
            conn.execute(
                "INSERT INTO revisions (article_id, replaced_at, title, body_text, content_hash, "
                "diff) SELECT id, '2024-12-01 00:00:00.000000', title, body_text, "
                "'0000000000000000000000000000000000000000000000000000000000000000', ? "
                "FROM articles WHERE id = ?",
                (SIMULATED_DIFF, clustered),
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert (tmp / "feeds" / "index.json").is_file(), "the crawl wrote no feeds"
    return tmp


@pytest.fixture(scope="module")
def served(demo_crawl: Path) -> Iterator[Served]:
    with serve_browse(demo_crawl / "policy.db", demo_crawl / "feeds") as running:
        yield running


@pytest.fixture(scope="module")
def db(demo_crawl: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"file:{demo_crawl / 'policy.db'}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        yield conn


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    configured = os.environ.get("WEB_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("web-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nweb view screenshots: {folder}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--no-first-run"],
        )  # fmt: skip
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("content-type", ""), b""


def ids_on(page: Page, selector: str) -> list[int]:
    values = page.locator(selector).evaluate_all("els => els.map(e => e.dataset.id)")
    return [int(v) for v in values]


def shoot(page: Page, shots: Path, name: str, *, full: bool = False) -> Path:
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


# ---------------------------------------------------------------------------------- make browse


def test_make_browse_starts_in_seconds_and_prints_the_url(served: Served) -> None:
    assert served.printed.startswith(f"policy-crawler web view: {served.url}/"), served.printed
    assert served.startup_seconds < 15, f"make browse took {served.startup_seconds:.1f} s"


# ---------------------------------------------------------------------------------- front page


def test_front_page_lists_the_newest_articles(
    page: Page, served: Served, db: sqlite3.Connection, shots: Path
) -> None:
    page.goto(served.url + "/")
    newest = db.execute(
        "SELECT id, publish_date, site, doc_number, issuer, title FROM articles "
        "ORDER BY publish_date IS NULL, publish_date DESC, id DESC LIMIT 50"
    ).fetchall()
    assert ids_on(page, "tr.article-row") == [r["id"] for r in newest]
    for row in newest[:5]:
        cells = page.locator(f'tr.article-row[data-id="{row["id"]}"] td')
        assert cells.nth(0).inner_text() == row["publish_date"]
        assert cells.nth(1).inner_text() == row["site"]
        assert cells.nth(2).inner_text() == (row["doc_number"] or "")
        assert cells.nth(3).inner_text() == (row["issuer"] or "")
        link = cells.nth(4).locator("a").first
        assert link.inner_text() == row["title"]
        assert link.get_attribute("href") == f"/policy/articles/{row['id']}"
    shoot(page, shots, "front")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        shutil.copyfile(shots / "front.png", DOCS_SCREENSHOT)


def test_front_page_filters_by_site_region_and_tag(
    page: Page, served: Served, db: sqlite3.Connection, shots: Path
) -> None:
    page.goto(served.url + "/")
    page.select_option("select[name=site]", "cn_gov")
    page.click("form.policy-filters input[type=submit]")
    page.wait_for_url(re.compile(r"site=cn_gov"))
    sites = page.locator("tr.article-row td.col-site").all_inner_texts()
    count = db.execute("SELECT count(*) FROM articles WHERE site = 'cn_gov'").fetchone()[0]
    assert sites == ["cn_gov"] * count and count > 0

    region, region_sites = db.execute(
        "SELECT region, group_concat(site) FROM sources GROUP BY region ORDER BY count(*) DESC"
    ).fetchone()
    page.goto(served.url + "/?" + urllib.parse.urlencode({"region": region}))
    shown = set(page.locator("tr.article-row td.col-site").all_inner_texts())
    assert shown and shown <= set(region_sites.split(","))

    tag = "学前教育"
    page.goto(served.url + "/")
    page.select_option("select[name=tag]", tag)
    page.click("form.policy-filters input[type=submit]")
    page.wait_for_url(re.compile(r"tag="))
    rows = page.locator("tr.article-row")
    expected = db.execute(
        "SELECT count(*) FROM articles "
        "WHERE EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?)",
        (tag,),
    ).fetchone()[0]
    assert rows.count() == expected > 0
    for n in range(rows.count()):
        assert tag in rows.nth(n).locator(".tag").all_inner_texts()
    shoot(page, shots, "front-tag")


def test_front_page_subscription_links_work(
    page: Page, served: Served, db: sqlite3.Connection
) -> None:
    page.goto(served.url + "/")
    everything = page.locator("p.feed-selection")
    status, ctype, body = fetch(
        served.url + everything.locator("a.feed-json").get_attribute("href")
    )
    assert status == 200 and "json" in ctype
    assert json.loads(body)["version"] == "https://jsonfeed.org/version/1.1"
    status, ctype, body = fetch(
        served.url + everything.locator("a.feed-atom").get_attribute("href")
    )
    assert status == 200 and ctype.startswith("application/atom+xml")
    assert ElementTree.fromstring(body).tag == "{http://www.w3.org/2005/Atom}feed"

    tag_link = "/?" + urllib.parse.urlencode({"tag": "托育"})
    tag_item = page.locator(f'.all-feeds li:has(a[href="{tag_link}"])')
    status, _, body = fetch(served.url + tag_item.locator("a.feed-atom").get_attribute("href"))
    assert status == 200 and "托育" in body.decode("utf-8")  # a Chinese file name, served

    region, sites = db.execute(
        "SELECT region, group_concat(site) FROM sources GROUP BY region ORDER BY count(*) DESC"
    ).fetchone()
    page.goto(served.url + "/?" + urllib.parse.urlencode({"region": region}))
    opml_href = page.locator("p.feed-selection a.feed-opml").get_attribute("href")
    status, _, body = fetch(served.url + opml_href)
    assert status == 200
    urls = [o.get("xmlUrl") for o in ElementTree.fromstring(body).iter("outline")]
    assert sorted(urls) == sorted(
        f"{served.url}/feeds/site/{site}.atom" for site in sites.split(",")
    )  # absolute URLs: a feed reader can import them
    for url in urls:
        assert fetch(str(url))[0] == 200
    assert fetch(served.url + "/feeds/..%2Fpolicy.db")[0] == 404  # nothing outside FEED_DIR
    assert fetch(served.url + "/feeds/../policy.db")[0] == 404


# -------------------------------------------------------------------------------- article view


def test_article_view_shows_fields_body_and_attachments(
    page: Page, served: Served, db: sqlite3.Connection, shots: Path
) -> None:
    row = db.execute(
        "SELECT a.* FROM articles AS a JOIN attachments AS t ON t.article_id = a.id "
        "WHERE a.body_html IS NOT NULL AND a.doc_number IS NOT NULL AND a.issuer IS NOT NULL "
        "GROUP BY a.id ORDER BY count(*) DESC, a.publish_date DESC LIMIT 1"
    ).fetchone()
    page.goto(served.url + "/")
    page.click(f'tr.article-row[data-id="{row["id"]}"] td.col-title > a')
    page.wait_for_url(f"**/policy/articles/{row['id']}")
    assert page.locator("h1.article-title").inner_text() == row["title"]
    field = lambda name: page.locator(f"dd.field-{name}").inner_text()  # noqa: E731
    assert field("publish_date").startswith(row["publish_date"])
    assert field("written_date") == (row["written_date"] or "—")
    assert field("doc_number") == row["doc_number"]
    assert page.locator("dd.field-issuers ul.issuers li").all_inner_texts() == json.loads(
        row["issuers"]
    )
    assert field("index_number") == (row["index_number"] or "—")
    assert field("topic") == (row["topic"] or "—")
    assert page.locator("dd.field-tags a.tag").all_inner_texts() == json.loads(row["tags"])
    assert page.locator("dd.field-url a").get_attribute("href") == row["url"]
    # the body as HTML: its paragraphs are elements, not escaped text
    body = page.locator(".article-body .body-html")
    assert body.locator("p").count() >= 1
    assert "<p" not in body.inner_text()
    first_line = next(line for line in row["body_text"].splitlines() if line.strip())
    assert " ".join(first_line.split())[:12] in " ".join(body.inner_text().split())
    names = [
        r["name"]
        for r in db.execute(
            "SELECT name FROM attachments WHERE article_id = ? ORDER BY position", (row["id"],)
        )
    ]
    shown = page.locator("ol.attachments > li > a").all_inner_texts()
    assert shown == names and len(names) >= 1
    shoot(page, shots, "article", full=True)


def test_article_view_shows_its_repost_cluster_and_revisions(
    page: Page, served: Served, db: sqlite3.Connection, shots: Path
) -> None:
    article_id = db.execute("SELECT article_id FROM revisions").fetchone()[0]
    copies = db.execute(
        "SELECT id, title FROM articles WHERE cluster_id = "
        "(SELECT cluster_id FROM articles WHERE id = ?) AND id != ? "
        # the order the page promises: oldest copy first, undated last, then by id
        "ORDER BY publish_date IS NULL, publish_date, id",
        (article_id, article_id),
    ).fetchall()
    page.goto(f"{served.url}/policy/articles/{article_id}")
    links = page.locator(".article-copies td.col-title a")
    assert links.all_inner_texts() == [c["title"] for c in copies] and copies
    assert links.first.get_attribute("href") == f"/policy/articles/{copies[0]['id']}"
    revisions = page.locator("ol.revisions > li")
    assert revisions.count() == 1
    assert "2024-12-01 00:00 UTC" in revisions.first.inner_text()
    revisions.first.locator("summary").click()
    assert "（修订）" in revisions.first.locator("pre.diff").inner_text()
    shoot(page, shots, "article-cluster", full=True)


# -------------------------------------------------------------------------------------- search


def test_search_finds_the_same_articles_in_simplified_and_traditional(
    page: Page, served: Served, demo_crawl: Path, shots: Path
) -> None:
    found: dict[str, list[int]] = {}
    for query in ("托育服務", "托育服务"):
        page.goto(served.url + "/")
        page.fill("form.policy-search input[name=q]", query)
        page.press("form.policy-search input[name=q]", "Enter")
        page.wait_for_url(re.compile(r"/-/search\?q="))
        found[query] = ids_on(page, "li.hit")
        shoot(page, shots, f"search-{query}")
    assert found["托育服務"] == found["托育服务"]
    engine = web.readonly_engine(demo_crawl / "policy.db")
    try:  # ranked as `crawler search` ranks them
        assert found["托育服务"] == [hit.id for hit in search(engine, "托育服务", limit=50)]
    finally:
        engine.dispose()
    assert len(found["托育服务"]) >= 5
    titles = page.locator("li.hit a.hit-title")
    assert titles.first.get_attribute("href") == f"/policy/articles/{found['托育服务'][0]}"

    # the articles table's own search box, in either script
    table_ids = {}
    for query in ("托育服務", "托育服务"):
        page.goto(served.url + "/policy/articles?" + urllib.parse.urlencode({"_search": query}))
        table_ids[query] = sorted(
            int(t) for t in page.locator("td.col-id").all_inner_texts() if t.strip()
        )
    assert table_ids["托育服務"] == table_ids["托育服务"]
    # the table searches the articles' own text; the search page also finds the articles whose
    # word is only in an attachment (issue 21): those are the difference
    assert set(table_ids["托育服务"]) <= set(found["托育服务"])
    only_in_files = set(found["托育服务"]) - set(table_ids["托育服务"])
    with sqlite3.connect(demo_crawl / "policy.db") as db:
        for article_id in only_in_files:
            title, body = db.execute(
                "SELECT title, body_text FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
            assert "托育服务" not in (title or "") + (body or ""), article_id


# ---------------------------------------------------------------------------------- table views


def table_pages(served: Served, db: sqlite3.Connection) -> list[str]:
    """Every table, view and canned query of the database (with example parameters)."""
    info: dict[str, Any] = json.loads(fetch(served.url + "/policy.json")[2])
    paths = [f"/policy/{t['name']}" for t in info["tables"] if not t["hidden"]]
    paths += [f"/policy/{v['name'] if isinstance(v, dict) else v}" for v in info["views"]]
    doc_number = db.execute(
        "SELECT doc_number FROM articles WHERE doc_number IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    examples = {
        "by_issuer": {"issuer": "国务院办公厅"},
        "copies_of_policy": {"doc_number": doc_number},
        "search": {"q": "托育服務"},
    }
    for query in info["queries"]:
        params = examples.get(query["name"], {})
        paths.append(f"/policy/{query['name']}?" + urllib.parse.urlencode(params))
    return paths


def test_no_table_view_overflows_and_titles_are_wide(
    page: Page, served: Served, db: sqlite3.Connection, shots: Path
) -> None:
    paths = table_pages(served, db)
    assert {"/policy/articles", "/policy/crawl_runs", "/policy/articles_fts_source"} <= set(paths)
    assert any(p.startswith("/policy/new_this_week") for p in paths)
    titles_seen = 0
    for path in paths:
        page.goto(served.url + path)
        measured = page.evaluate(
            """() => ({
                page: document.documentElement.scrollWidth,
                window: window.innerWidth,
                tables: [...document.querySelectorAll('table.rows-and-columns')]
                    .map(t => t.getBoundingClientRect().right),
                titles: [...document.querySelectorAll('td.col-title')]
                    .map(td => td.getBoundingClientRect().width),
            })"""
        )
        assert measured["page"] <= WIDTH, f"{path} is {measured['page']} px wide"
        for right in measured["tables"]:
            assert right <= measured["window"], f"{path}: the table ends at {right} px"
        for width in measured["titles"]:
            assert width >= 200, f"{path}: a title cell is {width} px wide"
        titles_seen += len(measured["titles"])
        name = re.sub(r"\W+", "-", path.strip("/").split("?")[0])
        shoot(page, shots, f"table-{name}")
    assert titles_seen >= 50


def test_bulky_columns_are_hidden_one_click_away_and_the_glossary_is_collapsed(
    page: Page, served: Served, shots: Path
) -> None:
    page.goto(served.url + "/policy/articles")
    assert page.locator("th.col-title").count() == 1
    for bulky in ("body_text", "body_html", "body_simplified", "title_simplified", "content_hash"):
        assert page.locator(f"th.col-{bulky}").count() == 0, bulky
    glossary = page.locator("details.glossary")
    assert glossary.get_attribute("open") is None
    assert not page.locator("dl.glossary-list").is_visible()
    assert not page.locator("section.content > dl.column-descriptions").is_visible()
    row_height = page.locator("table.rows-and-columns tbody tr").first.bounding_box()
    assert row_height is not None and row_height["height"] < 200
    glossary.locator("summary").click()
    assert "发文字号" in page.locator("dl.glossary-list").inner_text()
    page.click("a.show-all-columns")
    page.wait_for_url(re.compile(r"_show=all"))
    assert page.locator("th.col-body_text").count() == 1
    assert page.locator("th.col-content_hash").count() == 1
    shoot(page, shots, "table-articles-all-columns")
    # JSON keeps every column
    rows = json.loads(fetch(served.url + "/policy/articles.json?_shape=array&_size=1")[2])
    assert "body_text" in rows[0] and "content_hash" in rows[0]


# ---------------------------------------------------------------------------------- site health


def test_site_health_shows_the_last_runs_and_a_monthly_chart(
    page: Page, served: Served, db: sqlite3.Connection, shots: Path
) -> None:
    page.goto(served.url + "/-/health")
    last = db.execute(
        "SELECT site, status, items_new FROM crawl_runs AS r WHERE id = "
        "(SELECT max(id) FROM crawl_runs WHERE site = r.site) ORDER BY site"
    ).fetchall()
    assert len(last) >= 5
    for run in last:
        site_row = page.locator(f'tr.site-row[data-site="{run["site"]}"]')
        newest_run = site_row.locator("tr.run").first
        assert newest_run.locator(".status").inner_text() == run["status"]
        assert f"+{run['items_new']}" in newest_run.inner_text()
    bars = page.locator("svg.month-chart rect.bar")
    counted = sum(int(c) for c in bars.evaluate_all("bs => bs.map(b => b.dataset.count)"))
    dated = db.execute("SELECT count(*) FROM articles WHERE publish_date IS NOT NULL").fetchone()[0]
    assert counted == dated  # every dated article is in a bar (the demo spans < 36 months)
    per_site_month = db.execute(
        "SELECT site, strftime('%Y-%m', publish_date) AS m, count(*) AS n FROM articles "
        "WHERE publish_date IS NOT NULL GROUP BY site, m ORDER BY n DESC LIMIT 1"
    ).fetchone()
    bar = page.locator(
        f'rect.bar[data-site="{per_site_month["site"]}"][data-month="{per_site_month["m"]}"]'
    )
    assert bar.get_attribute("data-count") == str(per_site_month["n"])
    assert (bar.bounding_box() or {}).get("height", 0) > 0
    shoot(page, shots, "health", full=True)


# ---------------------------------------------------------------------------------- the README


def test_the_readme_shows_the_url_and_the_screenshot() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "http://127.0.0.1:8001/" in readme
    assert "docs/web-view.png" in readme
    width, height = png_size(DOCS_SCREENSHOT)
    assert (width, height) == (WIDTH, 900)
