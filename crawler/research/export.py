"""Streaming exports: JSON lines, CSV and JSON Feed, in constant memory for any database size.

Records are read ``batch_size`` at a time (:func:`crawler.research.records.iter_records`) and
written as they come; nothing holds the whole result.
"""

from __future__ import annotations

import csv
import json
from typing import IO, TYPE_CHECKING, Any

from crawler.research.feeds import FeedSpec, json_feed_header, json_feed_item
from crawler.research.records import Filters, InputError, iter_records

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from sqlalchemy import Engine

FORMATS = ("jsonl", "csv", "jsonfeed")

CSV_COLUMNS = (
    "id",
    "url",
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
    "tags",
    "attachments",
    "text_in_attachment",
    "repost_cluster",
    "content_hash",
    "first_seen_at",
    "updated_at",
    "body_text",
)
"""CSV columns: lists (issuers, tags) are joined with ``；``; attachments are a JSON list;
``text_in_attachment`` is ``true`` or ``false``."""


def _csv_value(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name == "attachments":
        return json.dumps(value, ensure_ascii=False) if value else ""
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for rec in records:
        writer.writerow([_csv_value(name, rec.get(name)) for name in CSV_COLUMNS])
        count += 1
    return count


def write_jsonfeed(records: Iterable[dict[str, Any]], out: IO[str], spec: FeedSpec) -> int:
    """A JSON Feed 1.1 document with every record, written item by item."""
    head = json.dumps(json_feed_header(spec, None), ensure_ascii=False, indent=1)
    out.write(head[:-2] if head.endswith("\n}") else head[:-1])  # the header without its "}"
    out.write(',\n "items": [')
    count = 0
    for rec in records:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(json_feed_item(rec), ensure_ascii=False))
        count += 1
    out.write("\n ]\n}\n")
    return count


def describe(filters: Filters) -> str:
    parts = []
    if filters.site:
        parts.append(f"site {filters.site}")
    if filters.tag:
        parts.append(f"tag {filters.tag}")
    if filters.since:
        parts.append(f"published since {filters.since.isoformat()}")
    return ", ".join(parts) or "all articles"


def export(
    engine: Engine,
    fmt: str,
    out: IO[str],
    filters: Filters | None = None,
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    with_attachments: bool = False,
) -> int:
    """Write the matching articles (newest first) to ``out`` in ``fmt``; return how many.
    ``progress`` is called with the count so far after every article.

    ``out`` is a text stream: open files with ``encoding="utf-8"`` (``"utf-8-sig"`` for a CSV that
    Excel opens correctly) and, for CSV, ``newline=""``. ``with_attachments``: each attachment
    also carries the ``text`` read from its file (in the JSON ``attachments`` list; CSV: in the
    ``attachments`` column's JSON).
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    filters = filters or Filters()
    records = iter_records(engine, filters, batch_size=batch_size, attachment_text=with_attachments)
    if progress is not None:
        records = _counted(records, progress)
    if fmt == "jsonl":
        return write_jsonl(records, out)
    if fmt == "csv":
        return write_csv(records, out)
    what = describe(filters)
    spec = FeedSpec("export", f"政策动态 · {what}", f"Export: {what}.", filters)
    return write_jsonfeed(records, out, spec)


def _counted(
    records: Iterator[dict[str, Any]], progress: Callable[[int], None]
) -> Iterator[dict[str, Any]]:
    for count, record in enumerate(records, 1):
        yield record
        progress(count)
