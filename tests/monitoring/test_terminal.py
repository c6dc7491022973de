"""``crawler run`` on a terminal: the log in a file, a summary whose every row says why, and
progress lines drawn in place."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.monitoring.progress import Board, Line
from tests.support.commands import run_module
from tests.support.paths import FIXTURES


def test_the_log_goes_to_a_file_and_a_failed_site_says_why(tmp_path: Path) -> None:
    # sh_wsjkw's fixtures without its first list page: the site answers 404 there
    replay = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "sh_wsjkw", replay / "sh_wsjkw")
    manifest_path = replay / "sh_wsjkw" / "responses.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    first = "https://wsjkw.sh.gov.cn/xwfb/index.html"
    manifest = [e for e in manifest if e["url"] != first]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    result = run_module("crawler.cli", "run", "--replay", str(replay), "sh_wsjkw", tmp=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    log_file = Path(lines[0].removeprefix("log: ").split()[0])
    assert log_file.parent == tmp_path / "logs" and "Spider closed" in log_file.read_text()
    assert "[scrapy" not in result.stdout + result.stderr  # no log line on the terminal
    [row] = [line for line in lines if line.startswith("sh_wsjkw")]
    assert "failed" in row and f"HTTP 404 at {first}" in row

    status = run_module("crawler.cli", "status", tmp=tmp_path)
    assert status.returncode == 1  # the last run failed: documented in `crawler status --help`
    out = status.stdout.splitlines()
    assert out[0].index("last run") == out[2].index("2026"[:2])  # columns line up
    assert f"  ! HTTP 404 at {first}: the page is gone (moved?)" in out
    assert out[-1].startswith("recent: the last 10 runs, newest first (o ok, w warning")


def test_verbose_shows_the_log_on_the_terminal(tmp_path: Path) -> None:
    result = run_module(
        "crawler.cli", "run", "-v", "--replay", str(FIXTURES), "sh_wsjkw", tmp=tmp_path
    )
    assert "Spider closed (finished)" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_the_board_redraws_one_line_per_spider_in_place() -> None:
    out = io.StringIO()
    board = Board(out)
    stats = MemoryStatsCollector(get_crawler())
    board.lines = [Line("cn_gov", stats, sections=2), Line("cn_moe", stats, sections=4)]
    board.draw(force=True)
    stats.set_value("response_received_count", 7)
    stats.set_value("list/pages", 1)
    board.lines[0].status = "ok"
    board.draw(force=True)
    first, second = out.getvalue().split("\x1b[2F")  # the second frame starts 2 lines up
    assert first.count("\n") == 2 and second.count("\n") == 2
    assert "cn_gov             [============]     7 pages" in second and second.split("\n")[
        0
    ].endswith("ok")
    assert "cn_moe             [===.........]     7 pages" in second


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_ticker_counts_on_a_terminal_and_clears_its_line() -> None:
    from crawler.monitoring.progress import Ticker

    out = Terminal()
    ticker = Ticker("exported", "articles", out)
    ticker(1)
    ticker(2)  # within half a second of the last: not drawn
    ticker.last = 0.0
    ticker(12_000)
    ticker.done()
    assert out.getvalue() == (
        "\r\x1b[2Kexported 1 articles…\r\x1b[2Kexported 12,000 articles…\r\x1b[2K"
    )
    quiet = io.StringIO()  # not a terminal (cron, a pipe): nothing at all
    Ticker("exported", "articles", quiet)(5)
    assert quiet.getvalue() == ""
