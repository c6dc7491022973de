"""Fixtures of the research tests: the demo database on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from crawler.db import make_engine, upgrade
from tests.support.commands import run_module
from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.demo import build_demo
from tests.support.paths import FIXTURES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine


@pytest.fixture
def demo(engine: Engine) -> Engine:
    """A migrated database (each backend) holding the demo articles, for tests that change it."""
    build_demo(engine)
    return engine


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo_ro(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo database shared by the read-only tests of a module (each backend)."""
    admin_url = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'policy.db'}"
    else:
        admin_url = request.getfixturevalue("postgres_server")
        url = create_postgres_database(admin_url)
    engine = make_engine(url)
    try:
        upgrade(engine)
        build_demo(engine)
        yield engine
    finally:
        engine.dispose()
        if admin_url is not None:
            drop_postgres_database(admin_url, url)


@pytest.fixture
def settings_for(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Point the commands' DATABASE_URL setting at an engine's database."""

    def use(engine: Engine) -> None:
        url = engine.url.render_as_string(hide_password=False)
        monkeypatch.setattr("crawler.cli.common.project_settings", lambda: {"DATABASE_URL": url})

    return use


def crawl_fixtures(database_url: str, tmp: Path) -> None:
    """Build what `make demo` builds: a crawl of every site's fixtures."""
    result = run_module(
        "crawler.cli", "run", "--replay", str(FIXTURES), tmp=tmp, database_url=database_url
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


@pytest.fixture(scope="session")
def make_demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite database `make demo` builds (a crawl of tests/fixtures), as a file."""
    tmp = tmp_path_factory.mktemp("make-demo")
    path = tmp / "policy.db"
    crawl_fixtures(f"sqlite:///{path}", tmp)
    return path


@pytest.fixture(scope="session")
def make_demo_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: str
) -> Iterator[Engine]:
    """The same crawl into a throw-away PostgreSQL database."""
    url = create_postgres_database(postgres_server)
    engine = make_engine(url)
    try:
        crawl_fixtures(url, tmp_path_factory.mktemp("make-demo-pg"))
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(postgres_server, url)
