"""Normalise every field of a PolicyArticle before it is stored.

Spiders already run the extractor's normalisers; this step guarantees the storage contract for
every item whatever produced it: canonical URL, no empty strings, ISO dates, 〔〕 document numbers,
titles and labels no longer than their columns allow (a title at most 200 characters, the
extractor's own limit; :func:`crawler.db.bounds.fit_text`), overlong HTTP validators dropped, a
fetch time and a content hash. Every normaliser is idempotent, so running it twice is harmless.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from scrapy.exceptions import DropItem

from crawler.db.bounds import fit_text
from crawler.dedup.urls import canonical_url
from crawler.extraction.normalize import (
    clean_text,
    normalize_doc_number,
    parse_date,
    split_issuers,
    strip_pinyin_readings,
)
from crawler.items import Attachment, PolicyArticle

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
    item.text_in_attachment = bool(item.text_in_attachment)
    fit_text(item)
    reason = unusable(item)
    if reason is not None:
        raise DropItem(reason)
    if item.fetched_at is None:
        item.fetched_at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    item.content_hash = content_hash(item.title, item.body_text)
    return item


def unusable(item: PolicyArticle) -> str | None:
    """Why a record cannot be stored (no URL, or neither a title nor a body), or None."""
    if not item.url:
        return "article has no URL"
    if not item.title and not item.body_text:
        return f"no title and no body text at {item.url}"
    return None


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
