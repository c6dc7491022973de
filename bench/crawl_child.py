"""One measured crawl, in its own process: ``python -m bench.crawl_child CONFIG.json``.

The configuration names the side (``full`` or ``bare``), the start URL, the concurrency and where
to write the result. Both sides start from the project's settings (``crawler.settings``, read with
the ``DATABASE_URL`` / ``FEED_DIR`` / ... environment the parent sets) and get the same
concurrency and throttle overrides; the bare side then drops every component of the project
(pipelines, extensions, middlewares, feeds, project classes in any setting) so that what remains
is plain Scrapy with the same engine settings.

The result (JSON) holds the probe's timings, Scrapy's stats, peak RSS and CPU time of the process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings, default_settings
from scrapy.utils.project import get_project_settings

PROJECT_PACKAGE = "crawler."
COMPONENT_SETTINGS = (
    "ITEM_PIPELINES",
    "EXTENSIONS",
    "DOWNLOADER_MIDDLEWARES",
    "SPIDER_MIDDLEWARES",
    "DOWNLOAD_HANDLERS",
    "ADDONS",
)
PROBE = "bench.spiders.BenchProbe"


def _is_project(component: Any) -> bool:
    name = component if isinstance(component, str) else getattr(component, "__module__", "")
    return str(name).startswith(PROJECT_PACKAGE)


def bare_settings(project: Settings) -> Settings:
    """The project's settings without any of the project's own components."""
    settings = project.copy()
    for name in COMPONENT_SETTINGS:
        kept = {k: v for k, v in project.getdict(name).items() if not _is_project(k)}
        settings.set(name, kept, priority="cmdline")
    settings.set("FEEDS", {}, priority="cmdline")
    for name, attr in list(project.attributes.items()):
        value = attr.value
        if isinstance(value, str) and value.startswith(PROJECT_PACKAGE):
            settings.set(name, getattr(default_settings, name, None), priority="cmdline")
    return settings


def build_settings(config: dict[str, Any]) -> Settings:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    project = get_project_settings()
    settings = bare_settings(project) if config["side"] == "bare" else project.copy()
    workdir = Path(config["workdir"])
    overrides: dict[str, Any] = {
        # the same engine settings on both sides: no politeness delays on a local site
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "CONCURRENT_REQUESTS": config["concurrent_requests"],
        "CONCURRENT_REQUESTS_PER_DOMAIN": config["concurrent_per_domain"],
        "LOG_FILE": str(workdir / f"{config['label']}.log"),
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
        "BENCH_PROBE_OUT": str(workdir / f"{config['label']}.probe.json"),
        "SPOOL_DIR": str(workdir / "spool"),
        # the generated site serves no attachment files (their links would 404 after the pages,
        # in the measured window): the attachments are measured by bench/attachments.py
        "ATTACHMENTS_ENABLED": False,
        "FILES_STORE": str(workdir / "files"),
    }
    overrides.update(config.get("settings") or {})
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions[PROBE] = 0
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    return settings


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    from bench.spiders import BareSpider, BenchPolicySpider, BenchRenderedSpider

    settings = build_settings(config)
    commits = 0
    if config["side"] == "full":
        from sqlalchemy import Engine, event

        def on_commit(_conn: Any) -> None:
            nonlocal commits
            commits += 1

        event.listen(Engine, "commit", on_commit)  # every engine the project creates
    spider_cls: type[Any] = BareSpider if config["side"] == "bare" else BenchPolicySpider
    if config.get("spider") == "rendered":
        spider_cls = BenchRenderedSpider
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    started = time.perf_counter()
    process.crawl(crawler, start_urls=config["start_url"])
    if config.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.runcall(process.start)
        profiler.dump_stats(config["profile"])
    else:
        process.start()
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    probe_path = Path(settings.get("BENCH_PROBE_OUT"))
    probe = json.loads(probe_path.read_text()) if probe_path.exists() else {}
    result: dict[str, Any] = {
        "side": config["side"],
        "label": config["label"],
        "pid": os.getpid(),
        "process_s": elapsed,
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "probe": probe,
        "stats": _jsonable(stats),
        # the browser's processes, when it ran (a child of its Playwright driver): their memory
        # summed by proportional set size (crawler.middlewares.browser.browser_memory)
        "browser_peak_mb": stats.get("browser/memory_peak_mb"),
        "db_commits": commits,
    }
    if config["side"] == "full":
        from crawler.db import make_engine
        from crawler.db.store import count_rows

        engine = make_engine(settings.get("DATABASE_URL"))
        try:
            result["db_rows"] = count_rows(engine)
        finally:
            engine.dispose()
        feeds = [f for f in Path(os.environ.get("FEED_DIR", "feeds")).rglob("*") if f.is_file()]
        result["feed_bytes"] = sum(f.stat().st_size for f in feeds)
    Path(config["result"]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
