"""Body HTML reduced to an allow-list of tags and attributes (nh3)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import nh3
from lxml import etree

if TYPE_CHECKING:
    from lxml.etree import _Element as HtmlElement


__all__ = ["sanitized_html"]

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


def sanitized_html(
    container: HtmlElement,
    base_url: str,
    chrome: set[HtmlElement],
) -> str | None:
    """The container's HTML without page chrome, links made absolute, then cleaned by nh3 (no
    script, style, event handlers or ``javascript:`` URLs survive)."""
    clone = copy.deepcopy(container)
    clone.tail = None
    if chrome:
        # map chrome elements to their copies by position in document order
        originals = list(container.iter())
        copies = list(clone.iter())
        for orig, dup in zip(originals, copies, strict=False):
            if orig in chrome:
                parent = dup.getparent()
                if parent is not None:
                    tail = dup.tail
                    prev = dup.getprevious()
                    parent.remove(dup)
                    if tail and tail.strip():
                        if prev is not None:
                            prev.tail = (prev.tail or "") + tail
                        else:
                            parent.text = (parent.text or "") + tail
    for el in clone.iter("img"):
        real = el.get("data-src") or el.get("data-original")
        if real:
            el.set("src", real)
    for el in clone.iter("a", "img"):
        attr = "href" if el.tag == "a" else "src"
        value = el.get(attr)
        if value:
            try:
                el.set(attr, urljoin(base_url, value.strip()))
            except ValueError:
                del el.attrib[attr]
    raw = etree.tostring(clone, encoding="unicode", method="html")
    try:
        cleaned: str = nh3.clean(
            raw, tags=_TAGS, attributes=_ATTRS, url_schemes=_SCHEMES, link_rel=None
        )
    except Exception:  # nh3 rejects nothing in practice; never let the body HTML break a page
        return None
    cleaned = cleaned.strip()
    return cleaned or None
