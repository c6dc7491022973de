"""De-duplication benchmark (issue 5): per-item cost of ``ArticleStore.write`` as the database
grows, and precision/recall of near-duplicate detection on a labelled set of reposts.

    .venv/bin/python -m bench.dedup.run [--sizes 10000,100000,1000000] [--backend sqlite,postgresql]
                                    [--rounds 5] [--quick] [--skip-scale] [--skip-quality]
                                    [--keep]

**Scale.** A database per backend is migrated with ``crawler.db.upgrade`` and grown to every size in
turn by a bulk pre-fill of synthetic policy articles (``bench/dedup/corpus.py``) with exactly the
de-duplication rows the store would write: url_key, content_hash, document_key, cluster_id and
dedup_layer in ``articles``, the MinHash signature in ``article_signatures`` and the 16 band keys in
``lsh_bands`` (computed by an exact fast path, ``bench/dedup/fill.py``, checked against
``crawler.dedup.minhash`` on a sample every run). ~10 % of pre-filled rows are reposts of an earlier
row (cluster of that row). Pre-filled rows store only the first 100 characters of the body (the
signature and hash are of the whole body): full bodies would make a 1M-row pre-fill take hours on
SQLite FTS5 and PostgreSQL trigram indexes, and no de-duplication query reads the body. At each size
the database is saved as a snapshot (a PostgreSQL template database, an SQLite file in
``--workdir``). Then, ``--rounds`` times, every size is measured on a fresh copy of its snapshot
(the sizes ascending in the first round, descending in the second, and so on): ``--items`` new
articles (90 % new documents, 10 % reposts of stored ones with other chrome, lead, order or small
edits; 30 % with 发文字号), the same ones in every round, are written through
``ArticleStore(engine).write`` in batches of 200 after one warm-up batch. Reported: ms/item (median
over batches, mean, and the mean with the pending work: on PostgreSQL the batches start with empty
GIN pending lists and whatever they leave there is merged, timed and counted at the end; on SQLite,
whose engine runs its WAL checkpoints in a background thread as the storage pipeline's does, the
batches start with a checkpointed log, the checkpoint of what they leave in it is timed and counted
at the end; the background thread's time and CPU are reported), with a breakdown: signature
(MinHash), band keys, simplified text, each SQL statement, the commit, and the rest. The ratio of
the largest to the smallest size is taken between the medians over the rounds; each round's own
ratio is printed too.

``--keep`` keeps the snapshots for later runs (the 1M pair takes ~10 GB, and as much again while
a copy is measured; without it they are removed at the end): a later ``--keep`` run reuses them
as long as the generator and the keys ``crawler.dedup.minhash`` and ``content_hash`` compute are
unchanged (their hash names the databases; they are migrated to the current schema once).
``--drop-kept`` removes them all.

**Quality.** A labelled set (originals; reposts in six variants; pairs of distinct policies from
one template sharing salutation, opening, 2-5 boilerplate paragraphs, attachment list and
联系人/电话 line) is written through the store into a fresh database; precision and recall are
computed over pairs (same cluster vs. same family) and for the near-duplicate layer. The same
set is replayed in memory under other LSH settings and thresholds (the store's logic, with
``crawler.dedup.minhash`` constants patched) to see whether 16 bands x 4 rows of 128 permutations
and Jaccard >= 0.6 are right.

Writes ``bench/results/dedup.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import os
import pickle
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from bench.dedup import fill
from bench.dedup.corpus import (
    HEADLINE_VARIANTS,
    REPOST_VARIANTS,
    Document,
    Generator,
    repost_text,
)
from crawler.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from crawler.db import store as store_module
from crawler.db.checkpoints import background_checkpoints
from crawler.db.models import Article
from crawler.db.store import ARTICLES, ArticleStore, SourceInfo
from crawler.dedup import minhash as dedup
from crawler.dedup.urls import url_key
from crawler.extraction.normalize import to_simplified
from crawler.items import PolicyArticle
from crawler.records.normalize import content_hash, normalize_article
from tests.support.paths import ROOT

RESULTS = ROOT / "bench" / "results"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BATCH = 200
CHUNK = 10_000
SEED = 20261128
TARGET_RATIO = 1.5
TARGET_PRECISION = 0.98
TARGET_RECALL = 0.95


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- databases ---------------------------------------------------------------------------------
@dataclass
class Database:
    backend: str
    engine: Engine
    url: str
    cleanup: Callable[[], None]


def postgres_url(name: str) -> str:
    """The URL of database ``name`` on the benchmark's PostgreSQL server."""
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def create_database(
    backend: str, name: str, workdir: Path, template: str | None = None
) -> Database:
    """A migrated database: empty, or a copy of ``template`` (a snapshot: a PostgreSQL database
    name, an SQLite file path)."""
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        if template is not None:
            shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url, background_checkpoints=True)  # as the storage pipeline

        def cleanup() -> None:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    elif backend == "postgresql":
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if template is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:  # a file copy: the default (WAL_LOG) would write the whole database to the WAL
                conn.execute(
                    text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
                )
        url = postgres_url(name)
        engine = make_engine(url)

        def cleanup() -> None:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    else:
        raise SystemExit(f"unknown backend {backend!r}")
    upgrade(engine)
    return Database(backend, engine, url, cleanup)


# --- kept pre-filled databases (--keep) --------------------------------------------------------
SNAPSHOT_PREFIX = "bench_dedup_snap"
SNAPSHOT_INPUTS = ("bench/dedup/fill.py", "bench/dedup/corpus.py")
"""The code that makes the pre-filled rows: a change makes new snapshots, and so does a change in
what ``crawler.dedup.minhash`` and ``content_hash`` compute (their output on sample documents is
part of the fingerprint; a refactoring that computes the same keys keeps the snapshots). The schema
does not: a copy is migrated to the head revision when it is made (see :meth:`Snapshots.have`)."""


