"""A real browser for the pages that need one; plain Scrapy, and no browser, for all the others.

Two kinds of page need a browser:

* **Lists filled in by JavaScript.** A spider says so (``render_js = True``, or
  ``render_js_sections`` for some of its sections: :class:`crawler.spiders.base.PolicySpider`);
  its list requests carry ``meta["playwright"]``: Chromium loads the page, the list selector
  (``meta["pc_wait_for"]``) is waited for, and the page's DOM as it then stands is the response.
* **JavaScript challenges** (瑞数-style HTTP 412, 加速乐 521, a short 200 page that is only a
  challenge script: :func:`crawler.monitoring.antibot.js_challenge`). :class:`BrowserMiddleware`
  retries such a response once in the browser. When the browser gets through, the cookies it
  earned are handed to the plain requests for that host until a challenge comes back (they
  stopped working), and then the browser is asked again. When the browser meets the challenge
  too, the page is *blocked*, as without a browser, and the reason says so; that host is not sent
  to the browser again in this crawl.

What it costs a crawl that needs no browser: :class:`BrowserDownloadHandler` is Scrapy's HTTP/1.1
handler plus one dictionary look-up per request, and :class:`BrowserMiddleware` looks at the
status and length of each response (its body only when it is short or has a challenge status).
scrapy-playwright and Playwright are imported, and Chromium started, by the first request that
needs the browser: in most crawls never.

Bounds (settings): ``BROWSER_MAX_PAGES`` pages open at once; ``BROWSER_PAGE_TIMEOUT`` seconds for
a page to load and show its list, after which it fails with :class:`BrowserTimeoutError`
(recorded like any failed fetch, and retried by later runs); at most ``MAX_NAVIGATIONS`` loads of
one page (a challenge that reloads for ever is cut off); Chromium is restarted after
``BROWSER_RESTART_PAGES`` pages, and as soon as its processes hold more than
``BROWSER_MAX_MEMORY_MB`` (their proportional set sizes summed: :func:`browser_memory`; Linux).
Images, fonts and media are never fetched.

The browser is the distribution's Chromium (``apt-get install chromium``), never one Playwright
downloads: ``CHROMIUM_PATH`` (setting or environment variable), else ``chromium`` or
``chromium-browser`` on the ``PATH``. Without it (or without scrapy-playwright), a request that
needs the browser fails at once with :class:`BrowserMissing` (*needs a browser*, with the install
line) and a challenge stays *blocked*; everything else runs as usual. Under ``REPLAY_DIR`` the
fixtures answer every request, rendered or not, before any download handler: the browser is
neither needed nor started.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.utils.httpobj import urlparse_cached

from crawler.monitoring.antibot import BROWSER_NOTE, blocked_reason, js_challenge

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.http.request import CookiesT, VerboseCookie
    from scrapy.settings import BaseSettings, Settings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

RENDER = "playwright"
"""Request meta key: load this request in the browser (scrapy-playwright's own key)."""
WAIT_FOR = "pc_wait_for"
"""Request meta key: the selector (CSS, or ``xpath=…``) whose presence means the page is ready."""
CHALLENGE = "pc_challenge"
"""Request meta key: this request is the browser's try at a challenged page."""
EARNED = "pc_browser_cookies"
"""Request meta key: the cookies the browser held for the URL when it got through."""
WAITED = "pc_waited_for_browser"
"""Request meta key: this request waited for another's browser visit and goes again, plain."""

INSTALL = "apt-get install chromium"
PACKAGE = "pip install 'policy-crawler[browser]'"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
MAX_NAVIGATIONS = 4
"""Loads of one page (its own and a challenge's reloads) before further ones are refused."""
CUT_OFF = (
    "<!DOCTYPE html><html><head><script>/* jschallenge: the page kept loading itself again; "
    "policy-crawler stopped it */</script></head><body></body></html>"
)
"""What a page that loaded itself more than ``MAX_NAVIGATIONS`` times shows instead (its marker
is one :func:`crawler.monitoring.antibot.js_challenge` knows)."""
GRACE = 5.0
"""Seconds beyond ``BROWSER_PAGE_TIMEOUT`` before a page is abandoned whatever it is doing."""
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})
"""What the browser does not fetch: nothing a list or a challenge needs."""

