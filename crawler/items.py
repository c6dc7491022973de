"""The records the spiders yield.

Items are plain dataclasses (Scrapy handles them through itemadapter). Every optional field is
``None`` when the page does not give it: never an empty string or placeholder text.

Dates are ISO-8601 strings: ``YYYY-MM-DD`` when the page gives only a day, or
``YYYY-MM-DDTHH:MM[:SS]+08:00`` when it gives a time (a time is never invented).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.dedup.minhash import Signature

MADE: Mapping[str, bool] = MappingProxyType({"made": True})
"""Metadata of the fields that a record's preparation makes for the pipelines and the store (its
body's signature, the size of its page): not part of the record, not in :data:`FIELD_NAMES`."""


@dataclass(slots=True)
class Attachment:
    """A file linked from an article (pdf, doc, xls, ofd, zip, ...)."""

    name: str
    url: str
    file_type: str | None = None


@dataclass(slots=True)
class PolicyArticle:
    """One policy announcement or article, normalised."""

    url: str
    """Canonical URL of the article page (the upsert key)."""
    site: str
    """Name of the spider that produced the item."""
    source_name: str | None = None
    """Publishing site or agency, e.g. ``中国政府网`` or ``上海市教育委员会``."""
    title: str | None = None
    publish_date: str | None = None
    """发布日期."""
    written_date: str | None = None
    """成文日期."""
    doc_number: str | None = None
    """发文字号, brackets normalised to 〔〕."""
    issuer: str | None = None
    """发文机关 as printed (joint issuers joined with 、)."""
    issuers: list[str] = field(default_factory=list)
    """发文机关 split into the individual agencies (joint issuance)."""
    index_number: str | None = None
    """索引号."""
    topic: str | None = None
    """主题分类."""
    author: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    """Body HTML sanitised to an allow-list of tags and attributes."""
    attachments: list[Attachment] = field(default_factory=list)
    text_in_attachment: bool = False
    """The page only links its document: its text is in ``attachments`` (a notice whose whole
    text is a PDF or DOC file); ``body_text`` then holds the files' names."""
    tags: list[str] = field(default_factory=list)
    fetched_at: str | None = None
    """When the page was downloaded (ISO datetime, UTC)."""
    content_hash: str | None = None
    """SHA-256 of the normalised title and body text (:mod:`crawler.records.normalize`)."""
    etag: str | None = None
    """HTTP ``ETag`` of the article page (for conditional revisits)."""
    last_modified: str | None = None
    """HTTP ``Last-Modified`` of the article page (for conditional revisits)."""
    # --- made where the record is prepared (crawler.records.prepare); neither exported nor stored
    signature: Signature | None = field(default=None, compare=False, repr=False, metadata=MADE)
    """The MinHash signature of the body, for the near-duplicate layer (None: not signed yet, or a
    body too short to compare; the store signs what comes unsigned)."""
    page_chars: int | None = field(default=None, compare=False, repr=False, metadata=MADE)
    """Characters of the page's visible text outside links (for the health rule that flags a body
    cut short)."""


FIELD_NAMES = tuple(f.name for f in fields(PolicyArticle) if not f.metadata.get("made"))
"""The fields of a :class:`PolicyArticle`, in order: what a record holds, is exported and stored
(not what its preparation made for the pipelines: :data:`MADE`)."""


TEXT_FIELD_NAMES = tuple(
    f.name
    for f in fields(PolicyArticle)
    if f.name in FIELD_NAMES and f.type in ("str", "str | None")
)
"""The fields that hold one text each (not a list), in order."""


def as_record(item: PolicyArticle) -> dict[str, Any]:
    """The fields of ``item`` (:data:`FIELD_NAMES`), attachments as dicts: the record as it is
    exported and spooled."""
    record = {name: getattr(item, name) for name in FIELD_NAMES}
    record["attachments"] = [asdict(a) for a in item.attachments]
    return record


@dataclass(slots=True)
class PageSeen:
    """A known article page that answered 304 Not Modified: only its ``last_seen_at`` moves."""

    url: str