def snapshot_fingerprint(sample: list[Document], generator: Generator) -> str:
    digest = hashlib.sha256(f"{SEED} {CHUNK}".encode())
    for name in SNAPSHOT_INPUTS:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes())
    for n, doc in enumerate(sample[::10]):
        body = generator.corpus.render(doc)
        sig = dedup.signature(body)
        assert sig is not None
        keys = [
            content_hash(doc.title, body),
            sig.to_bytes().hex(),
            *map(str, sig.band_keys()),
            url_key(f"https://prefill.example.gov.cn/zhengce/{n}.html"),
            str(dedup.document_key(doc.doc_number, doc.issuer)),
        ]
        digest.update("\0".join(keys).encode())
    return digest.hexdigest()[:10]


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    return {rev.revision for rev in script.walk_revisions()}


@dataclass(frozen=True)
class Snapshots:
    """Pre-filled databases kept between runs, one per backend and size, never measured on:
    PostgreSQL template databases and SQLite files in the work directory, plus the generator
    state at that size (the reservoir of originals to repost, the next chunk number)."""

    fingerprint: str
    workdir: Path

    def name(self, backend: str, size: int) -> str:
        return f"{SNAPSHOT_PREFIX}_{backend}_{size}_{self.fingerprint}"

    def template(self, backend: str, size: int) -> str:
        name = self.name(backend, size)
        return str(self.workdir / f"{name}.db") if backend == "sqlite" else name

    def meta(self, size: int) -> Path:
        return self.workdir / f"{SNAPSHOT_PREFIX}_{size}_{self.fingerprint}.pickle"

    def have(self, backends: list[str], size: int) -> bool:
        """Whether every backend's database of ``size`` is kept, at a schema revision the
        migrations know (a copy is then upgraded to the head)."""
        if not self.meta(size).exists():
            return False
        if pickle.loads(self.meta(size).read_bytes()).get("revision") not in known_revisions():
            return False
        for backend in backends:
            if backend == "sqlite" and not Path(self.template(backend, size)).exists():
                return False
            if backend == "postgresql" and not _pg_database_exists(self.name(backend, size)):
                return False
        return True

    def bring_to_head(self, backend: str, size: int) -> None:
        """Migrate a kept database to the current schema once, rather than every copy of it
        (a migration that rewrites a table of a 1M database takes a while)."""
        if backend == "sqlite":
            url = f"sqlite:///{self.template(backend, size)}"
        else:
            url = postgres_url(self.name(backend, size))
        engine = make_engine(url)
        try:
            if current_revision(engine) == head_revision(engine):
                return
            log(f"  migrating the kept {backend} database of {size:,} rows to the current schema")
            upgrade(engine)
        finally:
            engine.dispose()
        if backend == "sqlite":
            with contextlib.closing(sqlite3.connect(self.template(backend, size))) as raw:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def save(self, db: Database, size: int) -> None:
        db.engine.dispose()
        name = self.name(db.backend, size)
        if db.backend == "sqlite":
            path = make_url(db.url).database
            assert path is not None
            with contextlib.closing(sqlite3.connect(path)) as raw:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            partial = self.workdir / f"{name}.partial"
            shutil.copyfile(path, partial)
            partial.replace(self.template(db.backend, size))
        else:
            source = make_url(db.url).database
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(
                    text(f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY FILE_COPY')
                )
            admin.dispose()

    def save_meta(
        self, size: int, reservoir: Reservoir, next_chunk: list[int], revision: str | None
    ) -> None:
        partial = self.meta(size).with_suffix(".partial")
        meta = {
            "revision": revision,
            "items": reservoir.items,
            "seen": reservoir.seen,
            "rng": reservoir.rng.getstate(),
            "next_chunk": next_chunk[0],
        }
        partial.write_bytes(pickle.dumps(meta))  # plain data: no class of __main__
        partial.replace(self.meta(size))

    def load_meta(self, size: int) -> tuple[Reservoir, int]:
        meta = pickle.loads(self.meta(size).read_bytes())
        rng = random.Random()
        rng.setstate(meta["rng"])
        return Reservoir(meta["items"], meta["seen"], rng), int(meta["next_chunk"])


def _pg_database_exists(name: str) -> bool:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
    finally:
        admin.dispose()
    return found is not None


def drop_snapshots(workdir: Path, fingerprint: str | None = None) -> list[str]:
    """Remove the kept databases of ``fingerprint`` (of any, by default); return what was
    removed."""

    def ours(name: str) -> bool:
        return fingerprint is None or name.endswith(f"_{fingerprint}")

    removed = [
        str(p) for p in workdir.glob(f"{SNAPSHOT_PREFIX}_*") if ours(p.name.split(".", 1)[0])
    ]
    for path in removed:
        Path(path).unlink()
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": f"{SNAPSHOT_PREFIX}_%"},
            ).scalars()
            for name in [n for n in names if ours(n)]:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                removed.append(f"postgresql:{name}")
    except Exception as exc:  # PostgreSQL down: the SQLite files are gone at least
        log(f"could not drop PostgreSQL snapshots: {exc}")
    finally:
        admin.dispose()
    return removed


def article_count(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        count, top = conn.execute(
            select(func.count(), func.coalesce(func.max(ARTICLES.c.id), 0))
        ).one()
    return int(count), int(top)


# --- pre-fill ----------------------------------------------------------------------------------
@dataclass
class Reservoir:
    """A sample of stored originals (title, body, issuer), to repost at measurement time."""

    items: list[tuple[str, str, str]] = field(default_factory=list)
    seen: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))

    def offer(self, signed: fill.Signed) -> None:
        self.seen += 1
        if len(self.items) < 2000:
            self.items.append((signed.title, signed.body, signed.issuer))
        elif (slot := self.rng.randrange(self.seen)) < 2000:
            self.items[slot] = (signed.title, signed.body, signed.issuer)


