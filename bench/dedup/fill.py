"""Fast, exact MinHash signatures for synthetic documents and bulk pre-fill of a database.

:class:`FastSigner` computes the signature ``crawler.dedup.minhash.signature`` would give a document
made of
:class:`bench.dedup.corpus.Corpus` units, without hashing every shingle of every document: the
MinHash of a union is the element-wise minimum of the MinHashes of its parts, so a document's
signature is the minimum of its units' signatures (computed once per unit) and of the permuted
hashes of the few shingles that cross a unit boundary. The hashing and the permutations are the
crawler's own (:func:`crawler.dedup.minhash.kgram_hashes`, :func:`~crawler.dedup.minhash.permute`);
:func:`verify` checks identity with ``crawler.dedup.minhash.signature(...)`` and ``band_keys()``
(every run on a sample; tests/bench/test_dedup_signer.py on every test run).

:func:`load_sqlite` and :func:`load_postgresql` write the rows ``ArticleStore.write`` would write
for an original or a repost (``articles`` with url_key, content_hash, document_key, cluster_id,
dedup_layer; ``article_signatures``; ``lsh_bands``) in big transactions: executemany on SQLite,
COPY on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, insert, text

from bench.dedup.corpus import Corpus, Document
from crawler.db.store import ARTICLES
from crawler.dedup import minhash as dedup
from crawler.dedup.urls import url_key
from crawler.records.normalize import content_hash

U32 = np.dtype(np.uint32)
MAX32 = np.uint32(0xFFFFFFFF)


def _segment_min(values: np.ndarray, segments: np.ndarray, count: int) -> np.ndarray:
    """Row-wise minimum of ``values`` per segment id (sorted); empty segments give all-ones."""
    out = np.full((count, values.shape[1]), MAX32, dtype=U32)
    if len(values) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, segments[1:] != segments[:-1]])
    out[segments[starts]] = np.minimum.reduceat(values, starts, axis=0)
    return out


@dataclass(slots=True)
class Signed:
    """One document ready to store: its text, keys, signature and band keys."""

    title: str
    body: str
    content_hash: str
    signature: bytes
    bands: list[int]
    issuer: str
    date: str
    doc_number: str | None


class FastSigner:
    """Exact signatures of unit-built documents (see the module docstring)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.unit_sigs = np.zeros((0, dedup.NUM_PERM), dtype=U32)

    def truncate(self, size: int) -> None:
        self.corpus.truncate(size)
        self.unit_sigs = self.unit_sigs[:size]

    def grow(self) -> None:
        """Compute the signatures of units added to the corpus since the last call."""
        first = len(self.unit_sigs)
        new = self.corpus.norm[first:]
        if not new:
            return
        parts = [dedup.shingle_hashes(t).astype(U32) for t in new]
        owners = np.repeat(np.arange(len(new)), [len(p) for p in parts])
        flat = np.concatenate(parts) if parts else np.zeros(0, dtype=U32)
        sigs = np.full((len(new), dedup.NUM_PERM), MAX32, dtype=U32)
        step = 200_000
        for lo in range(0, len(flat), step):
            chunk = _segment_min(
                dedup.permute(flat[lo : lo + step]), owners[lo : lo + step], len(new)
            )
            np.minimum(sigs, chunk, out=sigs)
        self.unit_sigs = np.vstack([self.unit_sigs, sigs])

    def signatures(self, docs: Sequence[Document], step: int = 32) -> np.ndarray:
        """An (n, NUM_PERM) uint32 array: the MinHash signature of each document's body."""
        self.grow()
        parts = [self._signatures(docs[lo : lo + step]) for lo in range(0, len(docs), step)]
        return np.vstack(parts) if parts else np.zeros((0, dedup.NUM_PERM), dtype=U32)

    def _signatures(self, docs: Sequence[Document]) -> np.ndarray:
        """:meth:`signatures` of a few documents at a time (the arrays stay in the CPU cache)."""
        norm = self.corpus.norm
        unit_ids: list[int] = []
        unit_owner: list[int] = []
        texts: list[str] = []
        bounds: list[int] = []
        bound_owner: list[int] = []
        doc_start: list[int] = []
        offset = 0
        for n, doc in enumerate(docs):
            doc_start.append(offset)
            units = [u for para in doc.paragraphs for u in para]
            unit_ids.extend(units)
            unit_owner.extend([n] * len(units))
            for u in units[:-1]:
                offset += len(norm[u])
                bounds.append(offset)
                bound_owner.append(n)
            offset += len(norm[units[-1]])
            texts.append("".join(norm[u] for u in units))
        doc_end = np.array([*doc_start[1:], offset], dtype=np.int64)
        starts = np.array(doc_start, dtype=np.int64)
        codes = dedup.text_codes("".join(texts))
        owners = np.array(bound_owner, dtype=np.int64)
        positions = np.array(bounds, dtype=np.int64)[:, None] + np.arange(-dedup.SHINGLE + 1, 0)
        owner_grid = np.broadcast_to(owners[:, None], positions.shape)
        ok = (positions >= starts[owners][:, None]) & (
            positions <= doc_end[owners][:, None] - dedup.SHINGLE
        )
        positions, owner_grid = positions[ok], owner_grid[ok]
        crossing = dedup.permute(dedup.kgram_hashes(codes, positions))
        sigs = _segment_min(crossing, owner_grid, len(docs))
        inner = _segment_min(
            self.unit_sigs[np.array(unit_ids)], np.array(unit_owner, dtype=np.int64), len(docs)
        )
        return np.minimum(sigs, inner)


