"""What the tests and the benchmarks share (one definition of each):

- :mod:`tests.support.paths`: the repository's root and the fixtures folder;
- :mod:`tests.support.net`: a free port on 127.0.0.1, waiting for a server to listen;
- :mod:`tests.support.databases`: throw-away PostgreSQL databases (and the pytest fixtures of
  :mod:`tests.support.fixtures`: ``postgres_server``, ``pg_url``, ``database_url``, ``engine``);
- :mod:`tests.support.commands`: ``crawler`` and ``python -m`` in a subprocess, as cron runs them,
  and ``crawler`` in this process;
- :mod:`tests.support.alerts`: a webhook that receives the alerts (the ``receiver`` fixture);
- :mod:`tests.support.records`, :mod:`tests.support.crawlers`: records and a crawler for the
  storage tests;
- :mod:`tests.support.demo`: the demo articles (a database for the research and CLI tests);
- :mod:`tests.support.site`: a local site: generated pages served by nginx (or a Python server
  when nginx is not installed), and a slow server that counts requests in flight;
- :mod:`tests.support.scaleout`: ``scrapy crawl`` workers of the scale-out test site against Redis
  and PostgreSQL;
- ``provision.sh``: the services the tests need, started or named (``make services``).
"""