def grow(
    databases: list[Database],
    target: int,
    pool: Any,
    next_chunk: list[int],
    reservoir: Reservoir,
) -> dict[str, float]:
    """Pre-fill every database up to ``target`` articles; return seconds spent per backend."""
    counts = {db.backend: article_count(db.engine) for db in databases}
    missing = target - min(c for c, _ in counts.values())
    if any(c != counts[databases[0].backend][0] for c, _ in counts.values()):
        raise RuntimeError(f"databases differ in size: {counts}")
    spent: dict[str, float] = defaultdict(float)
    if missing <= 0:
        return spent
    ctx = multiprocessing.get_context("fork")
    inboxes: dict[str, Any] = {}
    outbox = ctx.Queue()
    processes = []
    for db in databases:
        db.engine.dispose()
        inboxes[db.backend] = ctx.Queue(maxsize=2)
        process = ctx.Process(
            target=fill.loader_process,
            args=(db.backend, db.url, missing >= 50_000, inboxes[db.backend], outbox),
        )
        process.start()
        processes.append(process)
    next_id = {b: top + 1 for b, (_, top) in counts.items()}
    jobs = []
    left = missing
    while left > 0:
        jobs.append((next_chunk[0], min(CHUNK, left), 0.1))
        next_chunk[0] += 1
        left -= CHUNK
    done = 0
    started_all = time.perf_counter()
    for signed, parents in pool.imap(fill.make_chunk, jobs):
        for s, parent in zip(signed, parents, strict=True):
            if (parent is None and len(reservoir.items) < 2000) or reservoir.rng.random() < 0.02:
                reservoir.offer(s)
        for db in databases:
            first = next_id[db.backend]
            ids = list(range(first, first + len(signed)))
            next_id[db.backend] += len(signed)
            chunk = fill.Prefill(
                ids=ids,
                clusters=[i if p is None else ids[p] for i, p in zip(ids, parents, strict=True)],
                layers=[None if p is None else "near" for p in parents],
                signed=signed,
                store_body=False,
            )
            inboxes[db.backend].put(chunk)
        done += len(signed)
        if done % 100_000 < CHUNK or done == missing:
            rate = done / (time.perf_counter() - started_all)
            log(f"  pre-fill {done:,}/{missing:,} ({rate:,.0f} rows/s)")
    for db in databases:
        inboxes[db.backend].put(None)
    busy = [outbox.get() for _ in databases]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a loader process failed (exit code {process.exitcode})")
    spent["loaders_busy_max"] = max(busy)
    spent["wall"] = time.perf_counter() - started_all
    return spent


# --- instrumentation ---------------------------------------------------------------------------
SQL_LABELS = (
    ("lookup url_key", r"^SELECT articles\.url_key"),
    ("insert articles", r"^INSERT INTO articles"),
    ("lookup content_hash", r"^SELECT articles\.content_hash"),
    ("lookup document_key", r"^SELECT articles\.document_key"),
    ("near candidates (band keys, signatures)", r"JOIN article_signatures"),
    ("reserve ids", r"nextval\(|^SELECT coalesce\(max\(articles\.id\)"),
    ("SQLite write lock (BEGIN IMMEDIATE)", r"^BEGIN IMMEDIATE"),
    ("update clusters", r"^UPDATE articles SET cluster_id"),
    ("update last_seen", r"^UPDATE articles SET last_seen_at"),
    ("insert signatures", r"^INSERT INTO article_signatures"),
    ("insert band keys", r"^INSERT INTO lsh_bands"),
    ("attachments", r"attachments"),
    ("sources", r"sources"),
)


def sql_label(statement: str) -> str:
    for label, pattern in SQL_LABELS:
        if re.search(pattern, statement):
            return label
    return "other SQL"


@dataclass
class Meter:
    seconds: Counter[str] = field(default_factory=Counter)
    candidates: int = 0
    band_rows: int = 0

    def add(self, key: str, seconds: float) -> None:
        self.seconds[key] += seconds


@contextlib.contextmanager
def instrument(engine: Engine, meter: Meter) -> Iterator[None]:
    """Time signatures, band keys, simplified text and each SQL statement of the store."""
    starts: list[float] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        starts.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        meter.add("sql: " + sql_label(statement), time.perf_counter() - starts.pop())

    def timed(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                meter.add(key, time.perf_counter() - started)

        return wrapper

    original_near = ArticleStore._near_candidates

    def near(self: ArticleStore, conn: Any, fresh: Any) -> Any:
        found = original_near(self, conn, fresh)
        meter.candidates += len(found)
        meter.band_rows += sum(len(e.bands) for e in fresh)
        return found

    patches: list[tuple[Any, str, Any]] = [
        (store_module, "signature", timed("signature (MinHash)", store_module.signature)),
        (dedup.Signature, "band_keys", timed("band keys", dedup.Signature.band_keys)),
        (store_module, "to_simplified", timed("simplified text", store_module.to_simplified)),
        (ArticleStore, "_near_candidates", near),
        # the commit is no cursor statement: SQLite writes its WAL (and checkpoints) there
        (engine.dialect, "do_commit", timed("commit", engine.dialect.do_commit)),
    ]
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for obj, name, value in patches:
        setattr(obj, name, value)
    try:
        yield
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


# --- measurement -------------------------------------------------------------------------------
def measured_items(
    size: int, count: int, generator: Generator, reservoir: Reservoir
) -> list[PolicyArticle]:
    """``count`` new articles for the measurement at ``size``: 90 % new documents, 10 % reposts."""
    rng = random.Random(SEED + size)
    generator.rng.seed(SEED + size)
    base = len(generator.corpus.units)
    items = []
    variants = list(REPOST_VARIANTS.values())
    for n in range(count):
        url = f"https://measure{size}.example.gov.cn/zhengce/{n}.html"
        if rng.random() < 0.1 and reservoir.items:
            title, body, issuer = rng.choice(reservoir.items)
            body = repost_text(generator, title, body, rng.choice(variants))
            number = None
        else:
            doc = generator.document()
            title, body, issuer = doc.title, generator.corpus.render(doc), doc.issuer
            number = doc.doc_number
        items.append(
            normalize_article(
                PolicyArticle(
                    url=url,
                    site="bench_measure",
                    title=title,
                    body_text=body,
                    publish_date="2026-11-28",
                    issuer=issuer,
                    doc_number=number,
                )
            )
        )
    generator.corpus.truncate(base)
    return items


def flush_pending(db: Database) -> float:
    """Do the work the writes left pending, and return the seconds it took: on PostgreSQL, merge
    the pending lists of the GIN indexes of ``articles`` into the indexes
    (``gin_clean_pending_list``); on SQLite, wait for the background checkpoints and copy what the
    write-ahead log still holds back into the database file, with its fsync (a ``PASSIVE``
    checkpoint: what a background checkpoint would do next)."""
    started = time.perf_counter()
    if db.backend == "sqlite":
        checkpoints = background_checkpoints(db.engine)
        if checkpoints is not None:
            checkpoints.wait_idle()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
        return time.perf_counter() - started
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
                " WHERE i.indrelid = 'articles'::regclass AND a.amname = 'gin'"
            )
        ).all()
    return time.perf_counter() - started


