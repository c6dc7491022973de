"""The printed table of ``bench/run.py`` (and the copy of it in docs/benchmarks.md)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

MIN_ITEMS_PER_COMMIT = 50
"""The crawl's commits count as batched from this many stored items per commit on."""
DOCS_BEGIN = "<!-- bench:table:begin -->"
DOCS_END = "<!-- bench:table:end -->"


def _status(ok: bool, *runs: dict[str, Any]) -> str:
    for run in runs:
        if run.get("pages", 0) < run.get("expected_pages", 0):
            return "INVALID (crawl incomplete)"
    return "met" if ok else "NOT MET"


def _row(rows: list[tuple[str, str, str, str]], a: str, b: str, c: str = "", d: str = "") -> None:
    rows.append((a, b, c, d))


def render_table(r: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str]] = []
    tp = r["throughput"]
    first = tp["runs"][0]
    n = first["full"]["site_articles"]
    bare_cpu = tp["bare_cpu_ms_per_page"]
    full_cpu = tp["full_cpu_ms_per_page"]
    _row(
        rows,
        f"bare Scrapy @{n:,}",
        f"{tp['bare_pages_per_s']:.1f} pages/s, {bare_cpu:.2f} ms CPU/page",
    )
    _row(
        rows,
        f"full crawler @{n:,}",
        f"{tp['full_pages_per_s']:.1f} pages/s, {full_cpu:.2f} ms CPU/page "
        f"({first['full'].get('processes', 1)} processes)",
    )
    _row(
        rows,
        "  ratio full / bare (pages/s)",
        f"{tp['ratio']:.2f}",
        f">= {tp['target']:.2f}",
        _status(tp["ratio"] >= tp["target"], first["bare"], first["full"]),
    )
    _row(rows, "  ratio by CPU ms/page (cross-check)", f"{tp['ratio_cpu']:.2f}", "", "")
    _row(
        rows,
        "  full: items, DB rows, feed",
        f"{first['full']['items']:,} items, {_rows(first['full'])}, "
        f"{first['full'].get('feed_bytes', 0) / 2**20:.0f} MiB feed, "
        f"errors {first['full']['errors']}",
    )
    g = r.get("growth")
    if g:
        small, large = g["small"], g["large"]
        _row(
            rows,
            f"full crawler @{large['site_articles']:,}",
            f"{large['pages_per_s']:.1f} pages/s, "
            f"{large['crawler_cpu_ms_per_page']:.2f} ms CPU/page",
        )
        _row(
            rows,
            f"  pages/s {small['site_articles']:,} -> {large['site_articles']:,}",
            f"{g['pages_per_s_change']:+.1%}",
            f">= -{g['target_pages_per_s_drop']:.0%}",
            _status(g["pages_per_s_change"] >= -g["target_pages_per_s_drop"], small, large),
        )
        cpu_change = large["crawler_cpu_ms_per_page"] / small["crawler_cpu_ms_per_page"] - 1
        _row(rows, "  CPU ms/page (cross-check)", f"{cpu_change:+.1%}")
        _row(
            rows,
            "  peak RSS",
            f"{small['peak_rss_mb']:.0f} -> {large['peak_rss_mb']:.0f} MB "
            f"({g['peak_rss_change']:+.1%})",
            f"<= +{g['target_rss_growth']:.0%}",
            _status(g["peak_rss_change"] <= g["target_rss_growth"], small, large),
        )
        _row(
            rows,
            "  full: items, DB rows",
            f"{large['items']:,} items, {_rows(large)}, errors {large['errors']}",
        )
    else:
        _row(rows, "growth", "skipped", "", "NOT MEASURED")
    rp = r["repeat"]
    _row(
        rows,
        "repeat run: requests 2nd / 1st",
        f"{rp['second_requests']:,} / {rp['first_requests']:,} = {rp['share']:.1%}",
        f"<= {rp['target']:.0%}",
        _status(rp["share"] <= rp["target"], first["full"]),
    )
    ex = r.get("extraction") or {"pages": 0, "ours": {"median_ms": 0.0, "p90_ms": 0.0}}
    ours = ex["ours"]
    _row(
        rows,
        f"extraction, {ex['pages']} pages: ours",
        f"median {ours['median_ms']:.2f} ms, p90 {ours['p90_ms']:.2f} ms",
    )
    if "trafilatura" in ex:
        tr = ex["trafilatura"]
        _row(
            rows,
            "  trafilatura",
            f"median {tr['median_ms']:.2f} ms, p90 {tr['p90_ms']:.2f} ms",
        )
        _row(
            rows,
            "  ours / trafilatura",
            f"median {ex['ratio_median']:.3f}, p90 {ex['ratio_p90']:.3f}",
        )
    db = r.get("database") or {"batch": 0}
    for name in ("sqlite", "postgresql"):
        d = db.get(name) or {"error": "not measured"}
        if "error" in d:
            _row(rows, f"storage {name}", d["error"], "", "NOT MEASURED")
            continue
        _row(
            rows,
            f"storage {name}, ms/item",
            f"batch {db['batch']}: {d['batched']['ms_per_item']:.3f}; 1/commit: "
            f"{d['per_item']['ms_per_item']:.3f} ({d['per_item_over_batched']:.1f}x); "
            f"unchanged: {d['unchanged']['ms_per_item']:.3f}",
        )
    commits = first["full"].get("db_commits", 0)
    stored = first["full"]["items"]
    per_commit = stored / commits if commits else 0.0
    _row(
        rows,
        f"  commits in the {n:,} crawl",
        f"{commits} for {stored:,} items ({per_commit:.0f} items/commit, batch setting "
        f"{db.get('project_batch_size')})",
        f">= {MIN_ITEMS_PER_COMMIT}/commit",
        _status(per_commit >= MIN_ITEMS_PER_COMMIT, first["full"]),
    )
    elapsed = r.get("elapsed_s", 0.0)
    _row(
        rows,
        "bench wall time",
        f"{elapsed:.0f} s",
        f"< {r.get('time_target_s', 600)} s",
        _status(elapsed < r.get("time_target_s", 600)),
    )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    widths[1] = min(widths[1], 78)
    head = _header(r)
    lines = [*head, ""]
    title = ("figure", "value", "target", "status")
    lines.append("  ".join(t.ljust(w) for t, w in zip(title, widths, strict=True)).rstrip())
    lines.append("-" * (sum(widths) + 6))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if r["args"].get("quick"):
        lines.append("note: --quick is a smoke run: the sizes are too small for the targets")
    # The full crawler uses both cores (extraction and signing workers, the writer thread), so
    # its CPU-time ratio is lower than its pages/s ratio by design; a busy machine shows in the
    # load average and in bare Scrapy getting less than a whole core.
    bare_share = tp["runs"][0]["bare"]["crawler_cpu_share"]
    load = r["machine"]["load_avg_at_start"][0]
    if bare_share < 0.9 or load > 1.0:
        lines.append(
            f"note: busy machine (load {load:.2f} at the start, bare Scrapy got {bare_share:.0%} "
            "of a core): rerun with --repeats 3 when the machine is quiet"
        )
    for note in r.get("notes") or []:
        lines.append(f"note: {note}")
    prof = r.get("profile")
    if prof:
        lines.append("")
        lines.append(f"profile of one extra full crawl ({prof['total_s']:.1f} s under cProfile):")
        lines.append(f"{'cum s':>8} {'own s':>8} {'calls':>8}  function")
        for row in prof["top"]:
            lines.append(
                f"{row['cum_s']:8.2f} {row['own_s']:8.2f} {row['calls']:8d}  {row['function']}"
            )
    return "\n".join(lines)


