"""Expected conditions are logged as INFO lines without tracebacks; the rest passes unchanged."""

from __future__ import annotations

import logging

import pytest
from twisted.internet.error import DNSLookupError

from crawler.monitoring.logfilters import install


@pytest.fixture(autouse=True)
def _installed() -> None:
    install()


def test_a_component_switched_off_as_configured_is_info(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("scrapy.middleware")
    with caplog.at_level(logging.INFO):
        logger.warning(
            "Disabled %(clspath)s: %(eargs)s", {"clspath": "crawler.x.Y", "eargs": "off"}
        )
        logger.warning("Disabled %(clspath)s: %(eargs)s", {"clspath": "other.Z", "eargs": "off"})
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "Disabled crawler.x.Y: off"),
        ("WARNING", "Disabled other.Z: off"),  # not ours: left as Scrapy says it
    ]


def test_an_unreachable_robots_txt_is_one_info_line(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    args = {"request": "<GET https://www.gov.cn/zhengce/>", "f_exception": "DNS lookup failed"}
    with caplog.at_level(logging.INFO):
        try:
            raise DNSLookupError("www.gov.cn")
        except DNSLookupError:
            logger.error("Error downloading %(request)s: %(f_exception)s", args, exc_info=True)
        try:
            raise ValueError("a parser bug")
        except ValueError:
            logger.error("Error downloading %(request)s: %(f_exception)s", args, exc_info=True)
    network, bug = caplog.records
    assert network.levelname == "INFO" and network.exc_info is None
    assert network.getMessage() == (
        "robots.txt not fetched for <GET https://www.gov.cn/zhengce/>: DNS lookup failed"
    )
    assert bug.levelname == "ERROR" and bug.exc_info is not None  # a real error keeps its trace