def _checkpoint_seconds(db: Database) -> tuple[float, float]:
    """(wall, CPU) seconds of the engine's background checkpoints so far (SQLite)."""
    checkpoints = background_checkpoints(db.engine)
    if checkpoints is None:
        return 0.0, 0.0
    return checkpoints.stats.busy_seconds, checkpoints.stats.cpu_seconds


def measure(db: Database, items: list[PolicyArticle], size: int) -> dict[str, Any]:
    store = ArticleStore(db.engine)
    source = SourceInfo("bench_measure", name="bench")
    store.write(items[:BATCH], source)  # warm-up: connection, statement caches, source row
    flush_pending(db)  # start with empty GIN pending lists / a checkpointed WAL
    busy_started, background_started = _checkpoint_seconds(db)
    meter = Meter()
    per_batch: list[float] = []
    cpu_started = time.process_time()
    layers: Counter[str] = Counter()
    with instrument(db.engine, meter):
        for lo in range(BATCH, len(items), BATCH):
            batch = items[lo : lo + BATCH]
            started = time.perf_counter()
            result = store.write(batch, source)
            per_batch.append((time.perf_counter() - started) / len(batch) * 1000)
            layers.update(result.layers)
    cpu = (time.process_time() - cpu_started) / (len(items) - BATCH) * 1000
    n = len(items) - BATCH
    # Work the batches left pending (GIN pending lists on PostgreSQL, the WAL's pages on SQLite),
    # done now and counted: the mean with it is the whole time of storing n items. SQLite's
    # background checkpoints ran meanwhile on the other core: their time and CPU are reported
    # (the CPU is also in the client CPU).
    pending = flush_pending(db) / n * 1000
    busy_now, background_now = _checkpoint_seconds(db)
    busy = (busy_now - busy_started) / n * 1000
    background = (background_now - background_started) / n * 1000
    total = statistics.fmean(per_batch)
    breakdown = {k: v / n * 1000 for k, v in sorted(meter.seconds.items())}
    accounted = sum(v for k, v in breakdown.items())
    breakdown["rest (Python: rows, clustering, SQLAlchemy)"] = total - accounted
    return {
        "backend": db.backend,
        "size": size,
        "items": n,
        "ms_per_item_median": statistics.median(per_batch),
        "ms_per_item_mean": total,
        "pending_flush_ms_per_item": pending,
        "background_checkpoint_ms_per_item": busy,
        "background_checkpoint_cpu_ms_per_item": background,
        "ms_per_item_all": total + pending,
        "ms_per_item_batches": per_batch,
        "client_cpu_ms_per_item": cpu,
        "breakdown_ms_per_item": breakdown,
        "candidates_per_item": meter.candidates / n,
        "layers": dict(layers),
    }


