"""Helpers of the research tests."""

from __future__ import annotations

from crawler.cli.app import build_parser


def run_cli(argv: list[str]) -> int:
    """Run ``crawler <argv>`` in this process (exit code returned)."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code
