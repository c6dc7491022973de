"""The de-duplication bench (recall and precision of the four layers, and the cost of writes on a
large database): ``python -m bench.dedup.run``; docs/benchmarks.md."""
