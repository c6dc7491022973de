"""Benchmark suite of policy-crawler (``make bench``: ``python -m bench.run``); see
docs/benchmarks.md."""
