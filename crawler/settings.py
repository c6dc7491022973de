"""Scrapy settings for policy-crawler.

Deployment values come from environment variables (documented in the README); every other value
is an ordinary Scrapy setting that ``-s NAME=VALUE`` can override.
"""

from __future__ import annotations

import os

from crawler.items import FIELD_NAMES

BOT_NAME = "policy-crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Deployment values (environment) -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///data/policy.db")
"""SQLAlchemy URL of the database; PostgreSQL as ``postgresql+psycopg://user@host/db``."""
FEED_DIR = os.environ.get("FEED_DIR", "feeds")
"""Feeds: ``crawls/<spider>.json`` (the items of the latest crawl) and the subscription feeds
refreshed from the database by ``crawler run`` (``all.json``, ``site/``, ``tag/``, Atom too)."""
FEED_BASE_URL = os.environ.get("FEED_BASE_URL", "")
"""The public address FEED_DIR is served at (``https://example.org/feeds``): the feeds' self links
and the OPML's URLs are absolute with it, relative without."""
SPOOL_DIR = os.environ.get("SPOOL_DIR", "data/spool")
"""Items the database could not take wait here (JSON lines) until they are replayed."""
TAG_VOCABULARY = os.environ.get("TAG_VOCABULARY", "")
"""Topic vocabulary file (TOML); the bundled ``crawler/data/vocabulary.toml`` when empty."""
ALERT_URLS = os.environ.get("ALERT_URLS", "")
"""apprise URLs (space or comma separated) for alerts of new items and health problems."""
LOCK_FILE = os.environ.get("LOCK_FILE", "data/crawler.lock")
"""``crawler run`` holds this lock so that a second run cannot overlap the first."""
REDIS_URL = os.environ.get("REDIS_URL", "")
"""Redis of the shared frontier and cluster politeness (docs/deployment.md); empty = one process."""
LOG_DIR = os.environ.get("LOG_DIR", "data/logs")
"""``crawler run`` writes the crawl's full log to a new file here (the newest 30 are kept); ``-v``
shows it on the terminal instead."""
REPLAY_DIR = os.environ.get("REPLAY_DIR", "")
"""When set, requests are answered from the fixture folders below it, never from the network."""
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "")
"""The Chromium executable of the browser (``crawler.middlewares.browser``); empty: ``chromium``
or ``chromium-browser`` on the PATH (``apt-get install chromium``)."""
FILES_STORE = os.environ.get("FILES_STORE", "data/files")
"""Where attachments are kept, named by their SHA-256 (``crawler.pipelines.attachments``): a
folder, or ``s3://bucket/path``, ``gs://bucket/path``, ``ftp://user:pass@host/path`` (Scrapy's
stores); empty: attachments are not downloaded."""
CONTACT = os.environ.get("CRAWLER_CONTACT", "https://github.com/policy-crawler/policy-crawler")

