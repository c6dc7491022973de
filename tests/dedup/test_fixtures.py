"""De-duplication on the site fixtures: a repost across two spiders, and a revised page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import select

from crawler.db import make_engine
from crawler.db.models import Article, Revision
from tests.support.commands import run_module
from tests.support.paths import FIXTURES

ORIGINAL = "https://www.gov.cn/zhengce/content/202411/content_6989123.htm"
REPOST = "https://edu.sh.gov.cn/web/gsgg/20241202/8a6c4e2f0b1d4c3e9f7a5b3d1c2e4f60.html"


def crawl(tmp: Path, fixtures: Path, *args: str) -> None:
    result = run_module("crawler.cli", "run", "--replay", str(fixtures), *args, tmp=tmp)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


def rows(tmp: Path) -> dict[str, Article]:
    engine = make_engine(f"sqlite:///{tmp / 'policy.db'}")
    with engine.connect() as conn:
        found = {r.url: r for r in conn.execute(select(Article))}
    engine.dispose()
    return found  # type: ignore[return-value]


def test_a_repost_on_another_site_joins_the_original_cluster(tmp_path: Path) -> None:
    crawl(tmp_path, FIXTURES, "--sequential", "cn_gov", "sh_edu")
    stored = rows(tmp_path)
    original, repost = stored[ORIGINAL], stored[REPOST]
    assert original.cluster_id == original.id and original.dedup_layer is None
    assert repost.cluster_id == original.id
    assert repost.dedup_layer == "near"
    assert repost.site == "sh_edu" and repost.source_name == "上海市教育委员会"
    others = [r for r in stored.values() if r.url not in (ORIGINAL, REPOST)]
    assert all(r.cluster_id != original.id for r in others)  # nothing else joined it


def test_a_revised_page_keeps_its_previous_version(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "cn_gov", fixtures / "cn_gov")
    crawl(tmp_path, fixtures, "cn_gov")
    page = fixtures / "cn_gov" / "pages" / "content_6989123.htm"
    html = page.read_text(encoding="utf-8")
    assert "四、强化组织保障。" in html
    page.write_text(html.replace("四、强化组织保障。", "四、加强组织领导。"), encoding="utf-8")
    crawl(tmp_path, fixtures, "--mode", "backfill", "cn_gov")
    stored = rows(tmp_path)
    expected = json.loads((FIXTURES / "cn_gov" / "expected.json").read_text(encoding="utf-8"))
    assert len(stored) == len(expected["articles"])  # updated in place, nothing added
    assert "四、加强组织领导。" in (stored[ORIGINAL].body_text or "")
    engine = make_engine(f"sqlite:///{tmp_path / 'policy.db'}")
    with engine.connect() as conn:
        [revision] = conn.execute(select(Revision)).all()
    engine.dispose()
    assert revision.article_id == stored[ORIGINAL].id
    assert "四、强化组织保障。" in revision.body_text
    lines = revision.diff.splitlines()
    assert any(line.startswith("-") and "强化组织保障" in line for line in lines)
    assert any(line.startswith("+") and "加强组织领导" in line for line in lines)
