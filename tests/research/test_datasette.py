"""Browsing with Datasette: the demo database served over HTTP, with metadata and canned queries."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from sqlalchemy import inspect

from crawler.db import make_engine
from tests.conftest import ROOT
from tests.research.demo import PUHUI_URL

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

METADATA = ROOT / "docs" / "datasette" / "metadata.yml"
PLUGINS = ROOT / "docs" / "datasette" / "plugins"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def datasette(demo_sqlite_file: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(demo_sqlite_file),
         "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(f"{base}/-/versions.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"datasette did not start: {output[-3000:]}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def test_canned_query_new_this_week_returns_rows(datasette: str) -> None:
    rows = get_json(f"{datasette}/policy/new_this_week.json?_shape=array")
    assert len(rows) == 7
    assert {"publish_date", "site", "doc_number", "title", "url"} <= set(rows[0])


def test_canned_query_copies_of_policy(datasette: str) -> None:
    doc = urllib.parse.quote("国卫人口发〔2024〕30号")
    rows = get_json(f"{datasette}/policy/copies_of_policy.json?doc_number={doc}&_shape=array")
    assert [r["site"] for r in rows] == ["cn_nhc", "sh_wsjkw"]
    assert rows[0]["url"] == PUHUI_URL


def test_canned_queries_by_issuer_and_search(datasette: str) -> None:
    issuer = urllib.parse.quote("国家发展改革委")
    rows = get_json(f"{datasette}/policy/by_issuer.json?issuer={issuer}&_shape=array")
    assert {r["url"] for r in rows} >= {PUHUI_URL}
    rows = get_json(f"{datasette}/policy/search.json?q={urllib.parse.quote('托儿')}&_shape=array")
    assert len(rows) == 1  # the traditional page (托兒所) through its simplified form
    rows = get_json(f"{datasette}/policy/issuers.json?_shape=array")
    assert rows[0]["documents"] >= 2


def test_the_articles_table_search_box_uses_the_fts_index(datasette: str) -> None:
    q = urllib.parse.quote("普惠托育")
    rows = get_json(f"{datasette}/policy/articles.json?_search={q}&_shape=array")
    assert PUHUI_URL in {r["url"] for r in rows}
    assert len(rows) == 4


def test_column_descriptions_are_served(datasette: str) -> None:
    metadata = get_json(f"{datasette}/-/metadata.json")
    columns = metadata["databases"]["policy"]["tables"]["articles"]["columns"]
    assert columns["doc_number"].startswith("发文字号")


def test_every_column_is_described_in_chinese_and_english(demo_sqlite_file: Path) -> None:
    """When a migration adds a column, its description belongs in docs/datasette/metadata.yml."""
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    tables = metadata["databases"]["policy"]["tables"]
    engine = make_engine(f"sqlite:///{demo_sqlite_file}")
    inspector = inspect(engine)
    try:
        for table in ("articles", "attachments", "sources"):
            described = tables[table]["columns"]
            actual = {c["name"] for c in inspector.get_columns(table)}
            assert actual - set(described) == set(), f"{table}: columns without a description"
            for name, text in described.items():
                assert " · " in text and not text.isascii(), f"{table}.{name}: give zh · en"
    finally:
        engine.dispose()
