"""The records the spiders yield.

Items are plain dataclasses (Scrapy handles them through itemadapter). Every optional field is
``None`` when the page does not give it: never an empty string or placeholder text.

Dates are ISO-8601 strings: ``YYYY-MM-DD`` when the page gives only a day, or
``YYYY-MM-DDTHH:MM[:SS]+08:00`` when it gives a time (a time is never invented).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.dedup.minhash import Signature


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
    tags: list[str] = field(default_factory=list)
    fetched_at: str | None = None
    """When the page was downloaded (ISO datetime, UTC)."""
    content_hash: str | None = None
    """SHA-256 of the normalised title and body text; set by the normalisation pipeline."""
    etag: str | None = None
    """HTTP ``ETag`` of the article page (for conditional revisits)."""
    last_modified: str | None = None
    """HTTP ``Last-Modified`` of the article page (for conditional revisits)."""


FIELD_NAMES = tuple(f.name for f in fields(PolicyArticle))
"""The fields of a :class:`PolicyArticle`, in order."""


class PreparedArticle(PolicyArticle):
    """A :class:`PolicyArticle` already normalised and tagged where it was built (in an extraction
    worker, by :func:`crawler.records.prepare.prepare_article`, with the crawl's
    ``TAG_VOCABULARY``): the normalisation and tagging pipelines pass it through. The same fields,
    exported alike.

    It also carries the MinHash :class:`~crawler.dedup.minhash.Signature` of its body (None when
    the body is too short to compare), made there too, for the storage writer, and the size of the
    page's visible text (``page_chars``, for the health rule that flags a body cut short):
    attributes, not fields, so exports and feeds do not see them. Whatever changes its body must
    not keep it prepared."""

    __slots__ = ("page_chars", "signature")
    signature: Signature | None
    page_chars: int | None

    def __init__(
        self,
        *args: Any,
        signature: Signature | None = None,
        page_chars: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.signature = signature
        self.page_chars = page_chars

    def __reduce__(self) -> tuple[Any, ...]:
        # the dataclass's own pickling knows only the fields
        values = {name: getattr(self, name) for name in FIELD_NAMES}
        return (_prepared, (values, self.signature, self.page_chars))


def _prepared(
    values: dict[str, Any], signature: Signature | None, page_chars: int | None = None
) -> PreparedArticle:
    return PreparedArticle(**values, signature=signature, page_chars=page_chars)


@dataclass(slots=True)
class PageSeen:
    """A known article page that answered 304 Not Modified: only its ``last_seen_at`` moves."""

    url: str
