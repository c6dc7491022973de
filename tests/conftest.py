"""Shared fixtures: throw-away databases on SQLite and on the local PostgreSQL server.

PostgreSQL tests never skip: when the server is down they fail, naming the URL tried. CI starts
the server first (``.ci/run``). ``TEST_POSTGRES_URL`` points at a database the tests may use to
create and drop their own throw-away databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from crawler.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def run_module(
    module: str,
    *args: str,
    tmp: Path,
    database_url: str | None = None,
    timeout: int = 180,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` from the repository root, as cron would run it, with its
    database, feeds, spool, lock and attachment files in ``tmp`` (SQLite there unless
    ``database_url``)."""
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{tmp / 'policy.db'}",
        "FEED_DIR": str(tmp / "feeds"),
        "SPOOL_DIR": str(tmp / "spool"),
        "LOCK_FILE": str(tmp / "crawler.lock"),
        "LOG_DIR": str(tmp / "logs"),
        "FILES_STORE": str(tmp / "files"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def postgres_server() -> str:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {exc}")
    finally:
        admin.dispose()
    return POSTGRES_ADMIN_URL


def create_postgres_database(admin_url: str) -> str:
    """Create a fresh database next to ``admin_url``'s and return its URL."""
    name = f"pc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'policy.db'}"
        return
    admin_url = request.getfixturevalue("postgres_server")
    url = create_postgres_database(admin_url)
    try:
        yield url
    finally:
        drop_postgres_database(admin_url, url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database on each backend."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()