_META_KEYS = (
    "playwright_include_page",
    "playwright_page",
    "playwright_page_init_callback",
    "playwright_page_methods",
)
"""scrapy-playwright's meta entries set per download, removed afterwards (they hold objects that
cannot be serialised, and a request may be scheduled again)."""


class BrowserMissing(IgnoreRequest):
    """A request needs the browser and there is none; the message says what to install."""


class BrowserTimeoutError(Exception):
    """A page did not load and show its list within ``BROWSER_PAGE_TIMEOUT``."""


def find_chromium(configured: str | None = None) -> str | None:
    """The Chromium executable: ``configured`` (``CHROMIUM_PATH``) when given, else the first of
    ``chromium``, ``chromium-browser`` on the ``PATH``; None when there is none."""
    if configured:
        path = Path(configured).expanduser()
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_missing(settings: BaseSettings) -> str | None:
    """Why the browser cannot be used, with the line that installs what lacks; None if it can.
    (Nothing is imported: this costs two file look-ups.)"""
    if importlib.util.find_spec("scrapy_playwright") is None:
        return f"scrapy-playwright is not installed: {PACKAGE}"
    configured = settings.get("CHROMIUM_PATH") or None
    if find_chromium(configured) is None:
        where = (
            f"CHROMIUM_PATH {configured} is not an executable file"
            if configured
            else "no chromium on the PATH"
        )
        return f"Chromium not found ({where}): {INSTALL}, or set CHROMIUM_PATH"
    return None


