"""``crawler db upgrade`` (apply migrations) and ``crawler db replay`` (store the items spooled
while the database was down)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from crawler.cli import common


def register(sub: Any) -> None:
    """Add the command(s) of this module to ``crawler``'s sub-parsers."""
    db = sub.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True, metavar="DB_COMMAND"
    )
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_upgrade)
    db.add_parser("replay", help="store spooled items").set_defaults(func=cmd_replay)


def cmd_upgrade(args: argparse.Namespace) -> int:
    from crawler.db import current_revision, redact, upgrade

    engine = common.database_engine(common.project_settings().get("DATABASE_URL"))
    # each migration says what it does (and how big a rebuild is) before it starts: on a large
    # database some take minutes
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(lambda r: not r.getMessage().startswith(("Context impl", "Will assume")))
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[handler])
    upgrade(engine)
    print(f"{redact(str(engine.url))}: schema at revision {current_revision(engine)}")
    return common.EXIT_OK


def cmd_replay(args: argparse.Namespace) -> int:
    from crawler.db import ensure_schema
    from crawler.db.failures import FailureLog
    from crawler.db.spool import Spool, replay_spool
    from crawler.db.store import ArticleStore, StorageUnavailable
    from crawler.monitoring.progress import Ticker

    settings = common.project_settings()
    engine = common.database_engine(common.project_settings().get("DATABASE_URL"))
    ensure_schema(engine)
    folder = Path(settings.get("SPOOL_DIR", "data/spool"))
    try:
        ticker = Ticker("replayed", "items")  # a count on a terminal: a spool can be large
        replayed = replay_spool(Spool(folder), ArticleStore(engine), progress=ticker)
        ticker.done()
    except StorageUnavailable as exc:
        print(f"crawler db replay: database unavailable: {exc}", file=sys.stderr)
        return common.EXIT_FAILED
    except OSError as exc:
        print(f"crawler db replay: spool {folder}: {exc}", file=sys.stderr)
        return common.EXIT_FAILED
    print(f"replayed {replayed.stored} spooled item(s) from {folder}")
    if replayed.rejected:
        print(
            f"{replayed.rejected} spooled item(s) not stored (a value the database cannot hold, "
            f"or refused by it): recorded in the failures table, kept in {folder}/*.jsonl.bad",
            file=sys.stderr,
        )
    failures = 0
    for path in sorted((folder / "failures").glob("*.jsonl")):
        failures += FailureLog(engine, path.stem, spool=folder).replay_spooled()
    if failures:
        print(f"recorded {failures} spooled failure(s) from {folder / 'failures'}")
    return common.EXIT_FAILED if replayed.rejected else common.EXIT_OK
