"""Scale-out: one shared frontier on Redis for any number of crawler processes
(:mod:`~crawler.distributed.scheduler`; docs/deployment.md)."""