def launch_args() -> list[str]:
    """Chromium's command-line switches: no GPU, no background traffic; and no sandbox when the
    crawl runs as root (Chromium refuses to start as root with it)."""
    args = ["--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    return args


def _host(request: Request) -> str:
    return urlparse_cached(request).netloc.lower()


# --- the download handler ------------------------------------------------------------------------
class BrowserDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler; a request with ``meta["playwright"]`` goes to the
    browser (:class:`Browser`, created by the first such request)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.browser: Browser | None = None

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get(RENDER):
            return await super().download_request(request)
        if self.browser is None:
            self.browser = Browser(self._crawler)
        return await self.browser.download(request)

    async def close(self) -> None:
        if self.browser is not None:
            await self.browser.close()
        await super().close()


@dataclass(eq=False)
class _Instance:
    """One started browser (a scrapy-playwright download handler) and the pages it served."""

    handler: Any
    pages: int = 0
    busy: int = 0
    retired: bool = False


@dataclass(eq=False)
class _PageState:
    """What one page did: its main-frame responses, whether loads were refused."""

    started: float
    responses: list[Any] = field(default_factory=list)
    navigations: int = 0
    cut_off: bool = False


class Browser:
    """Chromium through scrapy-playwright, started on first use, bounded (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.missing = browser_missing(settings)
        self.chromium = find_chromium(settings.get("CHROMIUM_PATH") or None)
        self.max_pages = max(1, settings.getint("BROWSER_MAX_PAGES", 2))
        self.timeout = max(1.0, settings.getfloat("BROWSER_PAGE_TIMEOUT", 30.0))
        self.restart_pages = max(0, settings.getint("BROWSER_RESTART_PAGES", 200))
        self.max_memory = max(0, settings.getint("BROWSER_MAX_MEMORY_MB", 1024)) * 2**20
        self.slots = asyncio.Semaphore(self.max_pages)
        self.starting = asyncio.Lock()
        self.current: _Instance | None = None
        self.instances: list[_Instance] = []
        self.open_pages = 0
        self.broken: str | None = None

    async def download(self, request: Request) -> Response:
        if self.missing or self.broken:
            raise BrowserMissing(f"needs a browser: {self.missing or self.broken}")
        async with self.slots:
            instance = await self._instance()
            instance.busy += 1
            self.open_pages += 1
            self._peak("browser/open_pages_max", self.open_pages)
            memory: int | None = None
            try:
                response, memory = await self._load(instance, request)
            finally:
                self.open_pages -= 1
                instance.busy -= 1
                instance.pages += 1
                self.stats.inc_value("browser/pages")
                await self._after_page(instance, memory)
        return response

    # --- one page ------------------------------------------------------------------------------
    async def _load(self, instance: _Instance, request: Request) -> tuple[Response, int | None]:
        from playwright.async_api import TimeoutError as PlaywrightTimeout
        from scrapy_playwright.page import PageMethod

        state = _PageState(started=time.monotonic())
        meta = request.meta
        meta["playwright_include_page"] = True
        meta["playwright_page_init_callback"] = _PageInit(state)
        meta["playwright_page_methods"] = [PageMethod(self._settle, meta.get(WAIT_FOR), state)]
        try:
            response: Response = await asyncio.wait_for(
                instance.handler.download_request(request), self.timeout + GRACE
            )
            page = meta.get("playwright_page")
            response = await _final(response, state)
            if meta.get(CHALLENGE) and page is not None:
                meta[EARNED] = _cookies(await page.context.cookies([response.url]))
            memory = await browser_memory(page) if page is not None else None
        except (TimeoutError, PlaywrightTimeout) as exc:
            self.stats.inc_value("browser/timeouts")
            raise BrowserTimeoutError(
                f"{request.url} did not load within {self.timeout:g} s (BROWSER_PAGE_TIMEOUT)"
            ) from exc
        finally:
            page = meta.get("playwright_page")
            for key in _META_KEYS:
                meta.pop(key, None)
            if page is not None and not page.is_closed():
                await _quietly(page.close())
        if memory is not None:
            self._peak("browser/memory_peak_mb", memory // 2**20)
        return response, memory

    async def _settle(self, page: Any, selector: str | None, state: _PageState) -> None:
        """Wait until ``selector`` is on the page (without one: until the network is idle), at
        most until the page's time is up or its loads were cut off; then the DOM is read as it
        stands (a list that never appears is reported as an empty list, not as a timeout)."""
        from playwright.async_api import Error as PlaywrightError

        deadline = state.started + self.timeout
        while not state.cut_off:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                if selector:
                    if await page.query_selector(selector) is not None:
                        return
                else:
                    await page.wait_for_load_state("networkidle", timeout=min(left, 0.25) * 1000)
                    return
            except PlaywrightError:  # still loading, or navigating (a challenge's reload)
                pass
            await asyncio.sleep(min(0.1, left))

    # --- starting, restarting, stopping --------------------------------------------------------
    async def _instance(self) -> _Instance:
        async with self.starting:
            if self.current is None:
                self.current = _Instance(await self._launch())
                self.instances.append(self.current)
            return self.current

    async def _launch(self) -> Any:
        from scrapy_playwright.handler import Config, ScrapyPlaywrightDownloadHandler

        handler = ScrapyPlaywrightDownloadHandler(self.crawler)
        handler.config = Config.from_settings(self._playwright_settings())
        handler.process_request_headers = browser_headers
        handler.abort_request = _skipped
        started = time.monotonic()
        try:
            # what scrapy-playwright does when the engine starts (Playwright's driver), and on
            # its first page (Chromium): here, when the first page needs them
            await handler._launch()
            await handler._maybe_launch_browser()
        except Exception as exc:
            self.broken = (
                f"Chromium at {self.chromium} would not start "
                f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})"
            )
            logger.error("Browser: %s", self.broken)
            await _quietly(handler.close())
            raise BrowserMissing(f"needs a browser: {self.broken}") from exc
        self.stats.inc_value("browser/launches")
        logger.info(
            "Browser: Chromium %s started in %.1f s (at most %d page(s) at once, %g s each)",
            self.chromium,
            time.monotonic() - started,
            self.max_pages,
            self.timeout,
        )
        return handler

    def _playwright_settings(self) -> Settings:
        """The crawl's settings with scrapy-playwright's derived from ``BROWSER_*`` (its own
        ``PLAYWRIGHT_*`` settings, when given, win)."""
        settings = self.crawler.settings.copy()
        settings.frozen = False
        options = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
        options.setdefault("executable_path", self.chromium)
        options.setdefault("headless", True)
        options.setdefault("args", launch_args())
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", options, priority="cmdline")
        for name, value in (
            ("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", self.timeout * 1000),
            ("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", self.max_pages),
            ("PLAYWRIGHT_MAX_CONTEXTS", 1),
        ):
            settings.set(name, value, priority="default")
        return settings

    async def _after_page(self, instance: _Instance, memory: int | None) -> None:
        """Retire the browser after ``BROWSER_RESTART_PAGES`` pages or above the memory cap (the
        next page starts a new one); stop a retired browser once its last page is done."""
        why = None
        if self.restart_pages and instance.pages >= self.restart_pages:
            why = "pages"
        elif self.max_memory and memory is not None and memory > self.max_memory:
            why = "memory"
        if why is not None and not instance.retired:
            instance.retired = True
            if self.current is instance:
                self.current = None
            self.stats.inc_value(f"browser/restarts/{why}")
            logger.info(
                "Browser: restarting Chromium after %d page(s) (%s)",
                instance.pages,
                f"{memory / 2**20:.0f} MB, above BROWSER_MAX_MEMORY_MB"
                if why == "memory" and memory is not None
                else "BROWSER_RESTART_PAGES",
            )
        if instance.retired and instance.busy == 0:
            await self._stop(instance)

    async def _stop(self, instance: _Instance) -> None:
        if instance in self.instances:
            self.instances.remove(instance)
            await _quietly(instance.handler.close())

    async def close(self) -> None:
        for instance in list(self.instances):
            await self._stop(instance)
        self.current = None

    def _peak(self, key: str, value: int) -> None:
        if value > (self.stats.get_value(key) or 0):
            self.stats.set_value(key, value)


class _PageInit:
    """scrapy-playwright's page init callback: keeps the page's main-frame responses (the last
    one is the document the page ended on) and refuses loads beyond ``MAX_NAVIGATIONS``."""

    def __init__(self, state: _PageState) -> None:
        self.state = state

    async def __call__(self, page: Any, request: Request) -> None:
        state = self.state

        def seen(response: Any) -> None:
            if _main_frame_navigation(page, response.request):
                state.responses.append(response)

        async def bound(route: Any, pw_request: Any) -> None:
            if _main_frame_navigation(page, pw_request):
                state.navigations += 1
                if state.navigations > MAX_NAVIGATIONS:
                    state.cut_off = True
                    # a quiet document in place of the next load, with the status the site
                    # answered last: the page then reads as the challenge it could not pass
                    status = state.responses[-1].status if state.responses else 200
                    await route.fulfill(status=status, content_type="text/html", body=CUT_OFF)
                    return
            await route.fallback()

        page.on("response", seen)
        await page.route("**", bound)


def _main_frame_navigation(page: Any, pw_request: Any) -> bool:
    try:
        return bool(pw_request.is_navigation_request() and pw_request.frame == page.main_frame)
    except Exception:  # a service worker's request has no frame
        return False


async def _final(response: Response, state: _PageState) -> Response:
    """``response`` with the status and headers of the document the page ended on: after a
    challenge's reload, scrapy-playwright still reports the challenge's (its first) status."""
    if not state.responses:
        return response
    last = state.responses[-1]
    if last.status == response.status:
        return response
    headers = Headers(await last.all_headers())
    headers.pop("Content-Encoding", None)
    return response.replace(status=last.status, headers=headers)


def _cookies(cookies: list[Any]) -> list[VerboseCookie]:
    """The browser's cookies in the form of ``Request.cookies``; a host-only cookie (its domain
    without a leading dot) is given without a domain, so that it stays host-only."""
    found = []
    for cookie in cookies:
        entry: VerboseCookie = {
            "name": cookie["name"],
            "value": cookie["value"],
            "path": cookie.get("path") or "/",
        }
        if str(cookie.get("domain", "")).startswith("."):
            entry["domain"] = cookie["domain"]
        if cookie.get("secure"):
            entry["secure"] = True
        found.append(entry)
    return found


async def browser_headers(
    *, browser_type_name: str, playwright_request: Any, scrapy_request_data: dict[str, Any]
) -> dict[str, str]:
    """The headers of the browser's requests (``PLAYWRIGHT_PROCESS_REQUEST_HEADERS``): the
    browser's own, its cookies among them (a challenge's reload must carry the cookie its script
    set, not the Cookie header Scrapy had for the first request), with the crawl's User-Agent."""
    headers: dict[str, str] = await playwright_request.all_headers()
    agent = scrapy_request_data["headers"].get(b"User-Agent")
    if agent:
        headers["user-agent"] = agent.decode("latin-1")
    return headers


