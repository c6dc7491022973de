"""The fixtures every test folder may use come from :mod:`tests.support.fixtures` (throw-away
databases on SQLite and on the local PostgreSQL server); shared helpers are in
:mod:`tests.support`.

Tests are marked by the services they need, from the fixtures they use (``postgres``: the local
PostgreSQL server; ``redis``: the local Redis), or in their module (``browser``: Chromium);
``make test-quick`` runs the others.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.fixtures"]

SERVICE_FIXTURES = {
    "postgres_server": "postgres",
    "own_postgres": "postgres",
    "redis_server": "redis",
}
"""Fixture → the marker of the service it needs (for every test that uses it, even indirectly)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in SERVICE_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
