"""Issue 25: items that can be neither stored nor spooled are counted as *lost*, named in the
``crawler run`` summary, the log, the alert and (when the run record could be written)
``crawler status``, and the run fails. The one case the crawler cannot save items in.

Two ways to lose them, on SQLite and on PostgreSQL, with ``SPOOL_DIR`` where nothing can be
created (below ``/proc``, unwritable even for root):

- the database is unreachable (a SQLite file below ``/proc``; a closed PostgreSQL port);
- the database is up but refuses every article and failure row (a trigger), so the run record
  is written and ``crawler status`` shows the loss.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from sqlalchemy import select, text

from crawler.db import make_engine, upgrade
from crawler.db.models import CrawlRun
from tests.reliability.helpers import stored_articles
from tests.reliability.sites import LocalSite, html_answer, list_page, numbered_notice
from tests.support.alerts import Receiver
from tests.support.commands import command_env, run_cli
from tests.support.databases import (
    closed_port_url,
    create_postgres_database,
    drop_postgres_database,
)
from tests.support.paths import ROOT

ARTICLES = 6
UNWRITABLE = Path("/proc") / f"pc-spool-{uuid.uuid4().hex[:8]}"
"""A spool folder that cannot be made (``/proc`` takes no new entries, not even from root)."""


def publish(site: LocalSite) -> list[str]:
    links = []
    for n in range(ARTICLES):
        notice = numbered_notice(n)
        site.set(f"/a/{n}.html", html_answer(notice.html()))
        links.append((f"/a/{n}.html", notice.title))
    site.set("/list.html", html_answer(list_page(links)))
    return [site.url(path) for path, _ in links]


def crawler_run(
    tmp: Path, database_url: str, site: LocalSite, receiver: Receiver
) -> CompletedProcess[str]:
    """``crawler run test_faulty -v`` over ``site`` (the log on stderr)."""
    import subprocess
    import sys

    env = command_env(
        tmp,
        database_url,
        SPOOL_DIR=str(UNWRITABLE),
        SCRAPY_SETTINGS_MODULE="tests.reliability.run_settings",
        FAULTY_START_URLS=site.url("/list.html"),
        ALERT_URLS=receiver.url,
        EXTRACTION_WORKERS="0",
    )
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "run", "-v", "test_faulty"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_reported_lost(result: CompletedProcess[str], urls: list[str], alerts: str) -> None:
    assert not UNWRITABLE.exists()
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert f"LOST {ARTICLES} item(s)" in result.stdout, result.stdout  # the summary
    lost_lines = [line for line in result.stderr.splitlines() if "LOST" in line]
    assert all(any(url in line for line in lost_lines) for url in urls), lost_lines
    assert f"{ARTICLES} item(s) LOST: neither stored nor spooled" in result.stderr
    assert f"{ARTICLES} item(s) LOST" in alerts  # the alert names the loss


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_database_and_spool_unavailable_every_item_is_reported_lost(
    backend: str, site: LocalSite, tmp_path: Path, receiver: Receiver
) -> None:
    urls = publish(site)
    if backend == "sqlite":  # no file can be made there: "unable to open database file"
        database_url = f"sqlite:////proc/pc-{uuid.uuid4().hex[:8]}.db"
    else:
        database_url = closed_port_url()
    result = crawler_run(tmp_path, database_url, site, receiver)
    assert_reported_lost(result, urls, str(receiver.bodies))
    assert "unavailable at start" in result.stderr


def refuse_writes(database_url: str) -> None:
    """Make the database refuse every article and failure row (a trigger), as a read-only
    or full database would, while the run record can still be written."""
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for table in ("articles", "failures"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
                    )
                )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$"
                )
            )
            for table in ("articles", "failures"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION refuse()"
                    )
                )
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def refusing_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'policy.db'}"
        refuse_writes(url)
        yield url
        return
    admin = request.getfixturevalue("postgres_server")
    url = create_postgres_database(admin)
    try:
        refuse_writes(url)
        yield url
    finally:
        drop_postgres_database(admin, url)


def test_a_database_refusing_writes_with_the_spool_unavailable_reports_the_loss_in_status(
    refusing_database: str, site: LocalSite, tmp_path: Path, receiver: Receiver
) -> None:
    urls = publish(site)
    result = crawler_run(tmp_path, refusing_database, site, receiver)
    assert_reported_lost(result, urls, str(receiver.bodies))
    assert stored_articles(refusing_database) == []
    engine = make_engine(refusing_database)
    try:
        with engine.connect() as conn:
            [run] = conn.execute(select(CrawlRun.__table__)).all()
    finally:
        engine.dispose()
    assert run.status == "failed" and run.items_failed == ARTICLES
    assert any(f"{ARTICLES} item(s) LOST" in p for p in run.problems), run.problems
    status = run_cli("status", tmp=tmp_path, database_url=refusing_database)
    assert status.returncode == 1
    assert f"{ARTICLES} item(s) LOST" in status.stdout, status.stdout
