"""Figure 5: ms per page of our extractor and of trafilatura on the same generated pages.

The timing itself is ``bench/extraction.py``'s (owned by the extraction work: best of
``repeat`` runs per page after a warm-up) when that module is importable, so both benchmarks
measure the same way; otherwise an equivalent loop here. The pages are a spread of the generated
site's article pages (every ``articles / n``-th: UTF-8 and GBK, with and without info table and
attachments), passed as raw bytes with their URL.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

Job = tuple[bytes, str, str]
Timer = Callable[[Callable[[bytes, str, str], object], list[Job], int], list[float]]


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _own_time(fn: Callable[[bytes, str, str], object], jobs: list[Job], repeat: int) -> list[float]:
    for body, url, kind in jobs[:3]:
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


def _own_ours(body: bytes, url: str, kind: str) -> object:
    from crawler.extraction import extract_from_bytes

    return extract_from_bytes(body, url, kind=kind)


def _own_trafilatura(body: bytes, url: str, kind: str) -> object:
    import trafilatura

    return trafilatura.bare_extraction(body, url=url, with_metadata=True, include_comments=False)


def _implementation() -> tuple[str, Timer, Callable[..., object], Callable[..., object]]:
    """(source, timer, ours, trafilatura): bench/extraction.py's when it provides them."""
    try:
        mod: Any = importlib.import_module("bench.extraction")
    except Exception:
        mod = None
    if mod is not None and all(hasattr(mod, n) for n in ("_time", "_ours", "_trafilatura")):
        return "bench/extraction.py", mod._time, mod._ours, mod._trafilatura
    return "bench/extract_figure.py", _own_time, _own_ours, _own_trafilatura


def run(site_root: Path, base_url: str, paths: list[str], repeat: int = 3) -> dict[str, Any]:
    jobs: list[Job] = [
        ((site_root / p.lstrip("/")).read_bytes(), base_url + p, "article") for p in paths
    ]
    source, timer, ours, peer = _implementation()
    out: dict[str, Any] = {
        "timing_by": source,
        "pages": len(jobs),
        "repeat": repeat,
        "page_kb_median": statistics.median(len(j[0]) for j in jobs) / 1024,
        "sample": "every k-th article page of the generated site (UTF-8 and GBK, with and "
        "without info table and attachments)",
    }
    t0 = time.perf_counter()
    times = {"ours": timer(ours, jobs, repeat)}
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        out["trafilatura_missing"] = "pip install -e '.[bench]'"
    else:
        times["trafilatura"] = timer(peer, jobs, repeat)
    out["elapsed_s"] = time.perf_counter() - t0
    for name, values in times.items():
        out[name] = {"median_ms": statistics.median(values), "p90_ms": p90(values)}
    if "trafilatura" in times:
        out["ratio_median"] = out["ours"]["median_ms"] / out["trafilatura"]["median_ms"]
        out["ratio_p90"] = out["ours"]["p90_ms"] / out["trafilatura"]["p90_ms"]
    return out
