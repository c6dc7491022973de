"""The de-duplication bench's fast signer gives the signatures and band keys of the crawler's own
signing code (crawler.dedup.minhash), document for document."""

from __future__ import annotations

from bench.dedup.corpus import REPOST_VARIANTS, Generator
from bench.dedup.fill import FastSigner, verify


def test_the_fast_signer_signs_as_the_crawler_does() -> None:
    generator = Generator(seed=7, pool=3_000)
    signer = FastSigner(generator.corpus)
    documents = [generator.document() for _ in range(40)]
    reposts = [
        generator.repost(doc, kind) for doc in documents[:10] for kind in list(REPOST_VARIANTS)[:3]
    ]
    assert verify(signer, documents + reposts) == len(documents) + len(reposts)