# --- Politeness ----------------------------------------------------------------------------------
USER_AGENT = f"policy-crawler/0.1 (+{CONTACT})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# --- Components ----------------------------------------------------------------------------------
DOWNLOAD_HANDLERS = {
    # Scrapy's HTTP/1.1 handler; the requests that need a browser (lists filled by JavaScript,
    # challenged pages) go to Chromium, started by the first of them (crawler.middlewares.browser)
    "http": "crawler.middlewares.browser.BrowserDownloadHandler",
    "https": "crawler.middlewares.browser.BrowserDownloadHandler",
}
ADDONS = {
    # The Redis frontier and cluster politeness when REDIS_URL is set; on PostgreSQL, storage
    # that stays correct with several writers (advisory locks around cluster assignment).
    "crawler.distributed.addon.DistributedAddon": 0,
}
DOWNLOADER_MIDDLEWARES = {
    # Closest to the downloader: every other middleware (robots.txt, user agent, redirects,
    # retries, decompression, stats) runs on replayed responses exactly as on real ones.
    "crawler.middlewares.replay.ReplayMiddleware": 990,
    # Redirect loops and off-site redirects (HTTP and meta refresh) become recorded failures,
    # not silent drops.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirects.CheckedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.redirects.CheckedMetaRefreshMiddleware": 580,
    # A JavaScript challenge is retried once in the browser, the cookies it earns go with the
    # plain requests to that host (before CookiesMiddleware, 700, which stores them); a request
    # that needs a browser when there is none fails at once ("needs a browser").
    "crawler.middlewares.browser.BrowserMiddleware": 620,
    # Last on the way back: article pages are extracted (in worker processes) before their
    # callback, which finds the page ready in request.meta (see crawler.records.workers).
    "crawler.middlewares.extraction.ArticleExtractionMiddleware": 10,
}
ITEM_PIPELINES = {
    # Records arrive prepared (normalised, tagged, signed: crawler.records.prepare); what the
    # storage contract refuses is dropped here, with its reason.
    "crawler.pipelines.checks.RecordCheckPipeline": 100,
    "crawler.pipelines.storage.StoragePipeline": 800,
    # After storage: attachments are queued and fetched once the pages are done
    "crawler.pipelines.attachments.AttachmentsPipeline": 900,
}
EXTENSIONS = {
    # First: expected conditions (a component switched off, an unreachable robots.txt) are
    # logged as INFO lines, not as warnings or tracebacks.
    "crawler.monitoring.logfilters.ExpectedConditions": -100,
    "crawler.extensions.config.ConfigCheck": 0,
    "crawler.extensions.gc_freeze.GcFreeze": 100,
    "crawler.extensions.run_record.RunRecorder": 500,
    "crawler.extensions.alerts.AlertExtension": 600,
    # After RunRecorder, whose status it shows; on only when `crawler run` draws on a terminal.
    "crawler.monitoring.progress.TerminalProgress": 700,
}
PROGRESS = False
"""One progress line per spider on the terminal (``crawler run`` sets it when drawing)."""

SPIDER_MIDDLEWARES = {
    "crawler.middlewares.incremental.IncrementalMiddleware": 950,
    # Links longer than URLLENGTH_LIMIT (and than articles.url holds) are recorded failures.
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawler.middlewares.urllength.RecordedUrlLengthMiddleware": 800,
}
GC_FREEZE = True
"""Keep the objects that exist when the crawl opens out of garbage collection (see
``crawler.extensions.gc_freeze.GcFreeze``): fewer, shorter pauses of the crawl's one thread."""
INCREMENTAL_ENABLED = True
REVISIT_DAYS = 30.0
"""Known article pages are fetched again (conditionally) once they were last seen this long ago."""
INCREMENTAL_KNOWN_IN_A_ROW = 20
"""Stop paging a list after this many stored articles in a row (or a page of only stored ones)."""

# --- The browser (crawler.middlewares.browser) ---------------------------------------------------
BROWSER_MAX_PAGES = 2
"""Browser pages open at once (per spider; each page is a Chromium renderer, 50-150 MB)."""
BROWSER_PAGE_TIMEOUT = 30.0
"""Seconds a page has to load and show its list; then it is a recorded failure."""
BROWSER_RESTART_PAGES = 200
"""Chromium is restarted after this many pages (0: never), so that what it leaks is returned."""
BROWSER_MAX_MEMORY_MB = 1024
"""Chromium is restarted as soon as its processes hold more than this (their proportional set
sizes summed, Linux; 0: no cap). An idle Chromium holds about 300 MB."""
BROWSER_CHALLENGES = True
"""Retry a JavaScript challenge (瑞数 412...) once in the browser and hand its cookies on."""

