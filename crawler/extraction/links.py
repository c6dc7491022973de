"""Article links of list pages: the repeated, dated items of the main list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

from .dom import NodeStats, itertext, select

if TYPE_CHECKING:
    from lxml.etree import _Element as HtmlElement

__all__ = ["LinkGroup", "article_links", "link_groups"]

_ITEM_TAGS = frozenset({"li", "tr", "dd", "dt", "p", "h2", "h3", "h4", "article", "section"})
_DATEISH = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}"
    r"|(?<!\d)(?:0?[1-9]|1[0-2])\s*[-/月]\s*(?:[0-2]?\d|3[01])(?:日|(?!\d))"
    r"|(?<!\d)(?:[01]?\d|2[0-3]):[0-5]\d(?!\d)"
    r"|\d+\s*(?:分钟|小时|天)前|昨天|今天|刚刚"
)
_ASSET = re.compile(
    r"\.(?:css|js|png|jpe?g|gif|bmp|ico|svg|webp|woff2?|ttf|eot|mp3|mp4|swf|flv)$", re.IGNORECASE
)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)


@dataclass(slots=True)
class LinkGroup:
    """Links whose list items share one structural position."""

    key: str
    urls: list[str] = field(default_factory=list)
    dated: int = 0
    text_chars: int = 0
    items: int = 0

    @property
    def score(self) -> float:
        n = len(self.urls)
        if n == 0:
            return 0.0
        avg_text = self.text_chars / n
        text_factor = min(avg_text / 10.0, 1.5)
        return n * (0.3 + text_factor) * (1.0 + 2.0 * self.dated / n)


@lru_cache(maxsize=8192)
def _abs(base_url: str, href: str) -> str | None:
    """The absolute article URL of a link (``None`` for scripts, mail, assets ...); cached, as
    a page repeats many of its links (headline, thumbnail and "more" links, menus)."""
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    try:
        url = urldefrag(urljoin(base_url, href))[0]
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "file") or (
        parts.scheme != "file" and not parts.netloc
    ):
        return None
    if _ASSET.search(parts.path):
        return None
    return url


def _link_count(el: HtmlElement, stats: Mapping[HtmlElement, NodeStats] | None) -> int:
    st = stats.get(el) if stats is not None else None
    if st is not None:
        return st.links
    return sum(1 for _ in el.iter("a"))


def _item_of(a: HtmlElement, stats: Mapping[HtmlElement, NodeStats] | None) -> HtmlElement:
    """The list item around a link: the nearest li / tr / dd ... that is not already the whole
    list (holds at most 3 links); else the link's parent."""
    parent = a.getparent()
    if parent is None:
        return a
    el: HtmlElement | None = parent
    below = parent
    depth = 0
    while el is not None and depth < 4:
        if depth and _link_count(el, stats) > 3:
            return below
        if el.tag in _ITEM_TAGS:
            return el
        below = el
        el = el.getparent()
        depth += 1
    return parent


def _signature(el: HtmlElement) -> str:
    parts = []
    node: HtmlElement | None = el
    for _ in range(4):
        if node is None:
            break
        cls = (node.get("class") or "").split()
        parts.append(f"{node.tag}.{cls[0] if cls else ''}")
        node = node.getparent()
    return "/".join(parts)


def _anchors(root: HtmlElement, records: list[str]) -> list[HtmlElement]:
    anchors = [a for a in root.iter("a") if a.get("href")]
    fragments = []
    for record in records:
        fragments.extend(_CDATA.findall(record))
    if fragments:
        try:
            extra = etree.fromstring("<div>" + "".join(fragments) + "</div>", etree.HTMLParser())
        except Exception:  # malformed embedded records: ignore them
            extra = None
        if extra is not None:
            anchors.extend(a for a in extra.iter("a") if a.get("href"))
    return anchors


def link_groups(
    root: HtmlElement,
    base_url: str,
    records: list[str] | None = None,
    stats: Mapping[HtmlElement, NodeStats] | None = None,
) -> list[LinkGroup]:
    """Groups of candidate article links, best first."""
    page = urldefrag(base_url)[0]
    # one link per list item: the one with the longest text (the headline), first on ties
    per_item: dict[HtmlElement, tuple[int, str, str]] = {}
    order: list[HtmlElement] = []
    for a in _anchors(root, records or []):
        url = _abs(base_url, a.get("href") or "")
        if url is None or url == page:
            continue
        text = " ".join("".join(itertext(a)).split()) or (a.get("title") or "").strip()
        item = _item_of(a, stats)
        prev = per_item.get(item)
        if prev is None:
            order.append(item)
        if prev is None or len(text) > prev[0]:
            per_item[item] = (len(text), url, text)
    groups: dict[str, LinkGroup] = {}
    group_urls: dict[str, set[str]] = {}  # the urls of each group, for the membership test
    for item in order:
        _, url, text = per_item[item]
        key = _signature(item)
        group = groups.get(key)
        if group is None:
            group = groups[key] = LinkGroup(key)
        group.items += 1
        known = group_urls.setdefault(key, set())
        if url in known:
            continue
        known.add(url)
        group.urls.append(url)
        group.text_chars += min(len(text), 40)
        item_text = "".join(itertext(item))
        if len(item_text) < 300 and _DATEISH.search(item_text):
            group.dated += 1
    ranked = sorted(groups.values(), key=lambda g: -g.score)
    return ranked


def _good(group: LinkGroup) -> bool:
    n = len(group.urls)
    return n >= 3 and group.text_chars / n >= 5


def article_links(
    root: HtmlElement,
    base_url: str,
    selector: str | None = None,
    records: list[str] | None = None,
    stats: Mapping[HtmlElement, NodeStats] | None = None,
) -> list[str]:
    """Absolute, de-duplicated article links of the page's main list."""
    if selector:
        out: list[str] = []
        for el in select(root, selector):
            anchors = [el] if el.tag == "a" else list(el.iter("a"))
            for a in anchors:
                url = _abs(base_url, a.get("href") or "")
                if url and url not in out:
                    out.append(url)
        return out
    groups = [g for g in link_groups(root, base_url, records, stats) if _good(g)]
    if not groups:
        return []
    best = groups[0]
    chosen = [best]
    # the same list is often split over several blocks (tabs, columns, pages of a ranking)
    for group in groups[1:]:
        n = len(group.urls)
        similar = group.key.split("/", 1)[0] == best.key.split("/", 1)[0]
        dated_ok = (group.dated / n >= 0.5) == (best.dated / len(best.urls) >= 0.5)
        if similar and dated_ok and group.score >= 0.25 * best.score:
            chosen.append(group)
    urls: list[str] = []
    seen: set[str] = set()
    home = _site(base_url)
    if home.endswith(_RESERVED) or home in ("localhost", "example.com"):
        home = ""  # a placeholder page URL (RFC 2606 names) says nothing about the site
    for group in chosen:
        # items with dates beside them are articles wherever they live (a bureau's list links
        # to its WeChat posts too); an undated list keeps only links of the same site
        dated = group.dated * 2 >= len(group.urls)
        for url in group.urls:
            if url in seen or not (dated or not home or _site(url) in ("", home)):
                continue
            seen.add(url)
            urls.append(url)
    return urls


_RESERVED = (".invalid", ".example", ".test", ".localhost")
_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "ac", "co"})


def _site(url: str) -> str:
    """The registrable domain of a URL (``edu.sh.gov.cn`` -> ``sh.gov.cn``, ``news.163.com`` ->
    ``163.com``); empty for URLs without a host."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    labels = host.split(".")
    if len(labels) <= 2 or host.replace(".", "").isdigit():
        return host
    if labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
