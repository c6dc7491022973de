"""Helpers of the research tests."""

from __future__ import annotations

import argparse

from crawler.cli import research as research_cli


def run_cli(argv: list[str]) -> int:
    """Run ``crawler <argv>`` through ``register``, as crawler/cli.py will (exit code returned)."""
    parser = argparse.ArgumentParser(prog="crawler")
    research_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code
