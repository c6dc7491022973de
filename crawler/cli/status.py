"""``crawler status``: every site's last runs and health, from the database; exit 1 when a site's
last run failed, was blocked or was killed."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli import common


def register(sub: Any) -> None:
    """Add the command(s) of this module to ``crawler``'s sub-parsers."""
    p = sub.add_parser(
        "status",
        help="every site's last runs and health",
        description="Every site's last run, its problems and its recent runs, from the database. "
        "Exit status: 0 when every site's last run is ok, a warning or degraded; 1 when one "
        "failed, was blocked or was killed.",
    )
    p.add_argument("--runs", type=int, default=10, help="runs shown per site in 'recent'")
    p.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.db import ensure_schema
    from crawler.monitoring.health import UNHEALTHY
    from crawler.monitoring.status import MARKS, site_status

    url = common.project_settings().get("DATABASE_URL")
    path = common.sqlite_file(url)
    engine = common.database_engine(url)
    if path is not None and not path.exists():
        print(f"no crawl has run yet: there is no database at {path}")
        return common.EXIT_OK
    ensure_schema(engine)
    rows = site_status(engine, runs=args.runs)
    if not rows:
        print("no crawl has run yet")
        return common.EXIT_OK
    name = max(12, *(len(r.site) for r in rows))
    header = (
        f"{'site':<{name}} {'last run (UTC)':<17} {'status':<8} {'mode':<11} {'req':>5} "
        f"{'new':>4} {'upd':>4} {'fail':>4} {'newest item':<11} {'articles':>8}  recent"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.site:<{name}} {row.started_at:%Y-%m-%d %H:%M} {row.status:<8} {row.mode:<11} "
            f"{row.requests:>5} {row.new:>4} {row.updated:>4} {row.failed:>4} "
            f"{row.newest or '-'!s:<11} {row.articles:>8}  {row.history}"
        )
        for line in [*row.problems, *row.reasons]:
            print(f"  ! {line}")
    legend = ", ".join(f"{mark} {status}" for status, mark in MARKS.items())
    print(f"recent: the last {args.runs} runs, newest first ({legend})")
    return common.EXIT_FAILED if any(r.status in UNHEALTHY for r in rows) else common.EXIT_OK
