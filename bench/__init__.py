"""Benchmark suite of policy-crawler (``make bench`` → ``bench/run.py``); see docs/benchmarks.md."""
