"""Articles as plain records, read in a stream with constant memory.

Rows come through a server-side cursor (PostgreSQL) or the SQLite cursor itself, ``batch_size``
at a time; the attachments of each batch are read with one query (no query per article).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    and_,
    cast,
    exists,
    func,
    inspect,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from crawler.db.models import Article, AttachmentRow, FileUrl, Source, StoredFile

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

ARTICLES: Table = Article.__table__  # type: ignore[assignment]
ATTACHMENTS: Table = AttachmentRow.__table__  # type: ignore[assignment]
SOURCES: Table = Source.__table__  # type: ignore[assignment]
FILES: Table = StoredFile.__table__  # type: ignore[assignment]
FILE_URLS: Table = FileUrl.__table__  # type: ignore[assignment]

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

REPOST_CLUSTER_COLUMNS = ("cluster_id", "repost_cluster")
"""The column that identifies the copies of one policy across sites (filled by the de-duplication
of the storage layer): the first of these names that ``articles`` has. Without any, every record's
``repost_cluster`` is None; records, exports and feeds carry it with no other change."""


LATER_COLUMNS: dict[str, Any] = {"text_in_attachment": literal(False, Boolean())}
"""Columns of ``articles`` added by later migrations (0008), read from a database not upgraded to
them as the value its rows would get (as :func:`attachments_of` reads one from before 0007)."""


def article_columns(conn: Connection) -> list[Any]:
    """The columns of ``articles`` to read from ``conn``'s database: a column of
    :data:`LATER_COLUMNS` that it lacks as its value there."""
    present = {c["name"] for c in inspect(conn).get_columns(ARTICLES.name)}
    return [
        LATER_COLUMNS[c.name].label(c.name)
        if c.name in LATER_COLUMNS and c.name not in present
        else c
        for c in ARTICLES.c
    ]


class InputError(ValueError):
    """A bad filter or option from the user (shown as is, exit code 2)."""


def parse_since(value: str | None) -> dt.date | None:
    """``YYYY-MM-DD`` (or ``YYYYMMDD``) to a date; a clear error for anything else."""
    if value is None or value == "":
        return None
    text = value.strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--since: not a date: {value!r} (give YYYY-MM-DD, e.g. 2024-11-01)"
        ) from None


@dataclass(frozen=True, slots=True)
class Filters:
    """Which articles: published on or after ``since`` (发布日期), from ``site``, tagged ``tag``."""

    since: dt.date | None = None
    site: str | None = None
    tag: str | None = None

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.since is not None:
            out.append(ARTICLES.c.publish_date >= self.since)
        if self.site is not None:
            out.append(ARTICLES.c.site == self.site)
        if self.tag is not None:
            out.append(has_tag(self.tag, dialect))
        return out


def has_tag(tag: str, dialect: str) -> ColumnElement[bool]:
    """``articles.tags`` (a JSON list) contains ``tag``."""
    if dialect == "postgresql":
        contains: ColumnElement[bool] = ARTICLES.c.tags.op("@>", return_type=Boolean)(
            cast(literal(json.dumps([tag], ensure_ascii=False)), JSONB)
        )
        return contains
    each = func.json_each(ARTICLES.c.tags).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == tag))


def newest_first(stmt: Select[Any]) -> Select[Any]:
    """发布日期 newest first, undated articles last, then the latest stored first."""
    return stmt.order_by(ARTICLES.c.publish_date.desc().nulls_last(), ARTICLES.c.id.desc())


def article_query(
    dialect: str, filters: Filters = Filters(), columns: Sequence[Any] | None = None
) -> Select[Any]:
    """The matching articles, newest first: every column, or ``columns``
    (:func:`article_columns`)."""
    conditions = filters.conditions(dialect)
    selected = select(*columns) if columns is not None else select(ARTICLES)
    return newest_first(selected.where(and_(true(), *conditions)))


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def publish_moment(row: Any) -> dt.datetime | None:
    """When the article was published, in China time: the time when the page gives one, else
    midnight of 发布日期."""
    if row.published_at is not None:
        moment: dt.datetime = row.published_at.astimezone(SHANGHAI)
        return moment
    if row.publish_date is not None:
        return dt.datetime.combine(row.publish_date, dt.time(), SHANGHAI)
    return None


def record(row: Any, attachments: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One article as a JSON-ready dict (dates as ISO strings)."""
    mapping = row._mapping
    return {
        "id": row.id,
        "url": row.url,
        "site": row.site,
        "source_name": row.source_name,
        "title": row.title,
        "publish_date": iso(row.publish_date),
        "published_at": iso(row.published_at.astimezone(SHANGHAI)) if row.published_at else None,
        "written_date": iso(row.written_date),
        "doc_number": row.doc_number,
        "issuer": row.issuer,
        "issuers": list(row.issuers or []),
        "index_number": row.index_number,
        "topic": row.topic,
        "author": row.author,
        "tags": list(row.tags or []),
        "attachments": list(attachments),
        "text_in_attachment": bool(row.text_in_attachment),
        "repost_cluster": _repost_cluster(mapping),
        "content_hash": row.content_hash,
        "first_seen_at": iso(row.first_seen_at),
        "updated_at": iso(row.updated_at),
        "body_text": row.body_text,
        "body_html": row.body_html,
    }


