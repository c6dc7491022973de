"""Fixtures of the scale-out tests: the local Redis (never skipped), key prefixes, sites."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from tests.support.scaleout import REDIS_URL, flush_prefix, unique_prefix
from tests.support.site import CountingSite, StaticSite, generate


@pytest.fixture(scope="session")
def redis_server() -> str:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_server: str) -> Iterator[str]:
    """A Redis key prefix of this test alone; its keys are deleted afterwards."""
    prefix = unique_prefix()
    yield prefix
    flush_prefix(prefix, redis_server)


@pytest.fixture
def redis_client(redis_server: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_server)
    yield client
    client.close()


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StaticSite, dict]]:
    """3 sections x 2 list pages x 6 articles (42 pages) on nginx, its requests logged."""
    tmp = tmp_path_factory.mktemp("small-site")
    info = generate(tmp / "site", 3, 2, 6)
    site = StaticSite(tmp / "site", tmp / "nginx", access_log=True)
    yield site, info
    site.close()


@pytest.fixture
def counting_site(tmp_path: Path) -> Iterator[tuple[CountingSite, dict]]:
    """2 sections x 2 list pages x 10 articles (44 pages), 50 ms per answer, counted."""
    info = generate(tmp_path / "site", 2, 2, 10)
    site = CountingSite(tmp_path / "site", latency=0.05)
    yield site, info
    site.close()
