"""The ``crawler export`` and ``crawler search`` commands.

  crawler export [--format jsonl|csv|jsonfeed] [--since DATE] [--site S] [--tag T] [--out FILE]
                 [--with-attachments]
  crawler export feeds --out DIR [--max-items N] [--base-url URL]
  crawler search WORDS... [--since DATE] [--site S] [--limit N] [--json]

``register(subparsers)`` adds them to the ``crawler`` parser (:mod:`crawler.cli.app`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from crawler.cli import common
from crawler.monitoring.progress import Ticker
from crawler.research.export import FORMATS, export
from crawler.research.feeds import DEFAULT_MAX_ITEMS, feeds_line, write_feeds
from crawler.research.records import Filters, InputError, parse_since
from crawler.research.search import MAX_LIMIT, search

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine


# ------------------------------------------------------------------------------------ arguments


def _since(value: str) -> Any:
    try:
        return parse_since(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--since: ")) from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _add_filters(parser: argparse.ArgumentParser, *, tag: bool = True) -> None:
    parser.add_argument(
        "--since",
        type=_since,
        metavar="DATE",
        help="only articles published (发布日期) on or after DATE (YYYY-MM-DD)",
    )
    parser.add_argument("--site", metavar="SITE", help="only articles of this site (spider name)")
    if tag:
        parser.add_argument("--tag", metavar="TAG", help="only articles with this tag")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` and ``search`` to the ``crawler`` command's subparsers."""
    p = subparsers.add_parser(
        "export",
        usage="%(prog)s [--format {jsonl,csv,jsonfeed}] [--since DATE] [--site SITE] [--tag TAG]"
        " [--out FILE] [--bom] [--with-attachments]\n"
        "       %(prog)s feeds --out DIR [--max-items N] [--base-url URL]",
        help="export articles as JSON lines, CSV or a JSON Feed (streamed), or write all feeds",
        description="Export the articles of the database, newest first, to a file or stdout. "
        "`crawler export feeds --out DIR` writes the JSON Feed and Atom feeds instead.",
    )
    p.add_argument(
        "--format",
        dest="format",
        default="jsonl",
        choices=FORMATS,
        help="output format (default jsonl)",
    )
    _add_filters(p)
    p.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "--bom", action="store_true", help="start the file with a UTF-8 byte order mark (for Excel)"
    )
    p.add_argument(
        "--with-attachments",
        action="store_true",
        help="each attachment with the text read from its file (PDF, Word, Excel, OFD...)",
    )
    p.add_argument("--batch-size", type=_positive, default=500, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_export)
    feeds = p.add_subparsers(dest="export_command", metavar="feeds", required=False)
    f = feeds.add_parser("feeds", help="write every feed (all, per site, per tag) into a folder")
    f.add_argument("--out", "-o", dest="feeds_out", metavar="DIR", required=True, help="the folder")
    f.add_argument(
        "--max-items",
        type=_positive,
        default=DEFAULT_MAX_ITEMS,
        help=f"newest articles per feed (default {DEFAULT_MAX_ITEMS})",
    )
    f.add_argument(
        "--base-url",
        metavar="URL",
        help="the public address DIR is served at, for absolute URLs in the feeds and the OPML "
        "(default: FEED_BASE_URL)",
    )
    f.set_defaults(func=cmd_export_feeds)

    s = subparsers.add_parser(
        "search",
        help="full-text search in titles, bodies and attachments (simplified or traditional)",
        description="Search titles, bodies and the text of attachments; every word must occur. "
        "Prints ranked results, naming the attachments a word was found in.",
    )
    s.add_argument("query", nargs="+", metavar="WORD", help="what to search for, e.g. 普惠托育")
    _add_filters(s, tag=False)
    s.add_argument(
        "--limit", type=_positive, default=20, help=f"at most this many results (max {MAX_LIMIT})"
    )
    s.add_argument("--json", action="store_true", help="print the results as JSON lines")
    s.set_defaults(func=cmd_search)


# ------------------------------------------------------------------------------------- database


class DatabaseMissing(RuntimeError):
    pass


