"""Site contracts: what a healthy crawl of one site looks like, declared beside its spider.

A spider sets ``contract = SiteContract(...)``; the crawl checks it as it goes (counted in the
run's stats under ``contract/…``) and the health rules (:mod:`crawler.monitoring.health`) and
``crawler check`` turn a broken contract into a problem a person can act on:

- ``list_items``: every first list page of a section yields at least this many article links
  (fewer, but some, is a warning; none is a failure: the layout changed);
- ``list_date``: the dates a list shows match this pattern (a list page with links but no such
  date has changed its template, or is not the list we think it is);
- ``article_fields``: fields every article of the site carries (missing on more than
  ``HEALTH_MAX_MISSING_FIELD_RATE`` of a run's articles is a warning);
- ``publishes_every_days``: the site publishes at least this often; a site quiet for
  ``HEALTH_STALE_FACTOR`` times longer is a warning (the interval learned from the site's own
  stored dates wins once there are enough of them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from crawler.items import FIELD_NAMES

YMD = r"(?:19|20)\d{2}-\d{2}-\d{2}"
"""``2024-11-26``: the date format of most lists."""
YMD_SLASH = r"(?:19|20)\d{2}/\d{2}/\d{2}"
YMD_CHINESE = r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日"

ARTICLE_FIELDS = ("title", "publish_date", "body_text")
"""What every article of every site must carry."""


@dataclass(frozen=True)
class SiteContract:
    list_items: int = 1
    list_date: str | None = YMD
    article_fields: tuple[str, ...] = ARTICLE_FIELDS
    publishes_every_days: int | None = None
    notes: str = field(default="", compare=False)
    """Why the numbers are what they are (the evidence), for the reader of the spider."""

    def __post_init__(self) -> None:
        if self.list_items < 1:
            raise ValueError("list_items: a list page yields at least one article link")
        unknown = [f for f in self.article_fields if f not in FIELD_NAMES]
        if unknown:
            raise ValueError(f"article_fields: unknown field(s) {unknown}; known: {FIELD_NAMES}")
        if self.list_date is not None:
            re.compile(self.list_date)

    @cached_property
    def date_pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.list_date) if self.list_date else None

    def missing_fields(self, item: object) -> list[str]:
        """The contract's article fields that ``item`` lacks or has empty."""
        return [name for name in self.article_fields if not getattr(item, name, None)]


DEFAULT_CONTRACT = SiteContract()
"""For spiders that declare none (test and bench spiders); every site spider declares its own."""
