"""SQLite WAL checkpoints in a background thread (crawler.db.checkpoints)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from crawler.db import make_engine
from crawler.db.checkpoints import WAL_LIMIT_PAGES, BackgroundCheckpoints, background_checkpoints


def write_rows(engine: Engine, batches: int = 5, rows: int = 200) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
    for _ in range(batches):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "托育" * 500}] * rows)


def checkpoint_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "sqlite-checkpoints"}


@pytest.fixture
def new_threads() -> Callable[[], set[threading.Thread]]:
    """The checkpoint threads started since the test began (other tests' engines may still
    have theirs until they are collected)."""
    before = checkpoint_threads()
    return lambda: checkpoint_threads() - before


def test_the_log_is_copied_back_by_the_thread_and_starts_over(
    tmp_path: Path, new_threads: Callable[[], set[threading.Thread]]
) -> None:
    path = tmp_path / "a.db"
    engine = make_engine(f"sqlite:///{path}", background_checkpoints=True)
    checkpoints = background_checkpoints(engine)
    assert checkpoints is not None
    try:
        with engine.connect() as conn:
            # the engine's own automatic checkpoint is only a safety net, far above SQLite's 1,000
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_LIMIT_PAGES
        write_rows(engine, batches=1)
        assert checkpoints.wait_idle(timeout=30)
        one_batch = Path(f"{path}-wal").stat().st_size
        assert one_batch > 500_000
        for _ in range(10):  # a crawl's pace: the checkpoint is done before the next batch
            write_rows(engine, batches=1)
            assert checkpoints.wait_idle(timeout=30)
        # ten batches (~8 MB of log pages, far under the engine's own 256 MB mark) were copied
        # back by the thread, and the log started over each time instead of growing
        assert checkpoints.stats.runs >= 10
        assert Path(f"{path}-wal").stat().st_size < 2 * one_batch
        assert checkpoints.stats.errors == 0
        assert len(new_threads()) == 1
    finally:
        engine.dispose()
    assert new_threads() == set()  # disposing of the engine stops the thread


def test_an_engine_used_after_dispose_gets_its_thread_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}", background_checkpoints=True)
    checkpoints = background_checkpoints(engine)
    assert checkpoints is not None
    write_rows(engine, batches=1)
    engine.dispose()
    runs = checkpoints.stats.runs
    try:
        write_rows(engine, batches=2)
        assert checkpoints.wait_idle(timeout=30)
        assert checkpoints.stats.runs > runs
    finally:
        engine.dispose()


def test_without_the_option_sqlite_checkpoints_in_the_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        assert background_checkpoints(engine) is None
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    finally:
        engine.dispose()
    memory = make_engine("sqlite://", background_checkpoints=True)  # no file: nothing to copy
    assert background_checkpoints(memory) is None
    memory.dispose()


def test_a_thread_that_cannot_open_the_database_says_so_and_the_writer_goes_on(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    new_threads: Callable[[], set[threading.Thread]],
) -> None:
    checkpoints = BackgroundCheckpoints(str(tmp_path / "missing" / "a.db"))
    with caplog.at_level(logging.ERROR, logger="crawler.db.checkpoints"):
        checkpoints.request()
        assert checkpoints.wait_idle(timeout=30)
    assert checkpoints.stats.errors == 1
    assert "could not start" in caplog.text and "missing" in caplog.text
    checkpoints.close()
    checkpoints.request()  # closed for good: no thread again
    assert new_threads() == set()


def test_the_storage_pipeline_checkpoints_in_the_background_unless_told_not_to(
    tmp_path: Path,
) -> None:
    from scrapy.utils.test import get_crawler

    from crawler.pipelines.storage import StoragePipeline

    for setting, expected in ((True, True), (False, False)):
        crawler = get_crawler(
            settings_dict={
                "DATABASE_URL": f"sqlite:///{tmp_path / f'{setting}.db'}",
                "STORAGE_BACKGROUND_CHECKPOINTS": setting,
                "SPOOL_DIR": str(tmp_path / "spool"),
            }
        )
        pipeline = StoragePipeline.from_crawler(crawler)
        try:
            assert (background_checkpoints(pipeline.engine) is not None) is expected
        finally:
            pipeline.engine.dispose()
