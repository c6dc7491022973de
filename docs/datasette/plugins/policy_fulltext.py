"""Datasette plugin: search the articles table through its one-token-per-character FTS5 index,
in simplified or traditional characters.

``articles_fts`` indexes every character of the simplified form of each article as a token
(migration 0004, ``crawler.db.fulltext``), so a search box query must be converted to simplified
characters and turned into phrases of characters: this plugin replaces Datasette's
``escape_fts()`` with one that does both (``托育服務`` and ``托育服务`` find the same rows), and
defines ``fts_chars()``, which the index's source view and triggers call, and
``to_simplified()``, which the canned query ``search`` calls. Loaded with ``--plugins-dir
docs/datasette/plugins`` (``make browse``).
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from crawler.db.fulltext import fts_phrase, register
from crawler.research.search import to_simplified


def escape_fts(query: str) -> str:
    """Every word of the query, in simplified characters, as the phrase of its characters (all
    words must occur)."""
    simplified = to_simplified(query.replace('"', " "))
    words = [w for w in simplified.split() if any(ch.isalnum() for ch in w)]
    return " AND ".join(fts_phrase(w) for w in words) or '""'


def simplified(text: str | None) -> str | None:
    return None if text is None else to_simplified(str(text))


@hookimpl(trylast=True)  # after Datasette's own escape_fts(), so that this one is used
def prepare_connection(conn: sqlite3.Connection) -> None:
    register(conn)
    conn.create_function("escape_fts", 1, escape_fts, deterministic=True)
    conn.create_function("to_simplified", 1, simplified, deterministic=True)
