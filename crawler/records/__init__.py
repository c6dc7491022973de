"""An article page made into its stored record, and the processes that do it off the crawl's
thread.

- :mod:`~crawler.records.prepare`: build, normalise, tag and sign one article page;
- :mod:`~crawler.records.vocabulary`: the topic vocabulary (``crawler/data/vocabulary.toml``);
- :mod:`~crawler.records.workers`: the worker process pools (extraction, signing).
"""
