"""The ``files`` and ``file_urls`` tables: which attachment URLs were fetched, the files they
served (content-addressed: one row per SHA-256), their text, and the URLs still to fetch.

Every method is one short transaction; the attachments pipeline calls them from a thread of its
own, never from the crawl's thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crawler.attachments.extract import EXTRACTED, PENDING, Extracted
from crawler.db.models import Article, AttachmentRow, FileUrl, StoredFile, max_chars, utcnow
from crawler.extraction.normalize import to_simplified

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

FILES: Table = StoredFile.__table__  # type: ignore[assignment]
FILE_URLS: Table = FileUrl.__table__  # type: ignore[assignment]
ATTACHMENTS: Table = AttachmentRow.__table__  # type: ignore[assignment]
ARTICLES: Table = Article.__table__  # type: ignore[assignment]

STORED = "stored"
FAILED = "failed"
SKIPPED = "skipped"
"""Not fetched on purpose (robots.txt, off-site, larger than the cap): retried like a failure,
since the rule or the setting may change."""
URL_CHARS = max_chars(FileUrl, "url") or 2048
ETAG_CHARS = max_chars(FileUrl, "http_etag") or 500
LAST_MODIFIED_CHARS = max_chars(FileUrl, "http_last_modified") or 100
CONTENT_TYPE_CHARS = max_chars(FileUrl, "content_type") or 200


@dataclass(frozen=True, slots=True)
class KnownUrl:
    url: str
    status: str
    sha256: str | None
    etag: str | None
    last_modified: str | None
    checked_at: dt.datetime | None
    next_retry_at: dt.datetime | None
    attempts: int
    file_status: str | None
    """The extraction status of its file (None: no file)."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """An attachment to fetch: its URL, link text, declared type and the article linking it."""

    url: str
    name: str
    file_type: str | None
    article_url: str | None


def _fit(value: str | None, limit: int) -> str | None:
    return value if value is None or len(value) <= limit else None


def _insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class AttachmentStore:
    def __init__(
        self,
        engine: Engine,
        backoff: dt.timedelta = dt.timedelta(hours=1),
        max_backoff: dt.timedelta = dt.timedelta(days=7),
    ) -> None:
        self.engine = engine
        self.backoff = backoff
        self.max_backoff = max_backoff

    # --- reading -----------------------------------------------------------------------------
    def lookup(self, urls: list[str]) -> dict[str, KnownUrl]:
        """What is known of ``urls`` (those fetched before)."""
        found: dict[str, KnownUrl] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(urls), 500):
                rows = conn.execute(
                    select(
                        FILE_URLS.c.url,
                        FILE_URLS.c.status,
                        FILE_URLS.c.sha256,
                        FILE_URLS.c.http_etag,
                        FILE_URLS.c.http_last_modified,
                        FILE_URLS.c.checked_at,
                        FILE_URLS.c.next_retry_at,
                        FILE_URLS.c.attempts,
                        FILES.c.status.label("file_status"),
                    )
                    .select_from(FILE_URLS.outerjoin(FILES, FILES.c.sha256 == FILE_URLS.c.sha256))
                    .where(FILE_URLS.c.url.in_(urls[start : start + 500]))
                )
                for r in rows:
                    found[r.url] = KnownUrl(
                        r.url,
                        r.status,
                        r.sha256,
                        r.http_etag,
                        r.http_last_modified,
                        r.checked_at,
                        r.next_retry_at,
                        int(r.attempts or 0),
                        r.file_status,
                    )
        return found

    def file_status(self, sha256: str) -> str | None:
        """The extraction status of the stored file ``sha256`` (None: not stored)."""
        with self.engine.connect() as conn:
            status: str | None = conn.execute(
                select(FILES.c.status).where(FILES.c.sha256 == sha256)
            ).scalar_one_or_none()
        return status

    def backlog(
        self, site: str, now: dt.datetime, *, exclude: set[str], limit: int = 1000
    ) -> list[Wanted]:
        """Attachments of ``site``'s stored articles that have no file yet: never fetched, failed
        and due for a retry, or downloaded but never extracted (a run that ended before)."""
        due = or_(
            FILE_URLS.c.id.is_(None),
            and_(FILE_URLS.c.status != STORED, FILE_URLS.c.next_retry_at <= now),
            and_(FILE_URLS.c.status == STORED, FILES.c.status == PENDING),
            and_(FILE_URLS.c.status == STORED, FILES.c.id.is_(None)),
        )
        stmt = (
            select(ATTACHMENTS.c.url, ATTACHMENTS.c.name, ATTACHMENTS.c.file_type, ARTICLES.c.url)
            .select_from(
                ATTACHMENTS.join(ARTICLES, ARTICLES.c.id == ATTACHMENTS.c.article_id)
                .outerjoin(FILE_URLS, FILE_URLS.c.url == ATTACHMENTS.c.url)
                .outerjoin(FILES, FILES.c.sha256 == FILE_URLS.c.sha256)
            )
            .where(ARTICLES.c.site == site, due)
            .order_by(ATTACHMENTS.c.id.desc())  # the newest articles' first
            .limit(limit + len(exclude))
        )
        wanted: dict[str, Wanted] = {}
        with self.engine.connect() as conn:
            for url, name, file_type, article_url in conn.execute(stmt):
                if url not in exclude and url not in wanted:
                    wanted[url] = Wanted(url, name, file_type, article_url)
        return list(wanted.values())[:limit]

    # --- writing -----------------------------------------------------------------------------
    def stored(
        self,
        url: str,
        *,
        sha256: str,
        size: int,
        media_type: str,
        path: str,
        content_type: str | None,
        etag: str | None,
        last_modified: str | None,
    ) -> bool:
        """Record that ``url`` served the file ``sha256`` (stored at ``path``); True when the file
        is new (its row is added, status *pending* until extracted)."""
        now = utcnow()
        with self.engine.begin() as conn:
            ins = _insert(conn, FILES)
            added = conn.execute(
                ins.values(
                    sha256=sha256,
                    size=size,
                    media_type=media_type,
                    path=path,
                    status=PENDING,
                    stored_at=now,
                )
                .on_conflict_do_nothing(index_elements=[FILES.c.sha256])
                .returning(FILES.c.id)
            ).first()
            self._upsert_url(
                conn,
                url,
                now,
                status=STORED,
                sha256=sha256,
                reason=None,
                content_type=_fit(content_type, CONTENT_TYPE_CHARS),
                http_etag=_fit(etag, ETAG_CHARS),
                http_last_modified=_fit(last_modified, LAST_MODIFIED_CHARS),
                attempts=0,
                next_retry_at=None,
            )
        return added is not None

    def unchanged(self, url: str) -> None:
        """``url`` answered 304 Not Modified: only its check time moves."""
        with self.engine.begin() as conn:
            conn.execute(
                update(FILE_URLS)
                .where(FILE_URLS.c.url == url)
                .values(checked_at=utcnow(), attempts=0, next_retry_at=None)
            )

    def failed(self, url: str, status: str, reason: str) -> dt.datetime:
        """Record why ``url`` could not be fetched; return when it is due again (1 h, doubling
        up to a week, like a page's failure)."""
        now = utcnow()
        with self.engine.begin() as conn:
            attempts = conn.execute(
                select(FILE_URLS.c.attempts).where(FILE_URLS.c.url == url)
            ).scalar_one_or_none()
            attempts = int(attempts or 0) + 1
            delay: dt.timedelta = min(self.backoff * 2 ** (attempts - 1), self.max_backoff)
            retry = now + delay
            self._upsert_url(
                conn,
                url,
                now,
                status=status,
                reason=reason[:2000],
                attempts=attempts,
                next_retry_at=retry,
            )
        return retry

    def extracted(self, sha256: str, result: Extracted) -> None:
        """Keep the text (and status) extracted from the file ``sha256``."""
        text = result.text
        simplified = to_simplified(text) if text else None
        with self.engine.begin() as conn:
            conn.execute(
                update(FILES)
                .where(FILES.c.sha256 == sha256)
                .values(
                    status=result.status,
                    reason=result.reason,
                    media_type=result.media_type,
                    page_count=result.page_count,
                    text=text,
                    text_simplified=simplified if simplified != text else None,
                    extracted_at=utcnow(),
                )
            )

    @staticmethod
    def _upsert_url(conn: Connection, url: str, now: dt.datetime, **values: Any) -> None:
        ins = _insert(conn, FILE_URLS)
        conn.execute(
            ins.values(url=url, checked_at=now, **values).on_conflict_do_update(
                index_elements=[FILE_URLS.c.url], set_={"checked_at": now, **values}
            )
        )


def counts(engine: Engine) -> dict[str, int]:
    """Files stored, their bytes, and how many were read (for the crawl's summary line)."""
    with engine.connect() as conn:
        files, size, read = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(FILES.c.size), 0),
                func.count().filter(FILES.c.status.in_(EXTRACTED)),
            )
        ).one()
    return {"files": int(files), "bytes": int(size), "extracted": int(read)}
