"""Datasette plugin: search the articles table through its one-token-per-character FTS5 index.

``articles_fts`` indexes every character as a token (migration 0004, ``crawler.db.fulltext``), so
a search box query must be turned into phrases of characters: this plugin replaces Datasette's
``escape_fts()`` with one that does so, and defines ``fts_chars()``, which the index's source view
and triggers call. Loaded with ``--plugins-dir docs/datasette/plugins`` (``make browse``).
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from crawler.db.fulltext import fts_phrase, register


def escape_fts(query: str) -> str:
    """Every word of the query as the phrase of its characters (all words must occur)."""
    words = [w for w in query.replace('"', " ").split() if any(ch.isalnum() for ch in w)]
    return " AND ".join(fts_phrase(w) for w in words) or '""'


@hookimpl(trylast=True)  # after Datasette's own escape_fts(), so that this one is used
def prepare_connection(conn: sqlite3.Connection) -> None:
    register(conn)
    conn.create_function("escape_fts", 1, escape_fts, deterministic=True)
