"""A local site on 127.0.0.1, for the tests and the benchmarks.

:class:`StaticSite` serves a folder with nginx (fast: the crawlers, not the server, are the
bottleneck) or, where nginx is not installed, with a pre-forked Python server
(``python -m tests.support.site ROOT PORT WORKERS``); either can log each request (its path and
status: :meth:`StaticSite.requests`). :class:`CountingSite` is an aiohttp server in a thread that
answers slowly and counts requests in flight per Host (the politeness test).

``generate(root, sections, pages_per_section, per_page)`` writes a small policy site: ``sections``
list sections, each ``pages_per_section`` list pages (``/sN/index.html``, ``/sN/index_2.html`` …,
paged by a ``下一页`` link) of ``per_page`` articles (``/sN/art/NNNNN.html``): a Chinese title in
``<h1>``, a 发布日期 line, a 发文字号 and a few paragraphs of text unique to the page (no two
articles are copies). (The benchmark's larger site: bench/sitegen.py.)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email.utils
import json
import mimetypes
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, Self

from tests.support.net import free_port, wait_for_port
from tests.support.paths import ROOT

WORDS = [
    "托育",
    "服务",
    "体系",
    "建设",
    "普惠",
    "婴幼儿",
    "照护",
    "幼儿园",
    "学前教育",
    "家庭",
    "教育",
    "卫生",
    "健康",
    "委员会",
    "通知",
    "印发",
    "实施",
    "方案",
    "工作",
    "推进",
    "加强",
    "质量",
    "评估",
    "机构",
    "管理",
    "安全",
    "保障",
    "政策",
    "措施",
    "落实",
    "地方",
    "财政",
    "补贴",
    "标准",
    "规范",
    "发展",
    "社区",
    "医疗",
    "保健",
    "人口",
    "监测",
    "儿童",
    "早期",
    "营养",
    "师资",
    "培训",
    "资格",
    "认定",
    "监督",
    "检查",
    "试点",
    "城市",
    "经验",
    "推广",
    "落地",
    "部门",
    "协同",
    "责任",
    "考核",
]
ISSUERS = ["教育部", "国家卫生健康委", "国务院办公厅", "民政部", "财政部"]


def _sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(n)) + "。"


def article_html(section: int, number: int, rng: random.Random) -> str:
    title = f"关于{''.join(rng.sample(WORDS, 4))}的通知（第{section}-{number}号）"
    day = 1 + number % 28
    paragraphs = "\n".join(
        f"<p>{''.join(_sentence(rng, rng.randint(8, 16)) for _ in range(4))}</p>"
        for _ in range(rng.randint(4, 7))
    )
    issuer = ISSUERS[number % len(ISSUERS)]
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<div class="header"><a href="/">首页</a> <a href="/s{section}/index.html">通知公告</a></div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布日期：2024-{1 + number % 12:02d}-{day:02d}　来源：{issuer}</div>
<div class="meta">发文字号：{issuer}〔2024〕{section * 1000 + number}号</div>
<div class="content">
{paragraphs}
<p>{issuer}</p>
<p>2024年{1 + number % 12}月{day}日</p>
</div>
</div>
<div class="footer">版权所有 测试站点 联系我们</div>
</body></html>
"""


def list_html(section: int, page: int, pages: int, articles: list[tuple[int, str]]) -> str:
    items = "\n".join(
        f'<li><a href="/s{section}/art/{n:05d}.html">{title}</a>'
        f'<span class="date">2024-{1 + n % 12:02d}-{1 + n % 28:02d}</span></li>'
        for n, title in articles
    )
    nxt = f'<a href="index_{page + 1}.html">下一页</a>' if page < pages else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>通知公告 第{page}页</title></head>
