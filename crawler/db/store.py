"""Writing articles: batched, idempotent upserts with de-duplication and revision history.

One :meth:`ArticleStore.write` call is one transaction over a batch. Every look-up is one SQL
statement per batch (never per item), so the cost per item stays flat as the database grows:

- **the same page** (layer 1): the upsert key is :func:`crawler.dedup.urls.url_key`; an
  unchanged page only refreshes ``last_seen_at`` (and ``text_in_attachment``, as the page gives
  it now), a changed one is updated and its previous version kept in ``revisions`` with a text
  diff;
- a new page joins the cluster of an existing copy found by **the same content** (``content_hash``,
  layer 2), **the same document** (文号 + 发文机关, layer 3) or a **near-duplicate body** (LSH band
  keys, then the MinHash estimate of the Jaccard similarity, layer 4); otherwise it starts a cluster
  of its own (the decision: :mod:`crawler.dedup.clusters`). A repost is never dropped: it is a row
  of its own, linked by ``cluster_id``.

A new page's cluster is decided *before* its row is written, and the row is inserted with its
``cluster_id`` and ``dedup_layer``: no row is written twice (on PostgreSQL a second write of a
fresh row would add a second heap tuple and index entries in every index, the GIN trigram search
indexes included). A page that starts a cluster needs its own id as ``cluster_id``, so the ids of
new rows are reserved first: from the ``articles.id`` sequence on PostgreSQL, as ``max(id) + k``
under SQLite's write lock (taken with ``BEGIN IMMEDIATE``) on SQLite (the dialects' differences:
:mod:`crawler.db.dialect`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, false, func, insert, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from crawler.db.bounds import REJECTED, Rejected, ValueTooLong, fit_article, fit_document_key
from crawler.db.dialect import (
    any_of,
    insert_rows,
    lock_sqlite,
    reserve_ids,
    tune_write,
    upsert,
)
from crawler.db.models import (
    Article,
    ArticleSignature,
    AttachmentRow,
    LshBand,
    Revision,
    Source,
    utcnow,
)
from crawler.dedup.clusters import ORIGINAL, NewPage, assign, band_keys, decide
from crawler.dedup.minhash import Signature, document_key, signable, signature
from crawler.dedup.urls import url_key
from crawler.extraction.normalize import to_simplified
from crawler.items import PolicyArticle

logger = logging.getLogger(__name__)

ARTICLES: Table = Article.__table__  # type: ignore[assignment]
ATTACHMENTS: Table = AttachmentRow.__table__  # type: ignore[assignment]
SOURCES: Table = Source.__table__  # type: ignore[assignment]
SIGNATURES: Table = ArticleSignature.__table__  # type: ignore[assignment]
BANDS: Table = LshBand.__table__  # type: ignore[assignment]
REVISIONS: Table = Revision.__table__  # type: ignore[assignment]

KEPT_COLUMNS = frozenset({"url_key", "first_seen_at"})
"""Columns of an article's row (:func:`article_row`) that an upsert of its changed content keeps;
it overwrites the others (never id or clusters, which the row does not hold)."""


@dataclass(slots=True)
class WriteResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    layers: Counter[str] = field(default_factory=Counter)
    """De-duplication hits: url_variant, content, document, near, and original (a new cluster)."""
    new_items: list[tuple[str | None, str | None, str]] = field(default_factory=list)
    """(title, publish_date, url) of each new page."""
    rejected: list[Rejected] = field(default_factory=list)
    """Items (and attachments) not stored, with the reason: for the ``failures`` table."""
    fitted: int = 0
    """Values cut or dropped to fit their columns (:mod:`crawler.db.bounds`)."""

    def __iadd__(self, other: WriteResult) -> WriteResult:
        self.new_items.extend(other.new_items)
        self.rejected.extend(other.rejected)
        self.fitted += other.fitted
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.layers.update(other.layers)
        return self


@dataclass(frozen=True, slots=True)
class SourceInfo:
    site: str
    name: str | None = None
    region: str | None = None


def split_publish(value: str | None) -> tuple[dt.date | None, dt.datetime | None]:
    """``2024-11-28`` → (date, None); ``2024-11-28T17:30:00+08:00`` → (date, aware datetime)."""
    if not value:
        return None, None
    if len(value) <= 10:
        return dt.date.fromisoformat(value), None
    when = dt.datetime.fromisoformat(value)
    return when.date(), when


def _simplified(text: str | None) -> str | None:
    """The simplified-character form, or None when the text is simplified already."""
    if not text:
        return None
    simplified = to_simplified(text)
    return simplified if simplified != text else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def article_row(item: PolicyArticle, source_id: int, now: dt.datetime) -> dict[str, Any]:
    publish_date, published_at = split_publish(item.publish_date)
    return {
        "url_key": url_key(item.url),
        "url": item.url,
        "source_id": source_id,
        "site": item.site,
        "source_name": item.source_name,
        "title": item.title,
        "publish_date": publish_date,
        "published_at": published_at,
        "written_date": _date(item.written_date),
        "doc_number": item.doc_number,
        "issuer": item.issuer,
        "issuers": list(item.issuers),
        "index_number": item.index_number,
        "topic": item.topic,
        "author": item.author,
        "body_text": item.body_text,
        "body_html": item.body_html,
        "text_in_attachment": bool(item.text_in_attachment),
        "title_simplified": _simplified(item.title),
        "body_simplified": _simplified(item.body_text),
        "tags": list(item.tags),
        "content_hash": item.content_hash,
        "document_key": fit_document_key(document_key(item.doc_number, item.issuer)),
        "fetched_at": _datetime(item.fetched_at),
        "http_etag": item.etag,
        "http_last_modified": item.last_modified,
        "first_seen_at": now,
        "updated_at": now,
        "last_seen_at": now,
    }


def text_diff(old: str | None, new: str | None) -> str:
    """A unified diff of two texts, line by line (paragraphs)."""
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), "before", "after", lineterm=""
    )
    return "\n".join(lines)


def _clusters_of(conn: Connection, keys: list[str]) -> dict[str, int]:
    """url_key → cluster of the stored rows of these pages (its own id when it has none)."""
    rows = conn.execute(
        select(ARTICLES.c.url_key, ARTICLES.c.id, ARTICLES.c.cluster_id).where(
            ARTICLES.c.url_key.in_(keys)
        )
    )
    return {key: cluster if cluster is not None else id_ for key, id_, cluster in rows}


Signer = Callable[[list[str | None]], list[Signature | None]]
"""Computes the MinHash signatures of bodies (in order); the default signs them here."""


def sign_here(bodies: list[str | None]) -> list[Signature | None]:
    return [signature(body) for body in bodies]


class ArticleStore:
    """Writes batches of articles, one transaction each.

    ``signer`` computes the MinHash signatures of a batch's new bodies: the storage pipeline
    passes one that signs in worker processes (``crawler.records.workers``), off the writer's
    GIL."""

    lock_wait: float | None = None
    """Seconds spent waiting for the cluster-assignment lock (None: a store that takes none)."""

    def __init__(self, engine: Engine, signer: Signer = sign_here) -> None:
        self.engine = engine
        self.signer = signer
        self._source_ids: dict[str, int] = {}
        self._sources_written: set[str] = set()
        """Sites whose row a committed batch of this store has upserted (see :meth:`_source_id`)."""

    def write(self, items: Sequence[PolicyArticle], source: SourceInfo) -> WriteResult:
        """Store ``items`` (all from ``source``) in one transaction; raise on any database error.

        Every value is first fitted to its column (:func:`fit`): an item that cannot be stored
        (its URL too long) is left out, listed in the result's ``rejected``."""
        result = WriteResult()
        result += self.write_fitted(self.fit(items, result), source)
        return result

    def fit(self, items: Sequence[PolicyArticle], result: WriteResult) -> list[PolicyArticle]:
        """The items whose values fit their columns (fitted in place: overlong validators
        dropped, titles and labels cut; :mod:`crawler.db.bounds`); the others, and attachments
        left out, go to ``result.rejected``."""
        ready = []
        for item in items:
            try:
                fitted = fit_article(item)
            except ValueTooLong as exc:
                logger.error("Article not stored: %s: %s", exc, item.url[:200])
                result.rejected.append(Rejected(item.url, f"not stored: {exc}", REJECTED))
                continue
            result.rejected.extend(fitted.rejected)
            result.fitted += len(fitted.notes) + len(fitted.rejected)
            ready.append(item)
        return ready

    def write_fitted(self, items: Sequence[PolicyArticle], source: SourceInfo) -> WriteResult:
        """Store items already fitted (:meth:`fit`) in one transaction; raise on any error.

        The source's row is written (and committed) first, on its own: a batch that fails never
        takes it along, so that the next batch of the site does not refer to a row rolled back."""
        if not items:
            return WriteResult()
        self._ensure_source(source)
        with self.engine.begin() as conn:
            result = self._write(conn, items, source)
        self._sources_written.add(source.site)
        return result

    def _write(
        self, conn: Connection, items: Sequence[PolicyArticle], source: SourceInfo
    ) -> WriteResult:
        now = utcnow()
        tune_write(conn)
        source_id = self._source_id(conn, source)
        latest = {url_key(item.url): item for item in items}  # the last copy in a batch wins
        known = self._known(conn, list(latest))
        result = WriteResult()
        for key, row in known.items():
            if row.url != latest[key].url:
                result.layers["url_variant"] += 1
        # New pages: their signatures and rows first (CPU work, before any lock), then their
        # clusters are decided and they are inserted with them, in :meth:`_cluster` (which
        # ConcurrentArticleStore runs under its lock). No article row is written before that
        # step, so a writer waiting for that lock holds no article row lock the holder could wait
        # for (at most the ``sources`` upsert's, which does not block the holder's foreign-key
        # checks): the holder's inserts and updates never deadlock with it.
        new = [k for k in latest if k not in known]
        signatures = self._signatures([latest[k] for k in new])
        fresh = [
            self._new(k, latest[k], source_id, now, sig)
            for k, sig in zip(new, signatures, strict=True)
        ]
        self._cluster(conn, fresh, result)
        inserted = {e.key: e.id for e in fresh if e.inserted and e.id is not None}
        # A page that another writer inserted since our look-up (ON CONFLICT DO NOTHING waited
        # for it to commit) is not ours to call new: it is handled below like any known page.
        raced = [e.key for e in fresh if not e.inserted]
        if raced:
            known.update(self._known(conn, raced))
        unchanged = [
            k
            for k in latest
            if k in known and k not in inserted and known[k].content_hash == latest[k].content_hash
        ]
        changed = [k for k in latest if k in known and k not in inserted and k not in unchanged]
        if unchanged:
            self._seen_again(conn, unchanged, latest, now)
            result.unchanged += len(unchanged)
        if changed:
            self._keep_revisions(conn, [known[k].id for k in changed], latest, now)
        updated = self._upsert(conn, [article_row(latest[k], source_id, now) for k in changed])
        result.updated += len(updated)
        result.unchanged += len(changed) - len(updated)  # a concurrent writer stored it already
        self._replace_attachments(conn, {**inserted, **updated}, latest)
        stored = [e for e in fresh if e.inserted]
        result.new += len(stored)
        result.new_items = [(e.item.title, e.item.publish_date, e.item.url) for e in stored]
        revised = [(id_, signature(latest[k].body_text)) for k, id_ in updated.items()]
        self._index_signatures(
            conn,
            [(id_, sig, band_keys(sig)) for id_, sig in revised],
            replace=True,
        )
        self._index_signatures(conn, [(e.id, e.signature, e.bands) for e in stored])
        return result

    @staticmethod
    def _known(conn: Connection, keys: list[str]) -> dict[str, Any]:
        rows = conn.execute(
            select(
                ARTICLES.c.url_key, ARTICLES.c.id, ARTICLES.c.url, ARTICLES.c.content_hash
            ).where(ARTICLES.c.url_key.in_(keys))
        )
        return {row.url_key: row for row in rows}

    # --- writing -----------------------------------------------------------------------------
    @staticmethod
    def _seen_again(
        conn: Connection, keys: list[str], latest: dict[str, PolicyArticle], now: dt.datetime
    ) -> None:
        """Rows of pages whose content is unchanged: ``last_seen_at`` moves, and the flags read
        from the page are set as it gives them now (a row stored before migration 0008 learns
        that its text is in its attachments, though its title and body are the same)."""
        flagged = [k for k in keys if latest[k].text_in_attachment]
        conn.execute(
            update(ARTICLES)
            .where(ARTICLES.c.url_key.in_(keys))
            .values(
                last_seen_at=now,
                text_in_attachment=ARTICLES.c.url_key.in_(flagged) if flagged else false(),
            )
        )

    @staticmethod
    def _insert_new(conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert rows whose url_key is not stored; return url_key → id of those inserted."""
        if not rows:
            return {}
        stmt = (
            upsert(conn, ARTICLES)
            .on_conflict_do_nothing(index_elements=[ARTICLES.c.url_key])
            .returning(ARTICLES.c.id, ARTICLES.c.url_key)
        )
        return {key: id_ for id_, key in conn.execute(stmt, rows)}

    def _upsert(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Update stored rows by url_key where the content changed; return url_key → id of the rows
        actually written (insert if the row vanished meanwhile)."""
        if not rows:
            return {}
        ins = upsert(conn, ARTICLES)
        stmt = ins.on_conflict_do_update(
            index_elements=[ARTICLES.c.url_key],
            set_={name: ins.excluded[name] for name in rows[0] if name not in KEPT_COLUMNS},
            where=ARTICLES.c.content_hash.is_distinct_from(ins.excluded.content_hash),
        ).returning(ARTICLES.c.id, ARTICLES.c.url_key)
        return {key: id_ for id_, key in conn.execute(stmt, rows)}

    def _keep_revisions(
        self, conn: Connection, ids: list[int], latest: dict[str, PolicyArticle], now: dt.datetime
    ) -> None:
        old = conn.execute(
            select(
                ARTICLES.c.id,
                ARTICLES.c.url_key,
                ARTICLES.c.title,
                ARTICLES.c.body_text,
                ARTICLES.c.content_hash,
            ).where(ARTICLES.c.id.in_(ids))
        ).all()
        conn.execute(
            insert(REVISIONS),
            [
                {
                    "article_id": row.id,
                    "replaced_at": now,
                    "title": row.title,
                    "body_text": row.body_text,
                    "content_hash": row.content_hash,
                    "diff": text_diff(row.body_text, latest[row.url_key].body_text),
                }
                for row in old
            ],
        )

    def _replace_attachments(
        self, conn: Connection, ids: dict[str, int], items: dict[str, PolicyArticle]
    ) -> None:
        if not ids:
            return
        conn.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.article_id.in_(list(ids.values()))))
        rows = [
            {
                "article_id": article_id,
                "position": n,
                "name": att.name,
                "url": att.url,
                "file_type": att.file_type,
            }
            for key, article_id in ids.items()
            for n, att in enumerate(items[key].attachments)
        ]
        if rows:
            conn.execute(insert(ATTACHMENTS), rows)

    def _signatures(self, items: list[PolicyArticle]) -> list[Signature | None]:
        """The items' MinHash signatures: made where each record was prepared
        (:mod:`crawler.records.prepare`); the bodies that come unsigned (items replayed from the
        spool, or written by other code) are signed by :attr:`signer`."""
        out = [item.signature for item in items]
        unsigned = [n for n, sig in enumerate(out) if sig is None and signable(items[n].body_text)]
        signed = self.signer([items[n].body_text for n in unsigned]) if unsigned else []
        for n, sig in zip(unsigned, signed, strict=True):
            out[n] = sig
        return out

    # --- clusters ----------------------------------------------------------------------------
    @staticmethod
    def _new(
        key: str, item: PolicyArticle, source_id: int, now: dt.datetime, sig: Signature | None
    ) -> NewPage:
        return NewPage(
            key=key,
            item=item,
            row=article_row(item, source_id, now),
            document=fit_document_key(document_key(item.doc_number, item.issuer)),
            signature=sig,
            bands=band_keys(sig),
        )

    def _cluster(self, conn: Connection, fresh: list[NewPage], result: WriteResult) -> None:
        """Give each new page a cluster (an existing copy's, an earlier new page's, or its own),
        then insert the new pages with it; count the layers of those inserted."""
        if not fresh:
            return
        lock_sqlite(conn)  # the reserved ids stay free, and look-ups see every committed row
        # This batch's rows are not stored yet: look-ups find only older rows.
        by_hash = self._lookup(conn, ARTICLES.c.content_hash, {e.item.content_hash for e in fresh})
        by_document = self._lookup(conn, ARTICLES.c.document_key, {e.document for e in fresh})
        decide(fresh, by_hash, by_document, self._near_candidates(conn, fresh))
        assign(fresh, reserve_ids(conn, len(fresh)))
        self._insert_clustered(conn, fresh)
        for entry in fresh:
            if entry.inserted:
                result.layers[entry.layer or ORIGINAL] += 1

    @staticmethod
    def _lookup(conn: Connection, column: Any, values: set[Any]) -> dict[Any, int]:
        """value → cluster id of a stored article with that value."""
        wanted = [v for v in values if v is not None]
        if not wanted:
            return {}
        rows = conn.execute(
            select(column, ARTICLES.c.cluster_id)
            .where(column.in_(wanted), ARTICLES.c.cluster_id.is_not(None))
            .order_by(ARTICLES.c.id)
        )
        found: dict[Any, int] = {}
        for value, cluster in rows:
            found.setdefault(value, cluster)
        return found

    def _near_candidates(
        self, conn: Connection, fresh: list[NewPage]
    ) -> dict[int, tuple[int, Signature]]:
        """Stored articles sharing a band key with any new page: id → (cluster, signature).

        One statement, the band keys in one parameter (:func:`crawler.db.dialect.any_of`)."""
        bands = list({band for e in fresh for band in e.bands})
        if not bands:
            return {}
        keys = any_of(conn, BANDS.c.band_key, bands)
        candidates = select(BANDS.c.article_id).where(keys).scalar_subquery()
        rows = conn.execute(
            select(ARTICLES.c.id, ARTICLES.c.cluster_id, SIGNATURES.c.signature)
            .join(SIGNATURES, SIGNATURES.c.article_id == ARTICLES.c.id)
            .where(ARTICLES.c.id.in_(candidates))
        )
        return {
            id_: (cluster if cluster is not None else id_, Signature.from_bytes(sig))
            for id_, cluster, sig in rows
        }

    def _insert_clustered(self, conn: Connection, fresh: list[NewPage]) -> None:
        """Insert the new pages with their ids and clusters, skipping pages another writer stored
        meanwhile (ON CONFLICT DO NOTHING).

        The pages that start a cluster (and those joining a stored one) go first; the batch-mates
        that join them go second, so that a batch-mate whose cluster's first page lost such a race
        joins the cluster of the row that won it (the same page) instead of a missing id."""
        first = [e for n, e in enumerate(fresh) if e.root is None or e.root == n]
        then = [e for n, e in enumerate(fresh) if e.root is not None and e.root != n]
        self._insert_entries(conn, first)
        if not then:
            return
        lost = {e.root for e in then if e.root is not None and not fresh[e.root].inserted}
        if lost:
            winners = _clusters_of(conn, [fresh[n].key for n in lost if n is not None])
            for entry in then:
                if entry.root in lost:
                    root = fresh[entry.root]
                    entry.cluster, entry.root = winners.get(root.key), None
                    if entry.cluster is None:  # the winner is gone again: a cluster of its own
                        entry.cluster, entry.layer = entry.id, None
        self._insert_entries(conn, then)

    def _insert_entries(self, conn: Connection, entries: list[NewPage]) -> None:
        if not entries:
            return
        rows = [
            {**e.row, "id": e.id, "cluster_id": e.cluster, "dedup_layer": e.layer} for e in entries
        ]
        inserted = self._insert_new(conn, rows)
        for entry in entries:
            entry.inserted = entry.key in inserted

    @staticmethod
    def _index_signatures(
        conn: Connection,
        entries: Iterable[tuple[int | None, Signature | None, list[int]]],
        replace: bool = False,
    ) -> None:
        """Store the signatures and band keys of articles (``replace``: of stored articles)."""
        entries = [(id_, sig, bands) for id_, sig, bands in entries if id_ is not None]
        if replace and entries:
            ids = [id_ for id_, _, _ in entries]
            conn.execute(delete(BANDS).where(BANDS.c.article_id.in_(ids)))
            conn.execute(delete(SIGNATURES).where(SIGNATURES.c.article_id.in_(ids)))
        with_sig = [(id_, sig, bands) for id_, sig, bands in entries if sig is not None]
        if not with_sig:
            return
        insert_rows(conn, SIGNATURES, ("article_id", "signature"),
                     [(id_, sig.to_bytes()) for id_, sig, _ in with_sig])  # fmt: skip
        insert_rows(conn, BANDS, ("band_key", "article_id"),
                     [(band, id_) for id_, _, bands in with_sig for band in bands])  # fmt: skip

    # --- sources -----------------------------------------------------------------------------
    def _ensure_source(self, source: SourceInfo) -> int:
        """The source's id; unless known already, its row is upserted in a transaction of its
        own and the id remembered once that is committed."""
        cached = self._source_ids.get(source.site)
        if cached is not None:
            return cached
        with self.engine.begin() as conn:
            source_id = self._upsert_source(conn, source)
        self._source_ids[source.site] = source_id
        return source_id

    def _source_id(self, conn: Connection, source: SourceInfo) -> int:
        """The source's id, its row upserted in ``conn``'s transaction too until a batch of this
        store has been committed with it (as before the row had a transaction of its own: on
        PostgreSQL the row lock makes the first batches of writers of one site wait for each
        other, which keeps writers of the same pages out of each other's way at the start)."""
        cached = self._source_ids.get(source.site)
        if cached is not None and source.site in self._sources_written:
            return cached
        return self._upsert_source(conn, source)

    @staticmethod
    def _upsert_source(conn: Connection, source: SourceInfo) -> int:
        ins = upsert(conn, SOURCES)
        conn.execute(
            ins.values(
                site=source.site, name=source.name, region=source.region, created_at=utcnow()
            ).on_conflict_do_update(
                index_elements=[SOURCES.c.site],
                set_={
                    "name": func.coalesce(ins.excluded.name, SOURCES.c.name),
                    "region": func.coalesce(ins.excluded.region, SOURCES.c.region),
                },
            )
        )
        source_id: int = conn.execute(
            select(SOURCES.c.id).where(SOURCES.c.site == source.site)
        ).scalar_one()
        return source_id


