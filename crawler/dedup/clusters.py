"""The cluster decision: which copy of a policy a new page is (layers 2 to 4 of
:mod:`crawler.dedup`), as a pure function of what the look-ups found.

:class:`crawler.db.store.ArticleStore` looks up the stored copies of a batch's new pages (same
content hash, same document key, LSH band keys shared), then :func:`decide` gives each new page
the cluster of a stored copy or of an earlier new page of the batch, with the layer that found
it (none: a cluster of its own), and :func:`assign` resolves the clusters to ids once the new
rows' ids are reserved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.dedup.minhash import NEAR_DUPLICATE_JACCARD, Signature

if TYPE_CHECKING:
    from crawler.items import PolicyArticle

LAYER_CONTENT = "content"
LAYER_DOCUMENT = "document"
LAYER_NEAR = "near"
ORIGINAL = "original"
"""What a new page that starts a cluster of its own is counted as (``dedup/original``)."""


@dataclass(slots=True)
class NewPage:
    """A page not stored before, on its way to a cluster and then into ``articles``."""

    key: str
    item: PolicyArticle
    row: dict[str, Any]
    """Its ``articles`` row, without id and cluster (see :func:`crawler.db.store.article_row`)."""
    document: str | None
    signature: Signature | None
    bands: list[int]
    """The distinct LSH band keys of its signature (computed once)."""
    cluster_of: int | None = None
    """The stored article whose cluster it joins (a database id)."""
    batch_of: int | None = None
    """...or the earlier new page of the same batch whose cluster it joins (an index)."""
    layer: str | None = None
    id: int | None = None
    """Its reserved id (the row is inserted with it)."""
    cluster: int | None = None
    """Its ``cluster_id``: a stored cluster, or the id of a new page of the batch (maybe itself)."""
    root: int | None = None
    """The index of the new page whose id is ``cluster`` (None when it is a stored cluster)."""
    inserted: bool = False
    """False when another writer stored the same page (url_key) first: it is then a known page."""


def band_keys(sig: Signature | None) -> list[int]:
    """The distinct band keys of a signature (none without one)."""
    return list(dict.fromkeys(sig.band_keys())) if sig is not None else []


def decide(
    fresh: list[NewPage],
    by_hash: dict[Any, int],
    by_document: dict[Any, int],
    near: dict[int, tuple[int, Signature]],
) -> None:
    """Give each new page the cluster it joins, in order (in place): a stored copy's (found by
    content hash, ``by_hash``; by document key, ``by_document``; or, the most similar, among the
    stored articles sharing a band key, ``near``: id → (cluster, signature)), else an earlier
    new page's of the batch by the same layers, else none (it starts its own)."""
    seen_hash: dict[str | None, int] = {}
    seen_document: dict[str, int] = {}
    seen_bands: dict[int, list[int]] = {}
    for n, entry in enumerate(fresh):
        content, document = entry.item.content_hash, entry.document
        if content in by_hash:
            entry.cluster_of, entry.layer = by_hash[content], LAYER_CONTENT
        elif content in seen_hash:
            entry.batch_of, entry.layer = seen_hash[content], LAYER_CONTENT
        elif document is not None and document in by_document:
            entry.cluster_of, entry.layer = by_document[document], LAYER_DOCUMENT
        elif document is not None and document in seen_document:
            entry.batch_of, entry.layer = seen_document[document], LAYER_DOCUMENT
        else:
            _match_near(entry, near, fresh, seen_bands)
        seen_hash.setdefault(content, n)
        if document is not None:
            seen_document.setdefault(document, n)
        for band in entry.bands:
            seen_bands.setdefault(band, []).append(n)


def _match_near(
    entry: NewPage,
    stored: dict[int, tuple[int, Signature]],
    fresh: list[NewPage],
    seen_bands: dict[int, list[int]],
) -> None:
    if entry.signature is None:
        return
    best = NEAR_DUPLICATE_JACCARD
    for cluster, sig in stored.values():
        score = entry.signature.jaccard(sig)
        if score >= best:
            best, entry.cluster_of, entry.layer = score, cluster, LAYER_NEAR
    for n in {i for band in entry.bands for i in seen_bands.get(band, ())}:
        other = fresh[n].signature
        if other is not None:
            score = entry.signature.jaccard(other)
            if score >= best:
                best, entry.cluster_of, entry.batch_of = score, None, n
                entry.layer = LAYER_NEAR


def assign(fresh: list[NewPage], ids: list[int]) -> None:
    """Give every new page its reserved id and resolve its cluster (in place): a stored
    cluster, or the id of the new page of the batch that starts it (its ``root``: maybe
    itself)."""
    for entry, id_ in zip(fresh, ids, strict=True):
        entry.id = id_
    for n, entry in enumerate(fresh):
        if entry.cluster_of is not None:
            entry.cluster, entry.root = entry.cluster_of, None
        elif entry.batch_of is not None:
            mate = fresh[entry.batch_of]
            entry.cluster, entry.root = mate.cluster, mate.root
        else:
            entry.cluster, entry.root = entry.id, n
