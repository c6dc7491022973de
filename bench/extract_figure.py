"""Figure 5: ms per page of our extractor and of trafilatura on the same generated pages.

The timing itself is ``bench/extraction.py``'s (best of ``repeat`` runs per page after a
warm-up), so both benchmarks measure the same way. The pages are a spread of the generated
site's article pages (every ``articles / n``-th: UTF-8 and GBK, with and without info table and
attachments), passed as raw bytes with their URL.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING, Any

from bench.extraction import Job, ours, p90, time_per_page, trafilatura_extract

if TYPE_CHECKING:
    from pathlib import Path


def run(site_root: Path, base_url: str, paths: list[str], repeat: int = 3) -> dict[str, Any]:
    jobs: list[Job] = [
        ((site_root / p.lstrip("/")).read_bytes(), base_url + p, "article") for p in paths
    ]
    out: dict[str, Any] = {
        "timing_by": "bench/extraction.py",
        "pages": len(jobs),
        "repeat": repeat,
        "page_kb_median": statistics.median(len(j[0]) for j in jobs) / 1024,
        "sample": "every k-th article page of the generated site (UTF-8 and GBK, with and "
        "without info table and attachments)",
    }
    t0 = time.perf_counter()
    times = {"ours": time_per_page(ours, jobs, repeat)}
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        out["trafilatura_missing"] = "pip install -e '.[bench]'"
    else:
        times["trafilatura"] = time_per_page(trafilatura_extract, jobs, repeat)
    out["elapsed_s"] = time.perf_counter() - t0
    for name, values in times.items():
        out[name] = {"median_ms": statistics.median(values), "p90_ms": p90(values)}
    if "trafilatura" in times:
        out["ratio_median"] = out["ours"]["median_ms"] / out["trafilatura"]["median_ms"]
        out["ratio_p90"] = out["ours"]["p90_ms"] / out["trafilatura"]["p90_ms"]
    return out
