"""Fixtures of the reliability tests: local sites and a PostgreSQL server of their own (the
throw-away databases: :mod:`tests.support.fixtures`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server of the tests' own (password auth), which tests may stop and start."""
    server = ThrowawayPostgres.create()
    yield server
    server.destroy()
