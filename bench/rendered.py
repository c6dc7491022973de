"""What the browser costs: a rendered crawl against plain ones, side by side on the local site.

    .venv/bin/python -m bench.rendered         # 1,000 articles: plain, stock (x4), rendered
    .venv/bin/python -m bench.rendered --pages 400 --repeats 1 --out bench/results/r.json

Three crawls of the same generated site (``bench/sitegen.py``) with the full crawler, alternating:

* **plain**: the project's settings, nothing rendered: what every crawl that needs no browser
  runs (the download handler that would hand pages to the browser, and the middleware that looks
  for challenges, are in the path);
* **stock**: the same with Scrapy's own HTTP/1.1 download handler and without the browser's
  middleware: what the crawl cost before the browser existed (plain / stock is the price of the
  browser to a crawl that does not use it);
* **rendered**: every list page loaded in Chromium (``BenchRenderedSpider``, ``render_js``), the
  article pages plain: what a site like sh_edu costs.

Peak memory: the crawl process alone (its ``ru_maxrss``), the browser's processes (their
proportional set sizes summed, as ``BROWSER_MAX_MEMORY_MB`` counts them) and the whole process
tree sampled every 0.25 s (resident sizes summed, which counts Chromium's shared pages once per
process). Not part of ``make bench``; needs Chromium (``apt-get install chromium``). Results go to
``bench/results/rendered.json``; docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.run import Bench, _project_setting, log, machine
from bench.sitegen import SECTIONS, generate_site
from tests.support.paths import ROOT
from tests.support.site import StaticSite

DEFAULT_OUT = ROOT / "bench" / "results" / "rendered.json"
BROWSER = "crawler.middlewares.browser"
STOCK_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"


def stock_settings() -> dict[str, Any]:
    """The project's settings as they were before the browser: Scrapy's download handler, no
    browser middleware."""
    middlewares = dict(_project_setting("DOWNLOADER_MIDDLEWARES"))
    middlewares[f"{BROWSER}.BrowserMiddleware"] = None
    return {
        "DOWNLOAD_HANDLERS": {"http": STOCK_HANDLER, "https": STOCK_HANDLER},
        "DOWNLOADER_MIDDLEWARES": middlewares,
    }


def overhead_us(pages: int = 20_000) -> dict[str, float]:
    """Microseconds per response that the browser's pieces add to a crawl that does not use them:
    the middleware on the way out and back (``js_challenge`` on an ordinary 33 KB page and on a
    short one) and the download handler's look at ``meta``. Timed in-process, so that the figure
    does not drown in the noise of whole crawls on a shared machine."""
    import time
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.settings import Settings

    from crawler.middlewares.browser import RENDER, BrowserMiddleware

    class Stats(dict[str, Any]):
        def get_value(self, key: str, default: Any = None) -> Any:
            return self.get(key, default)

        def set_value(self, key: str, value: Any) -> None:
            self[key] = value

        def inc_value(self, key: str, count: int = 1) -> None:
            self[key] = self.get(key, 0) + count

    crawler: Any = SimpleNamespace(settings=Settings(), stats=Stats())
    middleware = BrowserMiddleware(crawler)
    out: dict[str, float] = {}
    for label, size in (("article_33kb", 33_000), ("short_2kb", 2_000)):
        request = Request("http://127.0.0.1/zhengce/content/1.htm")
        body = b"<html><body>" + b"<p>x</p>" * (size // 8) + b"</body></html>"
        response = HtmlResponse(request.url, body=body, request=request)
        started = time.perf_counter()
        for _ in range(pages):
            middleware.process_request(request)
            request.meta.get(RENDER)  # the download handler's test
            coroutine = middleware.process_response(request, response)
            with contextlib.suppress(StopIteration):
                coroutine.send(None)
        out[label] = (time.perf_counter() - started) / pages * 1e6
    return out


def summary_line(label: str, run: dict[str, Any]) -> str:
    browser = run.get("browser_peak_mb")
    return (
        f"{label:<10} {run['pages']:>6,} pages  {run['pages_per_s']:>7.1f} pages/s  "
        f"{run['crawler_cpu_ms_per_page']:>6.2f} ms CPU/page  crawl process "
        f"{run['main_process_peak_rss_mb']:>4.0f} MB  browser "
        f"{'-' if browser is None else f'{browser:.0f} MB'}  tree (RSS sum) "
        f"{run['peak_rss_mb']:>5.0f} MB  errors {run['errors']}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--pages", type=int, default=1000, help="articles of the site (1000)")
    ap.add_argument("--repeats", type=int, default=4, help="plain/stock pairs, alternating (4)")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--server", choices=("nginx", "python"), default="nginx")
    ap.add_argument("--crawl-timeout", type=float, default=900)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="policy-crawler-rendered-"))
    bench = Bench(args, work)
    runs: dict[str, list[dict[str, Any]]] = {"plain": [], "stock": [], "rendered": []}
    try:
        info = generate_site(bench.site, [args.pages])
        log(f"site: {info.articles:,} articles, {info.list_pages[args.pages]} list pages")
        charsets = {section.prefix: section.header_charset for section in SECTIONS}
        with StaticSite(
            bench.site, work / "server", charsets=charsets, prefer=args.server
        ) as server:
            bench.server = server
            sides: list[tuple[str, dict[str, Any]]] = [("plain", {}), ("stock", stock_settings())]
            for n in range(args.repeats):
                # alternating which goes first: the first crawl of a pair is often the slower
                for label, extra in sides if n % 2 == 0 else sides[::-1]:
                    run = bench.crawl(f"{label}-{n}", "full", args.pages, extra_settings=extra)
                    runs[label].append(run)
            runs["rendered"].append(
                bench.crawl("rendered-0", "full", args.pages, spider="rendered")
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    plain = statistics.median(r["pages_per_s"] for r in runs["plain"])
    stock = statistics.median(r["pages_per_s"] for r in runs["stock"])
    plain_cpu = statistics.median(r["crawler_cpu_ms_per_page"] for r in runs["plain"])
    stock_cpu = statistics.median(r["crawler_cpu_ms_per_page"] for r in runs["stock"])
    rendered = runs["rendered"][0]
    overhead = overhead_us()
    lines = [
        f"rendered-crawl benchmark: {args.pages:,} articles + "
        f"{info.list_pages[args.pages]} list pages, concurrency {args.concurrency}, "
        f"server {server.kind}",
        "machine: {cpus} x {cpu_model}, {memory_gib} GiB, Python {python}, Scrapy {scrapy}".format(
            **machine()
        ),
        *(summary_line(f"{label}-{n}", run) for label in runs for n, run in enumerate(runs[label])),
        f"plain / stock (pages/s, medians): {plain:.1f} / {stock:.1f} = {plain / stock:.2f}",
        f"plain / stock (CPU ms/page, medians): {plain_cpu:.2f} / {stock_cpu:.2f} = "
        f"{plain_cpu / stock_cpu:.2f}",
        "browser pieces, per response of a crawl without the browser: "
        + ", ".join(f"{k} {v:.1f} us" for k, v in overhead.items())
        + f" ({overhead['article_33kb'] / 10 / plain_cpu:.2f} % of the plain crawl's CPU/page)",
        f"rendered / plain (pages/s): {rendered['pages_per_s']:.1f} / {plain:.1f} = "
        f"{rendered['pages_per_s'] / plain:.2f}",
    ]
    print("\n".join(lines))
    result = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "runs": runs,
        "overhead_us": overhead,
        "table": lines,
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