def _skipped(pw_request: Any) -> bool:
    return pw_request.resource_type in SKIPPED_RESOURCES


async def browser_memory(page: Any) -> int | None:
    """Memory of the browser's processes (bytes), from Chromium's own list of them: the sum of
    their proportional set sizes (a page shared by N processes counts 1/N in each; their resident
    sizes would count Chromium's shared code once per process, about 2.5 times too much). None
    where it cannot be read (not Linux, no such DevTools call)."""
    from playwright.async_api import Error as PlaywrightError

    browser = page.context.browser
    if browser is None:
        return None
    try:
        session = await browser.new_browser_cdp_session()
        try:
            info = await session.send("SystemInfo.getProcessInfo")
        finally:
            await session.detach()
    except PlaywrightError:
        return None
    sizes = [process_memory(int(p["id"])) for p in info.get("processInfo", [])]
    known = [s for s in sizes if s is not None]
    return sum(known) if known else None


def process_memory(pid: int) -> int | None:
    """A process's proportional set size (``Pss``, else its resident ``VmRSS``) in bytes."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            text = Path(f"/proc/{pid}/{name}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return None


async def _quietly(awaitable: Any) -> None:
    """Await a clean-up step; a browser or page that is already gone is not an error."""
    try:
        await awaitable
    except Exception as exc:
        logger.debug("Browser clean-up: %s", exc)


# --- the downloader middleware -------------------------------------------------------------------
class BrowserMiddleware:
    """Sends challenged pages to the browser and hands its cookies to plain requests; fails the
    requests that need a browser at once when there is none (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.replay = bool(settings.get("REPLAY_DIR"))
        self.missing = None if self.replay else browser_missing(settings)
        self.challenges = settings.getbool("BROWSER_CHALLENGES", True)
        self.earned: dict[str, list[VerboseCookie]] = {}
        """Host → the cookies the browser earned there, while they work."""
        self.hopeless: set[str] = set()
        """Hosts where the browser met the challenge again: not asked again in this crawl."""
        self.visits: dict[str, asyncio.Event] = {}
        """Hosts the browser is visiting for a challenge: set when the visit is over."""
        self.wait = settings.getfloat("BROWSER_PAGE_TIMEOUT", 30.0) + 2 * GRACE

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get(RENDER):
            if not request.meta.get(CHALLENGE):
                self.stats.inc_value("browser/needed/render")
            if self.missing:
                self._report_missing()
                raise BrowserMissing(f"needs a browser: {self.missing}")
            return
        cookies = self.earned.get(_host(request))
        if cookies:
            request.cookies = _merged(request.cookies, cookies)
            self.stats.inc_value("browser/cookies_handed")

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        meta = request.meta
        if meta.get(RENDER):
            self._browser_answered(request, response)
            return response
        if not js_challenge(response):
            return response
        self.stats.inc_value("browser/challenges")
        if self.replay or not self.challenges:
            return response
        host = _host(request)
        visit = self.visits.get(host)
        if visit is not None and not meta.get(WAITED):
            # one visit per host at a time: the others wait for its cookies and go again, plain
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(visit.wait(), self.wait)
            if host in self.earned:
                self.stats.inc_value("browser/challenges/waited")
                return request.replace(meta={**meta, WAITED: True}, dont_filter=True)
        if self.earned.pop(host, None) is not None:
            self.stats.inc_value("browser/cookies_expired")
            logger.info(
                "Browser: the cookies earned at %s stopped working (a challenge at %s): asking "
                "the browser again",
                host,
                response.url,
            )
        if self.missing:
            self._report_missing()
            meta[BROWSER_NOTE] = f"no browser to answer it: {self.missing}"
            return response
        if host in self.hopeless:
            meta[BROWSER_NOTE] = "the browser did not get through it earlier in this crawl"
            return response
        logger.info(
            "Browser: JavaScript challenge at %s (HTTP %d): trying it in the browser",
            response.url,
            response.status,
        )
        self.visits.setdefault(host, asyncio.Event())
        return request.replace(meta={**meta, RENDER: True, CHALLENGE: True}, dont_filter=True)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get(CHALLENGE) and not isinstance(exception, BrowserMissing):
            self.stats.inc_value("browser/challenges/failed")
            host = _host(request)
            self.hopeless.add(host)
            self._visit_over(host)

    def _visit_over(self, host: str) -> None:
        visit = self.visits.pop(host, None)
        if visit is not None:
            visit.set()

    def _browser_answered(self, request: Request, response: Response) -> None:
        meta = request.meta
        host = _host(request)
        if meta.get(CHALLENGE):
            self._visit_over(host)
        if blocked_reason(response) is not None:
            meta[BROWSER_NOTE] = "the browser met it too"
            if meta.get(CHALLENGE):
                self.stats.inc_value("browser/challenges/failed")
                self.hopeless.add(host)
                logger.warning("Browser: did not get through the challenge at %s", response.url)
            return
        if meta.get(CHALLENGE):
            self.stats.inc_value("browser/challenges/passed")
            cookies = meta.pop(EARNED, None) or []
            if cookies:
                self.earned[host] = cookies
            logger.info(
                "Browser: got through the challenge at %s; its %d cookie(s) go with the plain "
                "requests to %s",
                response.url,
                len(cookies),
                host,
            )

    def _report_missing(self) -> None:
        """Once per crawl: the stat that ``crawler run`` / ``crawler check`` report, a failed
        problem of the run, an error in the log."""
        if self.stats.get_value("browser/missing"):
            return
        message = f"needs a browser: {self.missing}"
        self.stats.set_value("browser/missing", self.missing)
        reasons = self.stats.get_value("run/failure_reasons") or []
        self.stats.set_value("run/failure_reasons", [*reasons, message])
        logger.error("%s", message)


def _merged(current: CookiesT, earned: list[VerboseCookie]) -> list[VerboseCookie]:
    """``Request.cookies`` with the browser's cookies, which win over cookies of the same name (a
    request that goes again still holds those handed to it the first time)."""
    if isinstance(current, dict):
        cookies: list[VerboseCookie] = [{"name": k, "value": v} for k, v in current.items()]
    else:
        cookies = list(current)
    names = {c["name"] for c in earned}
    return [c for c in cookies if c["name"] not in names] + earned
