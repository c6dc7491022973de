"""The ``crawler`` command and other modules run as cron runs them: in a subprocess from the
repository's root, with the database, feeds, spool, lock and logs in a folder of the test's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT


def command_env(tmp: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a command: this one's, without alert targets or a replay folder, with
    DATABASE_URL (SQLite in ``tmp`` by default), FEED_DIR, SPOOL_DIR, LOCK_FILE, LOG_DIR and
    FILES_STORE (the attachments) in ``tmp``; ``extra`` last."""
    env = {k: v for k, v in os.environ.items() if k not in ("ALERT_URLS", "REPLAY_DIR")}
    env.update(
        DATABASE_URL=database_url or f"sqlite:///{tmp / 'policy.db'}",
        FEED_DIR=str(tmp / "feeds"),
        SPOOL_DIR=str(tmp / "spool"),
        LOCK_FILE=str(tmp / "crawler.lock"),
        LOG_DIR=str(tmp / "logs"),
        FILES_STORE=str(tmp / "files"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_module(
    module: str,
    *args: str,
    tmp: Path,
    database_url: str | None = None,
    timeout: float = 180,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` (see :func:`command_env`)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=command_env(tmp, database_url, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli(
    *args: str, tmp: Path, database_url: str | None = None, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """``crawler ARGS`` in a subprocess (see :func:`command_env`)."""
    return run_module(
        "crawler.cli", *args, tmp=tmp, database_url=database_url, timeout=timeout, **env
    )


def run_cli_here(argv: list[str]) -> int:
    """``crawler ARGV`` in this process, with the commands' own settings (exit code returned)."""
    from crawler.cli.app import build_parser

    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code
