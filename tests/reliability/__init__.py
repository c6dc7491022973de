"""Fault-injection and reliability tests (issue 8): a misbehaving local site, database outages,
crash and resume, concurrent writers, bad input and the crawler's security protections."""
