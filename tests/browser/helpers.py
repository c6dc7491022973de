"""Crawling the local browser test site in a subprocess and reading what the crawl left."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crawler.db import make_engine
from crawler.db.models import CrawlRun
from tests.reliability.helpers import failures, stored_articles
from tests.support.commands import command_env as crawl_env
from tests.support.paths import ROOT

SETTINGS = {
    "SPIDER_MODULES": "tests.browser.spiders",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "ROBOTSTXT_OBEY": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "EXTRACTION_WORKERS": "0",
    "BROWSER_PAGE_TIMEOUT": "10",
    "LOG_LEVEL": "INFO",
}


@dataclass
class Crawl:
    process: subprocess.CompletedProcess[str]
    seconds: float
    database_url: str
    probe: dict[str, Any]

    def _run(self) -> Any:
        """The crawl's ``crawl_runs`` row."""
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as conn:
                row = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        finally:
            engine.dispose()
        assert row is not None, self.process.stderr[-3000:]
        return row

    @property
    def stats(self) -> dict[str, Any]:
        """The stats of the crawl's run (its ``crawl_runs`` row)."""
        return dict(self._run().stats or {})

    @property
    def status(self) -> str:
        return str(self._run().status)

    @property
    def problems(self) -> list[str]:
        return list(self._run().problems or [])

    def urls(self) -> set[str]:
        return {row.url for row in stored_articles(self.database_url)}

    def failures(self) -> dict[str, Any]:
        return {row.url: row for row in failures(self.database_url).values()}

    def log(self) -> str:
        return self.process.stderr


def crawl(
    tmp: Path,
    start_urls: Sequence[str],
    render: Sequence[str] = (),
    settings: Mapping[str, str] | None = None,
    spider: str = "test_browser",
    timeout: float = 120,
) -> Crawl:
    """``scrapy crawl`` of the test spider over ``start_urls``, rendering the list pages whose
    URLs start with one of ``render``."""
    database_url = f"sqlite:///{tmp / 'policy.db'}"
    probe = tmp / "probe.json"
    merged = {**SETTINGS, "BROWSER_TEST_PROBE": str(probe), **(settings or {})}
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    command += ["-a", f"start_urls={','.join(start_urls)}"]
    if render:
        command += ["-a", f"render={','.join(render)}"]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    started = time.monotonic()
    process = subprocess.run(
        command,
        cwd=ROOT,
        env=crawl_env(tmp, database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - started
    found = json.loads(probe.read_text()) if probe.exists() else {}
    return Crawl(process, seconds, database_url, found)


def run_cli(
    tmp: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``crawler ARGS`` with the browser test spiders (:mod:`tests.browser.run_settings`)."""
    database_url = f"sqlite:///{tmp / 'policy.db'}"
    extra = {
        "SCRAPY_SETTINGS_MODULE": "tests.browser.run_settings",
        "LOG_DIR": str(tmp / "logs"),
        **(env or {}),
    }
    full_env = crawl_env(tmp, database_url, **extra)
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
