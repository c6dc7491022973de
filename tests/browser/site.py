"""A local web site (127.0.0.1, a free port) that a plain HTTP client cannot read in full.

It serves, beside article pages any client can fetch:

- ``/js-list/``: a list whose ``<ul>`` is empty in the HTML; a script fills it in from an XHR
  JSON (``/js-list/items.json``, answered after :attr:`BrowserSite.xhr_delay` seconds, so that
  the page's ``load`` event comes first);
- ``/guarded/``: a list behind a 瑞数-style challenge: without the cookie the site handed out
  last, every ``/guarded/…`` URL answers HTTP 412 with a script that sets that cookie and
  reloads; with it, the page. The cookie stops working after :attr:`BrowserSite.token_uses`
  answers (then a new one is handed out by the next challenge), or never (``None``); with
  :attr:`BrowserSite.unsolvable` the script sets a cookie the site never accepts;
- ``/hang/``: a page that never finishes loading (its headers and first bytes, then nothing
  until the server closes);
- ``/plain/``: an ordinary list.

Every request is logged with its path and headers (:class:`Seen`), so that tests can tell what
the browser fetched from what plain Scrapy fetched, and which cookies each carried.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.reliability.sites import list_page, numbered_notice

COOKIE = "pc_clearance"
JS_ITEMS = 12
GUARDED_ITEMS = 4
PLAIN_ITEMS = 3


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]

    @property
    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        jar.load(self.headers.get("cookie", ""))
        return {name: morsel.value for name, morsel in jar.items()}

    @property
    def from_browser(self) -> bool:
        """Chromium's network stack adds ``Sec-Fetch-*`` headers; Scrapy never sends them."""
        return "sec-fetch-mode" in self.headers


def js_list_shell() -> str:
    return """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>通知公告_测试市教育局</title></head>
<body>
<div class="main"><h2>通知公告</h2>
<ul class="news-list"></ul>
</div>
<script>
var xhr = new XMLHttpRequest();
xhr.open("GET", "/js-list/items.json");
xhr.onload = function () {
  var list = document.querySelector("ul.news-list");
  JSON.parse(xhr.responseText).forEach(function (item) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = item.url;
    a.textContent = item.title;
    var date = document.createElement("span");
    date.className = "date";
    date.textContent = item.date;
    li.appendChild(a);
    li.appendChild(date);
    list.appendChild(li);
  });
};
xhr.send();
</script>
</body></html>
"""


def challenge_page(token: str) -> str:
    """What a 瑞数-protected site answers a client without its cookie (HTTP 412)."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="Cache-Control" content="no-cache">
<script type="text/javascript">
$_ts = window['$_ts'] || {{}};
document.cookie = "{COOKIE}={token}; path=/";
window.location.reload();
</script></head><body></body></html>
"""


HANG_HEAD = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>\xe5\x8a\xa0\xe8\xbd\xbd\xe4\xb8\xad</title></head>
<body><ul class="news-list">
"""


class BrowserSite:
    """The site; always :meth:`close` it (the fixture does)."""

    def __init__(self) -> None:
        self.xhr_delay = 0.5
        self.token_uses: int | None = None
        self.unsolvable = False
        self._token_serial = 0
        self._token = ""
        self._token_left: int | None = None
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

            def finish(self) -> None:
                with contextlib.suppress(OSError):
                    super().finish()

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 64

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- addresses and logs --------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self, prefix: str = "/") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith(prefix)]

    # --- pages ---------------------------------------------------------------------------------
    def _article_links(self, prefix: str, count: int) -> list[tuple[str, str]]:
        return [(f"{prefix}{n}.html", numbered_notice(n).title) for n in range(1, count + 1)]

    def _new_token(self) -> str:
        self._token_serial += 1
        self._token = f"ok{self._token_serial}"
        self._token_left = self.token_uses
        return self._token

    def _guard(self, seen: Seen) -> str | None:
        """None when ``seen`` may have the page; else the challenge page to answer."""
        with self._lock:
            if (
                not self.unsolvable
                and self._token
                and seen.cookies.get(COOKIE) == self._token
                and (self._token_left is None or self._token_left > 0)
            ):
                if self._token_left is not None:
                    self._token_left -= 1
                return None
            token = "never-accepted" if self.unsolvable else self._new_token()
        return challenge_page(token)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        seen = Seen(path, {k.lower(): v for k, v in handler.headers.items()})
        with self._lock:
            self.seen.append(seen)
        if path == "/robots.txt":
            return self._send(handler, 404, b"", "text/plain")
        if path == "/hang/":
            return self._hang(handler)
        if path == "/js-list/":
            return self._send(handler, 200, js_list_shell().encode())
        if path == "/js-list/items.json":
            if self._stop.wait(self.xhr_delay):
                return None
            items = [
                {"url": href, "title": title, "date": "2025-01-13"}
                for href, title in self._article_links("/js-list/a", JS_ITEMS)
            ]
            body = json.dumps(items, ensure_ascii=False).encode()
            return self._send(handler, 200, body, "application/json; charset=utf-8")
        if path.startswith("/guarded/"):
            challenge = self._guard(seen)
            if challenge is not None:
                return self._send(handler, 412, challenge.encode())
            if path == "/guarded/":
                page = list_page(self._article_links("/guarded/a", GUARDED_ITEMS))
                return self._send(handler, 200, page.encode())
        if path == "/plain/":
            page = list_page(self._article_links("/plain/a", PLAIN_ITEMS))
            return self._send(handler, 200, page.encode())
        for prefix, offset in (("/js-list/a", 100), ("/guarded/a", 200), ("/plain/a", 300)):
            if path.startswith(prefix) and path.endswith(".html"):
                number = path[len(prefix) : -len(".html")]
                if number.isdigit():
                    notice = numbered_notice(offset + int(number))
                    return self._send(handler, 200, notice.html().encode())
        return self._send(handler, 404, b"not found", "text/plain")

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        with contextlib.suppress(OSError):
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("Cache-Control", "no-store")
            handler.end_headers()
            handler.wfile.write(body)

    def _hang(self, handler: BaseHTTPRequestHandler) -> None:
        with contextlib.suppress(OSError):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            handler.wfile.write(HANG_HEAD)
            handler.wfile.flush()
            self._stop.wait(120)
        handler.close_connection = True

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def wait_until(check: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())
