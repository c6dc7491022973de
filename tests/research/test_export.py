"""Streaming exports: JSON lines, CSV (with an optional BOM) and JSON Feed, with filters."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from sqlalchemy import event

from crawler.db import make_engine, upgrade
from crawler.research.export import CSV_COLUMNS, export
from crawler.research.records import Filters, InputError, iter_records, parse_since
from tests.support.commands import run_cli_here as run_cli
from tests.support.demo import ALL_URLS, ITEMS, PUHUI_URL, UNDATED_URL
from tests.support.paths import ROOT

if TYPE_CHECKING:
    from sqlalchemy import Engine

SCHEMA = json.loads((Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text("utf-8"))


def export_text(engine: Engine, fmt: str, filters: Filters | None = None, **kw: Any) -> str:
    out = io.StringIO(newline="")
    export(engine, fmt, out, filters, **kw)
    return out.getvalue()


def test_jsonl_has_every_article_with_its_attachments(demo_ro: Engine) -> None:
    raw = export_text(demo_ro, "jsonl")
    assert "\\u" not in raw  # Chinese as UTF-8, not escaped
    rows = [json.loads(line) for line in raw.splitlines()]
    assert {r["url"] for r in rows} == ALL_URLS
    assert rows[-1]["url"] == UNDATED_URL
    puhui = next(r for r in rows if r["url"] == PUHUI_URL)
    assert [a["name"] for a in puhui["attachments"]] == [
        "附件1：普惠托育机构名单.pdf",
        "附件2：统计表.xlsx",
    ]
    assert puhui["doc_number"] == "国卫人口发〔2024〕30号"
    assert puhui["publish_date"] == "2024-11-20" and puhui["written_date"] == "2024-11-15"
    assert "repost_cluster" in puhui


def test_csv_is_flat_and_opens_in_excel(demo_ro: Engine, tmp_path: Path, settings_for: Any) -> None:
    rows = list(csv.DictReader(io.StringIO(export_text(demo_ro, "csv"), newline="")))
    assert len(rows) == len(ALL_URLS)
    assert list(rows[0]) == list(CSV_COLUMNS)
    puhui = next(r for r in rows if r["url"] == PUHUI_URL)
    assert puhui["issuers"] == "国家卫生健康委；国家发展改革委"
    assert json.loads(puhui["attachments"])[1]["file_type"] == "xlsx"
    assert "\n" in puhui["body_text"]  # multi-line bodies survive quoting
    settings_for(demo_ro)
    target = tmp_path / "out" / "articles.csv"
    assert run_cli(["export", "--format", "csv", "--bom", "--out", str(target)]) == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,url,")
    assert len(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))) == 7
    assert not list(target.parent.glob(".*.tmp")), "no temporary file is left behind"


def test_jsonfeed_export_passes_the_schema(demo_ro: Engine) -> None:
    feed = json.loads(export_text(demo_ro, "jsonfeed", Filters(tag="托育")))
    jsonschema.validate(feed, SCHEMA)
    expected = {i.url for items in ITEMS.values() for i in items if "托育" in i.tags}
    assert [i["id"] for i in feed["items"]] == sorted(
        expected, key=lambda u: [i["id"] for i in feed["items"]].index(u)
    )
    assert {i["id"] for i in feed["items"]} == expected
    assert "托育" in feed["title"]
    empty = json.loads(export_text(demo_ro, "jsonfeed", Filters(site="nowhere")))
    jsonschema.validate(empty, SCHEMA)
    assert empty["items"] == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(site="cn_moe"), 2),
        (Filters(tag="学前教育"), 2),
        (Filters(tag="托育", site="cn_gov"), 2),
        (Filters(since=parse_since("2024-11-22")), 3),
        (Filters(since=parse_since("20241122"), tag="托育"), 2),
        (Filters(tag="没有"), 0),
    ],
)
def test_filters(demo_ro: Engine, filters: Filters, expected: int) -> None:
    assert len(list(iter_records(demo_ro, filters))) == expected


def test_bad_input_is_refused(demo_ro: Engine, settings_for: Any, capsys: Any) -> None:
    settings_for(demo_ro)
    with pytest.raises(SystemExit) as exc:
        run_cli(["export", "--since", "last week"])
    assert exc.value.code == 2
    assert "not a date: 'last week' (give YYYY-MM-DD" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(["export", "--format", "xml"])
    assert "invalid choice: 'xml'" in capsys.readouterr().err
    assert run_cli(["export", "--format", "jsonl", "--bom"]) == 2
    assert "--bom is for --format csv" in capsys.readouterr().err
    with pytest.raises(InputError, match="unknown export format 'xml'"):
        export(demo_ro, "xml", io.StringIO())


def test_attachments_are_read_per_batch_not_per_article(demo_ro: Engine) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(demo_ro, "before_cursor_execute", count)
    try:
        assert len(list(iter_records(demo_ro, batch_size=3))) == 7
    finally:
        event.remove(demo_ro, "before_cursor_execute", count)
    attachment_queries = [s for s in statements if "FROM attachments" in s]
    assert len(attachment_queries) == 3  # ceil(7 / 3) batches, not 7 articles


def test_postgres_reads_through_a_server_side_cursor(demo_ro: Engine) -> None:
    if demo_ro.dialect.name != "postgresql":
        assert demo_ro.dialect.name == "sqlite"  # the sqlite3 cursor steps through rows itself
        return
    cursors: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM articles" in statement:
            cursors.append(type(cursor).__name__)

    event.listen(demo_ro, "before_cursor_execute", seen)
    try:
        list(iter_records(demo_ro, batch_size=2))
    finally:
        event.remove(demo_ro, "before_cursor_execute", seen)
    assert cursors == ["ServerCursor"]


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location(
        "export_memory", ROOT / "bench" / "export_memory.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_memory_stays_flat(tmp_path: Path) -> None:
    """Python's peak memory exporting 3,000 articles is that of exporting 300 (SQLite)."""
    bench = _bench()
    peaks = {}
    for size in (300, 3000):
        engine = make_engine(f"sqlite:///{tmp_path / f'{size}.db'}")
        upgrade(engine)
        bench.populate(engine, size)
        with Path(os.devnull).open("w", encoding="utf-8") as sink:
            tracemalloc.start()
            assert export(engine, "jsonl", sink, batch_size=100) == size
            peaks[size] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        engine.dispose()
    assert peaks[3000] < peaks[300] * 1.3 + 256 * 1024, peaks


def test_export_to_stdout_in_a_real_process(demo_ro: Engine) -> None:
    url = demo_ro.url.render_as_string(hide_password=False)
    code = (
        "import argparse, sys; from crawler.cli.research import register;"
        "p = argparse.ArgumentParser(); register(p.add_subparsers());"
        "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "export", "--site", "cn_nhc"],
        env={**os.environ, "DATABASE_URL": url, "PYTHONIOENCODING": "ascii"},
        cwd=ROOT, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [r["url"] for r in rows] == [PUHUI_URL]
