"""Values from the network checked against their columns before they reach the database.

Every limit comes from the models (:func:`crawler.db.models.max_chars`): a ``String(n)`` column's
length, or a text column's ``info["max_chars"]``. PostgreSQL refuses a longer value (and any NUL
character) with a ``DataError`` that fails the whole transaction; SQLite would store it whole. So
each value is fitted first, by what it is:

- **validators** (``ETag``, ``Last-Modified``): only used for conditional revisits; an overlong
  one is dropped, with a warning (the page is then revisited unconditionally);
- **titles and labels** (来源, 发文机关, 主题分类, author, attachment names): cut to their limit;
  **identifiers** (发文字号, 索引号) that do not fit are dropped (a cut one would be wrong);
- **URLs**: an article whose URL does not fit cannot be stored: it is *rejected* (recorded in the
  ``failures`` table with kind ``rejected``, never retried, since the same URL would fail again);
  an attachment whose URL does not fit is left out of its article and rejected the same way;
- **NUL characters** are removed from every text (PostgreSQL cannot store them).

:func:`fit_text` is what the normaliser applies to every item; :func:`fit_article` is the whole
check, applied by the store to every item it writes (spooled items from older versions too).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from crawler.db.models import Article, AttachmentRow, max_chars
from crawler.dedup.urls import url_key
from crawler.items import TEXT_FIELD_NAMES, Attachment, PolicyArticle

logger = logging.getLogger(__name__)

REJECTED = "rejected"
"""The ``failures.kind`` of a value the database cannot hold: recorded, never retried."""

CUT = {
    "title": max_chars(Article, "title"),
    "source_name": max_chars(Article, "source_name"),
    "issuer": max_chars(Article, "issuer"),
    "topic": max_chars(Article, "topic"),
    "author": max_chars(Article, "author"),
}
"""Item fields cut to their column's limit (titles and labels)."""
DROPPED = {
    "doc_number": max_chars(Article, "doc_number"),
    "index_number": max_chars(Article, "index_number"),
    "etag": max_chars(Article, "http_etag"),
    "last_modified": max_chars(Article, "http_last_modified"),
}
"""Item fields dropped (None) when too long: identifiers and HTTP validators."""
URL_CHARS = max_chars(Article, "url")
URL_KEY_CHARS = max_chars(Article, "url_key")
SITE_CHARS = max_chars(Article, "site")
DOCUMENT_KEY_CHARS = max_chars(Article, "document_key")
ATTACHMENT_URL_CHARS = max_chars(AttachmentRow, "url")
ATTACHMENT_NAME_CHARS = max_chars(AttachmentRow, "name")
FILE_TYPE_CHARS = max_chars(AttachmentRow, "file_type")
_TEXTS = TEXT_FIELD_NAMES


class ValueTooLong(ValueError):
    """An article's URL (or its site) does not fit its column: the item cannot be stored."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item (or an attachment) not stored, for the ``failures`` table."""

    url: str
    reason: str
    kind: str = "article"
    """``article``: retried by later runs; :data:`REJECTED`: a value the database cannot hold."""
    attachment_of: str | None = None
    """For an attachment left out: the URL of its article (which is stored)."""


@dataclass(slots=True)
class Fitted:
    """What fitting an item changed."""

    notes: list[str] = field(default_factory=list)
    """Values dropped or cut (logged as warnings)."""
    rejected: list[Rejected] = field(default_factory=list)
    """Attachments left out because their URL does not fit."""


def too_long(what: str, value: str, limit: int) -> str:
    return f"{what} of {len(value)} characters (the column holds {limit})"


def fit_text(item: PolicyArticle, fitted: Fitted | None = None) -> Fitted:
    """Remove NUL characters, cut titles and labels, drop overlong identifiers and validators of
    ``item`` (in place); what was changed is logged as a warning and returned."""
    fitted = fitted if fitted is not None else Fitted()
    for name in _TEXTS:
        value = getattr(item, name)
        if value and "\x00" in value:
            setattr(item, name, value.replace("\x00", "") or None)
            fitted.notes.append(f"NUL characters removed from {name}")
    for name, limit in CUT.items():
        value = getattr(item, name)
        if limit is not None and value is not None and len(value) > limit:
            setattr(item, name, value[:limit].rstrip() or None)
            fitted.notes.append(f"{too_long(name, value, limit)} cut")
    for name, limit in DROPPED.items():
        value = getattr(item, name)
        if limit is not None and value is not None and len(value) > limit:
            setattr(item, name, None)
            fitted.notes.append(f"{too_long(name, value, limit)} dropped")
    if item.issuers and any("\x00" in i for i in item.issuers):
        item.issuers = [i.replace("\x00", "") for i in item.issuers]
    for note in fitted.notes:
        logger.warning("Article %s: %s", item.url[:200], note)
    return fitted


def fit_article(item: PolicyArticle) -> Fitted:
    """Fit every value of ``item`` to its column (in place, see the module's docstring); raise
    :class:`ValueTooLong` when its URL does not fit (the item cannot be stored)."""
    if URL_CHARS is not None and len(item.url) > URL_CHARS:
        raise ValueTooLong(too_long("URL", item.url, URL_CHARS))
    key = url_key(item.url)
    if URL_KEY_CHARS is not None and len(key) > URL_KEY_CHARS:
        raise ValueTooLong(too_long("URL key", key, URL_KEY_CHARS))
    if SITE_CHARS is not None and len(item.site) > SITE_CHARS:
        raise ValueTooLong(too_long("site name", item.site, SITE_CHARS))
    fitted = Fitted()
    kept: list[Attachment] = []
    for att in item.attachments:
        if ATTACHMENT_URL_CHARS is not None and len(att.url) > ATTACHMENT_URL_CHARS:
            reason = too_long("attachment URL", att.url, ATTACHMENT_URL_CHARS)
            fitted.rejected.append(
                Rejected(att.url, f"{reason}, left out of article {item.url}", REJECTED, item.url)
            )
            logger.warning("Article %s: %s left out", item.url, reason)
            continue
        name = att.name.replace("\x00", "")
        if ATTACHMENT_NAME_CHARS is not None and len(name) > ATTACHMENT_NAME_CHARS:
            fitted.notes.append(f"{too_long('attachment name', name, ATTACHMENT_NAME_CHARS)} cut")
            name = name[:ATTACHMENT_NAME_CHARS]
        file_type = att.file_type
        if file_type and FILE_TYPE_CHARS is not None and len(file_type) > FILE_TYPE_CHARS:
            fitted.notes.append(f"{too_long('file type', file_type, FILE_TYPE_CHARS)} dropped")
            file_type = None
        kept.append(Attachment(name=name, url=att.url.replace("\x00", ""), file_type=file_type))
    item.attachments = kept
    return fit_text(item, fitted)


def fit_document_key(key: str | None) -> str | None:
    """A 发文字号|发文机关 key, or None when it does not fit its column (no document match)."""
    if key is None or DOCUMENT_KEY_CHARS is None or len(key) <= DOCUMENT_KEY_CHARS:
        return key
    return None
