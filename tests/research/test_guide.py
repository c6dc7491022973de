"""docs/research-guide.md cannot go stale: its SQL runs against the demo database."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from crawler.research.export import FORMATS
from crawler.research.feeds import POLICY_FIELDS
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Engine

GUIDE = (ROOT / "docs" / "research-guide.md").read_text("utf-8")
BLOCK = re.compile(r"^```(sql|postgresql)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SQLITE_QUERIES = [body for lang, body in BLOCK.findall(GUIDE) if lang == "sql"]
SQLITE_ONLY = ("json_each", "strftime", "articles_fts", "group_concat", "julianday")
POSTGRES_QUERIES = [body for lang, body in BLOCK.findall(GUIDE) if lang == "postgresql"]


def test_the_guide_has_ten_worked_queries() -> None:
    assert len(SQLITE_QUERIES) == 10
    assert len(POSTGRES_QUERIES) >= 5


@pytest.mark.parametrize("n", range(len(SQLITE_QUERIES)), ids=lambda n: f"query{n + 1}")
def test_each_sqlite_query_returns_rows(demo_sqlite_file: Path, n: int) -> None:
    conn = sqlite3.connect(f"file:{demo_sqlite_file}?mode=ro", uri=True)
    try:
        rows = conn.execute(SQLITE_QUERIES[n]).fetchall()
    finally:
        conn.close()
    assert rows, f"query {n + 1} returned nothing:\n{SQLITE_QUERIES[n]}"


def test_each_postgres_variant_returns_rows(demo_ro: Engine) -> None:
    queries = POSTGRES_QUERIES if demo_ro.dialect.name == "postgresql" else []
    portable = [q for q in SQLITE_QUERIES if not any(word in q for word in SQLITE_ONLY)]
    with demo_ro.connect() as conn:
        for query in [*queries, *portable]:
            assert conn.execute(text(query)).all(), query


def test_the_guide_documents_the_feed_extension_and_formats() -> None:
    for name in POLICY_FIELDS:
        assert f"| `{name}` |" in GUIDE, f"feed field {name} is not in the guide"
    for fmt in FORMATS:
        assert f"`{fmt}`" in GUIDE
    assert "datasette data/policy.db --metadata docs/datasette/metadata.yml" in GUIDE
