"""Running the crawler in a subprocess, querying what it stored, and a throw-away PostgreSQL
server that tests may stop and start (an outage on demand)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from crawler.db import make_engine
from crawler.db.models import Article, Failure
from crawler.dedup.urls import url_key
from tests.support.commands import command_env
from tests.support.net import free_port
from tests.support.paths import ROOT

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SPIDER = "test_faulty"
FAST = {
    "SPIDER_MODULES": "crawler.spiders,tests.reliability.faulty_spider",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
    # Scrapy's remote-control job files (port and token) of killed crawls stay here, not in
    # the user's profile
    "REMOTE_CONTROL_JOBS_DIR": str(Path(tempfile.gettempdir()) / "pc_reliability_jobs"),
}
"""Settings every test crawl uses: the test spider, no politeness delays (a local server)."""


def removed_protections() -> dict[str, str]:
    """``RELIABILITY_REMOVE="ROBOTSTXT_OBEY=False DOWNLOAD_MAXSIZE=999999999"``: settings added to
    every test crawl, to switch a protection off by hand and watch its test fail. Never set in CI.
    """
    pairs = os.environ.get("RELIABILITY_REMOVE", "").split()
    return dict(pair.split("=", 1) for pair in pairs)


def crawl_command(
    start_url: str, settings: Mapping[str, str] | None = None, args: Sequence[str] = ()
) -> list[str]:
    merged = {**FAST, **(settings or {}), **removed_protections()}
    command = [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"start_urls={start_url}"]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command + list(args)


def run_crawl(
    tmp: Path,
    database_url: str,
    start_url: str,
    settings: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    timeout: float = 90,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        crawl_command(start_url, settings, args),
        cwd=ROOT,
        env=command_env(tmp, database_url, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stored_articles(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(Article.__table__)).all())
    finally:
        engine.dispose()


def failures(url: str) -> dict[str, Any]:
    """url_key → failures row."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Failure.__table__)).all()
    finally:
        engine.dispose()
    return {row.url_key: row for row in rows}


def key(url: str) -> str:
    return url_key(url)


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL 15 server of its own (initdb in a temp folder, run as the postgres user, since
    postgres refuses to run as root) that a test may stop mid-crawl and start again."""

    folder: Path
    port: int
    password: str

    @classmethod
    def create(cls, password: str = "Pw-3xq9-never-log-me") -> ThrowawayPostgres:
        folder = Path(tempfile.mkdtemp(prefix="pc_pg_"))
        shutil.chown(folder, "postgres", "postgres")
        pwfile = folder / "pw"
        pwfile.write_text(password + "\n")
        shutil.chown(pwfile, "postgres", "postgres")
        server = cls(folder, free_port(), password)
        server._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(server.data),
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        server.start()
        return server

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres:{self.password}@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c fsync=off -c full_page_writes=off"
        )
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "immediate") -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def new_database(self) -> str:
        """A fresh database on this server; its URL (with the password)."""
        name = f"pc_{os.urandom(6).hex()}"
        admin = make_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def count(engine: Engine, table: Any) -> int:
    from sqlalchemy import func

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