def sign(signer: FastSigner, docs: Sequence[Document]) -> list[Signed]:
    sigs = signer.signatures(docs)
    out = []
    for doc, sig in zip(docs, sigs, strict=True):
        body = signer.corpus.render(doc)
        out.append(
            Signed(
                doc.title,
                body,
                content_hash(doc.title, body),
                sig.astype("<u4").tobytes(),
                list(dict.fromkeys(dedup.Signature(sig).band_keys())),
                doc.issuer,
                doc.date,
                doc.doc_number,
            )
        )
    return out


def verify(signer: FastSigner, docs: Sequence[Document]) -> int:
    """Compare with crawler.dedup.minhash on ``docs``; raise on any difference, return the count."""
    fast = sign(signer, docs)
    for doc, got in zip(docs, fast, strict=True):
        want = dedup.signature(signer.corpus.render(doc))
        assert want is not None
        if want.to_bytes() != got.signature:
            raise AssertionError(f"signature differs for {doc.title!r}")
        if list(dict.fromkeys(want.band_keys())) != got.bands:
            raise AssertionError(f"band keys differ for {doc.title!r}")
    return len(docs)


# --- rows --------------------------------------------------------------------------------------
SITE = "bench_prefill"
STUB = 100
"""Characters of the body a pre-filled row stores (its hash and signature are of the whole body)."""
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@dataclass(slots=True)
class Prefill:
    """Rows for one chunk: article ids and clusters are fixed by the caller."""

    ids: list[int]
    clusters: list[int]
    layers: list[str | None]
    signed: list[Signed]
    store_body: bool


_COLUMNS = [c.name for c in ARTICLES.columns]
"""Columns the benchmark does not know (added later) stay NULL, as for an item without them (a
NOT NULL column is given its default below)."""


