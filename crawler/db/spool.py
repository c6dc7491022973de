"""A local spool: items the database could not take, kept as fsync'd JSON lines until replayed."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.db.failures import FailureLog
from crawler.db.store import ArticleStore, SourceInfo, WriteResult, write_isolated
from crawler.items import Attachment, PolicyArticle, as_record

logger = logging.getLogger(__name__)


def item_to_json(item: PolicyArticle) -> str:
    return json.dumps(as_record(item), ensure_ascii=False, sort_keys=True)


def item_from_dict(data: dict[str, Any]) -> PolicyArticle:
    attachments = [Attachment(**a) for a in data.pop("attachments", [])]
    return PolicyArticle(**data, attachments=attachments)


class Spool:
    """Append-only JSON-lines files in one folder, one file per spider."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, site: str) -> Path:
        return self.folder / f"{site}.jsonl"

    def append(self, site: str, items: Sequence[PolicyArticle]) -> Path:
        """Write ``items`` durably (flushed and fsync'd) before returning."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(site)
        with path.open("a", encoding="utf-8") as fh:
            for item in items:
                fh.write(item_to_json(item) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return path

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.jsonl")) if self.folder.is_dir() else []

    @staticmethod
    def read(path: Path) -> Iterator[PolicyArticle]:
        """The items of a spool file. An unreadable line (torn by a crash mid-write) is moved to
        ``<file>.bad`` with a logged error, and the other lines are still read."""
        bad = path.with_suffix(path.suffix + ".bad")
        with path.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield item_from_dict(json.loads(line))
                except (ValueError, TypeError, KeyError) as exc:
                    logger.error(
                        "Spool %s line %d is unreadable (%s): kept in %s", path, n, exc, bad
                    )
                    with bad.open("a", encoding="utf-8") as out:
                        out.write(line if line.endswith("\n") else line + "\n")


@dataclass(slots=True)
class Replayed:
    """What a replay of the spool did."""

    stored: int = 0
    """Items written (new, updated or unchanged)."""
    rejected: int = 0
    """Items the database refused on their data: recorded in the failures table and moved to
    ``<file>.bad``, never replayed again."""
    result: WriteResult = field(default_factory=WriteResult)


def replay_spool(
    spool: Spool, store: ArticleStore, progress: Callable[[int], None] | None = None
) -> Replayed:
    """Write every spooled item into the database; remove each file once it is replayed.

    Items carry their site; replay is idempotent (upserts), so an interrupted replay repeats
    safely. A batch refused on its data is stored item by item: an item refused alone is
    recorded in the failures table (with the reason) and its line moved to ``<file>.bad``, and
    the replay goes on, so one bad line never blocks the others or stays in the spool. An
    unreachable database raises :class:`~crawler.db.store.StorageUnavailable` and leaves the
    file for the next replay. ``progress`` is told the number of items written so far."""
    total = Replayed()
    written = 0
    logs: dict[str, FailureLog] = {}
    for path in spool.files():
        items = list(Spool.read(path))
        by_site: dict[str, list[PolicyArticle]] = {}
        for item in items:
            by_site.setdefault(item.site, []).append(item)
        refused: list[PolicyArticle] = []
        for site, site_items in by_site.items():
            log = logs.setdefault(site, FailureLog(store.engine, site, spool=spool.folder))
            for start in range(0, len(site_items), 500):
                chunk = site_items[start : start + 500]
                result = write_isolated(store, chunk, SourceInfo(site=site))
                total.result += result
                written += len(chunk)
                if progress is not None:
                    progress(written)
                by_url = {item.url: item for item in chunk}
                for rejected in result.rejected:
                    log.record(rejected.url, rejected.kind, rejected.reason)
                    if rejected.attachment_of is None and rejected.url in by_url:
                        refused.append(by_url[rejected.url])
        if refused:
            bad = path.with_suffix(path.suffix + ".bad")
            with bad.open("a", encoding="utf-8") as out:
                for item in refused:
                    out.write(item_to_json(item) + "\n")
            logger.error(
                "%d spooled item(s) of %s not stored on their data: recorded in the failures "
                "table, kept in %s",
                len(refused),
                path,
                bad,
            )
        path.unlink()
        total.rejected += len(refused)
        total.stored += len(items) - len(refused)
        logger.info("Replayed %d spooled item(s) from %s", len(items) - len(refused), path)
    return total