def open_database(*, need_search: bool = False) -> Engine:
    """The engine for ``DATABASE_URL``; a clear error when there is no crawler database there."""
    from sqlalchemy.engine import make_url

    from crawler.db import current_revision, make_engine, redact

    url: str = common.project_settings().get("DATABASE_URL")
    parsed = make_url(url)
    database = parsed.database
    is_file = parsed.get_backend_name() == "sqlite" and bool(database) and database != ":memory:"
    if is_file and not str(database).startswith("file:") and not Path(str(database)).exists():
        raise DatabaseMissing(
            f"no database at {redact(url)}: run `crawler run` first (or set DATABASE_URL)"
        )
    engine = make_engine(url)
    revision = current_revision(engine)
    if revision is None:
        raise DatabaseMissing(f"{redact(url)} holds no crawler database: run `crawler db upgrade`")
    if need_search and revision == "0001":  # before the full-text migration
        raise DatabaseMissing(f"{redact(url)} has no full-text index yet: run `crawler db upgrade`")
    return engine


# ------------------------------------------------------------------------------------- commands


@contextlib.contextmanager
def _output(path: str | None, encoding: str, newline: str | None) -> Iterator[IO[str]]:
    """A text stream to ``path`` (written to a temporary file, renamed when complete) or stdout."""
    if path is None or path == "-":
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            yield sys.stdout
            return
        sys.stdout.flush()
        stream = io.TextIOWrapper(buffer, encoding=encoding, newline=newline)
        try:
            yield stream
            stream.flush()
        finally:
            stream.detach()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as stream:
            yield stream
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_export(args: argparse.Namespace) -> int:
    if args.bom and args.format != "csv":
        print("crawler export: --bom is for --format csv only", file=sys.stderr)
        return common.EXIT_USAGE
    try:
        engine = open_database()
    except DatabaseMissing as exc:
        print(f"crawler export: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    filters = Filters(since=args.since, site=args.site, tag=args.tag)
    encoding = "utf-8-sig" if args.bom else "utf-8"
    newline = "" if args.format == "csv" else "\n"
    try:
        # a count on the terminal while a big export runs to a file
        ticker = Ticker("exported", "articles") if args.out not in (None, "-") else None
        with _output(args.out, encoding, newline) as out:
            count = export(
                engine,
                args.format,
                out,
                filters,
                batch_size=args.batch_size,
                progress=ticker,
                with_attachments=args.with_attachments,
            )
        if ticker is not None:
            ticker.done()
    except InputError as exc:
        print(f"crawler export: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    except BrokenPipeError:  # `crawler export | head`: the reader has what it wanted
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return common.EXIT_OK
    finally:
        engine.dispose()
    if args.out not in (None, "-"):
        print(f"exported {count} article(s) to {args.out}", file=sys.stderr)
    return common.EXIT_OK


def cmd_export_feeds(args: argparse.Namespace) -> int:
    try:
        engine = open_database()
    except DatabaseMissing as exc:
        print(f"crawler export feeds: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    base_url = args.base_url or common.project_settings().get("FEED_BASE_URL") or None
    try:
        written = write_feeds(
            engine, Path(args.feeds_out), max_items=args.max_items, base_url=base_url
        )
    finally:
        engine.dispose()
    print(feeds_line(written, base_url))
    return common.EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    try:
        engine = open_database(need_search=True)
    except DatabaseMissing as exc:
        print(f"crawler search: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    try:
        # one more than asked, to tell the reader when the limit cut the results
        asked = args.limit + 1 if args.limit < MAX_LIMIT else args.limit
        hits = search(engine, query, since=args.since, site=args.site, limit=asked)
    except InputError as exc:
        print(f"crawler {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    finally:
        engine.dispose()
    more = len(hits) > args.limit
    hits = hits[: args.limit]
    if args.json:
        for hit in hits:
            print(json.dumps(hit.as_dict(), ensure_ascii=False))
        return common.EXIT_OK
    if not hits:
        print(f"no articles match 「{query}」")
        return common.EXIT_OK
    for n, hit in enumerate(hits, 1):
        date = hit.publish_date.isoformat() if hit.publish_date else "(no date)"
        print(f"{n:>3}. {date}  {hit.site}  {hit.title or '(no title)'}")
        meta = " · ".join(v for v in (hit.doc_number, hit.issuer or hit.source_name) if v)
        if meta:
            print(f"     {meta}")
        print(f"     {hit.url}")
        if hit.snippet:
            print(f"     {hit.snippet}")
        for found in hit.attachments:
            print(f"     in attachment: {found.name}  {found.url}")
    if more:
        print(f"the first {len(hits)} results for 「{query}」; more match: --limit N shows more")
    else:
        print(f"{len(hits)} result(s) for 「{query}」")
    return common.EXIT_OK
