"""Fixtures of the browser tests: the local site, and the distribution's Chromium, which must be
installed (``make test`` installs it: tests/support/provision.sh). These tests never skip."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from crawler.middlewares.browser import find_chromium
from tests.browser.site import BrowserSite


@pytest.fixture(scope="session", autouse=True)
def chromium() -> str:
    path = find_chromium(os.environ.get("CHROMIUM_PATH") or None)
    if path is None:
        pytest.fail(
            "the browser tests need the distribution's Chromium: apt-get install chromium "
            "(or CHROMIUM_PATH=/path/to/chromium)"
        )
    return path


@pytest.fixture
def site() -> Iterator[BrowserSite]:
    server = BrowserSite()
    yield server
    server.close()