def run_scale(
    sizes: list[int],
    backends: list[str],
    items_per_size: int,
    workdir: Path,
    keep: bool = False,
    rounds: int = 5,
) -> dict[str, Any]:
    """Pre-fill a database of every size and keep it as a snapshot; then measure, ``rounds``
    times, every size on a fresh copy of its snapshot, the sizes in turn (ascending in the first
    round, descending in the second, and so on), so that a slow minute of the machine falls on
    every size alike and the ratio can be taken between the medians of the sizes. With ``keep``
    (``--keep``) the snapshots stay for later runs (and are reused while their fingerprint is
    unchanged); without it they are removed at the end."""
    started = time.perf_counter()
    log("building the generator and unit signatures")
    fill.prepare(SEED)
    generator: Generator = fill._STATE["generator"]
    sample = [generator.document() for _ in range(150)]
    sample += [generator.repost(d, k) for d, k in zip(sample, fill.REPOST_KINDS * 30, strict=False)]
    checked = fill.verify(fill._STATE["signer"], sample)
    # before the truncation: the sample's texts use units added to the corpus since its base
    fingerprint = snapshot_fingerprint(sample, generator)
    pid = os.getpid()
    snapshots = Snapshots(fingerprint if keep else f"{fingerprint}_run{pid}", workdir)
    fill._STATE["signer"].truncate(fill._STATE["base"])
    log(f"fast signatures and band keys identical to crawler.dedup.minhash on {checked} documents")
    rows: list[dict[str, Any]] = []
    prefill: dict[str, dict[str, float]] = {}
    kept: dict[str, str] = {}
    reservoirs: dict[int, Reservoir] = {}
    try:
        _make_snapshots(sizes, backends, workdir, snapshots, prefill, kept, reservoirs)
        for round_ in range(rounds):
            order = sorted(sizes, reverse=round_ % 2 == 1)
            log(f"round {round_ + 1} of {rounds}: {', '.join(f'{s:,}' for s in order)} rows")
            for size in order:
                for backend in backends:
                    items = measured_items(
                        size, items_per_size + BATCH, generator, reservoirs[size]
                    )
                    copy = create_database(
                        backend,
                        f"bench_dedup_measure_{backend}_{pid}",
                        workdir,
                        template=snapshots.template(backend, size),
                    )
                    try:
                        rows_before = article_count(copy.engine)[0]
                        row = measure(copy, items, size)
                    finally:
                        copy.cleanup()
                    row.update(rows_before=rows_before, round=round_)
                    rows.append(row)
                    log(
                        f"  {backend} {rows_before:,} rows: "
                        f"{row['ms_per_item_median']:.3f} ms/item (mean "
                        f"{row['ms_per_item_mean']:.3f}, with the pending work "
                        f"{row['ms_per_item_all']:.3f}), {row['candidates_per_item']:.2f} "
                        "candidates/item"
                    )
    finally:
        if not keep:
            drop_snapshots(workdir, snapshots.fingerprint)
    return {
        "rows": rows,
        "rounds": rounds,
        "prefill_seconds": prefill,
        "kept_databases": {"fingerprint": snapshots.fingerprint, "sizes": kept} if keep else None,
        "seconds": time.perf_counter() - started,
        "verified_signatures": checked,
    }


def _make_snapshots(
    sizes: list[int],
    backends: list[str],
    workdir: Path,
    snapshots: Snapshots,
    prefill: dict[str, dict[str, float]],
    kept: dict[str, str],
    reservoirs: dict[int, Reservoir],
) -> None:
    """Grow one database per backend through every size, saving a snapshot at each (or reuse
    the kept snapshot of a size, and grow on from a copy of it when a larger size is missing)."""
    pid = os.getpid()
    growing: list[Database] = []
    reservoir = Reservoir()
    next_chunk = [0]
    restore_from: int | None = None
    """The size of the kept snapshot the growing databases must start from, if they grow."""
    ctx = multiprocessing.get_context("fork")
    try:
        with ctx.Pool(2) as pool:
            for size in sorted(sizes):
                if snapshots.have(backends, size):
                    log(f"{size:,} rows: kept databases {snapshots.fingerprint} (no pre-fill)")
                    for backend in backends:
                        snapshots.bring_to_head(backend, size)
                    reservoir, next_chunk[0] = snapshots.load_meta(size)
                    reservoirs[size] = snapshots.load_meta(size)[0]  # a copy: growth draws on it
                    restore_from, kept[str(size)] = size, "reused"
                    continue
                if not growing or restore_from is not None:
                    for db in growing:
                        db.cleanup()
                    growing = [
                        create_database(
                            backend,
                            f"bench_dedup_{backend}_{pid}",
                            workdir,
                            template=None
                            if restore_from is None
                            else snapshots.template(backend, restore_from),
                        )
                        for backend in backends
                    ]
                    restore_from = None
                log(f"growing to {size:,} rows")
                prefill[str(size)] = dict(grow(growing, size, pool, next_chunk, reservoir))
                for db in growing:
                    snapshots.save(db, size)
                revision = current_revision(growing[0].engine)
                snapshots.save_meta(size, reservoir, next_chunk, revision)
                reservoirs[size] = snapshots.load_meta(size)[0]  # a copy: growth goes on
                kept[str(size)] = "made"
    finally:
        for db in growing:
            db.cleanup()


# --- quality -----------------------------------------------------------------------------------
@dataclass
class Labelled:
    item: PolicyArticle
    family: int
    kind: str
    """original | a repost variant | template"""
    share: float = 0.0
    """For a template document: the share of its text that is template boilerplate."""


def labelled_set(originals: int, reposts_per_variant: int, pairs: int, seed: int) -> list[Labelled]:
    generator = Generator(seed=seed)
    rng = random.Random(seed)
    out: list[Labelled] = []
    docs: list[tuple[str, str]] = []

    def item(n: int, title: str, body: str) -> PolicyArticle:
        url = f"https://quality.example.gov.cn/{n}.html"
        return normalize_article(
            PolicyArticle(url=url, site="bench_quality", title=title, body_text=body)
        )

    for family in range(originals):
        doc = generator.document()
        body = generator.corpus.render(doc)
        docs.append((doc.title, body))
        out.append(Labelled(item(len(out), doc.title, body), family, "original"))
    for variant, steps in REPOST_VARIANTS.items():
        for _ in range(reposts_per_variant):
            family = rng.randrange(originals)
            title, body = docs[family]
            out.append(
                Labelled(
                    item(len(out), title, repost_text(generator, title, body, steps)),
                    family,
                    variant,
                )
            )
    for n in range(pairs):
        first, second = generator.template_pair()
        for doc in (first, second):
            body = generator.corpus.render(doc)
            template = sum(
                len(generator.corpus.units[u])
                for p in doc.paragraphs
                for u in p
                if len(p) == 1 or u in generator.boilerplate
            )
            out.append(
                Labelled(
                    item(len(out), doc.title, body),
                    originals + 2 * n + (doc is second),
                    "template",
                    template / len(body),
                )
            )
    rng.shuffle(out)
    return out


def pair_scores(clusters: list[int], families: list[int]) -> tuple[float, float, int, int, int]:
    """Pairwise precision and recall of ``clusters`` against ``families``."""

    def pairs(counter: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counter.values())

    true = pairs(Counter(families))
    predicted = pairs(Counter(clusters))
    both = pairs(Counter(zip(clusters, families, strict=True)))
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    return precision, recall, both, predicted, true


