"""Database access: engines, migrations."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from crawler.db import fulltext
from crawler.db.checkpoints import BackgroundCheckpoints

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseConfigError(ValueError):
    """DATABASE_URL is missing or malformed."""


def redact(url: str) -> str:
    """The URL with any password hidden, for logs and status output."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable DATABASE_URL>"


def make_engine(url: str, *, background_checkpoints: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, foreign keys and its folder created, and with
    ``background_checkpoints`` its WAL checkpoints in a thread of their own (a database file
    only; see :mod:`crawler.db.checkpoints`). The writer of a crawl wants them; short-lived
    engines that write a row now and then do not need them."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseConfigError(f"DATABASE_URL is not a database URL: {redact(url)}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        on_file = database and database != ":memory:" and not database.startswith("file:")
        if background_checkpoints and on_file:
            BackgroundCheckpoints(str(database)).attach(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    fulltext.register(dbapi_connection)  # the search index's triggers call it
    cursor = dbapi_connection.cursor()
    # first: switching to WAL waits for a process that is migrating the database, as long as
    # any other statement would (not the driver's 5 s)
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


SEARCH_OBJECTS = ("articles_fts", "ix_articles_search_", "files_fts", "ix_files_search_")
"""Full-text search objects made by raw DDL in migrations (FTS5 tables, trigram indexes): they
have no model, so comparisons of the models with the database leave them out."""


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: everything but the full-text search objects."""
    return not (name or "").startswith(SEARCH_OBJECTS)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every pending migration."""
    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        rev: str | None = MigrationContext.configure(connection).get_current_revision()
        return rev


def head_revision(engine: Engine) -> str | None:
    head: str | None = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    return head


MIGRATION_LOCK_KEY = 0x70635F6D6967  # "pc_mig": PostgreSQL advisory lock of migrations


def ensure_schema(engine: Engine) -> None:
    """Upgrade when the database is behind the code.

    Processes that start together (crawls started by cron at the same minute, scale-out workers)
    migrate one at a time: the first takes the migration lock and migrates, the others wait for
    it and then find the schema current. Without the lock they would all run the migrations at
    once, and all but one fail (on tables that exist by then, or on SQLite's write lock)."""
    head = head_revision(engine)
    if current_revision(engine) == head:
        return
    with _migration_lock(engine):
        if current_revision(engine) != head:
            logger.info("Migrating database %s to the latest schema", redact(str(engine.url)))
            upgrade(engine)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's migration lock: a PostgreSQL advisory lock, or an ``flock`` on a file
    beside an SQLite database (``<database>.migration-lock``: SQLite's own lock cannot be held
    across Alembic's transaction, and waiting for it gives up after the busy timeout)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # a database no other process opens (or a URI we do not parse)
        return
    with Path(f"{database}.migration-lock").open("a", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("Waiting for another process to migrate %s", database)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
