"""Attachments: throughput of the downloads and the text extraction, peak memory, and the article
crawl with and without them; and the PDF library choice (pypdfium2 against pdfminer.six).

    .venv/bin/python -m bench.attachments                 # 300 articles, ~90 with attachments
    .venv/bin/python -m bench.attachments --articles 1000 --out bench/results/attachments.json
    .venv/bin/python -m bench.attachments --pdf-only      # the PDF library comparison alone

Steps: generate the benchmark site (``bench/sitegen.py``, whose article pages link 1-3
attachments on 30 % of them) into a temp dir and write a file at every attachment link (PDF of
4-12 pages of Chinese text, DOCX, Word 97 ``.doc``/``.wps`` and ``.xls`` from the fixtures, each
with text of its own) → serve it (``tests/support/site.py``: nginx or the Python server) → crawl
it with the full crawler twice in child processes (``bench/crawl_child.py``, the ``make bench``
settings: 16 concurrent requests, no delays), attachments off then on → print the article phase
of both (first response to the start of the attachments: the article crawl must not be slower),
the attachment phase (files/s, MB/s, statuses) and the peak RSS of the crawl process and of the
extraction worker.

``--pdf-only`` (and the first part of a full run): the text of Chinese PDFs by pypdfium2 and by
pdfminer.six (``pip install pdfminer.six``; skipped without it), time and characters recovered
against the text written into them (the share of the original text found, in order).
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.sitegen import SECTIONS, generate_site, list_column
from tests.attachments import samples
from tests.support.paths import ROOT
from tests.support.site import StaticSite

FIXTURES = ROOT / "tests" / "fixtures"
ATTACHMENT_LINK = re.compile(rb'href="\./(P0\d+\.(pdf|doc|docx|xls|wps))"')
PHRASES = (
    "为贯彻落实党中央、国务院决策部署",
    "促进托育服务高质量发展",
    "支持用人单位办托",
    "发展社区嵌入式托育",
    "加强托育机构监督管理",
    "完善生育支持政策体系",
    "每千人口拥有3岁以下婴幼儿托位数达到4.5个",
    "幼儿园开设托班，招收2至3岁幼儿",
    "财政补助标准为每个托位1万元",
    "卫生健康部门牵头，教育、民政等部门配合",
)


def log(message: str) -> None:
    print(f"[attachments] {message}", file=sys.stderr, flush=True)


def chinese_lines(rng: random.Random, lines: int, width: int = 36) -> list[str]:
    text = "，".join(rng.choice(PHRASES) for _ in range(lines * 3)) + "。"
    return [text[i : i + width] for i in range(0, min(len(text), lines * width), width)]


# ------------------------------------------------------------------------------ PDF comparison


def _pdfium_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    parts = []
    for page in pdf:
        textpage = page.get_textpage()
        parts.append(textpage.get_text_bounded())
        textpage.close()
        page.close()
    pdf.close()
    return "\n".join(parts)


def _pdfium_text_pages(data: bytes) -> list[int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    count = len(pdf)
    pdf.close()
    return list(range(count))


def _pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return str(extract_text(io.BytesIO(data)))


def _recovered(truth: str, found: str) -> float:
    """The share of ``truth``'s characters found in order in ``found`` (spaces ignored)."""
    a, b = "".join(truth.split()), "".join(found.split())
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(len(a), 1)


