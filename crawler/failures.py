"""The failures table: every URL that could not be fetched or parsed, with its reason, attempt
count and next retry. Later runs retry due URLs (exponential backoff) and delete them once they
succeed, so nothing is silently dropped."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from crawler.db import redact
from crawler.db.models import Failure, utcnow
from crawler.dedup import url_key

logger = logging.getLogger(__name__)

FAILURES: Table = Failure.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class DueRetry:
    url: str
    kind: str
    attempts: int


class FailureLog:
    """Records, lists and resolves failures of one site. Database errors are logged, not raised:
    a failure that cannot be recorded is still counted in the run's stats and logs."""

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

    def record(self, url: str, kind: str, reason: str) -> None:
        try:
            self._record(url, kind, reason)
        except SQLAlchemyError as exc:
            logger.error(
                "Failure of %s (%s) not recorded in %s (%s): kept in %s",
                url,
                reason,
                redact(str(self.engine.url)),
                type(exc).__name__,
                self.spool,
            )
            self._spool(url, kind, reason)

    def _spool(self, url: str, kind: str, reason: str) -> None:
        if self.spool is None:
            return
        self.spool.parent.mkdir(parents=True, exist_ok=True)
        with self.spool.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"url": url, "kind": kind, "reason": reason}, ensure_ascii=False))
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())

    def replay_spooled(self) -> int:
        """Record the failures kept while the database was down; remove the file after."""
        if self.spool is None or not self.spool.is_file():
            return 0
        records = []
        for line in self.spool.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                logger.error("Unreadable spooled failure dropped from %s: %r", self.spool, line)
        try:
            for record in records:
                self._record(record["url"], record["kind"], record["reason"])
        except SQLAlchemyError as exc:
            logger.warning("Spooled failures not replayed yet: %s", type(exc).__name__)
            return 0
        self.spool.unlink()
        return len(records)

    def _record(self, url: str, kind: str, reason: str) -> None:
        now = utcnow()
        key = url_key(url)
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