<body>
<div class="header"><a href="/">首页</a></div>
<ul class="list">
{items}
</ul>
<div class="pager">第{page}页 共{pages}页 {nxt}</div>
</body></html>
"""


def generate(root: Path, sections: int, pages_per_section: int, per_page: int) -> dict[str, Any]:
    """Write the site below ``root``; return its start paths, list paths and article paths."""
    rng = random.Random(20261128)
    lists: list[str] = []
    articles: list[str] = []
    for s in range(1, sections + 1):
        (root / f"s{s}" / "art").mkdir(parents=True, exist_ok=True)
        number = 0
        for page in range(1, pages_per_section + 1):
            entries = []
            for _ in range(per_page):
                number += 1
                html = article_html(s, number, rng)
                path = f"/s{s}/art/{number:05d}.html"
                (root / path.lstrip("/")).write_text(html, encoding="utf-8")
                title = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
                entries.append((number, title))
                articles.append(path)
            name = "index.html" if page == 1 else f"index_{page}.html"
            (root / f"s{s}" / name).write_text(
                list_html(s, page, pages_per_section, entries), encoding="utf-8"
            )
            lists.append(f"/s{s}/{name}")
    return {
        "starts": [f"/s{s}/index.html" for s in range(1, sections + 1)],
        "lists": lists,
        "articles": articles,
    }


NGINX_CONF = """\
{user}
daemon off;
master_process on;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    {types}
    default_type application/octet-stream;
    log_format site '$msec $request_uri $status';
    {access_log}
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    # every cached file keeps a descriptor open: far fewer than the process may have (a cache of
    # 100,000 for 60 s ran out of descriptors at 330 pages/s and answered 500)
    open_file_cache max=1000 inactive=20s;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        charset utf-8;
        charset_types text/html text/plain;
{locations}
    }}
}}
"""
MIME_TYPES = Path("/etc/nginx/mime.types")
TEXT_SUFFIXES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".txt": "text/plain",
}


def nginx_binary() -> str | None:
    """The nginx of the system packages (``apt-get install nginx``), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


