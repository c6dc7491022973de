"""The docs cannot go stale: the SQL of docs/research-guide.md and of the README runs against
the database `make demo` builds (a crawl of the fixtures), and each query returns rows."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from crawler.research.export import FORMATS
from crawler.research.feeds import POLICY_FIELDS
from tests.support.paths import ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Engine

GUIDE = (ROOT / "docs" / "research-guide.md").read_text("utf-8")
README = (ROOT / "README.md").read_text("utf-8")
BLOCK = re.compile(
    r"^(<!-- no rows on the demo database -->\n)?```(sql|postgresql)\n(.*?)^```", re.M | re.S
)
SQLITE_QUERIES = [body for _, lang, body in BLOCK.findall(GUIDE) if lang == "sql"]
SQLITE_ONLY = ("json_each", "strftime", "articles_fts", "group_concat", "julianday")
POSTGRES_QUERIES = [body for _, lang, body in BLOCK.findall(GUIDE) if lang == "postgresql"]
README_QUERIES = [
    (bool(empty), body) for empty, lang, body in BLOCK.findall(README) if lang == "sql"
]
SHELL_SQL = re.compile(r'^\s+sqlite3 data/policy\.db "(.*)"$', re.M)


def test_the_guide_has_ten_worked_queries() -> None:
    assert len(SQLITE_QUERIES) == 10
    assert len(POSTGRES_QUERIES) >= 5
    assert len(README_QUERIES) >= 3 and SHELL_SQL.findall(README)


def run_sqlite(path: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("n", range(len(SQLITE_QUERIES)), ids=lambda n: f"query{n + 1}")
def test_each_guide_query_returns_rows_on_the_demo(make_demo_sqlite: Path, n: int) -> None:
    rows = run_sqlite(make_demo_sqlite, SQLITE_QUERIES[n])
    assert rows, f"query {n + 1} returned nothing:\n{SQLITE_QUERIES[n]}"


def test_the_readme_queries_run_on_the_demo(make_demo_sqlite: Path) -> None:
    for empty, query in README_QUERIES:
        rows = run_sqlite(make_demo_sqlite, query)
        assert bool(rows) != empty, query  # rows, or none where the README says so
    for query in SHELL_SQL.findall(README):
        assert run_sqlite(make_demo_sqlite, query), query


@pytest.mark.postgres
def test_each_postgres_variant_returns_rows_on_the_demo(make_demo_postgres: Engine) -> None:
    portable = [q for q in SQLITE_QUERIES if not any(word in q for word in SQLITE_ONLY)]
    with make_demo_postgres.connect() as conn:
        for query in [*POSTGRES_QUERIES, *portable]:
            assert conn.execute(text(query)).all(), query


def test_the_guide_documents_the_feed_extension_and_formats() -> None:
    for name in POLICY_FIELDS:
        assert f"| `{name}` |" in GUIDE, f"feed field {name} is not in the guide"
    for fmt in FORMATS:
        assert f"`{fmt}`" in GUIDE
    assert "datasette data/policy.db --metadata docs/datasette/metadata.yml" in GUIDE
