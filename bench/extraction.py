"""In-process extraction speed: ours vs trafilatura on the same pages, in the same run.

    .venv/bin/python -m bench.extraction --manifest ../shared/eval/dev.jsonl
    .venv/bin/python -m bench.extraction --manifest ../shared/eval/dev.jsonl --no-peer \
        --compare /tmp/before   # e.g. git archive HEAD~5 crawler | tar -x -C /tmp/before

Each page's raw bytes are read once; every extractor then runs ``--repeat`` times per page (after
a warm-up on the first pages) and the best time per page is kept, which damps machine noise.
Prints median and p90 ms/page for both and the ratio ours / trafilatura.

``--compare DIR`` times another version of the extractor (``DIR/crawler/extraction``, imported
under another name) against this one, the two interleaved page by page and run by run, each going
first in every other run, so that a busy machine slows both alike: the way to tell whether a
change made extraction slower. The other version always runs as plain Python, this checkout as
installed (compiled by ``make install``, unless ``CRAWLER_PURE_PYTHON=1``): ``--compare .`` gives
what compiling is worth. Besides the ratio of the two medians it prints the median of the
per-page ratios, which pairs each page with itself and varies less from run to run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.extraction import BUILD, extract_from_bytes

if TYPE_CHECKING:
    from collections.abc import Callable

Job = tuple[bytes, str, str]


def _load(manifest: Path, data_root: Path, limit: int | None) -> list[Job]:
    jobs: list[Job] = []
    with manifest.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            path = data_root / rec["html"]
            jobs.append((path.read_bytes(), rec["url"], rec.get("kind") or "article"))
            if limit and len(jobs) >= limit:
                break
    return jobs


def ours(body: bytes, url: str, kind: str) -> object:
    return extract_from_bytes(body, url, kind=kind)


def trafilatura_extract(body: bytes, url: str, kind: str) -> object:
    import trafilatura

    return trafilatura.bare_extraction(
        body,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_links=(kind == "list"),
    )


def load_other(directory: Path) -> Callable[[bytes, str, str], object]:
    """``extract_from_bytes`` of the extractor in ``directory/crawler/extraction``, copied into a
    temporary package so that it does not clash with this checkout's ``crawler``."""
    source = directory / "crawler" / "extraction"
    if not (source / "__init__.py").is_file():
        raise SystemExit(f"no crawler/extraction package in {directory}")
    home = Path(tempfile.mkdtemp(prefix="bench-extraction-"))
    package = home / "other_version"
    package.mkdir()
    (package / "__init__.py").write_text("")
    # the .py files only: a compiled build (setup.py) cannot be loaded under another name, so the
    # other version runs as plain Python (`--compare .` thus measures what compiling gives)
    shutil.copytree(
        source,
        package / "extraction",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "_compiled.json", "__pycache__"),
    )
    sys.path.insert(0, str(home))
    module = importlib.import_module("other_version.extraction")
    fn = module.extract_from_bytes

    def other(body: bytes, url: str, kind: str) -> object:
        return fn(body, url, kind=kind)

    return other


def _ms(fn: Callable[[bytes, str, str], object], body: bytes, url: str, kind: str) -> float:
    t0 = time.perf_counter()
    fn(body, url, kind)
    return (time.perf_counter() - t0) * 1000


def time_interleaved(
    first: Callable[[bytes, str, str], object],
    second: Callable[[bytes, str, str], object],
    jobs: list[Job],
    repeat: int,
) -> tuple[list[float], list[float]]:
    """Best time per page of two extractors run alternately on each page, each of them first
    in every other run (the one that runs second finds the page's bytes in the cache, and the
    memory the first one freed)."""
    for body, url, kind in jobs[:3]:
        first(body, url, kind)
        second(body, url, kind)
    a: list[float] = []
    b: list[float] = []
    for body, url, kind in jobs:
        best_a = best_b = float("inf")
        for run in range(repeat):
            if run % 2:
                took_b = _ms(second, body, url, kind)
                took_a = _ms(first, body, url, kind)
            else:
                took_a = _ms(first, body, url, kind)
                took_b = _ms(second, body, url, kind)
            best_a = min(best_a, took_a)
            best_b = min(best_b, took_b)
        a.append(best_a)
        b.append(best_b)
    return a, b


def time_per_page(
    fn: Callable[[bytes, str, str], object], jobs: list[Job], repeat: int
) -> list[float]:
    for body, url, kind in jobs[:3]:  # warm-up: imports, lazy initialisation
        fn(body, url, kind)
    times: list[float] = []
    for body, url, kind in jobs:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(body, url, kind)
            best = min(best, (time.perf_counter() - t0) * 1000)
        times.append(best)
    return times


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--manifest", required=True, type=Path)
    ap.add_argument("--data-root", type=Path, help="default: <manifest dir>/data")
    ap.add_argument("--repeat", type=int, default=3, help="runs per page, best kept (default 3)")
    ap.add_argument("--limit", type=int, help="only the first N pages")
    ap.add_argument("--no-peer", action="store_true", help="time our extractor only")
    ap.add_argument(
        "--compare",
        type=Path,
        metavar="DIR",
        help="also time the extractor in DIR/crawler/extraction, interleaved with ours",
    )
    args = ap.parse_args(argv)
    data_root = args.data_root or args.manifest.resolve().parent / "data"
    jobs = _load(args.manifest, data_root, args.limit)
    if not jobs:
        print("no pages", file=sys.stderr)
        return 1
    if args.compare is not None:
        other = load_other(args.compare)
        before, now = time_interleaved(other, ours, jobs, args.repeat)
        results = {"compared": before, "ours": now}
    else:
        results = {"ours": time_per_page(ours, jobs, args.repeat)}
    if not args.no_peer:
        try:
            import trafilatura  # noqa: F401
        except ImportError:
            print("trafilatura is not installed (pip install -e '.[bench]')", file=sys.stderr)
        else:
            results["trafilatura"] = time_per_page(trafilatura_extract, jobs, args.repeat)
    print(f"{len(jobs)} pages, best of {args.repeat} runs per page; extraction: {BUILD.describe()}")
    print(f"{'extractor':<12} {'median ms':>10} {'p90 ms':>10} {'total s':>10}")
    for name, times in results.items():
        med, high = statistics.median(times), p90(times)
        print(f"{name:<12} {med:>10.2f} {high:>10.2f} {sum(times) / 1000:>10.2f}")
    if "compared" in results:
        ratio = statistics.median(results["ours"]) / statistics.median(results["compared"])
        ratio90 = p90(results["ours"]) / p90(results["compared"])
        print(f"ratio ours/compared: median {ratio:.3f}, p90 {ratio90:.3f}")
        # page by page: each page's own ratio, so a page that is slow for both counts once
        paired = sorted(o / c for o, c in zip(results["ours"], results["compared"], strict=True))
        print(
            f"per-page ratios ours/compared: median {statistics.median(paired):.3f}, "
            f"quartiles {paired[len(paired) // 4]:.3f} - {paired[3 * len(paired) // 4]:.3f}"
        )
    if "trafilatura" in results:
        ratio = statistics.median(results["ours"]) / statistics.median(results["trafilatura"])
        ratio90 = p90(results["ours"]) / p90(results["trafilatura"])
        verdict = "OK" if ratio <= 0.25 else "TOO SLOW"
        print(
            f"ratio ours/trafilatura: median {ratio:.3f}, p90 {ratio90:.3f}"
            f"  (target <= 0.25: {verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
