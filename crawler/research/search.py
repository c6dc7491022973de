"""Chinese full-text search over title and body, on SQLite and PostgreSQL.

The text searched is the simplified-character form of each article
(``coalesce(title_simplified, title)``, ``coalesce(body_simplified, body_text)``, filled by the
storage layer), and the query is converted to simplified characters too, so a query in either
script finds an article in either script.

- SQLite: the FTS5 table ``articles_fts`` (one token per character, migration 0004,
  ``crawler.db.fulltext``) finds the rows holding each word as the phrase of its characters; a
  substring match (LIKE) on those rows then drops the ones where the characters are only
  separated by punctuation, so the results are exact.
- PostgreSQL: ``LIKE`` over the same expressions (``ILIKE`` for a word with letters that have
  case), served by the pg_trgm GIN indexes of migration 0002.

Words separated by spaces must all occur. Ranking is the same on both databases: a word in the
title counts five times an occurrence in the body; ties go to the newest article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    text,
)

from crawler.db.fulltext import fts_phrase
from crawler.research.records import ARTICLES, InputError, newest_first

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import Engine

try:
    from crawler.extraction.normalize import to_simplified
except ImportError:  # pragma: no cover - the extraction package is always there in practice
    import opencc

    _T2S = opencc.OpenCC("t2s")

    def to_simplified(text: str) -> str:
        out: str = _T2S.convert(text)
        return out


TITLE_WEIGHT = 5
MAX_LIMIT = 1000

TITLE = func.coalesce(ARTICLES.c.title_simplified, ARTICLES.c.title)
BODY = func.coalesce(ARTICLES.c.body_simplified, ARTICLES.c.body_text)


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: int
    url: str
    site: str
    source_name: str | None
    title: str | None
    publish_date: dt.date | None
    doc_number: str | None
    issuer: str | None
    score: int
    snippet: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "site": self.site,
            "source_name": self.source_name,
            "title": self.title,
            "publish_date": self.publish_date.isoformat() if self.publish_date else None,
            "doc_number": self.doc_number,
            "issuer": self.issuer,
            "score": self.score,
            "snippet": self.snippet,
        }


def query_terms(query: str) -> list[str]:
    """The words of ``query`` in simplified characters, lower-cased, duplicates removed."""
    terms: list[str] = []
    for word in to_simplified(query).split():
        word = word.strip().lower()
        if word and word not in terms:
            terms.append(word)
    if not terms:
        raise InputError("search: give at least one word to search for")
    return terms


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _caseless(term: str) -> bool:
    """Whether ``term`` has no letters with case (Chinese words, digits): it then matches the
    text as it is, with no case folding of every article's body."""
    return term.lower() == term.upper()


def _contains(column: ColumnElement[Any], term: str, dialect: str) -> ColumnElement[bool]:
    pattern = f"%{_escape_like(term)}%"
    if dialect == "postgresql" and not _caseless(term):
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")


def _occurrences(column: ColumnElement[Any], term: str, dialect: str) -> ColumnElement[int]:
    """How often ``term`` occurs in ``column`` (case-insensitive): the length the text loses
    when every occurrence is removed, divided by the term's.

    The lengths are in bytes (``octet_length`` on PostgreSQL, the length of the text as a BLOB on
    SQLite), which needs no counting of characters, and the text is lower-cased only for a term
    with letters that have case: both took much of a search's time for a word found in most
    articles, which are scored one by one."""
    haystack: ColumnElement[Any] = func.coalesce(column, "")
    if not _caseless(term):
        haystack = func.lower(haystack)
    removed = func.replace(haystack, term, "")
    # the term's size in the database's own encoding, as the text's
    text_size, rest_size, term_size = (
        func.octet_length(x) if dialect == "postgresql" else func.length(cast(x, LargeBinary))
        for x in (haystack, removed, literal(term))
    )
    return (text_size - rest_size) // term_size


def _fts_query(terms: list[str]) -> str:
    return " AND ".join(fts_phrase(t) for t in terms)


def search(
    engine: Engine,
    query: str,
    *,
    since: dt.date | None = None,
    site: str | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Articles containing every word of ``query``, best first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"search: --limit must be between 1 and {MAX_LIMIT}, not {limit}")
    terms = query_terms(query)
    dialect = engine.dialect.name
    conditions: list[ColumnElement[bool]] = []
    # a word without letters or digits has no token in the index: the LIKE alone serves it
    indexed = [t for t in terms if any(ch.isalnum() for ch in t)]
    if dialect == "sqlite" and indexed:
        fts = (
            select(text("rowid"))
            .select_from(text("articles_fts"))
            .where(text("articles_fts MATCH :fts_query"))
        )
        conditions.append(ARTICLES.c.id.in_(fts))
    for term in terms:
        conditions.append(or_(_contains(TITLE, term, dialect), _contains(BODY, term, dialect)))
    if since is not None:
        conditions.append(ARTICLES.c.publish_date >= since)
    if site is not None:
        conditions.append(ARTICLES.c.site == site)
    score: ColumnElement[int] = literal(0, Integer)
    for term in terms:
        score = (
            score
            + TITLE_WEIGHT * _occurrences(TITLE, term, dialect)
            + _occurrences(BODY, term, dialect)
        )
    score_col = score.label("score")
    stmt = (
        select(
            ARTICLES.c.id,
            ARTICLES.c.url,
            ARTICLES.c.site,
            ARTICLES.c.source_name,
            ARTICLES.c.title,
            ARTICLES.c.publish_date,
            ARTICLES.c.doc_number,
            ARTICLES.c.issuer,
            ARTICLES.c.body_text,
            BODY.label("body_search"),
            score_col,
        )
        .where(and_(*conditions))
        .order_by(score_col.desc())
    )
    stmt = newest_first(stmt).limit(limit)
    params = {"fts_query": _fts_query(indexed)} if dialect == "sqlite" and indexed else {}
    with engine.connect() as conn:
        rows = conn.execute(stmt, params).all()
    return [
        SearchHit(
            id=row.id,
            url=row.url,
            site=row.site,
            source_name=row.source_name,
            title=row.title,
            publish_date=row.publish_date,
            doc_number=row.doc_number,
            issuer=row.issuer,
            score=int(row.score or 0),
            snippet=snippet(row.body_text, row.body_search, terms),
        )
        for row in rows
    ]


def snippet(
    original: str | None, searchable: str | None, terms: list[str], width: int = 40
) -> str | None:
    """A line of the body around the first word found, in the article's own script."""
    if not original:
        return None
    haystack = (searchable or original).lower()
    found = [(haystack.find(t), t) for t in terms if haystack.find(t) >= 0]
    source = original if len(original) == len(haystack) else (searchable or original)
    if not found:
        start, end = 0, min(len(source), 2 * width)
    else:
        pos, term = min(found)
        start, end = max(0, pos - width // 2), min(len(source), pos + len(term) + width)
    piece = " ".join(source[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(source) else "")
