"""``crawler check``: probe each site's first list pages and newest article against its contract;
exit 1 unless every site is healthy (after installing, nightly, on an alert)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawler.cli import common


def register(sub: Any) -> None:
    """Add the command(s) of this module to ``crawler``'s sub-parsers."""
    p = sub.add_parser(
        "check",
        help="probe each site (first list pages, newest article) against its contract",
        description="Fetch each spider's first list pages and newest article, politely, and "
        "report per site: list pages and links found, blocked or not, the newest item's date "
        "and age, the contract fields of the article, and why anything failed. Writes nothing "
        "to the database. Exit status: 0 every site healthy, 1 some site not, 2 usage error.",
    )
    p.add_argument("spiders", nargs="*", metavar="SPIDER")
    p.add_argument("--replay", metavar="DIR", help="answer requests from fixtures in DIR")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--log-file", help="where the probe's full log goes (default: a new file under LOG_DIR)"
    )
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from crawler.monitoring.check import as_json, format_check, run_checks

    settings = common.project_settings()
    names = args.spiders or common.spider_names(settings)
    if common.unknown_spiders("check", settings, names):
        return common.EXIT_USAGE
    if args.replay and not Path(args.replay).is_dir():
        print(f"crawler check: --replay {args.replay}: no such folder", file=sys.stderr)
        return common.EXIT_USAGE
    try:
        if args.log_file:
            log_file = Path(args.log_file)
            log_file.parent.mkdir(parents=True, exist_ok=True)
        else:
            log_file = common.new_log_file(Path(settings.get("LOG_DIR", "data/logs")), "check")
    except OSError as exc:
        print(f"crawler check: log file: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    if not args.json:
        source = f"fixtures in {args.replay}" if args.replay else "the live sites"
        print(f"checking {len(names)} site(s) against {source}; log: {log_file}", flush=True)
    checks = run_checks(names, settings, replay=args.replay, log_file=log_file)
    if args.json:
        json.dump(as_json(checks), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for check in checks:
            print("\n".join(format_check(check)))
        bad = [c.spider for c in checks if not c.healthy]
        print(
            f"{len(checks) - len(bad)} of {len(checks)} site(s) healthy"
            + (f"; not: {', '.join(bad)}" if bad else "")
        )
    return common.EXIT_OK if all(c.healthy for c in checks) else common.EXIT_FAILED
