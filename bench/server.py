"""Serve the generated site on 127.0.0.1 with a server that is not the bottleneck.

nginx from the system packages when it is installed (``apt-get install nginx``), otherwise a
pre-forked Python static server (``python -m bench.server ROOT PORT``: one listening socket,
one process per core, HTTP/1.1 keep-alive). Both send the charset headers of
:data:`bench.sitegen.SECTIONS`, ``Last-Modified`` and answer conditional requests.

The server's CPU use is read from ``/proc/<pid>/stat`` of its processes, so the report can show
that the server took a small share of the machine while the crawler was measured.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Self

from bench.sitegen import SECTIONS, content_type

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (vanished processes count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of ``pids`` together (vanished processes count 0)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * PAGE_SIZE


@dataclass
class CpuSampler:
    """Samples the CPU seconds of some processes every ``interval`` s, with wall-clock times.

    With ``tree``, each sample covers the processes and all their descendants as they are at that
    moment (the crawl's extraction workers are started during the crawl), and the peak of their
    summed resident memory is kept in ``peak_rss``."""

    pids: list[int]
    interval: float = 0.25
    tree: bool = False
    samples: list[tuple[float, float]] = field(default_factory=list)
    peak_rss: int = 0
    max_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self) -> None:
        pids = self.pids
        if self.tree:
            pids = [p for root in self.pids for p in process_tree(root)]
            self.peak_rss = max(self.peak_rss, rss_bytes(pids))
            self.max_processes = max(self.max_processes, len(pids))
        self.samples.append((time.time(), cpu_seconds(pids)))

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval):
                self._sample()
                return

    def between(self, start: float, end: float) -> tuple[float, float]:
        """(CPU seconds, wall seconds) between the samples closest inside [start, end]."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            inside = [self.samples[0], self.samples[-1]] if len(self.samples) >= 2 else []
        if len(inside) < 2:
            return 0.0, 0.0
        return inside[-1][1] - inside[0][1], inside[-1][0] - inside[0][0]


NGINX_CONF = """\
worker_processes {workers};
daemon off;
master_process on;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    include {mime};
    default_type application/octet-stream;
    types {{ text/html html htm shtml; text/plain txt; }}
    access_log off;
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


class SiteServer:
    """Context manager: start a server for ``root`` on a free port, stop it on exit."""

    def __init__(self, root: Path, run_dir: Path, prefer: str = "nginx") -> None:
        self.root = root
        self.run_dir = run_dir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.kind = ""
        self.description = ""
        self.prefer = prefer

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        return process_tree(self.proc.pid) if self.proc else []

    def __enter__(self) -> Self:
        nginx = shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
        )
        try:
            if nginx and self.prefer == "nginx":
                self._start_nginx(nginx)
            else:
                self._start_python()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start_nginx(self, nginx: str) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        locations = []
        for section in SECTIONS:
            charset = section.header_charset or "off"
            locations.append(f"        location {section.prefix} {{ charset {charset}; }}")
        # the worker runs as nobody when started by root: let it read the site
        for d in (self.root, *self.root.parents):
            if d == Path("/"):
                break
            with contextlib.suppress(OSError):
                d.chmod(d.stat().st_mode | 0o755)
        conf = NGINX_CONF.format(
            workers=1,
            run=self.run_dir,
            user="user root;" if os.geteuid() == 0 else "",
            mime="/etc/nginx/mime.types",
            port=self.port,
            root=self.root,
            locations="\n".join(locations),
        )
        path = self.run_dir / "nginx.conf"
        path.write_text(conf)
        version = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
        self.description = (version.stderr.strip() or "nginx").replace("nginx version: ", "")
        self.kind = "nginx"
        self.proc = subprocess.Popen(
            [nginx, "-c", str(path), "-p", str(self.run_dir)],
            stdout=subprocess.DEVNULL,
            stderr=(self.run_dir / "nginx.stderr").open("wb"),
            start_new_session=True,
        )
        self.description += " (1 worker process, sendfile, access log off)"

    def _start_python(self) -> None:
        self.kind = "python-prefork"
        workers = max(1, (os.cpu_count() or 2) // 2)
        self.description = f"pre-forked Python static server ({workers} process(es))"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(self.root), str(self.port), str(workers)],
            cwd=Path(__file__).resolve().parent.parent,
            start_new_session=True,
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                err = self.run_dir / "error.log"
                detail = err.read_text()[-2000:] if err.exists() else ""
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}: {detail}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not start on port {self.port}")

    def stop(self) -> None:
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


# --- fallback: pre-forked Python static server ----------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = Path()

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.endswith("/"):
            path += "index.html"
        target = (self.root / path.lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            self.send_error(404)
            return
        stat = target.stat()
        since = self.headers.get("If-Modified-Since")
        if since:
            with contextlib.suppress(TypeError, ValueError):
                if int(stat.st_mtime) <= email.utils.parsedate_to_datetime(since).timestamp():
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
        data = b"" if head else target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(stat.st_size))
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, HTTPServer):
    daemon_threads = True


def serve_prefork(root: Path, port: int, workers: int) -> None:
    """Bind once, fork ``workers`` processes that accept on the shared socket."""
    _Handler.root = root.resolve()
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


if __name__ == "__main__":
    serve_prefork(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
