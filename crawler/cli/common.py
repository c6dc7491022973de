"""What the commands of ``crawler`` share: exit codes, the project's settings, the database of
``DATABASE_URL``, spider names, log files."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.settings import Settings
    from sqlalchemy import Engine

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_CODES = {
    EXIT_OK: "done (run: every site ok, or only warnings; check: every site healthy)",
    EXIT_FAILED: "something failed: a site failed or was blocked, items could not be stored,\n"
    "     the database could not be reached",
    EXIT_USAGE: "usage error: unknown spider or option, bad setting, no database where one is "
    "needed",
    EXIT_LOCKED: "(run) another crawl holds the lock file",
}
"""Every exit status of ``crawler``, as ``crawler --help`` lists them."""

LOGS_KEPT = 30


def project_settings() -> Settings:
    """The project's Scrapy settings (``crawler/settings.py``, read with the environment)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ``url`` (None for other databases and in-memory ones)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:  # make_engine names the bad URL
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database)


def database_engine(url: str) -> Engine:
    """The engine of ``url`` (``DATABASE_URL``); a SQLite file is never created in a folder that
    does not exist (a typo in the path must not pass for an empty database)."""
    from crawler.db import DatabaseConfigError, make_engine, redact

    path = sqlite_file(url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseConfigError(
            f"DATABASE_URL {redact(url)}: the folder {path.parent} does not exist "
            "(create it, or point DATABASE_URL at the database)"
        )
    return make_engine(url)


def unknown_spiders(command: str, settings: Settings, names: Sequence[str]) -> bool:
    """Say which of ``names`` are not spiders of the project; True if any."""
    from scrapy.spiderloader import get_spider_loader

    available = get_spider_loader(settings).list()
    unknown = [n for n in names if n not in available]
    if unknown:
        print(
            f"crawler {command}: unknown spider(s): {', '.join(unknown)}; "
            f"available: {', '.join(sorted(available))}",
            file=sys.stderr,
        )
    return bool(unknown)


def spider_names(settings: Settings) -> list[str]:
    """Every spider of the project, sorted."""
    from scrapy.spiderloader import get_spider_loader

    return sorted(get_spider_loader(settings).list())


def new_log_file(folder: Path, kind: str) -> Path:
    """A new log file ``<folder>/<kind>-<UTC time>.log``; only the newest ``LOGS_KEPT`` of that
    kind are kept (a daily cron job must not fill the disk)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"{kind}-{stamp}.log"
    for old in sorted(folder.glob(f"{kind}-*.log"))[: -(LOGS_KEPT - 1) or None]:
        old.unlink(missing_ok=True)
    return path