def _embedded_font_pdf(pages: list[list[str]]) -> tuple[str, bytes] | None:
    """A PDF with an embedded (subset) TrueType CJK font, as Word and WPS export them: with
    reportlab and a TrueType Chinese font of the system (fonts-wqy-zenhei), if there is one."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    for path in ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",):
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("BenchCJK", path, subfontIndex=0))
            break
    else:
        return None
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for lines in pages:
        c.setFont("BenchCJK", 12)
        y = A4[1] - 72
        for line in lines:
            c.drawString(60, y, line)
            y -= 18
        c.showPage()
    c.save()
    return "embedded TrueType subset (wqy-zenhei)", buffer.getvalue()


def _libreoffice_pdf(pages: list[list[str]]) -> tuple[str, bytes] | None:
    """A DOCX of the same text exported to PDF by LibreOffice (``soffice``), as an office suite
    writes it: a subset of a system CJK font embedded (CFF). None without LibreOffice."""
    paragraphs = ["".join(lines) for lines in pages]
    data = samples._convert(samples.docx(paragraphs), ".docx", "pdf")
    if data is None:
        return None
    return "LibreOffice export of a DOCX (embedded CFF subset)", data


def compare_pdf_libraries(pages: int = 40, repeats: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(21)
    content = [chinese_lines(rng, 38) for _ in range(pages)]
    truth = "\n".join("\n".join(p) for p in content)
    documents = [("Adobe CID font STSong-Light, not embedded", samples.pdf(content))]
    for extra in (_embedded_font_pdf(content), _libreoffice_pdf(content)):
        if extra is not None:
            documents.append(extra)
    readers: list[tuple[str, Any]] = [("pypdfium2", _pdfium_text)]
    try:
        import pdfminer  # noqa: F401

        readers.append(("pdfminer.six", _pdfminer_text))
    except ImportError:
        log("pdfminer.six is not installed (pip install pdfminer.six): compared with nothing")
    rows = []
    for label, data in documents:
        for name, read in readers:
            read(data)  # warm: imports, font caches
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                found = read(data)
                times.append(time.perf_counter() - started)
            best = min(times)
            rows.append(
                {
                    "pdf": label,
                    "pages": len(_pdfium_text_pages(data)),
                    "bytes": len(data),
                    "library": name,
                    "seconds": round(best, 4),
                    "pages_per_s": round(len(_pdfium_text_pages(data)) / best, 1),
                    "recovered": round(_recovered(truth, found), 4),
                }
            )
            log(f"{label}: {name} {best * 1000:.0f} ms, recovered {rows[-1]['recovered']:.4f}")
    return rows


# --------------------------------------------------------------------------------- crawl bench


def attachment_file(kind: str, index: int, rng: random.Random) -> bytes:
    marker = f"基准附件{index}号"
    if kind == "pdf":
        pages = [chinese_lines(rng, 38) for _ in range(rng.randint(4, 12))]
        pages[0].insert(0, marker)
        return samples.pdf(pages)
    if kind == "docx":
        return samples.docx([marker, *chinese_lines(rng, 60, 80)])
    source = FIXTURES / (
        "js_jyt/pages/attachment_3.xls" if kind == "xls" else "cn_nhc/pages/attachment_2.wps"
    )
    # the same Word 97 / Excel 97 file with bytes of its own at the end (its own SHA-256)
    return source.read_bytes() + f"\n{marker}".encode()


def write_attachments(site: Path) -> tuple[int, int]:
    """A file at every attachment link of the generated articles: (files, bytes)."""
    rng = random.Random(9)
    files = size = 0
    for page in sorted(site.rglob("*.htm*")):
        for href, kind in ATTACHMENT_LINK.findall(page.read_bytes()):
            target = page.parent / href.decode()
            if target.exists():
                continue
            data = attachment_file(kind.decode(), files, rng)
            target.write_bytes(data)
            files += 1
            size += len(data)
    return files, size


def crawl(
    server: StaticSite, work: Path, label: str, articles: int, enabled: bool
) -> dict[str, Any]:
    run_dir = work / label
    run_dir.mkdir()
    config = {
        "side": "full",
        "label": label,
        "start_url": f"{server.base_url}{list_column(articles)}index.html",
        "workdir": str(run_dir),
        "concurrent_requests": 16,
        "concurrent_per_domain": 16,
        "result": str(run_dir / "result.json"),
        "settings": {"ATTACHMENTS_ENABLED": enabled},
    }
    config_path = run_dir / "config.json"
    config_path.write_text(json.dumps(config))
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{run_dir / 'policy.db'}",
        FEED_DIR=str(run_dir / "feeds"),
        SPOOL_DIR=str(run_dir / "spool"),
        FILES_STORE=str(run_dir / "files"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    env.pop("REPLAY_DIR", None)
    log(f"crawl {label}: {articles} articles, attachments {'on' if enabled else 'off'}")
    done = subprocess.run(
        [sys.executable, "-m", "bench.crawl_child", str(config_path)],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"crawl {label} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads((run_dir / "result.json").read_text())
    return result


def summarise(off: dict[str, Any], on: dict[str, Any]) -> dict[str, Any]:
    def article_phase(result: dict[str, Any]) -> tuple[float, int]:
        stats, probe = result["stats"], result["probe"]
        pages = int(stats.get("response_received_count", 0)) - int(
            stats.get("attachments/requested", 0)
        )
        end = stats.get("attachments/started_at") or probe["last_response_wall"]
        return float(end) - float(probe["first_response_wall"]), pages

    off_s, off_pages = article_phase(off)
    on_s, on_pages = article_phase(on)
    stats = on["stats"]
    files = int(stats.get("attachments/downloaded", 0))
    size = int(stats.get("attachments/bytes", 0))
    seconds = float(stats.get("attachments/seconds", 0.0)) or 1e-9
    return {
        "article_pages": off_pages,
        "article_phase_s": {"attachments_off": round(off_s, 2), "attachments_on": round(on_s, 2)},
        "article_pages_per_s": {
            "attachments_off": round(off_pages / off_s, 1),
            "attachments_on": round(on_pages / on_s, 1),
        },
        "article_ratio_on_vs_off": round((on_pages / on_s) / (off_pages / off_s), 3),
        "attachments": files,
        "attachment_mb": round(size / 1e6, 2),
        "attachment_phase_s": round(seconds, 2),
        "files_per_s": round(files / seconds, 2),
        "mb_per_s": round(size / 1e6 / seconds, 2),
        "statuses": {
            k.rsplit("/", 1)[1]: v
            for k, v in stats.items()
            if k.startswith("attachments/extracted/")
        },
        "peak_rss_mb": {
            "crawl_attachments_off": round(off["peak_rss_bytes"] / 2**20, 1),
            "crawl_attachments_on": round(on["peak_rss_bytes"] / 2**20, 1),
            "extraction_worker": stats.get("attachments/worker_peak_rss_mb"),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--pdf-only", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "attachments.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"pdf_libraries": compare_pdf_libraries()}
    if not args.pdf_only:
        with tempfile.TemporaryDirectory(prefix="pc-bench-att-") as folder:
            work = Path(folder)
            site = work / "site"
            log(f"generating {args.articles} articles")
            generate_site(site, [args.articles])
            files, size = write_attachments(site)
            log(f"wrote {files} attachment files, {size / 1e6:.1f} MB")
            charsets = {section.prefix: section.header_charset for section in SECTIONS}
            with StaticSite(site, work / "server", charsets=charsets) as server:
                off = crawl(server, work, "off", args.articles, enabled=False)
                on = crawl(server, work, "on", args.articles, enabled=True)
            results["crawl"] = summarise(off, on)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
