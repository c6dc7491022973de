"""The research-access layer: feeds, streaming exports and Chinese full-text search.

- :mod:`crawler.research.records`: articles read from the database as plain records, streamed
  (server-side cursors, attachments fetched per batch), with filters by date, site and tag.
- :mod:`crawler.research.feeds`: JSON Feed 1.1 and Atom feeds (all articles, per site, per tag).
- :mod:`crawler.research.export`: JSON lines, CSV and JSON Feed exports of any size.
- :mod:`crawler.research.search`: full-text search in simplified or traditional characters, on
  SQLite (FTS5, one token per character) and PostgreSQL (pg_trgm).
- :mod:`crawler.cli.research`: the ``crawler export`` and ``crawler search`` commands.
"""
