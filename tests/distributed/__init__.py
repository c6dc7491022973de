"""Scale-out tests: shared Redis frontier, cluster politeness, concurrent writers, Scrapyd."""