# --- Attachments (crawler.pipelines.attachments, crawler.attachments) ----------------------------
ATTACHMENTS_ENABLED = True
"""Download the attachments of stored articles into FILES_STORE and read their text."""
ATTACHMENTS_MAX_FILE_SIZE = 50 * 1024 * 1024
"""Bytes one attachment may have; a larger one is skipped (recorded, retried by later runs)."""
ATTACHMENTS_MAX_RUN_SIZE = 1024 * 1024 * 1024
"""Bytes a spider's run downloads at most; the attachments left wait for the next run."""
ATTACHMENTS_CONCURRENT = 4
"""Attachments in flight at once per spider (downloading, or waiting to be read): with the file
cap, the bound on the memory they take. The site's politeness applies to them as to pages."""
ATTACHMENTS_REVISIT_DAYS = 30.0
"""A stored attachment linked by an article crawled again is re-checked (conditionally: a 304
downloads nothing) once it was last checked this long ago."""
ATTACHMENTS_EXTRACTION_WORKERS = 1
"""Worker processes reading attachments' text (each one file at a time, bounded below)."""
ATTACHMENTS_EXTRACT_SECONDS = 60.0
"""Seconds one file's text may take; then its worker is killed and the file recorded failed."""
ATTACHMENTS_EXTRACT_MEMORY_MB = 1024
"""Memory (MB) a worker may use on one file; beyond it, killed and the file recorded failed."""
ATTACHMENTS_MAX_TEXT_CHARS = 1_000_000
"""Characters of text kept per file; the file is then *truncated* (the reason says so)."""
ATTACHMENTS_MAX_PAGES = 1000
"""Pages (PDF, OFD), sheets or archive members read per file; the rest makes it *truncated*."""
ATTACHMENTS_MAX_UNPACKED = 256 * 1024 * 1024
"""Bytes a ZIP-based file (DOCX, XLSX, OFD, ZIP) may declare unpacked: more is a zip bomb."""
MEDIA_ALLOW_REDIRECTS = True
"""Attachment downloads follow redirects (checked like the pages': no loop, no off-site)."""

RETRY_BACKOFF_HOURS = 1.0
"""A failed URL is retried by later runs after 1, 2, 4… hours (at most a week)."""

STORAGE_BATCH_SIZE = 200
"""Items written per transaction (a commit per item costs several times more: see
docs/benchmarks.md)."""
EXTRACTION_WORKERS = os.environ.get("EXTRACTION_WORKERS") or None
"""Processes extracting article pages, and as many signing new articles (None: one per CPU beyond
the first; 0: both on the crawl's own threads)."""
EXTRACTION_WORKERS_NICE = 10
"""The worker processes run this much lower in CPU priority (``nice``) than the crawl, whose one
thread the whole crawl waits on: when the cores are busy, it goes first (0: the same priority)."""
STORAGE_THREAD = True
"""Write the batches in a background thread, overlapping the database's work with the crawl."""
STORAGE_BACKGROUND_CHECKPOINTS = True
"""SQLite: copy the write-ahead log back into the database file in a thread of its own, so that
a commit does not wait for the disk (``crawler.db.checkpoints``)."""
STORAGE_THREAD_SWITCH_INTERVAL = 0.001
"""Seconds between GIL hand-overs while the writer thread runs (Python's default is 0.005)."""
STORAGE_MAX_PENDING_BATCHES = 2
"""Batches the writer thread may hold (the one being written included) before new items wait."""
STORAGE_AUTO_MIGRATE = True
"""Apply pending database migrations when a crawl opens the database."""

FEEDS = {
    f"{FEED_DIR}/crawls/%(name)s.json": {
        "format": "json",
        "encoding": "utf8",
        "indent": 0,  # one item per line; indent > 0 would switch json to its slow Python encoder
        "overwrite": True,
    },
}
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(FIELD_NAMES)
"""The record's fields (``crawler.items``), in order; what its preparation made for the store
(the body's signature) is not exported."""

# --- Runtime -------------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
"""Scrapy's remote-control server would run posted code next to the database password."""