def article_rows(chunk: Prefill, source_id: int) -> list[dict[str, Any]]:
    rows = []
    for id_, cluster, layer, s in zip(
        chunk.ids, chunk.clusters, chunk.layers, chunk.signed, strict=True
    ):
        url = f"https://prefill.example.gov.cn/zhengce/{id_}.html"
        row: dict[str, Any] = dict.fromkeys(_COLUMNS)
        rows.append(row)
        row.update(
            {
                "id": id_,
                "url_key": url_key(url),
                "url": url,
                "source_id": source_id,
                "site": SITE,
                "source_name": s.issuer,
                "title": s.title,
                "publish_date": dt.date.fromisoformat(s.date),
                "published_at": None,
                "written_date": None,
                "doc_number": s.doc_number,
                "issuer": s.issuer,
                "issuers": [s.issuer],
                "index_number": None,
                "topic": None,
                "author": None,
                "body_text": s.body if chunk.store_body else s.body[:STUB],
                "body_html": None,
                "text_in_attachment": False,
                "title_simplified": None,
                "body_simplified": None,
                "tags": [],
                "content_hash": s.content_hash,
                "document_key": dedup.document_key(s.doc_number, s.issuer),
                "cluster_id": cluster,
                "dedup_layer": layer,
                "fetched_at": NOW,
                "first_seen_at": NOW,
                "updated_at": NOW,
                "last_seen_at": NOW,
            }
        )
    return rows


def source_id(conn: Connection) -> int:
    found = conn.execute(text("SELECT id FROM sources WHERE site = :s"), {"s": SITE}).scalar()
    if found is not None:
        return int(found)
    conn.execute(
        text("INSERT INTO sources (site, name, created_at) VALUES (:s, :s, :t)"),
        {"s": SITE, "t": NOW.isoformat() if conn.dialect.name == "sqlite" else NOW},
    )
    return int(
        conn.execute(text("SELECT id FROM sources WHERE site = :s"), {"s": SITE}).scalar_one()
    )


