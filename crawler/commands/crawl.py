"""``scrapy crawl`` that exits non-zero when the run failed.

Plain ``scrapy crawl`` exits 0 even when items were not stored or callbacks raised; cron needs to
know. This is Scrapy's own command plus an exit code of 1 when the crawler's ``run/status`` (set
by ``crawler.extensions.RunRecorder``) is ``failed`` or ``blocked``
(a ``warning``, such as a site quiet for longer than usual, still exits 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawl

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


FAILING = ("failed", "blocked")


class Command(ScrapyCrawl):
    _last_crawler: Crawler | None = None

    def _create_crawler(self, spname: Any) -> Crawler:
        crawler: Crawler = super()._create_crawler(spname)
        self._last_crawler = crawler
        return crawler

    def run(self, args: list[str], opts: Any) -> None:
        super().run(args, opts)
        crawler = self._last_crawler
        stats = crawler.stats if crawler is not None else None
        if stats is not None and stats.get_value("run/status") in FAILING:
            self.exitcode = 1