def _repost_cluster(mapping: Any) -> Any:
    for name in REPOST_CLUSTER_COLUMNS:
        if name in mapping:
            return mapping[name]
    return None


def attachments_of(
    conn: Connection, ids: Sequence[int], *, with_text: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """The attachments of the articles ``ids``, in page order, in one query. An attachment whose
    file is stored also has its ``size`` (bytes), ``media_type`` (read from the file), ``sha256``
    and ``extraction`` status, and with ``with_text`` the ``text`` read from it."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return found
    columns = [
        ATTACHMENTS.c.article_id,
        ATTACHMENTS.c.name,
        ATTACHMENTS.c.url,
        ATTACHMENTS.c.file_type,
    ]
    source: Any = ATTACHMENTS
    files = _has_files(conn)
    if files:
        columns += [FILES.c.size, FILES.c.media_type, FILES.c.sha256, FILES.c.status]
        if with_text:
            columns.append(FILES.c.text)
        source = ATTACHMENTS.outerjoin(FILE_URLS, FILE_URLS.c.url == ATTACHMENTS.c.url).outerjoin(
            FILES, FILES.c.sha256 == FILE_URLS.c.sha256
        )
    stmt = (
        select(*columns)
        .select_from(source)
        .where(ATTACHMENTS.c.article_id.in_(list(ids)))
        .order_by(ATTACHMENTS.c.article_id, ATTACHMENTS.c.position)
    )
    for row in conn.execute(stmt):
        entry: dict[str, Any] = {"name": row.name, "url": row.url, "file_type": row.file_type}
        if files and row.sha256 is not None:
            entry.update(
                size=row.size, media_type=row.media_type, sha256=row.sha256, extraction=row.status
            )
            if with_text:
                entry["text"] = row.text
        found[row.article_id].append(entry)
    return found


def _has_files(conn: Connection) -> bool:
    """Whether the database has the attachment files' tables (migration 0007)."""
    return bool(inspect(conn).has_table("files"))


def iter_records(
    engine: Engine,
    filters: Filters = Filters(),
    *,
    limit: int | None = None,
    batch_size: int = 500,
    attachment_text: bool = False,
) -> Iterator[dict[str, Any]]:
    """Every matching article, newest first, as records; at most ``batch_size`` rows in memory
    (``attachment_text``: each attachment with the text read from its file)."""
    with engine.connect() as conn:
        stmt = article_query(engine.dialect.name, filters, article_columns(conn))
        if limit is not None:
            stmt = stmt.limit(limit)
        streaming = conn.execution_options(stream_results=True, yield_per=batch_size)
        result = streaming.execute(stmt)
        for partition in result.partitions():
            attachments = attachments_of(
                conn, [row.id for row in partition], with_text=attachment_text
            )
            for row in partition:
                yield record(row, attachments.get(row.id, ()))


def sites(engine: Engine) -> list[tuple[str, str | None]]:
    """(site, agency name) of every site that has articles."""
    stmt = (
        select(ARTICLES.c.site, func.max(SOURCES.c.name))
        .select_from(ARTICLES.outerjoin(SOURCES, SOURCES.c.id == ARTICLES.c.source_id))
        .group_by(ARTICLES.c.site)
        .order_by(ARTICLES.c.site)
    )
    with engine.connect() as conn:
        return [(site, name) for site, name in conn.execute(stmt)]


def tags(engine: Engine) -> list[str]:
    """Every tag used by an article."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            each = func.jsonb_array_elements_text(ARTICLES.c.tags).table_valued("value")
        else:
            each = func.json_each(ARTICLES.c.tags).table_valued("value")
        stmt = select(each.c.value).select_from(ARTICLES).join(each, true()).distinct()
        return sorted(str(value) for (value,) in conn.execute(stmt) if value)


def matches_text(column: ColumnElement[Any], needle: str) -> ColumnElement[bool]:
    """``column`` contains ``needle`` (LIKE with wildcards escaped)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")
