"""An article page made into its stored record, in one pure step: extracted, built, normalised,
tagged and signed (:func:`extract_prepared`).

The record depends only on the page and on plain values known when the page arrives (the
spider's name and source, the list record, two response headers, the vocabulary file), so the
step runs where the page is extracted: in the extraction worker processes
(:mod:`crawler.records.workers`), off the crawl's thread, or, with ``EXTRACTION_WORKERS = 0`` or
for a spider that builds its own records (``extract_in_workers = False``), in the crawl's process.
It is the same function either way, and so is the record; the pipelines then only check and store
it. The record carries the MinHash signature of its body, which the storage writer would otherwise
have had computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.dedup.minhash import signature
from crawler.extraction import ExtractedPage
from crawler.extraction.extract import extract_bytes
from crawler.items import FIELD_NAMES, PolicyArticle
from crawler.records.normalize import normalize_article
from crawler.records.vocabulary import DEFAULT_VOCABULARY, Vocabulary

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """What the record of an article page depends on besides the page itself (plain values, so
    that it travels to a worker process with the page)."""

    site: str
    """The spider's name."""
    source_name: str | None = None
    """The spider's publishing site or agency (the page's own wins)."""
    listed: Mapping[str, Any] = field(default_factory=dict)
    """Fields of the list record that linked to the page; they win over the page's."""
    etag: str | None = None
    last_modified: str | None = None
    vocabulary: str | None = None
    """``TAG_VOCABULARY`` (a file path; the bundled vocabulary when empty)."""


def build_article(page: ExtractedPage, url: str, context: ArticleContext) -> PolicyArticle:
    """The item of an extracted article page, not yet normalised.

    Values the list record gave win over the page's, with one exception: a record's plain
    发布日期 (a day) does not replace the page's date and time of the same day."""
    item = PolicyArticle(
        url=url,
        site=context.site,
        source_name=page.source_name or context.source_name,
        title=page.title,
        publish_date=page.publish_date,
        written_date=page.written_date,
        doc_number=page.doc_number,
        issuer=page.issuer,
        issuers=list(page.issuers),
        index_number=page.index_number,
        topic=page.topic,
        author=page.author,
        body_text=page.body_text,
        body_html=page.body_html,
        attachments=list(page.attachments),
        text_in_attachment=page.text_in_attachment,
        fetched_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        etag=context.etag,
        last_modified=context.last_modified,
    )
    page_date = page.publish_date or ""
    for name, value in context.listed.items():
        if value in (None, "") or name not in FIELD_NAMES:
            continue
        if name == "publish_date" and len(page_date) > 10 and page_date[:10] == value:
            continue  # the page's time of day on the record's day
        setattr(item, name, value)
    return item


def vocabulary(path: str | None) -> Vocabulary:
    """The vocabulary of ``TAG_VOCABULARY`` (read again only when the file changed)."""
    file = Path(path) if path else DEFAULT_VOCABULARY
    try:
        stat = file.stat()
    except OSError:
        return Vocabulary.load(file)  # raises VocabularyError with the reason
    return _load_vocabulary(str(file), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_vocabulary(path: str, mtime_ns: int, size: int) -> Vocabulary:
    return Vocabulary.load(path)


def tag_article(item: PolicyArticle, vocab: Vocabulary) -> PolicyArticle:
    """Add the vocabulary's tags that match the title or the body (in place)."""
    found = vocab.tags(item.title, item.body_text)
    item.tags = sorted(set(item.tags) | set(found))
    return item


def prepare(item: PolicyArticle, vocab: Vocabulary, page_chars: int | None = None) -> PolicyArticle:
    """Make ``item`` the record to store, in place: normalised, tagged, its body signed (and the
    size of its page noted, for the health rule that flags a body cut short).

    An item that normalisation refuses (no title and no body) comes back neither tagged nor
    signed, for the pipeline to drop with its reason where it is counted."""
    item.page_chars = page_chars
    try:
        normalize_article(item)
    except DropItem:
        return item
    tag_article(item, vocab)
    item.signature = signature(item.body_text)
    return item


Build = Callable[[ExtractedPage, str, ArticleContext], PolicyArticle]
"""Builds the item of an extracted article page (:func:`build_article`, or a spider's own)."""


def extract_prepared(
    body: bytes,
    url: str,
    content_type: str | None,
    selectors: Mapping[str, str] | None,
    context: ArticleContext,
    build: Build = build_article,
) -> ExtractedPage | PolicyArticle:
    """Extract an article page and prepare its record: the one path of every article page, in an
    extraction worker or in the crawl's process.

    Returns the record, or the extracted page when it is not an article (the spider records
    why), so that a page's text crosses the pipe from a worker once."""
    page = extract_bytes(body, url, content_type, "article", selectors)
    if page.kind != "article":
        return page
    return prepare(build(page, url, context), vocabulary(context.vocabulary), page.page_chars)