class StaticSite:
    """A server for the folder ``root`` on a free 127.0.0.1 port (started at once; ``close()`` or
    leave the ``with`` block to stop it).

    nginx when installed (and ``prefer`` is ``"nginx"``), else a pre-forked Python static server
    with as much of nginx's behaviour as the tests and benchmarks rely on: text pages declared
    UTF-8 unless ``charsets`` (URL prefix → charset, None: none declared) says otherwise,
    ``Last-Modified`` and conditional requests, keep-alive. With ``access_log`` each request's
    time, path and status are logged (:meth:`log`, :meth:`requests`)."""

    def __init__(
        self,
        root: Path,
        run_dir: Path,
        *,
        charsets: Mapping[str, str | None] | None = None,
        access_log: bool = False,
        prefer: str = "nginx",
    ) -> None:
        self.root = root
        self.run_dir = run_dir
        self.charsets = dict(charsets or {})
        self.access_log = access_log
        self.port = free_port()
        self.kind = ""
        self.description = ""
        self.proc: subprocess.Popen[bytes] | None = None
        run_dir.mkdir(parents=True, exist_ok=True)
        nginx = nginx_binary()
        try:
            if nginx and prefer == "nginx":
                self._start_nginx(nginx)
            else:
                self._start_python()
            wait_for_port(self.port, process=self.proc)
        except BaseException as exc:
            self.close()
            err = self.run_dir / "error.log"
            detail = err.read_text()[-2000:] if err.exists() else ""
            raise RuntimeError(f"{self.kind or 'the site'} did not start: {exc} {detail}") from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    base_url = base

    def pids(self) -> list[int]:
        """The server's processes (for their CPU time)."""
        return process_tree(self.proc.pid) if self.proc else []

    def _start_nginx(self, nginx: str) -> None:
        locations = [
            f"        location {prefix} {{ charset {charset or 'off'}; }}"
            for prefix, charset in self.charsets.items()
        ]
        types = f"include {MIME_TYPES};" if MIME_TYPES.exists() else ""
        types += " types { text/html html htm shtml; text/plain txt; }" if not types else ""
        conf = NGINX_CONF.format(
            user="user root root;" if os.geteuid() == 0 else "",  # workers read root's folders
            run=self.run_dir,
            types=types,
            access_log=f"access_log {self.run_dir}/access.log site;"
            if self.access_log
            else "access_log off;",
            port=self.port,
            root=self.root,
            locations="\n".join(locations),
        )
        path = self.run_dir / "nginx.conf"
        path.write_text(conf, encoding="utf-8")
        version = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
        self.kind = "nginx"
        self.description = (version.stderr.strip() or "nginx").replace("nginx version: ", "")
        self.description += " (1 worker process, sendfile)"
        self.proc = subprocess.Popen(
            [nginx, "-c", str(path), "-p", str(self.run_dir)],
            stdout=subprocess.DEVNULL,
            stderr=(self.run_dir / "nginx.stderr").open("wb"),
            start_new_session=True,
        )

    def _start_python(self) -> None:
        workers = max(1, (os.cpu_count() or 2) // 2)
        self.kind = "python-prefork"
        self.description = f"pre-forked Python static server ({workers} process(es))"
        log = str(self.run_dir / "access.log") if self.access_log else ""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.site",
                str(self.root),
                str(self.port),
                str(workers),
                json.dumps(self.charsets),
                log,
            ],
            cwd=ROOT,
            start_new_session=True,
        )

    def log(self) -> list[tuple[float, str, int]]:
        """(time, path, status) of every request so far (with ``access_log``)."""
        log = self.run_dir / "access.log"
        if not log.exists():
            return []
        entries = []
        for line in log.read_text(encoding="utf-8").splitlines():
            when, path, status = line.split(" ")
            entries.append((float(when), path, int(status)))
        return entries

    def requests(self) -> collections.Counter[str]:
        """Requests per path so far (with ``access_log``)."""
        return collections.Counter(path for _, path, _ in self.log())

    def close(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from ``/proc/*/stat``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


# --- the Python server (where nginx is not installed) ------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = Path()
    charsets: dict[str, str | None] = {}
    access_log = ""

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _content_type(self, path: str) -> str:
        suffix = Path(path).suffix.lower()
        kind = TEXT_SUFFIXES.get(suffix) or mimetypes.guess_type(path)[0]
        if kind is None:
            return "application/octet-stream"
        if kind not in ("text/html", "text/plain"):
            return kind
        charset: str | None = "utf-8"
        for prefix, declared in self.charsets.items():
            if path.startswith(prefix):
                charset = declared
        return f"{kind}; charset={charset}" if charset else kind

    def _serve(self, head: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.endswith("/"):
            path += "index.html"
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            self._log(404)
            self.send_error(404)
            return
        stat = target.stat()
        since = self.headers.get("If-Modified-Since")
        if since:
            with contextlib.suppress(TypeError, ValueError):
                if int(stat.st_mtime) <= email.utils.parsedate_to_datetime(since).timestamp():
                    self._log(304)
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
        data = b"" if head else target.read_bytes()
        self._log(200)
        self.send_response(200)
        self.send_header("Content-Type", self._content_type(path))
        self.send_header("Content-Length", str(stat.st_size))
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _log(self, status: int) -> None:
        if self.access_log:  # one short line per write: appends of the processes do not mix
            with open(self.access_log, "a", encoding="utf-8") as fh:  # noqa: PTH123
                fh.write(f"{time.time():.3f} {self.path} {status}\n")

    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    request_queue_size = 128


def serve_prefork(
    root: Path, port: int, workers: int, charsets: dict[str, str | None], access_log: str
) -> None:
    """Bind once, fork ``workers`` processes that accept on the shared socket."""
    _Handler.root = root.resolve()
    _Handler.charsets = charsets
    _Handler.access_log = access_log
    server = _ThreadingServer(("127.0.0.1", port), _Handler)
    children = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:
            server.serve_forever()
            os._exit(0)
        children.append(pid)

    def stop(_sig: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()


class CountingSite:
    """An aiohttp server (own thread and loop) serving a folder slowly, counting concurrency.

    ``max_in_flight[host]`` is the highest number of requests to one host (the Host header
    without the port) being answered at the same time; ``hits[path]`` counts requests.
    """

    def __init__(self, root: Path, latency: float = 0.05) -> None:
        self.root = root
        self.latency = latency
        self.port = free_port()
        self.hits: collections.Counter[str] = collections.Counter()
        self.in_flight: collections.Counter[str] = collections.Counter()
        self.max_in_flight: collections.Counter[str] = collections.Counter()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: Any = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("counting site did not start")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        from aiohttp import web

        async def handle(request: web.Request) -> web.StreamResponse:
            host = (request.host or "").rsplit(":", 1)[0]
            self.hits[request.path] += 1
            self.in_flight[host] += 1
            self.max_in_flight[host] = max(self.max_in_flight[host], self.in_flight[host])
            try:
                await asyncio.sleep(self.latency)
                path = (self.root / request.path.lstrip("/")).resolve()
                if not path.is_file() or self.root.resolve() not in path.parents:
                    return web.Response(status=404, text="not found")
                return web.Response(
                    body=path.read_bytes(), content_type="text/html", charset="utf-8"
                )
            finally:
                self.in_flight[host] -= 1

        app = web.Application()
        app.router.add_get("/{tail:.*}", handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def close(self) -> None:
        async def stop() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


if __name__ == "__main__":
    serve_prefork(
        Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
    )
