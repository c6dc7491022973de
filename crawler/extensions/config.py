"""Settings checked at start: a bad value stops the crawl before it begins, naming the setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import NotConfigured

from crawler.db import DatabaseConfigError, make_engine
from crawler.extensions.alerts import alert_urls

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


class ConfigError(ValueError):
    """A setting or environment variable has an unusable value."""


def _number(kind: Callable[[str], float], minimum: float) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        try:
            number = kind(str(value))
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if number < minimum:
            raise ValueError(f"{value!r} is below {minimum:g}")

    return check


def _database_url(value: Any) -> None:
    try:
        make_engine(str(value)).dispose()
    except DatabaseConfigError as exc:
        raise ValueError(str(exc).removeprefix("DATABASE_URL ")) from None
    except ImportError as exc:  # e.g. a driver that is not installed
        raise ValueError(f"its database driver is not installed ({exc.name})") from None


def _alerts(value: Any) -> None:
    alert_urls(str(value or "")).__len__()


CHECKS: dict[str, Callable[[Any], None]] = {
    "DATABASE_URL": _database_url,
    "STORAGE_BATCH_SIZE": _number(int, 1),
    "STORAGE_MAX_PENDING_BATCHES": _number(int, 1),
    "STORAGE_THREAD_SWITCH_INTERVAL": _number(float, 0.0001),
    "EXTRACTION_WORKERS": _number(int, 0),
    "EXTRACTION_WORKERS_NICE": _number(int, 0),
    "REVISIT_DAYS": _number(float, 0),
    "INCREMENTAL_KNOWN_IN_A_ROW": _number(int, 1),
    "RETRY_BACKOFF_HOURS": _number(float, 0),
    "HEALTH_MAX_ERROR_RATE": _number(float, 0),
    "HEALTH_MAX_MISSING_DATE_RATE": _number(float, 0),
    "DOWNLOAD_MAXSIZE": _number(int, 1),
    "HEALTH_MAX_MISSING_FIELD_RATE": _number(float, 0),
    "BROWSER_MAX_PAGES": _number(int, 1),
    "BROWSER_PAGE_TIMEOUT": _number(float, 1),
    "BROWSER_RESTART_PAGES": _number(int, 1),
    "BROWSER_MAX_MEMORY_MB": _number(int, 1),
    "ATTACHMENTS_MAX_FILE_SIZE": _number(int, 1),
    "ATTACHMENTS_MAX_RUN_SIZE": _number(int, 0),
    "ATTACHMENTS_CONCURRENT": _number(int, 1),
    "ATTACHMENTS_REVISIT_DAYS": _number(float, 0),
    "ATTACHMENTS_EXTRACTION_WORKERS": _number(int, 1),
    "ATTACHMENTS_EXTRACT_SECONDS": _number(float, 0.1),
    "ATTACHMENTS_EXTRACT_MEMORY_MB": _number(int, 64),
    "ATTACHMENTS_MAX_TEXT_CHARS": _number(int, 1),
    "ATTACHMENTS_MAX_PAGES": _number(int, 1),
    "ATTACHMENTS_MAX_UNPACKED": _number(int, 1),
    "ALERT_URLS": _alerts,
}
"""Settings (most come from environment variables of the same name) and their checks."""


def validate(settings: BaseSettings) -> None:
    """Raise ConfigError naming the first setting whose value cannot be used."""
    for name, check in CHECKS.items():
        value = settings.get(name)
        if value is None:
            continue
        try:
            check(value)
        except ValueError as exc:
            message = str(exc).removeprefix(f"{name}: ")
            raise ConfigError(f"setting {name}: {message}") from None


class ConfigCheck:
    """Extension that validates the settings when a crawler starts."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        validate(crawler.settings)
        raise NotConfigured("settings checked")
