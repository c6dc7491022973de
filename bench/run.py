"""``make bench``: every performance figure of issue 9, side by side in one run, on a local site.

    .venv/bin/python -m bench.run                  # 5k ratio + 50k growth (the full run)
    .venv/bin/python -m bench.run --quick          # smoke run, about a minute
    .venv/bin/python -m bench.run --pages 5000 --growth-pages 50000 --out bench/results/x.json

Steps: generate the seeded site into a temp dir → serve it with nginx (or the pre-forked Python
server) → crawl it with plain Scrapy and with the full crawler (same settings, alternating) →
re-crawl incrementally → crawl the larger site → time the extractors → time the database writes.
Prints a table with every target marked met / not met and writes the JSON results. The temp dir,
the server and any child process are removed even when a step fails.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import db_figure, extract_figure
from bench.processes import CpuSampler
from bench.report import render_table, update_docs
from bench.sitegen import LIST_PAGE_SIZE, SECTIONS, generate_site
from tests.support.paths import ROOT
from tests.support.site import StaticSite

DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
START = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f}s] {message}", file=sys.stderr, flush=True)


def _terminate(_signum: int, _frame: object) -> None:
    raise SystemExit(f"bench: stopped by signal {_signum}")


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.site = work / "site"
        self.server: StaticSite | None = None
        self.notes: list[str] = []
        self.server_samples: list[dict[str, float]] = []

    # --- crawls --------------------------------------------------------------------------------
    def crawl(
        self,
        label: str,
        side: str,
        size: int,
        run_dir: Path | None = None,
        profile: Path | None = None,
        spider: str = "policy",
        extra_settings: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One crawl of the list column of ``size`` articles, in a child process (``spider``
        ``rendered``: the full side with its list pages in the browser, ``bench/rendered.py``)."""
        assert self.server is not None
        run_dir = run_dir or self.work / label
        fresh = not run_dir.exists()
        run_dir.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{run_dir / 'policy.db'}"
        settings: dict[str, Any] = {}
        if side == "full" and fresh:
            note = self._prepare_db(db_url)
            if note:
                settings["STORAGE_AUTO_MIGRATE"] = False
                if note not in self.notes:
                    self.notes.append(note)
        elif side == "full" and (run_dir / ".no-migrate").exists():
            settings["STORAGE_AUTO_MIGRATE"] = False
        if side == "full" and settings.get("STORAGE_AUTO_MIGRATE") is False:
            (run_dir / ".no-migrate").touch()
        settings.update(extra_settings or {})
        config = {
            "side": side,
            "label": label,
            "start_url": f"{self.server.base_url}/zhengce/zuixin_{size}/index.html",
            "workdir": str(run_dir),
            "concurrent_requests": self.args.concurrency,
            "concurrent_per_domain": self.args.concurrency,
            "result": str(run_dir / f"{label}.result.json"),
            "settings": settings,
            "profile": str(profile) if profile else None,
            "spider": spider,
        }
        config_path = run_dir / f"{label}.config.json"
        config_path.write_text(json.dumps(config))
        env = dict(
            os.environ,
            DATABASE_URL=db_url,
            FEED_DIR=str(run_dir / "feeds"),
            SPOOL_DIR=str(run_dir / "spool"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            LOG_LEVEL="INFO",
        )
        env.pop("REPLAY_DIR", None)
        log(f"crawl {label}: {side} side, {size:,} articles")
        cmd = [sys.executable, "-m", "bench.crawl_child", str(config_path)]
        proc = subprocess.Popen(cmd, cwd=run_dir, env=env, stderr=subprocess.PIPE, text=True)
        try:
            with (
                CpuSampler(self.server.pids()) as server_cpu,
                CpuSampler([proc.pid], tree=True) as crawl_cpu,
            ):
                _, stderr = proc.communicate(timeout=self.args.crawl_timeout)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.returncode != 0:
            tail = "\n".join(stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"crawl {label} exited with {proc.returncode}:\n{tail}")
        result: dict[str, Any] = json.loads(Path(config["result"]).read_text())
        summary = self._summarise(result, server_cpu, crawl_cpu, size)
        summary["error_lines"] = _error_lines(run_dir / f"{label}.log")
        expected = size + -(-size // LIST_PAGE_SIZE)
        summary["expected_pages"] = expected
        if not label.endswith("-repeat") and summary["pages"] < expected:
            problem = (
                f"crawl {label} incomplete: {summary['pages']:,} of {expected:,} pages; "
                f"first errors: {summary['error_lines'][:3]}"
            )
            self.notes.append(problem)
            log(f"  {problem}")
        return summary

    def _prepare_db(self, db_url: str) -> str | None:
        from crawler.db import make_engine

        engine = make_engine(db_url)
        try:
            return db_figure.prepare_schema(engine)
        finally:
            engine.dispose()

    def _summarise(
        self, result: dict[str, Any], server_cpu: CpuSampler, crawl_cpu: CpuSampler, size: int
    ) -> dict[str, Any]:
        probe = result["probe"]
        stats = result["stats"]
        pages = int(probe.get("responses", 0))
        window = float(probe.get("window_s") or 0.0)
        start, end = probe.get("first_response_wall") or 0, probe.get("last_response_wall") or 0
        srv_cpu, srv_wall = server_cpu.between(start, end)
        child_cpu, child_wall = crawl_cpu.between(start, end)
        summary = {
            "label": result["label"],
            "side": result["side"],
            "site_articles": size,
            "pages": pages,
            "items": int(stats.get("item_scraped_count", 0)),
            "requests": int(stats.get("downloader/request_count", 0)),
            "window_s": window,
            "pages_per_s": pages / window if window else 0.0,
            "crawler_cpu_ms_per_page": child_cpu * 1000 / pages if pages else 0.0,
            "crawler_cpu_share": child_cpu / child_wall if child_wall else 0.0,
            "server_cpu_share": srv_cpu / srv_wall if srv_wall else 0.0,
            # the crawl process with its extraction workers (sampled), or the process alone
            "peak_rss_mb": max(crawl_cpu.peak_rss, result["peak_rss_bytes"]) / 2**20,
            "main_process_peak_rss_mb": result["peak_rss_bytes"] / 2**20,
            "processes": crawl_cpu.max_processes,
            "rss_curve_mb": [(n, b / 2**20) for n, b in probe.get("rss_curve", [])],
            "process_s": result["process_s"],
            "errors": int(stats.get("log_count/ERROR", 0)),
            "finish_reason": stats.get("finish_reason"),
            "run_status": stats.get("run/status"),
            "run_problems": stats.get("run/problems") or [],
        }
        for key in ("db_rows", "feed_bytes", "db_commits", "browser_peak_mb"):
            if key in result:
                summary[key] = result[key]
        storage = {
            k: v
            for k, v in stats.items()
            if k.startswith(("storage/", "dedup/", "incremental/")) and isinstance(v, int | float)
        }
        if storage:
            summary["storage_stats"] = storage
        self.server_samples.append({"share": summary["server_cpu_share"], "window_s": window})
        log(
            f"  {pages:,} pages in {window:.1f} s = {summary['pages_per_s']:.1f} pages/s, "
            f"{summary['crawler_cpu_ms_per_page']:.2f} ms CPU/page, "
            f"peak RSS {summary['peak_rss_mb']:.0f} MB, server CPU "
            f"{summary['server_cpu_share']:.1%}, errors {summary['errors']}"
        )
        return summary

    # --- the whole run -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        args = self.args
        sizes = sorted({args.pages} if args.skip_growth else {args.pages, args.growth_pages})
        log(f"generating site: {max(sizes):,} articles, list columns {sizes} (seed {args.seed})")
        t0 = time.perf_counter()
        info = generate_site(self.site, sizes, seed=args.seed)
        site = info.to_dict()
        site["generate_s"] = time.perf_counter() - t0
        site["sample_paths"] = len(info.sample_paths)
        log(f"  {info.article_bytes / 2**20:.0f} MiB in {site['generate_s']:.1f} s")
        results: dict[str, Any] = {"site": site, "notes": self.notes}
        charsets = {section.prefix: section.header_charset for section in SECTIONS}
        with StaticSite(
            self.site, self.work / "server", charsets=charsets, prefer=args.server
        ) as server:
            self.server = server
            results["server"] = {"kind": server.kind, "description": server.description}
            log(f"serving on {server.base_url} with {server.description}")
            pairs = []
            for rep in range(args.repeats):
                bare = self.crawl(f"bare-{args.pages}-{rep}", "bare", args.pages)
                full = self.crawl(f"full-{args.pages}-{rep}", "full", args.pages)
                pairs.append((bare, full))
            first_full = pairs[0][1]
            repeat = self.crawl(
                f"full-{args.pages}-repeat",
                "full",
                args.pages,
                run_dir=self.work / first_full["label"],
            )
            growth = None
            if not args.skip_growth and args.growth_pages != args.pages:
                growth = self.crawl(f"full-{args.growth_pages}", "full", args.growth_pages)
            if args.profile:
                prof = args.out.with_suffix(".prof")
                self.crawl(f"profile-{args.pages}", "full", args.pages, profile=prof)
                results["profile"] = profile_summary(prof)
            extraction = None
            if args.extract_pages:
                log(f"extraction: {args.extract_pages} pages")
                step = max(1, len(info.sample_paths) // args.extract_pages)
                paths = info.sample_paths[::step][: args.extract_pages]
                extraction = extract_figure.run(self.site, server.base_url, paths)
        self.server = None
        results["throughput"] = _throughput(pairs)
        results["growth"] = _growth(pairs, growth)
        results["repeat"] = _repeat(first_full, repeat)
        results["extraction"] = extraction
        results["database"] = self.database(info.seed) if args.db_items else None
        results["server"]["cpu_share_mean"] = statistics.fmean(
            s["share"] for s in self.server_samples
        )
        results["server"]["cpu_share_max"] = max(s["share"] for s in self.server_samples)
        return results

    def database(self, seed: int) -> dict[str, Any]:
        args = self.args
        log(f"database: {args.db_items} items, batches of {args.db_batch}")
        assert self.site.exists()
        t0 = time.perf_counter()
        items = db_figure.make_items(self.site, "http://127.0.0.1:8000", seed, args.db_items)
        out: dict[str, Any] = {
            "items": len(items),
            "batch": args.db_batch,
            "make_items_s": time.perf_counter() - t0,
        }
        out["sqlite"] = db_figure.run_sqlite(self.work, items, args.db_batch)
        try:
            out["postgresql"] = db_figure.run_postgres(POSTGRES_URL, items, args.db_batch)
        except Exception as exc:
            out["postgresql"] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}
        out["project_batch_size"] = _project_setting("STORAGE_BATCH_SIZE")
        return out


def profile_summary(path: Path, top: int = 30) -> dict[str, Any]:
    """Cumulative seconds of the project's own functions in a profiled crawl (not timed)."""
    import pstats

    stats = pstats.Stats(str(path))
    total = max((v[3] for v in stats.stats.values()), default=0.0)  # type: ignore[attr-defined]
    rows = []
    for (filename, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/crawler/" in filename or (
            "sqlalchemy/engine/base.py" in filename and func == "execute"
        ):
            short = filename.split("/crawler/", 1)[-1] if "/crawler/" in filename else filename
            rows.append((cumtime, tottime, calls, f"{short}:{line}({func})"))
    rows.sort(reverse=True)
    return {
        "file": str(path),
        "total_s": total,
        "top": [{"cum_s": c, "own_s": t, "calls": n, "function": f} for c, t, n, f in rows[:top]],
    }


def _error_lines(log_file: Path, limit: int = 5) -> list[str]:
    """The first ERROR lines of a crawl log (without the timestamp)."""
    out: list[str] = []
    with contextlib.suppress(OSError), log_file.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if "] ERROR: " in line:
                out.append(line.split("] ", 1)[-1].strip()[:300])
                if len(out) >= limit:
                    break
    return out


def _project_setting(name: str) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings().get(name)


def _throughput(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    ratios = [f["pages_per_s"] / b["pages_per_s"] for b, f in pairs if b["pages_per_s"]]
    cpu_ratios = [
        b["crawler_cpu_ms_per_page"] / f["crawler_cpu_ms_per_page"]
        for b, f in pairs
        if f["crawler_cpu_ms_per_page"]
    ]
    return {
        "runs": [{"bare": b, "full": f} for b, f in pairs],
        "bare_pages_per_s": statistics.median(b["pages_per_s"] for b, _ in pairs),
        "full_pages_per_s": statistics.median(f["pages_per_s"] for _, f in pairs),
        "bare_cpu_ms_per_page": statistics.median(b["crawler_cpu_ms_per_page"] for b, _ in pairs),
        "full_cpu_ms_per_page": statistics.median(f["crawler_cpu_ms_per_page"] for _, f in pairs),
        "ratio": statistics.median(ratios) if ratios else 0.0,
        "ratio_cpu": statistics.median(cpu_ratios) if cpu_ratios else 0.0,
        "target": 0.6,
    }


def _growth(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]], growth: dict[str, Any] | None
) -> dict[str, Any] | None:
    if growth is None:
        return None
    small = pairs[0][1]
    return {
        "small": small,
        "large": growth,
        "pages_per_s_change": growth["pages_per_s"] / small["pages_per_s"] - 1,
        "peak_rss_change": growth["peak_rss_mb"] / small["peak_rss_mb"] - 1,
        "target_pages_per_s_drop": 0.10,
        "target_rss_growth": 0.20,
    }


def _repeat(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_requests": first["requests"],
        "second_requests": second["requests"],
        "share": second["requests"] / first["requests"] if first["requests"] else 0.0,
        "second": second,
        "target": 0.02,
    }


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 2**20
    import scrapy
    import twisted

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "twisted": twisted.__version__,
        "load_avg_at_start": os.getloadavg(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--pages", type=int, default=5000, help="site size of the ratio (5000)")
    ap.add_argument("--growth-pages", type=int, default=50000, help="larger site size (50000)")
    ap.add_argument("--quick", action="store_true", help="smoke run: small sizes everywhere")
    ap.add_argument("--repeats", type=int, default=1, help="bare/full pairs, alternating (1)")
    ap.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS(_PER_DOMAIN)")
    ap.add_argument("--server", choices=("nginx", "python"), default="nginx")
    ap.add_argument("--skip-growth", action="store_true")
    ap.add_argument("--extract-pages", type=int, default=200, help="0: skip extraction")
    ap.add_argument("--db-items", type=int, default=500, help="0: skip the database figure")
    ap.add_argument("--db-batch", type=int, default=250)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--crawl-timeout", type=float, default=1800)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (site, logs, dbs)")
    ap.add_argument(
        "--profile", action="store_true", help="also profile one full crawl (extra, not timed)"
    )
    ap.add_argument("--update-docs", action="store_true", help="put the table in the docs")
    args = ap.parse_args(argv)
    if args.quick:
        args.pages, args.growth_pages = 400, 2000
        args.extract_pages, args.db_items = 40, 200
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)  # fail now, not after the crawls
    signal.signal(signal.SIGTERM, _terminate)
    started = dt.datetime.now(dt.UTC)
    work = Path(tempfile.mkdtemp(prefix="policy-crawler-bench-"))
    results: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }
    try:
        results.update(Bench(args, work).run())
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["elapsed_s"] = time.monotonic() - START
    results["time_target_s"] = 600
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    table = render_table(results)
    print(table)
    print(f"\nresults: {args.out}")
    if args.update_docs:
        update_docs(ROOT / "docs" / "benchmarks.md", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
