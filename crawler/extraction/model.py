"""Result types of the generic extractor."""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.items import Attachment

__all__ = ["Attachment", "ExtractedPage", "Image"]


@dataclass(slots=True)
class Image:
    """An image of the article body (absolute ``src``)."""

    src: str
    alt: str | None


@dataclass(slots=True)
class ExtractedPage:
    """What the extractor found on one page."""

    url: str
    kind: str
    """``"article"``, ``"list"`` or ``"not_article"``."""
    reason: str | None
    """Why a page is ``not_article`` (``"empty body"``, ``"not HTML"``, ``"no text"`` ...)."""
    encoding: str | None
    """The codec actually used to decode the page."""
    title: str | None = None
    publish_date: str | None = None
    """发布日期: ``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM[:SS]+08:00`` when the page gives a time."""
    written_date: str | None = None
    """成文日期 ``YYYY-MM-DD``."""
    doc_number: str | None = None
    """发文字号, brackets normalised to 〔〕."""
    issuer: str | None = None
    """发文机关 as printed."""
    issuers: list[str] = field(default_factory=list)
    """发文机关 split into single agencies (joint issuance)."""
    index_number: str | None = None
    """索引号."""
    topic: str | None = None
    """主题分类."""
    author: str | None = None
    """Author(s), never the 责任编辑."""
    source_name: str | None = None
    """来源 / ContentSource."""
    body_text: str | None = None
    """Main text, paragraphs separated by ``\\n``."""
    body_html: str | None = None
    """Main content HTML, sanitised to an allow-list."""
    attachments: list[Attachment] = field(default_factory=list)
    text_in_attachment: bool = False
    """The page only links its document (one or more files and no text of its own): the text is
    in ``attachments``, ``body_text`` holds their names, never the site's footer."""
    images: list[Image] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    """List pages: absolute article URLs."""
    page_chars: int | None = None
    """Characters (not counting whitespace) of the page's visible text outside links, chrome
    included: a body that is a tiny fraction of it was cut short (a health rule compares)."""
