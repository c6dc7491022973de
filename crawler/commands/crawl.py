"""``scrapy crawl`` that exits non-zero when the run failed.

Plain ``scrapy crawl`` exits 0 even when items were not stored or callbacks raised; cron needs to
know. This is Scrapy's own command plus an exit code of 1 when the crawler's ``run/status`` (set
by ``crawler.extensions.run_record.RunRecorder``) is ``failed`` or ``blocked``
(a ``warning``, such as a site quiet for longer than usual, still exits 0).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.cli.common import EXIT_FAILED, EXIT_USAGE
from crawler.extensions.config import ConfigError, validate
from crawler.middlewares.incremental import spider_mode
from crawler.monitoring.health import FAILING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class Command(ScrapyCrawl):
    _last_crawler: Crawler | None = None

    def _create_crawler(self, spname: Any) -> Crawler:
        crawler: Crawler = super()._create_crawler(spname)
        self._last_crawler = crawler
        return crawler

    def run(self, args: list[str], opts: Any) -> None:
        assert self.settings is not None
        try:
            validate(self.settings)
            spider_mode(opts.spargs)
        except (ConfigError, ValueError) as exc:
            print(f"scrapy crawl: {exc}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        super().run(args, opts)
        crawler = self._last_crawler
        stats = crawler.stats if crawler is not None else None
        if stats is not None and stats.get_value("run/status") in FAILING:
            self.exitcode = EXIT_FAILED
