"""Offline replay: answer requests from fixture folders instead of the network.

Switched on by the ``REPLAY_DIR`` setting (or environment variable). Every folder below it that
holds a ``responses.json`` contributes responses, keyed by method + URL (+ body for POST)::

    [{"method": "GET", "url": "https://www.gov.cn/zhengce/zuixin/", "status": 200,
      "headers": {"Content-Type": "text/html; charset=utf-8"}, "file": "pages/list.html"},
     {"method": "POST", "url": "https://…/dataproxy.jsp?startrecord=16", "body": "col=1&…",
      "status": 200, "headers": {…}, "file": "pages/list_2.xml"}]

Files hold the raw bytes as the site serves them (GBK pages stay GBK), so charset handling runs as
in production. A request with no stored response gets a 404 and a warning: replay never touches
the network.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MANIFEST = "responses.json"


class ReplayError(ValueError):
    """A fixture manifest is malformed."""


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    path: Path | None

    def body(self) -> bytes:
        return self.path.read_bytes() if self.path is not None else b""


def request_key(method: str, url: str, body: bytes | str | None) -> tuple[str, str, bytes]:
    """The look-up key: method, canonical URL (query order and fragments ignored), POST body."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return method.upper(), canonicalize_url(url), body or b""


def load_manifests(root: Path) -> dict[tuple[str, str, bytes], StoredResponse]:
    """Read every ``responses.json`` below ``root``; raise ReplayError on a malformed entry."""
    table: dict[tuple[str, str, bytes], StoredResponse] = {}
    manifests = sorted(root.rglob(MANIFEST))
    if not manifests:
        raise ReplayError(f"REPLAY_DIR {root} holds no {MANIFEST}")
    for manifest in manifests:
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReplayError(f"{manifest}: cannot read: {exc}") from exc
        if not isinstance(entries, list):
            raise ReplayError(f"{manifest}: expected a JSON list of responses")
        for n, entry in enumerate(entries):
            table[_entry_key(manifest, n, entry)] = _entry_response(manifest, n, entry)
    return table


def _entry_key(manifest: Path, n: int, entry: Any) -> tuple[str, str, bytes]:
    if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
        raise ReplayError(f"{manifest}: entry {n} has no 'url'")
    return request_key(entry.get("method", "GET"), entry["url"], entry.get("body"))


def _entry_response(manifest: Path, n: int, entry: dict[str, Any]) -> StoredResponse:
    path = None
    if entry.get("file"):
        path = manifest.parent / entry["file"]
        if not path.is_file():
            raise ReplayError(f"{manifest}: entry {n} names missing file {entry['file']}")
    headers = entry.get("headers", {})
    if not isinstance(headers, dict):
        raise ReplayError(f"{manifest}: entry {n}: 'headers' must be an object")
    return StoredResponse(int(entry.get("status", 200)), headers, path)


class ReplayMiddleware:
    """Downloader middleware answering every request from the stored fixtures."""

    def __init__(self, root: Path, crawler: Crawler) -> None:
        self.root = root
        self.table = load_manifests(root)
        self.stats = crawler.stats
        logger.info("Replay: %d stored responses from %s", len(self.table), root)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        root = crawler.settings.get("REPLAY_DIR")
        if not root:
            raise NotConfigured("REPLAY_DIR is not set")
        path = Path(root)
        if not path.is_dir():
            raise NotConfigured(f"REPLAY_DIR {root} is not a directory")
        return cls(path, crawler)

    def process_request(self, request: Request) -> Response:
        stored = self.table.get(request_key(request.method, request.url, request.body))
        assert self.stats is not None
        if stored is None:
            self.stats.inc_value("replay/missing")
            level = logging.DEBUG if request.url.endswith("/robots.txt") else logging.WARNING
            logger.log(level, "Replay: no stored response for %s %s", request.method, request.url)
            return Response(request.url, status=404, request=request)
        self.stats.inc_value("replay/hit")
        body = stored.body()
        headers = Headers(stored.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(
            url=request.url,
            status=stored.status,
            headers=headers,
            body=body,
            request=request,
        )
