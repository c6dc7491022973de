"""Feeds from the database: JSON Feed 1.1 (schema-checked) and Atom (parsed by feedparser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import feedparser
import jsonschema
import pytest
from sqlalchemy import inspect, select, text, update

from crawler.db.models import Article
from crawler.research.feeds import POLICY_FIELDS, refresh_feeds, safe_name, write_feeds
from crawler.research.records import REPOST_CLUSTER_COLUMNS
from tests.support.commands import run_cli_here as run_cli
from tests.support.demo import ALL_URLS, ITEMS, PUHUI_URL, TRADITIONAL_URL, UNDATED_URL, UNSAFE_URL

if TYPE_CHECKING:
    from sqlalchemy import Engine

SCHEMA = json.loads((Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text("utf-8"))
ITEMS_BY_URL = {item.url: item for items in ITEMS.values() for item in items}


def load(path: Path) -> dict[str, Any]:
    feed: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return feed


def clusters(engine: Engine) -> dict[str, Any]:
    """Each article's repost cluster as the database has it (None without such a column)."""
    columns = {c["name"] for c in inspect(engine).get_columns("articles")}
    name = next((n for n in REPOST_CLUSTER_COLUMNS if n in columns), None)
    with engine.connect() as conn:
        if name is None:
            return {url: None for url in conn.scalars(select(Article.url))}
        rows = conn.execute(text(f"SELECT url, {name} FROM articles"))
        return {url: value for url, value in rows}


def expected_policy(url: str, cluster: dict[str, Any]) -> dict[str, Any]:
    item = ITEMS_BY_URL[url]
    return {
        "doc_number": item.doc_number,
        "issuer": item.issuer,
        "written_date": item.written_date,
        "publish_date": item.publish_date[:10] if item.publish_date else None,
        "index_number": item.index_number,
        "site": item.site,
        "attachments": [
            {"name": a.name, "url": a.url, "file_type": a.file_type} for a in item.attachments
        ],
        "repost_cluster": cluster[url],
    }


@pytest.fixture(scope="module")
def cluster(demo_ro: Engine) -> dict[str, Any]:
    return clusters(demo_ro)


