"""Full-text search on SQLite: one token per character (FTS5, ``unicode61`` over spaced text).

FTS5 has no tokenizer for Chinese. The trigram tokenizer (migration 0002) finds any substring of
three characters or more, but indexing an article as thousands of distinct trigrams was the
largest single cost of a crawl (more than the extraction of the page), and its index was larger
than the articles table. Since migration 0004 the index holds one token per character instead:
the text goes through :func:`fts_chars` (``"托育机构"`` → ``"托 育 机 构"``) into an FTS5 table
with the ``unicode61`` tokenizer, and a word is searched as the phrase of its characters
(:func:`fts_phrase`), which matches exactly where the characters occur in a row. Indexing is
several times cheaper, the index less than half the size, and words of one or two characters are
served by the index too (trigrams need three). The price is in queries: a phrase of single
characters reads longer position lists than one trigram (a few times the time of a query).

Punctuation and spaces are separators for ``unicode61``: a phrase also matches across them
(``托育机构`` in ``托育、机构``). :func:`crawler.research.search.search` checks every word with a
substring match on the rows the index found, so its results are exact.

SQLite runs :func:`fts_chars` from the triggers that keep the index in sync, so every connection
that writes ``articles`` (or reads ``articles_fts_source``) needs it: :func:`register` is called
for every connection that :func:`crawler.db.make_engine` opens, and by the Datasette plugin in
``docs/datasette/plugins``. A connection without it (the ``sqlite3`` shell) can search
(``MATCH``) but gets ``no such function: fts_chars`` when it changes an article's text.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np

FUNCTION = "fts_chars"


def fts_chars(text: str | None) -> str | None:
    """The text as the FTS5 table indexes it: every character a word of its own.

    >>> fts_chars("托育 AB")
    '托 育   A B'

    The same as ``" ".join(text)``, eight times faster (numpy interleaves the code points): it
    runs for every article written, on the thread that holds the GIL.
    """
    if text is None:
        return None
    codes = np.frombuffer(str(text).encode("utf-32-le"), dtype=np.uint32)
    if len(codes) < 2:
        return str(text)
    spaced = np.full(2 * len(codes) - 1, ord(" "), dtype=np.uint32)
    spaced[::2] = codes
    return spaced.tobytes().decode("utf-32-le")


def fts_phrase(word: str) -> str:
    """An FTS5 query for ``word`` as a substring: the phrase of its characters, quoted.

    >>> fts_phrase("托育")
    '"托 育"'
    """
    chars = "".join(word.split())
    return '"' + " ".join(chars).replace('"', '""') + '"'


def register(dbapi_connection: Any) -> None:
    """Make :func:`fts_chars` callable from SQL on a ``sqlite3`` connection."""
    dbapi_connection.create_function(FUNCTION, 1, fts_chars, deterministic=True)


def ensure_registered(dbapi_connection: Any) -> None:
    """:func:`register` unless the connection has the function already (SQLite refuses to
    define a function again while a statement of the connection is running)."""
    try:
        dbapi_connection.execute(f"SELECT {FUNCTION}('')").fetchall()
    except sqlite3.OperationalError:
        register(dbapi_connection)
