"""Body HTML reduced to an allow-list of tags and attributes (nh3)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import nh3
from lxml import etree

from .dom import drop_keep_tail

if TYPE_CHECKING:
    from lxml.etree import _Element as HtmlElement


__all__ = ["absolute_url", "sanitized_html"]

_TAGS = {
    "p", "br", "div", "span", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "b", "em", "i", "u", "s", "sub", "sup", "blockquote", "pre", "code",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption", "a", "img", "figure", "figcaption", "hr",
}  # fmt: skip
_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_SCHEMES = {"http", "https", "mailto"}
# built once: ``nh3.clean`` would convert the allow-lists on every call
_CLEANER = nh3.Cleaner(tags=_TAGS, attributes=_ATTRS, url_schemes=_SCHEMES, link_rel=None)
# marks the chrome elements while the container is copied (nh3 drops the attribute anyway)
_MARK = "data-pc-chrome"
_MARKED = etree.XPath(f".//*[@{_MARK}]")


def absolute_url(base_url: str, url: str) -> str:
    """``urljoin(base_url, url)``, sparing the parsing when ``url`` is an absolute http(s) URL
    that ``urljoin`` gives back unchanged (no params, no empty query or fragment, no characters
    it removes or checks)."""
    if (
        url.startswith(("http://", "https://"))
        and url.isprintable()
        and not any(c in url for c in ";#[]\\")
        and not url.endswith("?")
    ):
        host = url[url.index("//") + 2 :].partition("/")[0].partition("?")[0]
        if host and host.isascii():  # (urljoin checks a non-ASCII host's normalisation)
            return url
    return urljoin(base_url, url)


def sanitized_html(
    container: HtmlElement,
    base_url: str,
    chrome: set[HtmlElement],
) -> str | None:
    """The container's HTML without page chrome, links made absolute, then cleaned by nh3 (no
    script, style, event handlers or ``javascript:`` URLs survive)."""
    # the chrome is found in the copy by a mark set on the originals for the copying (a walk in
    # C, where pairing the two trees' elements would be one in Python)
    marked = [el for el in chrome if el is not container]
    for el in marked:
        el.set(_MARK, "")
    try:
        clone = copy.deepcopy(container)
    finally:
        for el in marked:
            del el.attrib[_MARK]
    clone.tail = None
    found = _MARKED(clone) if marked else []
    for dup in found if isinstance(found, list) else ():
        if not isinstance(dup, etree._Element):
            continue
        parent = dup.getparent()
        if parent is not None:
            drop_keep_tail(dup, parent)
    for el in clone.iter("a", "img"):
        if el.tag == "a":
            attr = "href"
        else:
            attr = "src"
            real = el.get("data-src") or el.get("data-original")
            if real:
                el.set("src", real)
        value = el.get(attr)
        if value:
            try:
                el.set(attr, absolute_url(base_url, value.strip()))
            except ValueError:
                del el.attrib[attr]
    raw = etree.tostring(clone, encoding="unicode", method="html")
    try:
        cleaned: str = _CLEANER.clean(raw)
    except Exception:  # nh3 rejects nothing in practice; never let the body HTML break a page
        return None
    cleaned = cleaned.strip()
    return cleaned or None