@pytest.fixture(scope="module")
def feeds(demo_ro: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("feeds")
    write_feeds(demo_ro, out)
    return out


def test_every_json_feed_passes_the_schema(feeds: Path) -> None:
    paths = sorted(feeds.rglob("*.json"))
    paths.remove(feeds / "index.json")
    assert len(paths) == 1 + 5 + 5  # all, five sites, five tags
    for path in paths:
        jsonschema.validate(load(path), SCHEMA)


def test_the_schema_check_can_fail(feeds: Path) -> None:
    feed = load(feeds / "all.json")
    del feed["items"][0]["content_text"]
    feed["items"][0].pop("content_html", None)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(feed, SCHEMA)


def test_json_feed_items_carry_the_policy_fields(feeds: Path, cluster: dict[str, Any]) -> None:
    items = {i["id"]: i for i in load(feeds / "all.json")["items"]}
    assert set(items) == ALL_URLS
    for url, item in items.items():
        policy = item["_policy"]
        assert set(POLICY_FIELDS) | {"about"} == set(policy)
        assert policy["about"].startswith("https://")
        for name, value in expected_policy(url, cluster).items():
            assert policy[name] == value, (url, name)
        assert [a["url"] for a in item.get("attachments", [])] == [
            a.url for a in ITEMS_BY_URL[url].attachments
        ]
    puhui = items[PUHUI_URL]
    assert puhui["attachments"][1] == {
        "url": "https://www.nhc.gov.cn/att/puhui2.xlsx",
        "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "title": "附件2：统计表.xlsx",
    }
    assert puhui["_policy"]["issuers"] == ["国家卫生健康委", "国家发展改革委"]
    assert puhui["date_published"] == "2024-11-20T00:00:00+08:00"
    timed = items["https://www.gov.cn/zhengce/content/202410/content_6983123.htm"]
    assert timed["date_published"] == "2024-10-28T17:30:00+08:00"


def test_feeds_are_newest_first_with_undated_articles_last(feeds: Path) -> None:
    items = load(feeds / "all.json")["items"]
    dates = [i["_policy"]["publish_date"] for i in items]
    assert dates[-1] is None and items[-1]["id"] == UNDATED_URL
    assert dates[:-1] == sorted(dates[:-1], reverse=True)
    assert items[0]["id"] == TRADITIONAL_URL


def test_site_and_tag_feeds_hold_their_articles(feeds: Path) -> None:
    nhc = load(feeds / "site" / "cn_nhc.json")
    assert [i["id"] for i in nhc["items"]] == [PUHUI_URL]
    tuoyu = load(feeds / "tag" / "托育.json")
    expected = {i.url for items in ITEMS.values() for i in items if "托育" in i.tags}
    assert {i["id"] for i in tuoyu["items"]} == expected
    assert all("托育" in i["tags"] for i in tuoyu["items"])
    index = load(feeds / "index.json")
    assert {f["atom"] for f in index["feeds"]} >= {"all.atom", "site/cn_nhc.atom", "tag/托育.atom"}
    opml = (feeds / "feeds.opml").read_text("utf-8")
    assert 'xmlUrl="tag/托育.atom"' in opml


def test_atom_feeds_parse_with_every_policy_field(feeds: Path, cluster: dict[str, Any]) -> None:
    parsed = feedparser.parse((feeds / "all.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    entries = {e.id: e for e in parsed.entries}
    assert set(entries) == ALL_URLS
    for url, entry in entries.items():
        item = ITEMS_BY_URL[url]
        assert entry.link == url
        assert entry.title == item.title
        for name, value in expected_policy(url, cluster).items():
            got = entry.get(f"policy_{name}")
            if name == "attachments":
                assert json.loads(got) == value, url
            else:
                assert (got or None) == (None if value is None else str(value)), (url, name)
        enclosures = [(e.href, e.type) for e in entry.get("enclosures", [])]
        assert [href for href, _ in enclosures] == [a.url for a in item.attachments]
        assert {t.term for t in entry.get("tags", [])} == set(item.tags)
    assert entries[PUHUI_URL].enclosures[0].type == "application/pdf"
    assert entries[PUHUI_URL].published.startswith("2024-11-20T00:00:00+08:00")


def test_html_in_feed_content_is_sanitised(feeds: Path) -> None:
    item = next(i for i in load(feeds / "all.json")["items"] if i["id"] == UNSAFE_URL)
    html = item["content_html"]
    assert "学前教育宣传月" in html
    for bad in ("<script", "onclick", "onerror", "javascript:"):
        assert bad not in html
    atom = (feeds / "site" / "cn_moe.atom").read_text("utf-8")
    entry = feedparser.parse(atom).entries[-1]
    assert "<script" not in entry.content[0].value and "onclick" not in entry.content[0].value


def test_feeds_follow_the_database(demo: Engine, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_feeds(demo, out, max_items=2)
    assert len(load(out / "all.json")["items"]) == 2
    with demo.begin() as conn:
        conn.execute(update(Article).where(Article.site == "mo_ias").values(tags=[]))
        conn.execute(update(Article).where(Article.url == PUHUI_URL).values(title="新标题"))
    written = refresh_feeds(demo, out)
    assert written is not None
    assert not (out / "site" / "mo_ias.json").exists() or load(out / "site" / "mo_ias.json")
    assert load(out / "site" / "cn_nhc.json")["items"][0]["title"] == "新标题"
    with demo.begin() as conn:
        conn.execute(update(Article).values(tags=[]))
        assert conn.execute(select(Article.id)).first() is not None
    written = refresh_feeds(demo, out)
    assert written is not None
    assert not list((out / "tag").glob("*.json")), "feeds of tags no longer used are removed"
    assert out / "tag" / "托育.json" in written.removed


def test_feed_file_names_are_safe() -> None:
    assert safe_name("托育") == "托育"
    assert safe_name("cn_gov") == "cn_gov"
    odd = safe_name("卫生/健康 ..")
    assert "/" not in odd and " " not in odd and odd.startswith("卫生_健康-")
    assert safe_name("a/b") != safe_name("a?b")


def test_crawler_export_feeds_writes_the_folder(
    demo_ro: Engine, settings_for: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_for(demo_ro)
    out = tmp_path / "public"
    code = run_cli(
        ["export", "feeds", "--out", str(out), "--max-items", "3", "--base-url", "https://x.org/f/"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    files = [f for f in out.rglob("*") if f.is_file()]
    assert f"feeds: 11 feed(s), {len(files)} file(s)" in printed  # the count is what was written
    assert "note:" not in printed
    feed = load(out / "all.json")
    assert len(feed["items"]) == 3
    assert feed["feed_url"] == "https://x.org/f/all.json"
    assert 'xmlUrl="https://x.org/f/site/cn_nhc.atom"' in (out / "feeds.opml").read_text("utf-8")
    atom = feedparser.parse((out / "tag" / "托育.atom").read_bytes())
    assert atom.feed.id == "https://x.org/f/tag/托育.atom"
    assert len(atom.entries) == 3


def test_refresh_feeds_reports_a_failure_without_raising(
    demo_ro: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert refresh_feeds(demo_ro, blocked) is None
    assert "feeds: not refreshed" in capsys.readouterr().out
    written = refresh_feeds(demo_ro, tmp_path / "ok")
    assert written is not None and (tmp_path / "ok" / "all.atom").exists()


def test_the_feed_base_url_is_configured_once_and_its_absence_is_said(
    demo_ro: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    url = demo_ro.url.render_as_string(hide_password=False)
    settings = {"DATABASE_URL": url}
    monkeypatch.setattr("crawler.cli.common.project_settings", lambda: settings)
    assert run_cli(["export", "feeds", "--out", str(tmp_path / "a")]) == 0
    assert "relative URLs" in capsys.readouterr().out
    assert 'xmlUrl="site/cn_nhc.atom"' in (tmp_path / "a" / "feeds.opml").read_text("utf-8")
    settings["FEED_BASE_URL"] = "https://feeds.example.org/policy"
    assert run_cli(["export", "feeds", "--out", str(tmp_path / "b")]) == 0
    assert "relative URLs" not in capsys.readouterr().out
    opml = (tmp_path / "b" / "feeds.opml").read_text("utf-8")
    assert 'xmlUrl="https://feeds.example.org/policy/site/cn_nhc.atom"' in opml