DATA_ERRORS = (SQLAlchemyError, ValueError, TypeError, OverflowError)
"""What a write raises when the database refuses it, or the values cannot be made into rows."""


def is_connection_error(exc: BaseException) -> bool:
    """The database could not be reached or the connection broke (not a refusal of the data,
    nor a deadlock, which PostgreSQL's driver also reports as an ``OperationalError``)."""
    if is_transient(exc):
        return False
    return (isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)) or (
        isinstance(exc, SQLAlchemyError)
        and type(exc).__name__ in {"OperationalError", "InterfaceError"}
    )


def error_reason(exc: BaseException) -> str:
    """One line naming the error, without the SQL statement or its parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return f"{type(orig or exc).__name__}: {text[0] if text else ''}"


class StorageUnavailable(Exception):
    """The database became unreachable during :func:`write_isolated`: ``done`` is what was
    stored before, ``remaining`` the items still to store (to spool)."""

    def __init__(
        self, cause: BaseException, done: WriteResult, remaining: list[PolicyArticle]
    ) -> None:
        super().__init__(error_reason(cause))
        self.cause = cause
        self.done = done
        self.remaining = remaining


TRANSIENT_RETRIES = 3
"""Times a batch is written again after a deadlock or serialization failure."""


def is_transient(exc: BaseException) -> bool:
    """A deadlock or serialization failure (SQLSTATE class 40): the same write may succeed when
    tried again; neither the data's fault nor a lost connection."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith("40")