def score(
    labelled: list[Labelled], clusters: list[int], layers: list[str | None]
) -> dict[str, Any]:
    """Pairwise scores overall, the near-duplicate layer's precision/recall, per-variant recall."""
    families = [x.family for x in labelled]
    precision, recall, tp, predicted, true = pair_scores(clusters, families)
    root_family: dict[int, set[int]] = defaultdict(set)
    for cluster, family in zip(clusters, families, strict=True):
        root_family[cluster].add(family)
    original_cluster = {
        x.family: c for x, c in zip(labelled, clusters, strict=True) if x.kind == "original"
    }
    near_total = near_right = 0
    recall_by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for x, cluster, layer in zip(labelled, clusters, layers, strict=True):
        if x.kind not in ("original", "template"):
            hit = original_cluster.get(x.family) == cluster
            recall_by[x.kind][0] += hit
            recall_by[x.kind][1] += 1
        if layer == "near":
            near_total += 1
            # right when everything else in its cluster is of its family
            members = [f for f, c in zip(families, clusters, strict=True) if c == cluster]
            near_right += all(f == x.family for f in members)
    reposts = sum(v[1] for k, v in recall_by.items() if k in HEADLINE_VARIANTS)
    found = sum(v[0] for k, v in recall_by.items() if k in HEADLINE_VARIANTS)
    templates: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cluster_size = Counter(clusters)
    for x, cluster in zip(labelled, clusters, strict=True):
        if x.kind == "template":
            bucket = (
                f"{min(int(x.share * 10), 9) / 10:.1f}-{min(int(x.share * 10), 9) / 10 + 0.1:.1f}"
            )
            templates[bucket][0] += cluster_size[cluster] > 1
            templates[bucket][1] += 1
    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairs": {"true_positive": tp, "predicted": predicted, "true": true},
        "near_precision": near_right / near_total if near_total else 1.0,
        "near_recall": found / reposts if reposts else 1.0,
        "near_assigned": near_total,
        "recall_by_variant": {k: v[0] / v[1] for k, v in sorted(recall_by.items())},
        "template_docs_merged_by_boilerplate_share": {
            k: f"{v[0]}/{v[1]}" for k, v in sorted(templates.items())
        },
    }


def run_quality_store(labelled: list[Labelled], backend: str, workdir: Path) -> dict[str, Any]:
    db = create_database(backend, f"bench_dedup_quality_{backend}_{os.getpid()}", workdir)
    try:
        store = ArticleStore(db.engine)
        for lo in range(0, len(labelled), BATCH):
            store.write([x.item for x in labelled[lo : lo + BATCH]], SourceInfo("bench_quality"))
        with db.engine.connect() as conn:
            stored = {
                url: (cluster, layer)
                for url, cluster, layer in conn.execute(
                    select(Article.url, Article.cluster_id, Article.dedup_layer)
                )
            }
    finally:
        db.cleanup()
    clusters = [stored[x.item.url][0] for x in labelled]
    layers = [stored[x.item.url][1] for x in labelled]
    return score(labelled, clusters, layers)


def simulate(
    labelled: list[Labelled], sigs: list[np.ndarray], bands: int, rows: int, threshold: float
) -> dict[str, Any]:
    """The store's clustering (content hash, then LSH candidates and the best estimate >= the
    threshold), in memory, for one LSH setting; signatures computed once per NUM_PERM."""
    index: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    by_hash: dict[str | None, int] = {}
    clusters: list[int] = []
    layers: list[str | None] = []
    for n, (x, sig) in enumerate(zip(labelled, sigs, strict=True)):
        keys = [(b, sig[b * rows : (b + 1) * rows].tobytes()) for b in range(bands)]
        if x.item.content_hash in by_hash:
            clusters.append(clusters[by_hash[x.item.content_hash]])
            layers.append("content")
        else:
            best, match = threshold, None
            for m in {m for key in keys for m in index.get(key, ())}:
                estimate = float(np.count_nonzero(sig == sigs[m])) / len(sig)
                if estimate >= best:
                    best, match = estimate, m
            clusters.append(n if match is None else clusters[match])
            layers.append(None if match is None else "near")
        by_hash.setdefault(x.item.content_hash, n)
        for key in keys:
            index[key].append(n)
    return score(labelled, clusters, layers)


@contextlib.contextmanager
def patched_dedup(num_perm: int, shingle: int) -> Iterator[None]:
    saved = dedup.NUM_PERM, dedup.SHINGLE, dedup.shingle_hashes.__defaults__
    dedup.NUM_PERM, dedup.SHINGLE = num_perm, shingle
    dedup.shingle_hashes.__defaults__ = (shingle,)
    dedup._empty_minhash.cache_clear()  # its permutations follow NUM_PERM
    try:
        yield
    finally:
        dedup.NUM_PERM, dedup.SHINGLE, dedup.shingle_hashes.__defaults__ = saved
        dedup._empty_minhash.cache_clear()


SWEEP = (
    # (shingle, permutations, bands, rows, thresholds): the bands use the first bands x rows
    # values of the signature, the similarity estimate all of them (as the store does)
    (5, 128, 16, 4, (0.5, 0.6)),
    (5, 128, 24, 4, (0.5, 0.6)),
    (5, 128, 32, 4, (0.4, 0.5, 0.6)),
    (5, 128, 64, 2, (0.5, 0.6)),
    (5, 126, 42, 3, (0.5, 0.6)),
    (5, 128, 16, 8, (0.5, 0.6)),
    (5, 64, 16, 4, (0.5, 0.6)),
    (4, 128, 16, 4, (0.5, 0.6)),
    (3, 128, 16, 4, (0.5, 0.6)),
)
"""Settings replayed in memory; the store's own (``crawler.dedup.minhash``) also on simplified
text."""


