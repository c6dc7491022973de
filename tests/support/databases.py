"""Throw-away databases on the local PostgreSQL server (``TEST_POSTGRES_URL``).

PostgreSQL tests never skip: when the server is down they fail, naming the URL tried
(``make test`` starts it first: tests/support/provision.sh).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.support.net import free_port

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""A database the tests may use to create and drop their own throw-away databases."""


def create_postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> str:
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


@contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A fresh, empty database (not migrated), dropped afterwards."""
    url = create_postgres_database(admin_url)
    try:
        yield url
    finally:
        drop_postgres_database(admin_url, url)


def check_postgres(admin_url: str = POSTGRES_ADMIN_URL) -> str | None:
    """Why the PostgreSQL server cannot be used (None: it answers)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL at {admin_url} is not reachable: {exc}"
    finally:
        admin.dispose()
    return None


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    from crawler.db import alembic_config

    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def closed_port_url(password: str = "s3cr3t-closed-PW") -> str:
    """A PostgreSQL URL (with a password) that nothing listens on."""
    return f"postgresql+psycopg://crawler:{password}@127.0.0.1:{free_port()}/policy"
