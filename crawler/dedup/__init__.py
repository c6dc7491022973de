"""De-duplication: four layers find the copies of one policy (:mod:`crawler.db.store` applies
them in this order):

1. the same page: :func:`~crawler.dedup.urls.url_key` (scheme, ``www.``, ``index.html`` and
   tracking parameters ignored) is the upsert key, so another spelling of a known URL updates its
   row;
2. the same content at another URL: the SHA-256 ``content_hash`` of the normalised title and body;
3. the same document: 发文字号 + 发文机关, when both are present
   (:func:`~crawler.dedup.minhash.document_key`);
4. near-duplicates (a repost with other chrome, another lead paragraph, small edits): a MinHash
   signature over character 5-gram shingles of the normalised body
   (:mod:`crawler.dedup.minhash`), with LSH band keys stored in an indexed table, so a look-up is
   one SQL query that works across processes and runs.
"""