def _rows(run: dict[str, Any]) -> str:
    rows = run.get("db_rows") or {}
    return f"{rows.get('articles', 0):,} articles"


def _header(r: dict[str, Any]) -> list[str]:
    m = r["machine"]
    s = r["site"]
    srv = r["server"]
    tp = r["throughput"]
    gbk = s["gbk_pages"] / s["articles"]
    mean_kb = s["article_bytes"] / s["articles"] / 1024
    lists = sum(s["list_pages"].values()) if isinstance(s["list_pages"], dict) else 0
    load = ", ".join(f"{x:.2f}" for x in m["load_avg_at_start"])
    bare_share = tp["runs"][0]["bare"]["crawler_cpu_share"]
    crawler_share = tp["runs"][0]["full"]["crawler_cpu_share"]
    return [
        f"policy-crawler benchmark, {r['started_at']}, {r.get('elapsed_s', 0):.0f} s",
        f"machine: {m['cpus']} x {m['cpu_model']}, {m['memory_gib']} GiB, Python {m['python']}, "
        f"Scrapy {m['scrapy']}, Twisted {m['twisted']}; load average at start {load}",
        f"site: {s['articles']:,} articles + {lists:,} list pages, mean {mean_kb:.1f} KB "
        f"({s['min_page_bytes'] / 1024:.1f}-{s['max_page_bytes'] / 1024:.1f} KB), {gbk:.0%} GBK, "
        f"{s['info_table_pages'] / s['articles']:.0%} info table, "
        f"{s['attachment_pages'] / s['articles']:.0%} attachments; generated in "
        f"{s['generate_s']:.0f} s (seed {s['seed']})",
        f"server: {srv['kind']}: {srv['description']}; CPU during crawls "
        f"{srv['cpu_share_mean']:.1%} of one core on average (max {srv['cpu_share_max']:.1%}); "
        f"bare Scrapy used {bare_share:.0%} of a core, the full crawler (with its extraction "
        f"workers) {crawler_share:.0%}",
        f"settings both sides: CONCURRENT_REQUESTS = PER_DOMAIN = {r['args']['concurrency']}, "
        "AUTOTHROTTLE off, DOWNLOAD_DELAY 0, ROBOTSTXT_OBEY off",
    ]


def update_docs(path: Path, table: str) -> None:
    """Replace the table between the markers of ``path`` (docs/benchmarks.md)."""
    text = path.read_text(encoding="utf-8")
    block = f"{DOCS_BEGIN}\n```text\n{table}\n```\n{DOCS_END}"
    pattern = re.compile(re.escape(DOCS_BEGIN) + ".*?" + re.escape(DOCS_END), re.S)
    path.write_text(pattern.sub(lambda _m: block, text), encoding="utf-8")
