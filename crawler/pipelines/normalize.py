"""Normalise every field of a PolicyArticle before it is stored.

Spiders already run the extractor's normalisers; this stage guarantees the storage contract for
every item whatever produced it: canonical URL, no empty strings, ISO dates, 〔〕 document numbers,
a fetch time and a content hash. Every normaliser is idempotent, so running it twice is harmless.
Article pages extracted in worker processes arrive normalised there already
(:class:`~crawler.items.PreparedArticle`, see :mod:`crawler.prepare`) and pass through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DropItem

from crawler.extraction.normalize import (
    clean_text,
    normalize_doc_number,
    parse_date,
    split_issuers,
    strip_pinyin_readings,
)
from crawler.items import Attachment, PolicyArticle, PreparedArticle
from crawler.urls import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("source_name", "title", "index_number", "topic", "author", "issuer")


def content_hash(title: str | None, body_text: str | None) -> str:
    """SHA-256 over the normalised title and body: equal for equal content, whatever the URL."""
    data = f"{title or ''}\n{body_text or ''}".encode()
    return hashlib.sha256(data).hexdigest()


def _none_if_blank(value: str | None) -> str | None:
    """Cleaned text (whitespace, injected pinyin readings), or None when nothing is left."""
    if value is None:
        return None
    cleaned = strip_pinyin_readings(clean_text(value)).strip()
    return cleaned or None


def normalize_article(item: PolicyArticle, now: dt.datetime | None = None) -> PolicyArticle:
    """Return ``item`` normalised in place; raise DropItem (with the reason) if it is unusable."""
    if not item.url:
        raise DropItem("article has no URL")
    item.url = canonical_url(item.url)
    for name in TEXT_FIELDS:
        setattr(item, name, _none_if_blank(getattr(item, name)))
    item.publish_date = parse_date(item.publish_date) if item.publish_date else None
    item.written_date = parse_date(item.written_date) if item.written_date else None
    if item.written_date:
        item.written_date = item.written_date[:10]
    item.doc_number = normalize_doc_number(item.doc_number) if item.doc_number else None
    if item.issuer and not item.issuers:
        item.issuers = split_issuers(item.issuer)
    item.body_text = _none_if_blank(item.body_text)
    item.body_html = item.body_html or None
    item.tags = sorted({t.strip() for t in item.tags if t and t.strip()})
    item.attachments = _attachments(item.attachments)
    if not item.title and not item.body_text:
        raise DropItem(f"no title and no body text at {item.url}")
    if item.fetched_at is None:
        item.fetched_at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    item.content_hash = content_hash(item.title, item.body_text)
    return item


def _attachments(attachments: list[Attachment]) -> list[Attachment]:
    seen: set[str] = set()
    out: list[Attachment] = []
    for att in attachments:
        url = canonical_url(att.url)
        if url in seen:
            continue
        seen.add(url)
        name = _none_if_blank(att.name) or url.rsplit("/", 1)[-1]
        out.append(Attachment(name=name, url=url, file_type=att.file_type or None))
    return out


class NormalizePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if isinstance(item, PolicyArticle) and not isinstance(item, PreparedArticle):
            return normalize_article(item)
        return item  # a PreparedArticle was normalised in the extraction worker
