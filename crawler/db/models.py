"""SQLAlchemy 2.0 typed models: the database researchers query.

Every schema change is an Alembic migration in ``crawler/db/migrations`` (a test checks that the
migrations and these models agree on SQLite and PostgreSQL).

The models are also the one place that says how long a value may be (:func:`max_chars`): the
length of a ``String(n)`` column, or, for a text column that holds a short label, the cap in its
``info["max_chars"]`` (titles: 200 characters, the extractor's own limit). Values from the
network are checked against them before they reach the database (:mod:`crawler.db.bounds`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def max_chars(table: type[Base] | Table, name: str) -> int | None:
    """The most characters column ``name`` of ``table`` holds: its ``String(n)`` length, or the
    cap in its ``info["max_chars"]`` (a text column holding a label); None when unbounded."""
    columns = table.c if isinstance(table, Table) else table.__table__.c
    column = columns[name]
    cap = column.info.get("max_chars")
    if cap is not None:
        return int(cap)
    length = getattr(column.type, "length", None)
    return int(length) if length else None


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC on every database, read back as an aware UTC datetime.

    SQLite keeps no time zone: without this, an aware ``+08:00`` value would be stored as its
    wall-clock time and read back naive, unlike PostgreSQL's ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONType,
        list[str]: JSONType,
        dt.datetime: UTCDateTime,
    }


class Source(Base):
    """A crawled site or section: one row per spider."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(100), unique=True, comment="spider name")
    name: Mapped[str | None] = mapped_column(String(200), comment="agency or site name")
    region: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    articles: Mapped[list[Article]] = relationship(back_populates="source")


class Article(Base):
    """One policy article, keyed by its canonical URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url_key: Mapped[str] = mapped_column(
        String(2048), unique=True, comment="the page across URL spellings (upsert key)"
    )
    url: Mapped[str] = mapped_column(String(2048), index=True, comment="canonical URL")
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    site: Mapped[str] = mapped_column(String(100), index=True, comment="spider name")
    source_name: Mapped[str | None] = mapped_column(String(200), comment="publishing agency")
    title: Mapped[str | None] = mapped_column(Text, info={"max_chars": 200})
    publish_date: Mapped[dt.date | None] = mapped_column(Date, index=True, comment="发布日期")
    published_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime(), comment="发布时间, only when the page gives a time"
    )
    written_date: Mapped[dt.date | None] = mapped_column(Date, comment="成文日期")
    doc_number: Mapped[str | None] = mapped_column(String(200), index=True, comment="发文字号")
    issuer: Mapped[str | None] = mapped_column(
        Text, info={"max_chars": 1000}, comment="发文机关 as printed"
    )
    issuers: Mapped[list[str]] = mapped_column(JSONType, default=list, comment="发文机关, split")
    index_number: Mapped[str | None] = mapped_column(String(200), comment="索引号")
    topic: Mapped[str | None] = mapped_column(Text, info={"max_chars": 200}, comment="主题分类")
    author: Mapped[str | None] = mapped_column(Text, info={"max_chars": 200})
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, comment="sanitised HTML")
    text_in_attachment: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="the page only links its document: the text is in its attachments",
    )
    title_simplified: Mapped[str | None] = mapped_column(
        Text, comment="title in simplified characters, only when it differs (search)"
    )
    body_simplified: Mapped[str | None] = mapped_column(
        Text, comment="body_text in simplified characters, only when it differs (search)"
    )
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    document_key: Mapped[str | None] = mapped_column(
        String(400), index=True, comment="发文字号|发文机关, when both are known"
    )
    cluster_id: Mapped[int | None] = mapped_column(
        Integer, index=True, comment="copies of one policy share it (id of the first stored copy)"
    )
    dedup_layer: Mapped[str | None] = mapped_column(
        String(20), comment="how it joined its cluster: content | document | near; NULL if first"
    )
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    http_etag: Mapped[str | None] = mapped_column(String(500), comment="for conditional revisits")
    http_last_modified: Mapped[str | None] = mapped_column(
        String(100), comment="for conditional revisits"
    )
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, comment="last content change"
    )
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    source: Mapped[Source] = relationship(back_populates="articles")
    attachments: Mapped[list[AttachmentRow]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        order_by="AttachmentRow.position",
    )


class ArticleSignature(Base):
    """The MinHash signature of an article's body (near-duplicate detection)."""

    __tablename__ = "article_signatures"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class LshBand(Base):
    """One LSH band key of an article's signature: equal keys make near-duplicate candidates."""

    __tablename__ = "lsh_bands"
    # SQLite: the table is its primary key (no rowid b-tree beside it; migration 0006)
    __table_args__ = {"sqlite_with_rowid": False}

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Revision(Base):
    """A previous version of an article whose content changed at the same URL."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), comment="when it was replaced")
    title: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    diff: Mapped[str | None] = mapped_column(Text, comment="unified diff to the next version")


class AttachmentRow(Base):
    """A file linked from an article."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text, info={"max_chars": 1000})
    url: Mapped[str] = mapped_column(String(2048), index=True)
    file_type: Mapped[str | None] = mapped_column(String(20))

    article: Mapped[Article] = relationship(back_populates="attachments")


