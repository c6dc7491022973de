"""The commands as a new user meets them: a closed pipe, a mistyped database path, a cut-off
result list."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT


def crawler(
    *args: str, database: str, stdout: int | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [("search", "托育", "--limit", "50"), ("status",), ("export", "--format", "jsonl")],
)
def test_a_closed_pipe_ends_the_command_quietly(
    args: tuple[str, ...], demo_sqlite_file: Path
) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as `| head -0` would be
    try:
        result = crawler(*args, database=f"sqlite:///{demo_sqlite_file}", stdout=write)
    finally:
        os.close(write)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr


@pytest.mark.parametrize("args", [("status",), ("db", "upgrade"), ("search", "托育")])
def test_a_sqlite_path_in_a_missing_folder_is_refused_not_created(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    database = tmp_path / "no-such-folder" / "policy.db"
    result = crawler(*args, database=f"sqlite:///{database}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no-such-folder" in result.stderr and "Traceback" not in result.stderr
    assert not database.parent.exists()


def test_status_before_any_crawl_creates_no_database(tmp_path: Path) -> None:
    database = tmp_path / "policy.db"
    result = crawler("status", database=f"sqlite:///{database}")
    assert result.returncode == 0
    assert "no crawl has run yet" in result.stdout
    assert not database.exists()


def test_help_lists_every_command_and_the_exit_codes() -> None:
    from crawler.cli.app import build_parser

    text = build_parser().format_help()
    for command in (
        "run",
        "check",
        "status",
        "extract",
        "db",
        "export",
        "search",
        "enqueue",
        "frontier",
    ):
        assert f"\n    {command} " in text, command
    assert "exit status:" in text and "3  (run) another crawl holds the lock file" in text
    assert "``" not in text  # no reStructuredText markup in the terminal


def test_extract_says_when_a_list_page_gives_no_links(tmp_path: Path) -> None:
    page = tmp_path / "list.html"
    page.write_text(
        '<html><body><ul><li><a href="/a/1.html">一则通知</a> 2024-11-26</li></ul></body></html>',
        encoding="utf-8",
    )
    result = crawler("extract", "--kind", "list", str(page), database="sqlite://")
    assert result.returncode == 0
    assert "no list of article links found" in result.stderr


def test_version_says_whether_extraction_runs_compiled(tmp_path: Path) -> None:
    from crawler.extraction import BUILD

    done = crawler("--version", database=f"sqlite:///{tmp_path / 'p.db'}")
    assert done.returncode == 0, done.stderr
    name, extraction = done.stdout.splitlines()
    assert name.startswith("policy-crawler 0.")
    assert extraction == f"extraction: {BUILD.describe()}"
    assert not (tmp_path / "p.db").exists()
