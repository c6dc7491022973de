"""The failures table: every URL that could not be fetched, parsed or stored, with its reason,
attempt count and next retry. Later runs retry due URLs (exponential backoff) and delete them once
they succeed, so nothing is silently dropped. A value the database cannot hold (an article URL
longer than its column) is recorded with kind ``rejected``: kept for people to see, never retried
(the same URL would fail again); the URL is cut to the column, its full length in the reason."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from crawler.db import redact
from crawler.db.bounds import REJECTED
from crawler.db.models import Failure, max_chars, utcnow
from crawler.db.store import error_reason, is_connection_error
from crawler.dedup.urls import url_key

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

FAILURES: Table = Failure.__table__  # type: ignore[assignment]
URL_CHARS = max_chars(Failure, "url")
KIND_CHARS = max_chars(Failure, "kind")


@dataclass(frozen=True, slots=True)
class DueRetry:
    url: str
    kind: str
    attempts: int


def _cut(value: str, limit: int | None) -> str:
    return value if limit is None or len(value) <= limit else value[:limit]


class FailureLog:
    """Records, lists and resolves failures of one site. Database errors are logged, not raised:
    a failure that cannot be recorded is spooled (``SPOOL_DIR/failures``), and one that cannot be
    spooled either is logged as an error (and counted in the run's errors)."""

    def __init__(
        self,
        engine: Engine,
        site: str,
        backoff: dt.timedelta = dt.timedelta(hours=1),
        max_backoff: dt.timedelta = dt.timedelta(days=7),
        spool: Path | None = None,
    ) -> None:
        self.engine = engine
        self.site = site
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.spool = spool / "failures" / f"{site}.jsonl" if spool is not None else None
        """Where failures wait while the database is down (replayed by the next run)."""

    def next_retry(self, attempts: int, now: dt.datetime) -> dt.datetime:
        delay: dt.timedelta = self.backoff * (2 ** max(attempts - 1, 0))
        return now + min(delay, self.max_backoff)

    def record(self, url: str, kind: str, reason: str) -> bool:
        """Record a failure; False when it could be neither recorded nor spooled (logged)."""
        try:
            self._record(url, kind, reason)
            return True
        except SQLAlchemyError as exc:
            logger.error(
                "Failure of %s (%s) not recorded in %s (%s): spooling it in %s",
                url[:URL_CHARS],
                reason,
                redact(str(self.engine.url)),
                type(exc).__name__,
                self.spool,
            )
            return self._spool(url, kind, reason)

    def _spool(self, url: str, kind: str, reason: str) -> bool:
        if self.spool is None:
            logger.error("Failure of %s (%s) lost: no spool", url[:URL_CHARS], reason)
            return False
        try:
            self.spool.parent.mkdir(parents=True, exist_ok=True)
            with self.spool.open("a", encoding="utf-8") as fh:
                record = {"url": url, "kind": kind, "reason": reason}
                fh.write(json.dumps(record, ensure_ascii=False))
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            logger.error(
                "Failure of %s (%s) lost: neither recorded in the database nor spooled (%s)",
                url[:URL_CHARS],
                reason,
                exc,
            )
            return False
        return True

    def replay_spooled(self) -> int:
        """Record the failures kept while the database was down; remove the file after.

        A record the database refuses on its data is logged and skipped (it would be refused
        again on every run); an unreachable database leaves the file for the next run."""
        if self.spool is None or not self.spool.is_file():
            return 0
        try:
            lines = self.spool.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            logger.error("Spooled failures in %s not readable: %s", self.spool, exc)
            return 0
        records = []
        for line in lines:
            try:
                record = json.loads(line)
                records.append((str(record["url"]), str(record["kind"]), str(record["reason"])))
            except (ValueError, TypeError, KeyError):
                logger.error("Unreadable spooled failure dropped from %s: %r", self.spool, line)
        for url, kind, reason in records:
            try:
                self._record(url, kind, reason)
            except SQLAlchemyError as exc:
                if is_connection_error(exc):
                    logger.warning("Spooled failures not replayed yet: %s", type(exc).__name__)
                    return 0
                logger.error(
                    "Spooled failure of %s refused by the database, dropped: %s",
                    url[:URL_CHARS],
                    error_reason(exc),
                )
        try:
            self.spool.unlink()
        except OSError as exc:
            logger.error("Replayed failures left in %s: %s", self.spool, exc)
        return len(records)

    def _record(self, url: str, kind: str, reason: str) -> None:
        now = utcnow()
        if URL_CHARS is not None and len(url) > URL_CHARS:
            reason = f"{reason} (URL of {len(url)} characters, cut to {URL_CHARS} here)"
            url = url[:URL_CHARS]
        url, reason = url.replace("\x00", ""), reason.replace("\x00", "")
        kind = _cut(kind, KIND_CHARS)
        key = _cut(url_key(url), URL_CHARS)
        with self.engine.begin() as conn:
            attempts = conn.execute(
                select(FAILURES.c.attempts).where(
                    FAILURES.c.site == self.site, FAILURES.c.url_key == key
                )
            ).scalar()
            attempts = (attempts or 0) + 1
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            ins = dialect.insert(FAILURES).values(
                site=self.site,
                url_key=key,
                url=url,
                kind=kind,
                reason=reason,
                attempts=attempts,
                first_failed_at=now,
                last_failed_at=now,
                next_retry_at=self.next_retry(attempts, now),
            )
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[FAILURES.c.site, FAILURES.c.url_key],
                    set_={
                        "url": ins.excluded.url,
                        "reason": ins.excluded.reason,
                        "attempts": ins.excluded.attempts,
                        "last_failed_at": ins.excluded.last_failed_at,
                        "next_retry_at": ins.excluded.next_retry_at,
                    },
                )
            )

    def due(self, now: dt.datetime | None = None) -> list[DueRetry]:
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(FAILURES.c.url, FAILURES.c.kind, FAILURES.c.attempts)
                    .where(
                        FAILURES.c.site == self.site,
                        FAILURES.c.kind != REJECTED,
                        FAILURES.c.next_retry_at <= (now or utcnow()),
                    )
                    .order_by(FAILURES.c.next_retry_at)
                ).all()
        except SQLAlchemyError as exc:
            logger.warning("Failures of %s not read: %s", self.site, type(exc).__name__)
            return []
        return [DueRetry(url, kind, attempts) for url, kind, attempts in rows]

    def resolve(self, url: str) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(FAILURES).where(
                        FAILURES.c.site == self.site, FAILURES.c.url_key == url_key(url)
                    )
                )
        except SQLAlchemyError as exc:
            logger.warning("Failure of %s not cleared: %s", url, type(exc).__name__)
