"""Peak memory of ``crawler export`` against the number of articles: it must stay flat.

    .venv/bin/python -m bench.export_memory                  # 10k and 100k articles, SQLite
    .venv/bin/python -m bench.export_memory --sizes 1000 10000 --format csv
    .venv/bin/python -m bench.export_memory --database-url postgresql+psycopg://postgres@127.0.0.1/bench

For each size, a database is filled with that many synthetic articles (two attachments each, a
~800-character body) and every format is exported to /dev/null in a fresh Python process, which
reports the peak of Python allocations during the export (tracemalloc), its resident set size when
the export starts (VmRSS: the interpreter and the libraries loaded) and the peak resident set size
during the export (VmHWM, reset just before it; it also counts SQLite's page cache and the
database driver's buffers).
``populate`` is also used by the tests (tests/research/test_export.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from crawler.db import make_engine, upgrade
from crawler.db.models import Article, AttachmentRow, Source
from tests.support.paths import ROOT

PHRASES = (
    "为贯彻落实党中央、国务院关于促进普惠托育服务发展的决策部署，",
    "各地要将婴幼儿照护服务纳入经济社会发展规划，",
    "加强托育机构登记备案和监督管理，",
    "支持用人单位以单独或联合相关单位共同举办的方式提供福利性托育服务，",
    "完善学前教育资源布局，扩大普惠性幼儿园覆盖面，",
    "提高卫生健康服务能力，做好儿童保健和疾病预防工作。",
)


def body(n: int, length: int = 800) -> str:
    parts: list[str] = [f"第{n}号通知。"]
    i = n
    while sum(len(p) for p in parts) < length:
        parts.append(PHRASES[i % len(PHRASES)])
        i = i * 7 + 3
    return "".join(parts)[:length]


REQUIRED = [
    c.name
    for c in Article.__table__.columns
    if not c.nullable and not c.primary_key and c.default is None and c.server_default is None
]


def populate(engine: Engine, count: int, *, chunk: int = 2000) -> None:
    """Insert ``count`` synthetic articles with two attachments each (fast, bulk inserts)."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(insert(Source).values(site="synthetic", name="合成数据", created_at=now))
        source_id = conn.execute(select(Source.id)).scalar_one()
        start = int(conn.execute(select(func.coalesce(func.max(Article.id), 0))).scalar_one())
    for first in range(start + 1, start + count + 1, chunk):
        last = min(first + chunk, start + count + 1)
        ids = range(first, last)
        articles = [
            {
                "id": n,
                "url": f"https://www.example.gov.cn/zhengce/{n}.html",
                "source_id": source_id,
                "site": "synthetic",
                "source_name": "合成数据",
                "title": f"关于促进普惠托育服务发展的通知（第{n}号）",
                "publish_date": dt.date(2020, 1, 1) + dt.timedelta(days=n % 1800),
                "written_date": dt.date(2020, 1, 1) + dt.timedelta(days=n % 1800),
                "doc_number": f"国卫人口发〔{2020 + n % 5}〕{n}号",
                "issuer": "国家卫生健康委",
                "issuers": ["国家卫生健康委"],
                "index_number": f"nhc-{n:08d}",
                "body_text": body(n),
                "body_html": f"<p>{body(n)}</p>",
                "tags": ["托育"] if n % 2 else ["学前教育"],
                "content_hash": f"{n:064x}",
                "first_seen_at": now,
                "updated_at": now,
                "last_seen_at": now,
            }
            for n in ids
        ]
        for row in articles:  # columns added by later migrations, e.g. url_key
            for column in REQUIRED:
                row.setdefault(column, row["url"])
        attachments = [
            {
                "article_id": n,
                "position": p,
                "name": f"附件{p + 1}.pdf",
                "url": f"https://www.example.gov.cn/zhengce/{n}-{p}.pdf",
                "file_type": "pdf",
            }
            for n in ids
            for p in range(2)
        ]
        with engine.begin() as conn:
            conn.execute(insert(Article), articles)
            conn.execute(insert(AttachmentRow), attachments)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def reset_peak_rss() -> None:
    """Reset the process's peak resident set size (Linux), so that VmHWM is the export's peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def proc_status_kib(field: str) -> int:
    """A memory figure of /proc/self/status in KiB (ru_maxrss where there is no /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_here(url: str, fmt: str) -> dict[str, Any]:
    """Export every article of ``url`` to /dev/null in this process; the memory it took."""
    import tracemalloc

    from crawler.research.export import export

    engine = make_engine(url)
    with engine.connect() as conn:  # connect and load everything once, before measuring
        conn.execute(select(Article.id).limit(1)).all()
    reset_peak_rss()
    rss_before = proc_status_kib("VmRSS")
    tracemalloc.start()
    started = time.perf_counter()
    with Path(os.devnull).open("w", encoding="utf-8", newline="") as out:
        count = export(engine, fmt, out)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine.dispose()
    return {
        "format": fmt,
        "rows": count,
        "seconds": round(seconds, 2),
        "python_peak_mib": round(peak / 2**20, 2),
        "rss_before_mib": round(rss_before / 1024, 1),
        "rss_peak_mib": round(proc_status_kib("VmHWM") / 1024, 1),
    }


def measure(url: str, fmt: str) -> dict[str, Any]:
    """``measure_here`` in a fresh Python process (so that peaks do not carry over)."""
    code = (  # run from the repository's root, which ``python -c`` puts on the path
        "import json, sys;"
        "from bench.export_memory import measure_here;"
        "print(json.dumps(measure_here(sys.argv[1], sys.argv[2])))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url, fmt],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--format", dest="formats", nargs="+", default=["jsonl", "csv", "jsonfeed"])
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database to fill (default: temporary SQLite)"
    )
    args = parser.parse_args()
    print(
        f"{'rows':>8} {'format':<9} {'seconds':>8} {'py peak MiB':>12} "
        f"{'RSS before':>10} {'RSS peak':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            if args.database_url:
                url = args.database_url
                engine = make_engine(url)
                from crawler.db.models import Base

                with engine.begin() as conn:  # start from empty each size
                    for table in reversed(Base.metadata.sorted_tables):
                        conn.execute(table.delete())
            else:
                url = f"sqlite:///{tmp}/bench-{size}.db"
                engine = make_engine(url)
            upgrade(engine)
            started = time.perf_counter()
            populate(engine, size)
            engine.dispose()
            print(
                f"# {size} articles inserted in {time.perf_counter() - started:.1f} s", flush=True
            )
            for fmt in args.formats:
                r = measure(url, fmt)
                print(
                    f"{r['rows']:>8} {fmt:<9} {r['seconds']:>8} {r['python_peak_mib']:>12} "
                    f"{r['rss_before_mib']:>10} {r['rss_peak_mib']:>9}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
