"""The ``crawler`` console script (``crawler = crawler.cli:main``; ``python -m crawler.cli``)."""

from crawler.cli.app import main

__all__ = ["main"]
