"""The local sites of the attachment tests (those of the reliability tests)."""

from tests.reliability.conftest import offsite, site

__all__ = ["offsite", "site"]
