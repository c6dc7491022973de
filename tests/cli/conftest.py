"""The CLI tests read the research tests' demo database."""

from tests.research.conftest import demo_sqlite_file

__all__ = ["demo_sqlite_file"]