class SqliteLoader:
    """Bulk load on SQLite: one connection, load PRAGMAs (no journal, no fsync, no foreign-key
    checks, 2 GB cache), executemany per chunk; ``finish`` restores WAL and drops the
    connection so that measurements get the engine's normal settings."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn = engine.connect()
        self.raw: Any = self.conn.connection.driver_connection
        self.conn.commit()
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF"):
            self.raw.execute(f"PRAGMA {pragma}")
        self.raw.execute("PRAGMA cache_size=-2000000")
        self.source = source_id(self.conn)
        self.conn.commit()

    def load(self, chunk: Prefill) -> None:
        self.conn.execute(insert(ARTICLES), article_rows(chunk, self.source))
        pairs = list(zip(chunk.ids, chunk.signed, strict=True))
        self.raw.executemany(
            "INSERT INTO article_signatures (article_id, signature) VALUES (?, ?)",
            [(id_, s.signature) for id_, s in pairs],
        )
        self.raw.executemany(
            "INSERT INTO lsh_bands (band_key, article_id) VALUES (?, ?)",
            [(b, id_) for id_, s in pairs for b in s.bands],
        )
        self.conn.commit()

    def finish(self) -> None:
        self.conn.commit()
        self.raw.execute("PRAGMA journal_mode=WAL")
        self.conn.close()
        self.engine.dispose()


class PostgresLoader:
    """Bulk load on PostgreSQL: COPY per chunk. For a big step the GIN search indexes and the
    ``lsh_bands`` indexes are dropped first and rebuilt from their saved definitions at the end
    (same names and definitions as the migration made); then the id sequence is set and the
    tables are VACUUM ANALYZEd, as autovacuum would."""

    REBUILT = ("ix_articles_search_title", "ix_articles_search_body", "ix_lsh_bands_article_id")

    def __init__(self, engine: Engine, rebuild: bool) -> None:
        self.engine = engine
        self.conn = engine.connect()
        self.raw: Any = self.conn.connection.driver_connection
        self.conn.execute(text("SET maintenance_work_mem = '1GB'"))
        self.source = source_id(self.conn)
        self.indexes: list[str] = []
        self.pk: str | None = None
        if rebuild:
            self.indexes = [
                row[0]
                for row in self.conn.execute(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname = ANY(:names)"),
                    {"names": list(self.REBUILT)},
                )
            ]
            self.pk = self.conn.execute(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conname = 'pk_lsh_bands'"
                )
            ).scalar_one()
            for name in self.REBUILT:
                self.conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
            self.conn.execute(text("ALTER TABLE lsh_bands DROP CONSTRAINT pk_lsh_bands"))
        self.conn.commit()

    def load(self, chunk: Prefill) -> None:
        rows = article_rows(chunk, self.source)
        pairs = list(zip(chunk.ids, chunk.signed, strict=True))
        with self.raw.cursor() as cur:
            with cur.copy(f"COPY articles ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_pg_value(c, row[c]) for c in _COLUMNS])
            with cur.copy("COPY article_signatures (article_id, signature) FROM STDIN") as copy:
                for id_, s in pairs:
                    copy.write_row((id_, s.signature))
            data = "".join(f"{b}\t{id_}\n" for id_, s in pairs for b in s.bands)
            with cur.copy("COPY lsh_bands (band_key, article_id) FROM STDIN") as copy:
                copy.write(data)
        self.conn.commit()

    def finish(self) -> None:
        if self.pk is not None:
            self.conn.execute(text(f"ALTER TABLE lsh_bands ADD CONSTRAINT pk_lsh_bands {self.pk}"))
        for ddl in self.indexes:
            self.conn.execute(text(ddl))
        self.conn.execute(
            text("SELECT setval(pg_get_serial_sequence('articles', 'id'), max(id)) FROM articles")
        )
        self.conn.commit()
        self.conn.close()
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        self.engine.dispose()


def _pg_value(column: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if column in ("issuers", "tags") else value


# --- chunks of synthetic documents (run in worker processes) ------------------------------------
REPOST_KINDS = (
    "chrome",
    "chrome lead",
    "chrome reorder",
    "lead sentence",
    "chrome lead reorder sentence",
)
_STATE: dict[str, Any] = {}


def prepare(seed: int) -> None:
    """Build the generator and unit signatures once, before worker processes fork."""
    from bench.dedup.corpus import Generator

    generator = Generator(seed=seed)
    signer = FastSigner(generator.corpus)
    signer.grow()
    _STATE.update(generator=generator, signer=signer, base=len(generator.corpus.units), seed=seed)


def make_chunk(job: tuple[int, int, float]) -> tuple[list[Signed], list[int | None]]:
    """``count`` documents of chunk ``number``: originals and reposts of earlier ones in the chunk
    (parents[i] is the index of the original a repost copies, else None)."""
    number, count, repost_share = job
    generator, signer = _STATE["generator"], _STATE["signer"]
    generator.rng.seed(_STATE["seed"] * 1_000_003 + number)
    docs: list[Document] = []
    parents: list[int | None] = []
    originals: list[int] = []
    for _ in range(count):
        if originals and generator.rng.random() < repost_share:
            parent = generator.rng.choice(originals)
            docs.append(generator.repost(docs[parent], generator.rng.choice(REPOST_KINDS)))
            parents.append(parent)
        else:
            originals.append(len(docs))
            docs.append(generator.document())
            parents.append(None)
    signed = sign(signer, docs)
    signer.truncate(_STATE["base"])
    return signed, parents


# --- loader processes (one per backend, so that the two databases load in parallel) -------------
def loader_process(backend: str, url: str, rebuild: bool, inbox: Any, outbox: Any) -> None:
    """Load the chunks that arrive on ``inbox`` until None; put the busy seconds on ``outbox``."""
    import time

    from crawler.db import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    loader: SqliteLoader | PostgresLoader = (
        SqliteLoader(engine) if backend == "sqlite" else PostgresLoader(engine, rebuild)
    )
    busy = time.perf_counter() - started
    while (chunk := inbox.get()) is not None:
        started = time.perf_counter()
        loader.load(chunk)
        busy += time.perf_counter() - started
    started = time.perf_counter()
    loader.finish()
    outbox.put(busy + time.perf_counter() - started)
