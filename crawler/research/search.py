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

Attachments' text counts as the article's (``files.text``, read from its PDF, Word, Excel,
OFD... files by :mod:`crawler.attachments`): a word that occurs only in an attachment finds the
article, and the hit names the file (:attr:`SearchHit.attachments`). On SQLite the FTS5 table
``files_fts`` (migration 0007) finds the files first; on PostgreSQL its pg_trgm index.

Words separated by spaces must all occur, each in the title, the body or an attachment. Ranking is
the same on both databases: a word in the title counts five times an occurrence in the body or
an attachment; ties go to the newest article.
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
    exists,
    func,
    literal,
    or_,
    select,
    text,
)

from crawler.db.fulltext import fts_phrase
from crawler.db.models import FileUrl, StoredFile
from crawler.research.records import ARTICLES, ATTACHMENTS, InputError, newest_first

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy import Connection, Engine, Table

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
FILES: Table = StoredFile.__table__  # type: ignore[assignment]
FILE_URLS: Table = FileUrl.__table__  # type: ignore[assignment]
FILE_TEXT = func.coalesce(FILES.c.text_simplified, FILES.c.text)
ATTACHED_FILES = ATTACHMENTS.join(FILE_URLS, FILE_URLS.c.url == ATTACHMENTS.c.url).join(
    FILES, FILES.c.sha256 == FILE_URLS.c.sha256
)
"""Each attachment row with the file its URL served (none for an attachment not fetched)."""


@dataclass(frozen=True, slots=True)
class AttachmentHit:
    """An attachment of a hit whose text holds a word searched for."""

    name: str
    url: str
    snippet: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "snippet": self.snippet}


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
    attachments: tuple[AttachmentHit, ...] = ()
    """The attachments whose text holds a word searched for (the files it was found in)."""

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
            "attachments": [a.as_dict() for a in self.attachments],
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


def _in_attachments(term: str, dialect: str) -> ColumnElement[bool]:
    """The article has an attachment whose text contains ``term``."""
    return exists(
        select(literal(1))
        .select_from(ATTACHED_FILES)
        .where(ATTACHMENTS.c.article_id == ARTICLES.c.id, _contains(FILE_TEXT, term, dialect))
    )


def _attachment_occurrences(term: str, dialect: str) -> ColumnElement[int]:
    """How often ``term`` occurs in the text of the article's attachments."""
    total = (
        select(func.coalesce(func.sum(_occurrences(FILE_TEXT, term, dialect)), 0))
        .select_from(ATTACHED_FILES)
        .where(ATTACHMENTS.c.article_id == ARTICLES.c.id)
        .scalar_subquery()
    )
    return total


def _fts_candidates(n: int) -> ColumnElement[bool]:
    """SQLite: the article or one of its attachments' files holds term ``n`` (its FTS phrase
    is the parameter ``fts_n``) as far as the indexes tell."""
    in_articles = (
        select(text("rowid"))
        .select_from(text("articles_fts"))
        .where(text(f"articles_fts MATCH :fts_{n}"))
    )
    in_files = (
        select(ATTACHMENTS.c.article_id)
        .select_from(ATTACHED_FILES)
        .where(
            FILES.c.id.in_(
                select(text("rowid"))
                .select_from(text("files_fts"))
                .where(text(f"files_fts MATCH :fts_{n}"))
            )
        )
    )
    return or_(ARTICLES.c.id.in_(in_articles), ARTICLES.c.id.in_(in_files))


def search(
    engine: Engine,
    query: str,
    *,
    since: dt.date | None = None,
    site: str | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Articles containing every word of ``query`` (in the title, body or an attachment), best
    first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"search: --limit must be between 1 and {MAX_LIMIT}, not {limit}")
    terms = query_terms(query)
    dialect = engine.dialect.name
    conditions: list[ColumnElement[bool]] = []
    params: dict[str, str] = {}
    for n, term in enumerate(terms):
        # a word without letters or digits has no token in the index: the LIKE alone serves it
        if dialect == "sqlite" and any(ch.isalnum() for ch in term):
            conditions.append(_fts_candidates(n))
            params[f"fts_{n}"] = fts_phrase(term)
        conditions.append(
            or_(
                _contains(TITLE, term, dialect),
                _contains(BODY, term, dialect),
                _in_attachments(term, dialect),
            )
        )
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
            + _attachment_occurrences(term, dialect)
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
    with engine.connect() as conn:
        rows = conn.execute(stmt, params).all()
        found = _attachment_hits(conn, [row.id for row in rows], terms)
    hits = []
    for row in rows:
        in_files = found.get(row.id, ())
        text_snippet = snippet(row.body_text, row.body_search, terms, require=True)
        if text_snippet is None and in_files:
            text_snippet = f"〔{in_files[0].name}〕{in_files[0].snippet or ''}"
        hits.append(
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
                snippet=text_snippet
                if text_snippet is not None
                else snippet(row.body_text, row.body_search, terms),
                attachments=in_files,
            )
        )
    return hits


def _attachment_hits(
    conn: Connection, ids: list[int], terms: list[str]
) -> dict[int, tuple[AttachmentHit, ...]]:
    """For each article of ``ids``: its attachments whose text holds a word of ``terms``."""
    if not ids:
        return {}
    rows = conn.execute(
        select(
            ATTACHMENTS.c.article_id,
            ATTACHMENTS.c.name,
            ATTACHMENTS.c.url,
            FILES.c.text,
            FILES.c.text_simplified,
        )
        .select_from(ATTACHED_FILES)
        .where(ATTACHMENTS.c.article_id.in_(ids), FILES.c.text.is_not(None))
        .order_by(ATTACHMENTS.c.article_id, ATTACHMENTS.c.position)
    )
    found: dict[int, list[AttachmentHit]] = {}
    for article_id, name, url, body, simplified in rows:
        searchable = (simplified or body or "").lower()
        if any(t in searchable for t in terms):
            found.setdefault(article_id, []).append(
                AttachmentHit(name, url, snippet(body, simplified, terms, require=True))
            )
    return {k: tuple(v) for k, v in found.items()}


def snippet(
    original: str | None,
    searchable: str | None,
    terms: list[str],
    width: int = 40,
    *,
    require: bool = False,
) -> str | None:
    """A line of the text around the first word found, in its own script (``require``: None
    when no word is found, instead of the text's beginning)."""
    if not original:
        return None
    haystack = (searchable or original).lower()
    found = [(haystack.find(t), t) for t in terms if haystack.find(t) >= 0]
    if require and not found:
        return None
    source = original if len(original) == len(haystack) else (searchable or original)
    if not found:
        start, end = 0, min(len(source), 2 * width)
    else:
        pos, term = min(found)
        start, end = max(0, pos - width // 2), min(len(source), pos + len(term) + width)
    piece = " ".join(source[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(source) else "")
