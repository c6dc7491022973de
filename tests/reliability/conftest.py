"""Fixtures of the reliability tests: local sites, throw-away databases and PostgreSQL servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.reliability.helpers import ThrowawayPostgres
from tests.reliability.sites import LocalSite


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """The site under test, on 127.0.0.1 (answers are set by each test)."""
    server = LocalSite()
    yield server
    server.close()


@pytest.fixture
def offsite() -> Iterator[LocalSite]:
    """A second local server, reached as ``localhost:PORT``: "another site" for the spider, whose
    ``allowed_domains`` is ``127.0.0.1``. It must never be asked for anything."""
    server = LocalSite()
    yield server
    server.close()


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """A throw-away database on the main PostgreSQL server."""
    url = create_postgres_database(postgres_server)
    try:
        yield url
    finally:
        drop_postgres_database(postgres_server, url)


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server of the tests' own (password auth), which tests may stop and start."""
    server = ThrowawayPostgres.create()
    yield server
    server.destroy()
