"""Incremental crawling: a daily run costs what is new, not what the site holds.

A spider middleware that looks at what each list page yields, with one SQL query per page:

- an article already stored and seen within ``REVISIT_DAYS`` is not requested again;
- an article seen longer ago is revisited with a conditional request (``If-None-Match`` /
  ``If-Modified-Since`` from its stored ``ETag`` / ``Last-Modified``); a 304 only moves its
  ``last_seen_at``;
- paging stops when a list page holds only stored articles, or after ``INCREMENTAL_KNOWN_IN_A_ROW``
  stored articles in a row (list pages are newest first).

``-a mode=backfill`` turns all of this off: every list is paged to its end and every article
fetched. Requests are told apart by their kind (:data:`crawler.spiders.meta_keys.KIND`), which the
spider base classes set.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from scrapy import Request
from scrapy.exceptions import NotConfigured
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from crawler.db import make_engine, redact
from crawler.db.models import Article
from crawler.dedup.urls import url_key
from crawler.spiders.meta_keys import ARTICLE, KIND, LIST, REVISIT

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

MODES = ("incremental", "backfill", "check")
"""``check`` is ``crawler check``'s probe: each section's first list page and newest article."""


class Known(NamedTuple):
    last_seen_at: dt.datetime
    etag: str | None
    last_modified: str | None


def spider_mode(spider: Any) -> str:
    """The crawl mode of a spider (or of a dict of spider arguments), checked."""
    if isinstance(spider, dict):
        mode = spider.get("mode") or "incremental"
    else:
        mode = getattr(spider, "mode", "incremental") or "incremental"
    if mode not in MODES:
        raise ValueError(f"-a mode={mode}: expected one of {', '.join(MODES)}")
    return str(mode)


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, engine: Engine) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.engine = engine
        self.revisit_after = dt.timedelta(days=settings.getfloat("REVISIT_DAYS", 30))
        self.known_in_a_row_limit = settings.getint("INCREMENTAL_KNOWN_IN_A_ROW", 20)
        self.known_in_a_row = 0
        self.stopped = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("INCREMENTAL_ENABLED", True):
            raise NotConfigured("INCREMENTAL_ENABLED is off")
        return cls(crawler, make_engine(crawler.settings.get("DATABASE_URL")))

    @property
    def backfill(self) -> bool:
        return spider_mode(self.crawler.spider) == "backfill"

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        if self.backfill or response.meta.get(KIND) != LIST:
            async for output in result:
                yield output
            return
        outputs = [output async for output in result]
        articles = [o for o in outputs if _kind(o) == ARTICLE]
        known = self.lookup(o.url for o in articles)
        for output in outputs:
            kind = _kind(output)
            if kind == ARTICLE:
                request = self.article(output, known.get(url_key(output.url)))
                if request is not None:
                    yield request
            elif kind == LIST:
                if not self.stop_paging(known, articles):
                    yield output
            else:
                yield output

    def lookup(self, urls: Iterable[str]) -> dict[str, Known]:
        keys = list(dict.fromkeys(url_key(u) for u in urls))
        if not keys:
            return {}
        table = Article.__table__
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(
                        table.c.url_key,
                        table.c.last_seen_at,
                        table.c.http_etag,
                        table.c.http_last_modified,
                    ).where(table.c.url_key.in_(keys))
                ).all()
        except SQLAlchemyError as exc:
            # Without the database nothing is known: crawl everything, lose nothing.
            logger.warning(
                "Incremental look-up in %s failed (%s): fetching every article",
                redact(str(self.engine.url)),
                type(exc).__name__,
            )
            return {}
        return {key: Known(_aware(seen), etag, lm) for key, seen, etag, lm in rows}

    def article(self, request: Request, known: Known | None) -> Request | None:
        stats = self.crawler.stats
        assert stats is not None
        if known is None:
            self.known_in_a_row = 0
            return request
        self.known_in_a_row += 1
        age = dt.datetime.now(dt.UTC) - _aware(known.last_seen_at)
        if age < self.revisit_after:
            stats.inc_value("incremental/skipped_known")
            return None
        stats.inc_value("incremental/revisits")
        headers: dict[str, str] = {}
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        meta: dict[str, Any] = {**request.meta, "handle_httpstatus_list": [304], REVISIT: True}
        revisit = request.replace(meta=meta)
        for name, value in headers.items():
            revisit.headers[name] = value
        return revisit

    def stop_paging(self, found: dict[str, Known], articles: list[Request]) -> bool:
        """Whether the next list page is not worth fetching."""
        stats = self.crawler.stats
        assert stats is not None
        if getattr(self.crawler.spider, "resume", False):
            return False  # the last run died half-way: read every list to its end
        stored = sum(1 for a in articles if url_key(a.url) in found)
        all_known = bool(articles) and stored == len(articles)
        if all_known or self.known_in_a_row >= self.known_in_a_row_limit:
            stats.inc_value("incremental/stopped_paging")
            return True
        return False


def _kind(output: Any) -> str | None:
    if isinstance(output, Request):
        kind = output.meta.get(KIND)
        return str(kind) if kind else None
    return None


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
