"""A generated policy site served on 127.0.0.1 for the scale-out tests and the benchmark.

``generate(root, sections, pages_per_section, per_page)`` writes ``sections`` list sections, each
``pages_per_section`` list pages (``/sN/index.html``, ``/sN/index_2.html`` …, paged by a ``下一页``
link) of ``per_page`` articles (``/sN/art/NNNNN.html``): a Chinese title in ``<h1>``, a 发布日期
line, a 发文字号 and a few paragraphs of text unique to the page (no two articles are copies).

:class:`NginxSite` serves a folder with nginx (fast: the crawlers, not the server, are the
bottleneck) and reads its access log: requests per path. :class:`CountingSite` is an aiohttp
server in a thread that answers slowly and counts requests in flight per Host (the politeness
test).
"""

from __future__ import annotations

import asyncio
import collections
import os
import random
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


NGINX_CONF = """
{user}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format site '$msec $request_uri $status';
    access_log {tmp}/access.log site;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ text/html html; }}
    charset utf-8;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        keepalive_requests 100000;
    }}
}}
"""


class NginxSite:
    """nginx serving ``root`` on a free 127.0.0.1 port, logging each request's path."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        self.port = free_port()
        tmp.mkdir(parents=True, exist_ok=True)
        conf = tmp / "nginx.conf"
        user = "user root root;" if os.geteuid() == 0 else ""  # workers read root's temp dirs
        conf.write_text(
            NGINX_CONF.format(user=user, tmp=tmp, port=self.port, root=root), encoding="utf-8"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.process.poll() is not None:
                    err = self.process.stderr.read() if self.process.stderr else b""
                    raise RuntimeError(f"nginx did not start: {err!r}") from None
                time.sleep(0.05)
        else:
            raise RuntimeError("nginx did not start listening")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> list[tuple[float, str, int]]:
        """(time, path, status) of every request so far (the access log)."""
        log = self.tmp / "access.log"
        if not log.exists():
            return []
        entries = []
        for line in log.read_text(encoding="utf-8").splitlines():
            when, path, status = line.split(" ")
            entries.append((float(when), path, int(status)))
        return entries

    def requests(self) -> collections.Counter[str]:
        """Requests per path so far."""
        return collections.Counter(path for _, path, _ in self.log())

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
