"""Figure 6: per-item storage cost of ``ArticleStore.write`` on SQLite and PostgreSQL.

The items are real extractor output: the newest ``n`` article pages of the generated site,
extracted and normalised as in a crawl. Each case writes them into a fresh database (a temp SQLite
file; a throw-away PostgreSQL database created and dropped on ``--postgres-url``'s server):

* ``batched``: ``STORAGE_BATCH_SIZE`` items per ``write`` (one transaction each), as the crawl does;
* ``per_item``: one item per ``write``, i.e. one commit per item;
* ``unchanged``: the same items written again in batches (what a repeat crawl costs the database).

Commits are counted with a SQLAlchemy engine event, so the figure shows that they are batched.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from bench.sitegen import article_meta, content_type

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

SITE = "bench_db"


def make_items(site_root: Path, base_url: str, seed: int, n: int) -> list[Any]:
    """``n`` normalised PolicyArticle items from the newest article pages of the site."""
    from crawler.extraction import extract_from_bytes
    from crawler.items import FIELD_NAMES, PolicyArticle
    from crawler.records.normalize import normalize_article

    items = []
    for index in range(n):
        path = article_meta(seed, index).path
        body = (site_root / path.lstrip("/")).read_bytes()
        page = extract_from_bytes(
            body, base_url + path, {"Content-Type": content_type(path)}, kind="article"
        )
        values = {k: getattr(page, k) for k in FIELD_NAMES if hasattr(page, k)}
        values.update(url=base_url + path, site=SITE, attachments=list(page.attachments))
        items.append(normalize_article(PolicyArticle(**values)))
    return items


def prepare_schema(engine: Engine) -> str | None:
    """Bring the database to the project's schema; a note when the migrations failed."""
    from crawler.db import ensure_schema

    try:
        ensure_schema(engine)
        return None
    except Exception as exc:
        from crawler.db.models import Base

        Base.metadata.create_all(engine)
        return f"migrations failed ({type(exc).__name__}: {exc}); schema created from the models"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_all(engine: Engine, items: Sequence[Any], batch: int) -> dict[str, float]:
    from crawler.db.store import ArticleStore, SourceInfo

    commits = 0

    def on_commit(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    store = ArticleStore(engine)
    source = SourceInfo(site=SITE, name="基准测试站", region="central")
    store.write(items[:1], source)  # warm-up (source row, statement caches); not timed
    event.listen(engine, "commit", on_commit)
    try:
        t0 = time.perf_counter()
        for chunk in _chunks(items[1:], batch):
            store.write(chunk, source)
        elapsed = time.perf_counter() - t0
    finally:
        event.remove(engine, "commit", on_commit)
    n = len(items) - 1
    return {"ms_per_item": elapsed * 1000 / n, "items": n, "commits": commits}


def _cases(engine_for: Any, items: Sequence[Any], batch: int) -> dict[str, Any]:
    started = time.perf_counter()
    out: dict[str, Any] = {}
    with engine_for() as engine:
        out["schema_note"] = prepare_schema(engine)
        out["batched"] = _write_all(engine, items, batch)
        out["unchanged"] = _write_all(engine, items, batch)
    with engine_for() as engine:
        prepare_schema(engine)
        out["per_item"] = _write_all(engine, items, 1)
    out["per_item_over_batched"] = out["per_item"]["ms_per_item"] / out["batched"]["ms_per_item"]
    out["elapsed_s"] = time.perf_counter() - started
    return out


def run_sqlite(work: Path, items: Sequence[Any], batch: int) -> dict[str, Any]:
    from crawler.db import make_engine

    @contextlib.contextmanager
    def engine_for() -> Iterator[Engine]:
        path = work / f"store-{uuid.uuid4().hex[:8]}.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()

    return _cases(engine_for, items, batch)


def run_postgres(admin_url: str, items: Sequence[Any], batch: int) -> dict[str, Any]:
    from crawler.db import make_engine

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    @contextlib.contextmanager
    def engine_for() -> Iterator[Engine]:
        name = f"pc_bench_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        return _cases(engine_for, items, batch)
    finally:
        admin.dispose()
