"""The scale-out add-on: the shared Redis frontier and cluster politeness when ``REDIS_URL`` is
set (:mod:`crawler.distributed.scheduler`). (Storage that stays correct with several writers is
the storage pipeline's own choice on PostgreSQL: :func:`crawler.db.concurrent.article_store`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.settings import Settings

POLITENESS_MIDDLEWARE = "crawler.middlewares.politeness.ClusterPolitenessMiddleware"
POLITENESS_ORDER = 950
"""Just before the replay middleware (990): after robots.txt, retries, redirects."""


class DistributedAddon:
    """Scrapy add-on: the shared frontier and cluster politeness when ``REDIS_URL`` is set.

    ``ADDONS = {"crawler.distributed.addon.DistributedAddon": 0}`` in the project settings.
    Settings it reads (any of them can be given with ``-s``):

    - ``REDIS_URL``: e.g. ``redis://10.0.0.5:6379/0``; empty = one process alone, nothing changes;
    - ``DISTRIBUTED_JOB``: name of the crawl the workers share (default ``default``);
    - ``DISTRIBUTED_KEY_PREFIX``: first part of every Redis key (default ``policy-crawler``);
    - ``DISTRIBUTED_IDLE_TIMEOUT``: seconds the queue must stay empty with no worker busy before a
      worker stops (default 5);
    - ``DISTRIBUTED_SEED``: whether this process seeds the queue from the spider's ``start()``;
    - ``SCHEDULER_PERSIST``: keep the queue and the fingerprints when the crawl finishes;
    - ``DISTRIBUTED_FINISHED_TTL``: seconds the fingerprints of a finished job are kept (600);
    - ``CLUSTER_CONCURRENCY_PER_DOMAIN``, ``CLUSTER_DELAY_PER_DOMAIN``: politeness for the whole
      cluster (:mod:`crawler.middlewares.politeness`).
    """

    def update_settings(self, settings: Settings) -> None:
        if not settings.get("REDIS_URL"):
            return
        settings.set(
            "SCHEDULER", "crawler.distributed.scheduler.ClusterScheduler", priority="addon"
        )
        settings.set(
            "DUPEFILTER_CLASS", "crawler.distributed.scheduler.ClusterDupeFilter", priority="addon"
        )
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", load_object(POLITENESS_MIDDLEWARE), POLITENESS_ORDER
        )
