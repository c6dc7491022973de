"""Browsing with Datasette: the demo database served by ``make browse`` over HTTP, with metadata,
canned queries and the search box in either script. The pages as a browser shows them:
tests/research/test_web_browser.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from sqlalchemy import inspect

from crawler.db import make_engine
from tests.support.demo import PUHUI_URL
from tests.support.net import free_port
from tests.support.paths import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

METADATA = ROOT / "docs" / "datasette" / "metadata.yml"
PLUGINS = ROOT / "docs" / "datasette" / "plugins"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


@dataclass
class Served:
    """A running ``make browse``: its base URL, what it printed, how long it took to answer."""

    url: str
    printed: str
    startup_seconds: float


@contextmanager
def serve_browse(database: Path, feed_dir: Path, **env: str) -> Iterator[Served]:
    """``make browse`` on ``database`` (a file named policy.db) and a free port, as a user runs
    it on an installed checkout: the venv is not reinstalled (``-o`` the install stamp) and the
    Datasette of this interpreter is used. Stopped (its process group) at the end."""
    port = free_port()
    command = [
        "make", "--no-print-directory", "-o", ".venv/.installed-stamp", "browse",
        f"BIN={Path(sys.executable).parent}", f"BROWSE_DB={database}", f"BROWSE_PORT={port}",
    ]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, "FEED_DIR": str(feed_dir), **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = started + 60
        while True:
            try:
                get_json(f"{base}/-/versions.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stop(process)
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"make browse did not start: {output[-3000:]}")
                time.sleep(0.1)
        elapsed = time.monotonic() - started
        assert process.stdout is not None
        printed = process.stdout.readline().decode()
        yield Served(base, printed, elapsed)
    finally:
        stop(process)
        if process.stdout:
            process.stdout.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop make and the Datasette it started (their own process group)."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def datasette(demo_sqlite_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_browse(demo_sqlite_file, tmp_path_factory.mktemp("no-feeds")) as served:
        yield served.url


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


def test_the_search_box_and_query_take_traditional_characters(datasette: str) -> None:
    def found(path: str, **params: str) -> list[str]:
        query = urllib.parse.urlencode({**params, "_shape": "array"})
        return sorted(r["url"] for r in get_json(f"{datasette}/policy/{path}.json?{query}"))

    simplified = found("articles", _search="普惠托育服务")
    assert PUHUI_URL in simplified and len(simplified) == 4
    assert found("articles", _search="普惠托育服務") == simplified
    assert found("search", q="普惠托育服務") == found("search", q="普惠托育服务") == simplified


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
