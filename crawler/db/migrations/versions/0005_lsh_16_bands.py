"""LSH band keys: 16 bands of 4 rows per signature instead of 32

``crawler.dedup.minhash.BANDS`` went from 32 to 16 (see its docstring): the rows of bands 16-31 are
deleted. They cannot be told apart from the others by their key (a hash of the band number and
its rows), so the keys of every stored signature are computed again from
``article_signatures``: the keys of bands 0-15 come out as they were, so a new article still
finds every stored one. About 20 s per 100,000 signatures on SQLite (logged before it starts).
Downgrade computes the 32 bands again.

The key computation is written out here (the same as ``crawler.dedup.minhash.Signature.band_keys``,
which a test holds equal), so that this migration does not change when the code's constants do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

ROWS = 4
CHUNK = 5_000


def band_keys(signature: bytes, bands: int) -> list[int]:
    """The distinct LSH band keys of a stored signature (little-endian uint32 values)."""
    values = np.frombuffer(signature, dtype="<u4")
    keys = []
    for band in range(bands):
        rows = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return list(dict.fromkeys(keys))


def _rekey(bands: int) -> None:
    conn = op.get_bind()
    total = conn.execute(sa.text("SELECT count(*) FROM article_signatures")).scalar_one()
    if total:
        logger.info("Computing the LSH band keys of %d signatures again (%d bands)", total, bands)
    select = sa.text(
        "SELECT article_id, signature FROM article_signatures WHERE article_id > :after"
        " ORDER BY article_id LIMIT :n"
    )
    remove = sa.text("DELETE FROM lsh_bands WHERE article_id BETWEEN :lo AND :hi")
    insert = sa.text("INSERT INTO lsh_bands (band_key, article_id) VALUES (:key, :id)")
    after, done = 0, 0
    while rows := conn.execute(select, {"after": after, "n": CHUNK}).all():
        lo, hi = rows[0][0], rows[-1][0]
        conn.execute(remove, {"lo": lo, "hi": hi})
        conn.execute(
            insert,
            [{"key": key, "id": id_} for id_, sig in rows for key in band_keys(bytes(sig), bands)],
        )
        after, done = hi, done + len(rows)
        if done % 100_000 < CHUNK:
            logger.info("  %d/%d signatures", done, total)


def upgrade() -> None:
    _rekey(16)


def downgrade() -> None:
    _rekey(32)
