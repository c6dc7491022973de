"""De-duplication: URL keys, MinHash signatures and LSH band keys.

- :mod:`~crawler.dedup.urls`: canonical URLs;
- :mod:`~crawler.dedup.minhash`: URL keys, document keys, MinHash signatures, band keys.
"""
