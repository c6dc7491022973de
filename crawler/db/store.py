"""Writing articles: idempotent, batched upserts keyed by canonical URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crawler.db.models import Article, AttachmentRow, Source, utcnow
from crawler.extraction.normalize import to_simplified
from crawler.items import PolicyArticle

ARTICLES: Table = Article.__table__  # type: ignore[assignment]
ATTACHMENTS: Table = AttachmentRow.__table__  # type: ignore[assignment]
SOURCES: Table = Source.__table__  # type: ignore[assignment]

# Columns an upsert overwrites when the content changed (never id or first_seen_at).
UPDATED_COLUMNS = (
    "source_id",
    "site",
    "source_name",
    "title",
    "publish_date",
    "published_at",
    "written_date",
    "doc_number",
    "issuer",
    "issuers",
    "index_number",
    "topic",
    "author",
    "body_text",
    "body_html",
    "title_simplified",
    "body_simplified",
    "tags",
    "content_hash",
    "fetched_at",
    "updated_at",
    "last_seen_at",
)


@dataclass(slots=True)
class WriteResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: WriteResult) -> WriteResult:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


@dataclass(frozen=True, slots=True)
class SourceInfo:
    site: str
    name: str | None = None
    region: str | None = None


def split_publish(value: str | None) -> tuple[dt.date | None, dt.datetime | None]:
    """``2024-11-28`` → (date, None); ``2024-11-28T17:30:00+08:00`` → (date, aware datetime)."""
    if not value:
        return None, None
    if len(value) <= 10:
        return dt.date.fromisoformat(value), None
    when = dt.datetime.fromisoformat(value)
    return when.date(), when


def _simplified(text: str | None) -> str | None:
    """The simplified-character form, or None when the text is simplified already."""
    if not text:
        return None
    simplified = to_simplified(text)
    return simplified if simplified != text else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def article_row(item: PolicyArticle, source_id: int, now: dt.datetime) -> dict[str, Any]:
    publish_date, published_at = split_publish(item.publish_date)
    return {
        "url": item.url,
        "source_id": source_id,
        "site": item.site,
        "source_name": item.source_name,
        "title": item.title,
        "publish_date": publish_date,
        "published_at": published_at,
        "written_date": _date(item.written_date),
        "doc_number": item.doc_number,
        "issuer": item.issuer,
        "issuers": list(item.issuers),
        "index_number": item.index_number,
        "topic": item.topic,
        "author": item.author,
        "body_text": item.body_text,
        "body_html": item.body_html,
        "title_simplified": _simplified(item.title),
        "body_simplified": _simplified(item.body_text),
        "tags": list(item.tags),
        "content_hash": item.content_hash,
        "fetched_at": _datetime(item.fetched_at),
        "first_seen_at": now,
        "updated_at": now,
        "last_seen_at": now,
    }


def _insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {conn.dialect.name}")


class ArticleStore:
    """Writes batches of articles in one transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._source_ids: dict[str, int] = {}

    def write(self, items: Sequence[PolicyArticle], source: SourceInfo) -> WriteResult:
        """Upsert ``items`` (all from ``source``) in one transaction; raise on any database error."""
        if not items:
            return WriteResult()
        with self.engine.begin() as conn:
            return self._write(conn, items, source)

    def _write(
        self, conn: Connection, items: Sequence[PolicyArticle], source: SourceInfo
    ) -> WriteResult:
        now = utcnow()
        source_id = self._source_id(conn, source)
        latest = {item.url: item for item in items}  # the last copy of a URL in a batch wins
        urls = list(latest)
        known: dict[str, str | None] = {
            url: digest
            for url, digest in conn.execute(
                select(ARTICLES.c.url, ARTICLES.c.content_hash).where(ARTICLES.c.url.in_(urls))
            )
        }
        result = WriteResult()
        changed = [u for u in urls if u not in known or known[u] != latest[u].content_hash]
        unchanged = [u for u in urls if u in known and known[u] == latest[u].content_hash]
        if changed:
            ins = _insert(conn, ARTICLES)
            stmt = ins.on_conflict_do_update(
                index_elements=[ARTICLES.c.url],
                set_={name: ins.excluded[name] for name in UPDATED_COLUMNS},
                where=ARTICLES.c.content_hash.is_distinct_from(ins.excluded.content_hash),
            ).returning(ARTICLES.c.id, ARTICLES.c.url)
            rows = [article_row(latest[u], source_id, now) for u in changed]
            ids: dict[str, int] = {url: id_ for id_, url in conn.execute(stmt, rows)}
            self._replace_attachments(conn, ids, latest)
            for url in ids:
                if url in known:
                    result.updated += 1
                else:
                    result.new += 1
            result.unchanged += len(changed) - len(ids)
        if unchanged:
            conn.execute(
                update(ARTICLES).where(ARTICLES.c.url.in_(unchanged)).values(last_seen_at=now)
            )
            result.unchanged += len(unchanged)
        return result

    def _replace_attachments(
        self, conn: Connection, ids: dict[str, int], items: dict[str, PolicyArticle]
    ) -> None:
        if not ids:
            return
        conn.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.article_id.in_(list(ids.values()))))
        rows = [
            {
                "article_id": article_id,
                "position": n,
                "name": att.name,
                "url": att.url,
                "file_type": att.file_type,
            }
            for url, article_id in ids.items()
            for n, att in enumerate(items[url].attachments)
        ]
        if rows:
            conn.execute(insert(ATTACHMENTS), rows)

    def _source_id(self, conn: Connection, source: SourceInfo) -> int:
        cached = self._source_ids.get(source.site)
        if cached is not None:
            return cached
        ins = _insert(conn, SOURCES)
        conn.execute(
            ins.values(site=source.site, name=source.name, region=source.region, created_at=utcnow())
            .on_conflict_do_update(
                index_elements=[SOURCES.c.site],
                set_={
                    "name": func.coalesce(ins.excluded.name, SOURCES.c.name),
                    "region": func.coalesce(ins.excluded.region, SOURCES.c.region),
                },
            )
        )
        source_id: int = conn.execute(
            select(SOURCES.c.id).where(SOURCES.c.site == source.site)
        ).scalar_one()
        self._source_ids[source.site] = source_id
        return source_id


def count_rows(engine: Engine, tables: Iterable[Table] = (ARTICLES, ATTACHMENTS)) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in tables
        }
