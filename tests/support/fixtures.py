"""The pytest fixtures every test folder may use (registered by tests/conftest.py):
throw-away databases on SQLite and on the local PostgreSQL server, and the demo database as a
file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crawler.db import make_engine, upgrade
from tests.support.alerts import Receiver
from tests.support.databases import POSTGRES_ADMIN_URL, check_postgres, postgres_database
from tests.support.demo import build_demo


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the local PostgreSQL server (the test fails when it is down)."""
    problem = check_postgres(POSTGRES_ADMIN_URL)
    if problem is not None:
        pytest.fail(problem)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (not migrated)."""
    with postgres_database(postgres_server) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'policy.db'}"
        return
    yield request.getfixturevalue("pg_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database on each backend."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database as a SQLite file named like the default one (``policy.db``)."""
    path = tmp_path_factory.mktemp("demo-file") / "policy.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    build_demo(engine)
    with engine.connect() as conn:  # one self-contained file, as Datasette will open it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook that keeps the alerts posted to it (``ALERT_URLS=receiver.url``)."""
    r = Receiver()
    yield r
    r.close()
