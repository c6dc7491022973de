"""The ``crawler`` command: its parser, made of every command group's ``register``, and ``main``.

Each group is a module of this package (``run``, ``check``, ``status``, ``extract``, ``db``,
``research``: export and search, ``distributed``: enqueue and frontier); ``crawler --help`` lists
every command, and the exit statuses of :data:`crawler.cli.common.EXIT_CODES`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from crawler.cli import check, common, db, distributed, extract, research, run, status

GROUPS = (run, check, status, extract, db, research, distributed)
"""The command groups, in the order ``crawler --help`` lists their commands."""


def epilog() -> str:
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in common.EXIT_CODES.items())
    return f"""\
`crawler COMMAND --help` tells more of each command.

exit status:
{codes}

environment: DATABASE_URL (default sqlite:///data/policy.db), FEED_DIR, SPOOL_DIR,
  LOCK_FILE, ALERT_URLS, REDIS_URL, CRAWLER_CONTACT, LOG_LEVEL (see the README)
"""


class ShowVersion(argparse.Action):
    """``--version``: the package's version and whether its extractor runs compiled (imported only
    when asked, so that the other commands do not pay for it)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the version and whether extraction runs compiled")
        super().__init__(option_strings, dest=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from importlib.metadata import version

        from crawler.extraction import BUILD

        print(f"policy-crawler {version('policy-crawler')}")
        print(f"extraction: {BUILD.describe()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Crawl Chinese policy announcements into a SQL database.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog(),
    )
    parser.add_argument("--version", action=ShowVersion)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import SQLAlchemyError

    from crawler.db import DatabaseConfigError

    try:
        code: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`crawler search 托育 | head`): stop quietly, as cat does;
        # point stdout at /dev/null so that the interpreter's final flush does not complain
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return common.EXIT_OK
    except DatabaseConfigError as exc:
        print(f"crawler: {exc}", file=sys.stderr)
        return common.EXIT_USAGE
    except SQLAlchemyError as exc:
        print(
            f"crawler: database error: {type(exc).__name__}: {exc.args[0] if exc.args else ''}",
            file=sys.stderr,
        )
        return common.EXIT_FAILED
    return code