def _write_retrying(
    store: ArticleStore, items: Sequence[PolicyArticle], source: SourceInfo
) -> WriteResult:
    """``store.write``, tried again after a deadlock or serialization failure."""
    for attempt in range(TRANSIENT_RETRIES):
        try:
            return store.write(items, source)
        except SQLAlchemyError as exc:
            if not is_transient(exc) or attempt + 1 == TRANSIENT_RETRIES:
                raise
            logger.warning("Batch of %d: %s; writing it again", len(items), error_reason(exc))
    raise AssertionError("unreachable")


def write_isolated(
    store: ArticleStore, items: Sequence[PolicyArticle], source: SourceInfo
) -> WriteResult:
    """Store ``items`` in one transaction; when the database refuses the batch on its data
    (not on the connection), store them one by one, so that one bad item costs only itself.
    An item refused alone is listed in the result's ``rejected`` with the reason (for the
    ``failures`` table); the others are stored. A connection error raises
    :class:`StorageUnavailable` (nothing is stored twice by storing the rest later: upserts)."""
    result = WriteResult()
    ready = store.fit(items, result)  # (fitted once: writing them fits nothing again)
    try:
        result += _write_retrying(store, ready, source)
        return result
    except DATA_ERRORS as exc:
        if is_connection_error(exc):
            raise StorageUnavailable(exc, result, ready) from exc
        logger.warning(
            "Batch of %d refused (%s); storing one by one", len(ready), error_reason(exc)
        )
    for n, item in enumerate(ready):
        try:
            result += _write_retrying(store, [item], source)
        except DATA_ERRORS as exc:
            if is_connection_error(exc):
                raise StorageUnavailable(exc, result, ready[n:]) from exc
            reason = error_reason(exc)
            logger.error("Article %s not stored: %s", item.url, reason)
            result.rejected.append(Rejected(item.url, f"not stored: {reason}"))
    return result


def touch(engine: Engine, urls: Sequence[str]) -> int:
    """Move ``last_seen_at`` of known pages to now (they answered 304 Not Modified)."""
    keys = list(dict.fromkeys(url_key(u) for u in urls))
    if not keys:
        return 0
    with engine.begin() as conn:
        result = conn.execute(
            update(ARTICLES).where(ARTICLES.c.url_key.in_(keys)).values(last_seen_at=utcnow())
        )
    return int(result.rowcount)


def count_rows(engine: Engine, tables: Iterable[Table] = (ARTICLES, ATTACHMENTS)) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in tables
        }
