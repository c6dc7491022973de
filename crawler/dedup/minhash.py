"""MinHash signatures and LSH band keys of article bodies (the near-duplicate layer), and the
document key (the same-document layer); the four layers are described in :mod:`crawler.dedup`.

MinHash comes from datasketch (its permutations and scheme, applied to all of a body's shingle
hashes in one vectorised numpy pass, which keeps a signature well under a millisecond); the
banding is ours because datasketch's LSH indexes live in memory or in Redis/Cassandra, not in
SQL.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from crawler.extraction.normalize import to_simplified

if TYPE_CHECKING:
    from datasketch import MinHash

SHINGLE = 5
NUM_PERM = 128
ROWS = 4
BANDS = 16
"""16 bands of 4 rows, over the first 64 of the signature's 128 values (the similarity estimate
uses all 128): a pair with Jaccard similarity 0.8 becomes a candidate with p = 0.9998, 0.7 with
0.988, 0.6 with 0.89, 0.3 with 0.12; candidates are then checked against
``NEAR_DUPLICATE_JACCARD``. Each band key is a row of the ``lsh_bands`` index, written at a
random place of it: on a large database every key costs a page write, so the band count is the
write cost of near-duplicate detection; 32 bands find hardly more of the labelled reposts at
twice the index size and page writes (docs/benchmarks.md, "De-duplication at scale")."""
NEAR_DUPLICATE_JACCARD = 0.6
MIN_BODY_CHARS = 80
"""Bodies shorter than this are not compared as near-duplicates (too little text to tell)."""
SEED = 1

_NOT_TEXT = re.compile(r"[\s\W_]+", re.U)
_PRIME = np.uint64(1_000_003)
_MASK32 = np.uint64(0xFFFFFFFF)


def document_key(doc_number: str | None, issuer: str | None) -> str | None:
    """发文字号 + 发文机关 as one key, or None unless both are known."""
    if not doc_number or not issuer:
        return None
    return f"{_NOT_TEXT.sub('', doc_number)}|{_NOT_TEXT.sub('', issuer)}"


def normalised_text(text: str) -> str:
    """Letters and digits only: punctuation, spaces and line breaks do not make a difference."""
    return _NOT_TEXT.sub("", text)


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """Distinct 32-bit hashes of the character k-grams of ``text`` (stable across processes)."""
    codes = text_codes(text)
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    return np.unique(kgram_hashes(codes, np.arange(n), k))


def text_codes(text: str) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """The code points of ``text``, for :func:`kgram_hashes`."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def kgram_hashes(
    codes: np.ndarray[Any, np.dtype[np.uint64]], starts: np.ndarray[Any, Any], k: int = SHINGLE
) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """The 32-bit hash of the k-gram of ``codes`` (:func:`text_codes`) at each of ``starts``."""
    hashes = np.zeros(len(starts), dtype=np.uint64)
    for i in range(k):
        hashes = hashes * _PRIME + codes[starts + i]
    return (hashes ^ (hashes >> np.uint64(29))) & _MASK32


def _identity(value: int) -> int:
    return value


@dataclass(frozen=True, slots=True)
class Signature:
    values: np.ndarray[Any, np.dtype[np.uint32]]
    keys: tuple[int, ...] = ()
    """The band keys, when computed with the signature (:func:`signature` does, in the signing
    worker, so that the storage writer does not hash the bands of every article holding the GIL)."""

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        return cls(np.frombuffer(data, dtype="<u4"))

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two shingle sets."""
        return float(np.count_nonzero(self.values == other.values)) / len(self.values)

    def band_keys(self) -> list[int]:
        """One signed 64-bit key per band (band number and its rows hashed together)."""
        if self.keys:
            return list(self.keys)
        raw = self.values.astype("<u4").tobytes()
        width = 4 * ROWS
        keys = []
        for band in range(BANDS):
            rows = raw[band * width : (band + 1) * width]
            digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
        return keys


@cache
def _empty_minhash() -> MinHash:
    """The empty MinHash whose permutations every signature uses (drawing them costs more than
    hashing a page's shingles). datasketch is imported here, on first use: importing it imports
    SciPy (for its LSH, which we do not use), which every ``crawler`` command and crawl would
    otherwise pay for on start, whether it signs anything or not."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_identity)


def signable(body_text: str | None) -> bool:
    """Whether :func:`signature` gives ``body_text`` a signature (it is long enough to compare)."""
    if not body_text or len(body_text) < MIN_BODY_CHARS:  # (normalising only shortens it)
        return False
    return len(normalised_text(to_simplified(body_text))) >= MIN_BODY_CHARS


def signature(body_text: str | None) -> Signature | None:
    """The MinHash signature of a body, or None when it is too short to compare.

    The body is signed in simplified characters, so that a repost in traditional characters is
    found as a near-duplicate of its original (their shingles would barely overlap otherwise)."""
    text = normalised_text(to_simplified(body_text or ""))
    if len(text) < MIN_BODY_CHARS:
        return None
    values = minhash_values(shingle_hashes(text))
    return Signature(values, tuple(Signature(values).band_keys()))


_FMIX32 = (
    np.uint32(16),
    np.uint32(0x85EBCA6B),
    np.uint32(13),
    np.uint32(0xC2B2AE35),
    np.uint32(16),
)
"""MurmurHash3's 32-bit finaliser, which datasketch's ``affine32`` scheme applies to each value."""


def minhash_values(hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, Any]:
    """The MinHash of 32-bit shingle hashes: what datasketch's ``MinHash.update_batch`` gives,
    value for value (a test holds the two equal), computed on the array in one pass instead
    of one Python call of the hash function per shingle (several times faster). Other
    datasketch schemes go through ``update_batch`` itself."""
    template = _empty_minhash()  # shares the permutations: no per-call random draws
    if template.scheme != "affine32":
        minhash = template.copy()
        minhash.update_batch(hashes.tolist())
        return np.asarray(minhash.hashvalues, dtype=np.uint32)
    values: np.ndarray[Any, Any] = np.minimum(template.hashvalues, permute(hashes).min(axis=0))
    return values


def permute(hashes: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.uint32]]:
    """Each 32-bit hash under each of the ``NUM_PERM`` permutations of datasketch's ``affine32``
    scheme (rows: hashes; a signature is the minimum of each column): for code that builds
    signatures from parts of texts (the MinHash of a union is the minimum of its parts')."""
    template = _empty_minhash()
    if template.scheme != "affine32":
        raise NotImplementedError(f"permute follows the affine32 scheme, not {template.scheme}")
    a, b = template.permutations
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hashes.astype(np.uint32)
    hv ^= hv >> s1
    hv *= m1
    hv ^= hv >> s2
    hv *= m2
    hv ^= hv >> s3
    permuted: np.ndarray[Any, np.dtype[np.uint32]] = hv[:, None] * a  # uint32: wraps around,
    permuted += b  # as the scheme's arithmetic intends
    return permuted