class StoredFile(Base):
    """An attachment's content, stored once (content-addressed) however many URLs or articles
    link to it, with the text extracted from it (``crawler.attachments``)."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, comment="SHA-256 of the bytes")
    size: Mapped[int] = mapped_column(BigInteger, comment="bytes")
    media_type: Mapped[str | None] = mapped_column(
        String(100), comment="read from the content (not from the URL or the server)"
    )
    path: Mapped[str] = mapped_column(String(300), comment="where it is kept in FILES_STORE")
    status: Mapped[str] = mapped_column(
        String(20),
        comment="pending | ok | truncated | image_only | encrypted | unsupported | failed",
    )
    reason: Mapped[str | None] = mapped_column(Text, comment="why not ok")
    page_count: Mapped[int | None] = mapped_column(
        Integer, comment="pages (PDF, OFD, DOCX as saved), sheets, or archive members read"
    )
    text: Mapped[str | None] = mapped_column(Text)
    text_simplified: Mapped[str | None] = mapped_column(
        Text, comment="text in simplified characters, only when it differs (search)"
    )
    stored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    extracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class FileUrl(Base):
    """An attachment URL as last fetched: the file it served, or why it could not be had (then
    retried by later runs, with backoff)."""

    __tablename__ = "file_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    sha256: Mapped[str | None] = mapped_column(
        ForeignKey("files.sha256", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), comment="stored | failed | skipped")
    reason: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(200), comment="as the server said")
    http_etag: Mapped[str | None] = mapped_column(String(500), comment="for conditional requests")
    http_last_modified: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0, comment="failures in a row")
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), comment="last request")
    next_retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


class Failure(Base):
    """A URL that could not be fetched or parsed: retried by later runs, with backoff, until it
    succeeds (then the row is deleted)."""

    __tablename__ = "failures"
    __table_args__ = (UniqueConstraint("site", "url_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(100))
    url_key: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(20), comment="list | article")
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_retry_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class CrawlRun(Base):
    """One spider run: when, how it ended, what it fetched and stored, and its health."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_site_started_at", "site", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(20), default="incremental", comment="or backfill")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(
        String(20), comment="running | ok | warning | failed | blocked"
    )
    requests: Mapped[int] = mapped_column(Integer, default=0)
    responses_by_status: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    items_scraped: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_updated: Mapped[int] = mapped_column(Integer, default=0)
    items_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    reposts: Mapped[int] = mapped_column(Integer, default=0, comment="new copies of known policies")
    items_failed: Mapped[int] = mapped_column(Integer, default=0, comment="not stored")
    dropped: Mapped[int] = mapped_column(Integer, default=0)
    dropped_reasons: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    newest_publish_date: Mapped[dt.date | None] = mapped_column(Date)
    problems: Mapped[list[str]] = mapped_column(JSONType, default=list, comment="health problems")
    stats: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
