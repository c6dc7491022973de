"""The browser's settings are checked at start like every other: a bad value names the setting."""

from __future__ import annotations

import pytest

from crawler.extensions.config import ConfigError, validate


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BROWSER_MAX_PAGES", "two"),
        ("BROWSER_MAX_PAGES", "0"),
        ("BROWSER_PAGE_TIMEOUT", "0.1"),
        ("BROWSER_RESTART_PAGES", "-1"),
        ("BROWSER_MAX_MEMORY_MB", "lots"),
    ],
)
def test_a_bad_browser_setting_is_a_configuration_error(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        validate({name: value})  # type: ignore[arg-type]


def test_good_browser_settings_pass() -> None:
    validate({"BROWSER_MAX_PAGES": "4", "BROWSER_PAGE_TIMEOUT": "20"})  # type: ignore[arg-type]