def exact_jaccards(labelled: list[Labelled]) -> dict[str, list[float]]:
    """Percentiles (5, 50, 95) of the true Jaccard of repost/original and template pairs."""
    sets = [
        set(dedup.shingle_hashes(dedup.normalised_text(x.item.body_text or "")).tolist())
        for x in labelled
    ]
    originals = {x.family: n for n, x in enumerate(labelled) if x.kind == "original"}
    values: dict[str, list[float]] = defaultdict(list)
    pair_of: dict[int, list[int]] = defaultdict(list)
    for n, x in enumerate(labelled):
        if x.kind == "template":
            pair_of[
                (x.family - min(f.family for f in labelled if f.kind == "template")) // 2
            ].append(n)
        elif x.kind != "original":
            a, b = sets[n], sets[originals[x.family]]
            values[x.kind].append(len(a & b) / len(a | b))
    for a, b in (p for p in pair_of.values() if len(p) == 2):
        values["template pair (distinct)"].append(len(sets[a] & sets[b]) / len(sets[a] | sets[b]))
    return {k: [float(q) for q in np.percentile(v, [0, 5, 50, 95, 100])] for k, v in values.items()}


def run_quality(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    labelled = labelled_set(args.originals, args.reposts, args.pairs, SEED + 7)
    log(f"quality set: {len(labelled)} documents")
    result: dict[str, Any] = {
        "set": dict(Counter(x.kind for x in labelled)),
        "exact_jaccard_percentiles_0_5_50_95_100": exact_jaccards(labelled),
    }
    result["store"] = {
        b: run_quality_store(labelled, b, workdir) for b in args.quality_backend.split(",")
    }
    sweep = []
    store_setting = (dedup.SHINGLE, dedup.NUM_PERM, dedup.BANDS, dedup.ROWS)
    for (shingle, perms, bands, rows, thresholds), simplified in itertools.product(
        SWEEP, (False, True)
    ):
        if simplified and (shingle, perms, bands, rows) != store_setting:
            continue
        with patched_dedup(perms, shingle):
            sigs = []
            for x in labelled:
                body = x.item.body_text or ""
                sig = dedup.signature(to_simplified(body) if simplified else body)
                assert sig is not None
                sigs.append(sig.values)
        for threshold in thresholds:
            scores = simulate(labelled, sigs, bands, rows, threshold)
            setting = {
                "shingle": shingle,
                "permutations": perms,
                "bands": bands,
                "rows": rows,
                "threshold": threshold,
            }
            sweep.append({**setting, "simplified": simplified, **scores})
    result["sweep"] = sweep
    result["seconds"] = time.perf_counter() - started
    return result


# --- report ------------------------------------------------------------------------------------
def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


SWEEP_HEADER = [
    *(
        "shingle",
        "bands x rows of permutations",
        "on",
        "threshold",
        "near P",
        "near R",
        "pair P",
        "pair R",
    ),
    *("worst variant R", "traditional R"),
]


def _table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def report(results: dict[str, Any]) -> None:
    scale = results.get("scale")
    if scale:
        print("\n## Per-item cost of ArticleStore.write (new items, batches of 200)\n")
        _table(
            [
                *("backend", "rows", "ms/item median", "ms/item mean"),
                *("mean + pending work", "checkpoints ms (CPU)", "client CPU ms", "candidates"),
            ],
            [
                [
                    f"{r['backend']} (round {r['round'] + 1})",
                    f"{r['rows_before']:,}",
                    f"{r['ms_per_item_median']:.3f}",
                    f"{r['ms_per_item_mean']:.3f}",
                    f"{r['ms_per_item_all']:.3f}",
                    "{:.3f} ({:.3f})".format(
                        r["background_checkpoint_ms_per_item"],
                        r["background_checkpoint_cpu_ms_per_item"],
                    ),
                    f"{r['client_cpu_ms_per_item']:.3f}",
                    f"{r['candidates_per_item']:.2f}",
                ]
                for r in scale["rows"]
            ],
        )
        print("\n### Breakdown, ms/item (round 1)\n")
        main_rows = [r for r in scale["rows"] if r["round"] == 0]
        keys = sorted({k for r in main_rows for k in r["breakdown_ms_per_item"]})
        _table(
            ["part"] + [f"{r['backend']} {r['size']:,}" for r in main_rows],
            [
                [key] + [f"{r['breakdown_ms_per_item'].get(key, 0.0):.3f}" for r in main_rows]
                for key in keys
            ],
        )
        print()
        for backend, ratio in results["ratios"].items():
            ok = met(max(ratio["ratio_median"], ratio["ratio_all"]) <= TARGET_RATIO)
            rounds = ", ".join(
                f"{m:.2f}/{a:.2f}"
                for m, a in zip(
                    ratio["ratio_median_by_round"], ratio["ratio_all_by_round"], strict=True
                )
            )
            print(
                f"- {backend}: ms/item at {ratio['large']:,} / at {ratio['small']:,} rows, "
                f"medians of {scale['rounds']} rounds: "
                f"{ratio['ratio_median']:.2f} by the median batch "
                f"({ratio['median_large']:.3f} / {ratio['median_small']:.3f}), "
                f"{ratio['ratio_all']:.2f} by the mean with the pending work "
                f"({ratio['all_large']:.3f} / {ratio['all_small']:.3f}); "
                f"target <= {TARGET_RATIO}: {ok}"
            )
            print(f"  within each round (median batch / mean with pending work): {rounds}")
        prefill = {
            k: {b: round(v) for b, v in d.items()} for k, d in scale["prefill_seconds"].items()
        }
        print(f"- scale run {scale['seconds'] / 60:.1f} min; pre-fill seconds by size: {prefill}")
        if scale.get("kept_databases"):
            kept = scale["kept_databases"]
            print(
                f"- measured on copies of kept pre-filled databases {kept['fingerprint']} "
                f"(made or reused, by size: {kept['sizes']})"
            )
    quality = results.get("quality")
    if quality:
        print("\n## Near-duplicate detection (labelled set written through the store)\n")
        print(f"set: {quality['set']}")
        for backend, s in quality["store"].items():
            print(
                f"- {backend}: near-duplicate layer precision {s['near_precision']:.4f} "
                f"({met(s['near_precision'] >= TARGET_PRECISION)}), "
                f"recall {s['near_recall']:.4f} ({met(s['near_recall'] >= TARGET_RECALL)}) "
                f"[recall over {', '.join(HEADLINE_VARIANTS)}]; pairwise precision "
                f"{s['pairwise_precision']:.4f}, recall {s['pairwise_recall']:.4f}"
            )
            by_variant = {k: round(v, 3) for k, v in s["recall_by_variant"].items()}
            print(f"  recall by variant: {by_variant}")
            merged = s["template_docs_merged_by_boilerplate_share"]
            print(f"  template documents in a shared cluster, by boilerplate share: {merged}")
        print("\nexact Jaccard of pairs, percentiles 0/5/50/95/100:")
        for kind, q in quality["exact_jaccard_percentiles_0_5_50_95_100"].items():
            print(f"  {kind:>26}: " + " ".join(f"{v:.3f}" for v in q))
        print("\n### Other settings (in-memory replay of the store's logic)\n")
        _table(
            SWEEP_HEADER,
            [
                [
                    str(s["shingle"]),
                    f"{s['bands']}x{s['rows']} of {s['permutations']}",
                    "simplified" if s["simplified"] else "body_text",
                    str(s["threshold"]),
                    f"{s['near_precision']:.4f}",
                    f"{s['near_recall']:.4f}",
                    f"{s['pairwise_precision']:.4f}",
                    f"{s['pairwise_recall']:.4f}",
                    "{:.3f}".format(
                        min(v for k, v in s["recall_by_variant"].items() if k in HEADLINE_VARIANTS)
                    ),
                    "{:.3f}".format(s["recall_by_variant"].get("traditional", float("nan"))),
                ]
                for s in quality["sweep"]
            ],
        )
        print(f"\nquality run: {quality['seconds']:.0f} s")


def ratios(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Largest size / smallest size, per backend: of the medians over the rounds, by the median
    batch and by the mean with the pending work, and the same ratio within each round."""
    out = {}
    for backend in dict.fromkeys(r["backend"] for r in rows):
        mine = [r for r in rows if r["backend"] == backend]
        sizes = sorted({r["size"] for r in mine})
        if len(sizes) < 2:
            continue
        small, large = sizes[0], sizes[-1]

        def at(size: int, key: str, mine: list[dict[str, Any]] = mine) -> dict[int, float]:
            return {r["round"]: r[key] for r in mine if r["size"] == size}

        entry: dict[str, Any] = {"small": small, "large": large}
        for key, name in (("ms_per_item_median", "median"), ("ms_per_item_all", "all")):
            lo, hi = at(small, key), at(large, key)
            entry[f"{name}_small"] = statistics.median(lo.values())
            entry[f"{name}_large"] = statistics.median(hi.values())
            entry[f"ratio_{name}"] = entry[f"{name}_large"] / entry[f"{name}_small"]
            entry[f"ratio_{name}_by_round"] = [hi[r] / lo[r] for r in sorted(lo) if r in hi]
        out[backend] = entry
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backend", default="sqlite,postgresql")
    parser.add_argument("--items", type=int, default=2000, help="measured new items per size")
    parser.add_argument(
        "--quick", action="store_true", help="sizes 1k and 10k, 400 items, 3 rounds, small set"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="measure every size this many times, in turns; ratios of the medians",
    )
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--originals", type=int, default=400)
    parser.add_argument("--reposts", type=int, default=150, help="reposts per variant")
    parser.add_argument(
        "--pairs", type=int, default=300, help="template pairs (distinct documents)"
    )
    parser.add_argument("--quality-backend", default="sqlite")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"))
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the pre-filled databases (PostgreSQL template databases, SQLite files in "
        "--workdir) for later runs and measure on copies of them; a later run with --keep "
        "reuses them while the generator and the keys crawler.dedup.minhash computes are unchanged "
        "(they are migrated to the current schema once)",
    )
    parser.add_argument(
        "--drop-kept", action="store_true", help="remove every kept database, then exit"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "dedup.json")
    args = parser.parse_args(argv)
    if args.drop_kept:
        for removed in drop_snapshots(args.workdir):
            print(f"removed {removed}")
        return
    if args.quick:
        args.sizes, args.items, args.rounds = "1000,10000", 400, 3
        args.originals, args.reposts, args.pairs = 100, 40, 80
    started = time.perf_counter()
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "settings": {
            "shingle": dedup.SHINGLE,
            "num_perm": dedup.NUM_PERM,
            "bands": dedup.BANDS,
            "rows": dedup.ROWS,
            "near_duplicate_jaccard": dedup.NEAR_DUPLICATE_JACCARD,
        },
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    if not args.skip_quality:
        results["quality"] = run_quality(args, args.workdir)
    if not args.skip_scale:
        sizes = [int(s) for s in args.sizes.split(",")]
        results["scale"] = run_scale(
            sizes, args.backend.split(","), args.items, args.workdir, args.keep, args.rounds
        )
        results["ratios"] = ratios(results["scale"]["rows"])
    results["seconds"] = time.perf_counter() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    report(results)
    print(f"\ntotal {results['seconds'] / 60:.1f} min; JSON: {args.output}")


if __name__ == "__main__":
    main()
