"""Feeds generated from the database: JSON Feed 1.1 and Atom, for all articles, per site, per tag.

Each item carries the policy fields in an extension object (JSON Feed ``_policy``; Atom elements
in the ``policy:`` namespace), and its attachments as JSON Feed attachments / Atom enclosures,
with their size (``size_in_bytes`` / ``length``) and the media type read from the file once the
file is stored (``crawler.pipelines.attachments``).
HTML content is sanitised again here (nh3), whatever the database holds.

Layout of the output folder::

    all.json  all.atom                    every article
    site/<site>.json  site/<site>.atom    one site (spider)
    tag/<tag>.json  tag/<tag>.atom        one tag
    index.json  feeds.opml                the list of feeds (OPML: import into a feed reader)

Files are replaced atomically; feeds of sites or tags that no longer exist are removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

import nh3
from feedgen.ext.base import (  # type: ignore[import-untyped]
    BaseEntryExtension,
    BaseExtension,
)
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from lxml import etree
from sqlalchemy.exc import SQLAlchemyError

from crawler.research.records import Filters, iter_records, sites, tags

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from sqlalchemy import Engine

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
PROJECT_URL = "https://github.com/policy-crawler/policy-crawler"
EXTENSION_ABOUT = f"{PROJECT_URL}/blob/main/docs/research-guide.md#the-policy-extension"
POLICY_NS = f"{PROJECT_URL}/ns/policy/1"
ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR = "policy-crawler"
DEFAULT_MAX_ITEMS = 200

logger = logging.getLogger(__name__)

POLICY_FIELDS = (
    "doc_number",  # 发文字号
    "issuer",  # 发文机关 as printed
    "issuers",  # 发文机关, split (joint issuance)
    "written_date",  # 成文日期
    "publish_date",  # 发布日期
    "published_at",  # 发布时间, only when the page gives a time
    "index_number",  # 索引号
    "topic",  # 主题分类
    "source_name",  # 来源
    "site",
    "attachments",
    "text_in_attachment",  # the page only links its document: the text is in its attachments
    "repost_cluster",  # the copies of one policy across sites: null until de-duplication
)

MIME_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "wps": "application/vnd.ms-works",
    "et": "application/vnd.ms-excel",
    "ofd": "application/ofd",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "txt": "text/plain",
    "csv": "text/csv",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
}


def mime_type(file_type: str | None) -> str:
    return MIME_TYPES.get((file_type or "").lower().lstrip("."), "application/octet-stream")


def sanitize_html(html: str | None) -> str | None:
    """HTML safe to show in a feed reader: no script, style, event handlers or javascript: URLs."""
    if not html:
        return None
    cleaned: str = nh3.clean(html, url_schemes={"http", "https", "mailto"}).strip()
    return cleaned or None


def policy_extension(rec: dict[str, Any]) -> dict[str, Any]:
    """The ``_policy`` extension object of one record."""
    ext: dict[str, Any] = {"about": EXTENSION_ABOUT}
    for name in POLICY_FIELDS:
        ext[name] = rec.get(name)
    return ext


def _moment(rec: dict[str, Any]) -> str | None:
    """发布日期/时间 as RFC 3339 in China time."""
    if rec.get("published_at"):
        return str(rec["published_at"])
    if rec.get("publish_date"):
        return f"{rec['publish_date']}T00:00:00+08:00"
    return None


def _summary(text: str | None, length: int = 200) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def json_feed_item(rec: dict[str, Any]) -> dict[str, Any]:
    """One record as a JSON Feed 1.1 item."""
    item: dict[str, Any] = {
        "id": rec["url"],
        "url": rec["url"],
        "title": rec["title"] or rec["url"],
    }
    html = sanitize_html(rec.get("body_html"))
    if html:
        item["content_html"] = html
    item["content_text"] = rec.get("body_text") or rec["title"] or ""
    summary = _summary(rec.get("body_text"))
    if summary:
        item["summary"] = summary
    published = _moment(rec)
    if published:
        item["date_published"] = published
    if rec.get("updated_at"):
        item["date_modified"] = rec["updated_at"]
    author = rec.get("issuer") or rec.get("source_name")
    if author:
        item["authors"] = [{"name": author}]
    if rec.get("tags"):
        item["tags"] = list(rec["tags"])
    item["language"] = "zh-CN"
    if rec.get("attachments"):
        item["attachments"] = [_json_attachment(a) for a in rec["attachments"]]
    item["_policy"] = policy_extension(rec)
    return item


def attachment_type(att: dict[str, Any]) -> str:
    """The media type of an attachment: read from its stored file, else from its link."""
    return str(att.get("media_type") or mime_type(att.get("file_type")))


def _json_attachment(att: dict[str, Any]) -> dict[str, Any]:
    """A JSON Feed attachment: URL, type and name, and the size once the file is stored."""
    out: dict[str, Any] = {
        "url": att["url"],
        "mime_type": attachment_type(att),
        "title": att["name"],
    }
    if att.get("size"):
        out["size_in_bytes"] = int(att["size"])
    return out


def _enclosure(att: dict[str, Any]) -> dict[str, str]:
    """An Atom enclosure link: URL, type and name, and ``length`` once the file is stored."""
    link = {"rel": "enclosure", "type": attachment_type(att), "title": att["name"]}
    if att.get("size"):
        link["length"] = str(int(att["size"]))
    link["href"] = att["url"]
    return link


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed: where it goes and which articles it holds."""

    path: str
    """Relative path without suffix, e.g. ``site/cn_gov``."""
    title: str
    description: str
    filters: Filters = field(default_factory=Filters)


def json_feed_header(
    spec: FeedSpec, base_url: str | None, home_page_url: str | None = None
) -> dict[str, Any]:
    head: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": spec.title,
        "description": spec.description,
        "language": "zh-CN",
        "authors": [{"name": GENERATOR, "url": PROJECT_URL}],
    }
    if home_page_url:
        head["home_page_url"] = home_page_url
    if base_url:
        head["feed_url"] = f"{base_url.rstrip('/')}/{spec.path}.json"
    return head


def json_feed(
    spec: FeedSpec, records: Iterable[dict[str, Any]], base_url: str | None = None
) -> dict[str, Any]:
    feed = json_feed_header(spec, base_url)
    feed["items"] = [json_feed_item(rec) for rec in records]
    return feed


# ------------------------------------------------------------------------------------------ Atom


class _PolicyFeedExtension(BaseExtension):  # type: ignore[misc]
    def extend_ns(self) -> dict[str, str]:
        return {"policy": POLICY_NS}


class _PolicyEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Adds the ``policy:`` elements and the entry's links.

    The links are written here rather than with ``FeedEntry.link``: feedgen 1.0 drops every
    attribute of an entry link but ``href`` (its loop variable shadows the link), which would lose
    ``rel="enclosure"``, the attachments' types and names.
    """

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.links: list[dict[str, str]] = []

    def set(self, fields: dict[str, Any], links: list[dict[str, str]]) -> None:
        self.fields = fields
        self.links = links

    def extend_atom(self, entry: Any) -> Any:
        for link in self.links:
            etree.SubElement(entry, f"{{{ATOM_NS}}}link", attrib=link)
        for name, value in self.fields.items():
            if name == "about":
                continue
            element = etree.SubElement(entry, f"{{{POLICY_NS}}}{name}")
            if isinstance(value, list):
                element.text = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, bool):
                element.text = "true" if value else "false"  # xsd:boolean, not Python's True
            elif value is not None:
                element.text = str(value)
        return entry


def atom_feed(
    spec: FeedSpec, records: Iterable[dict[str, Any]], base_url: str | None = None
) -> bytes:
    """The Atom 1.0 document of ``spec`` (feedgen), entries newest first."""
    fg = FeedGenerator()
    fg.register_extension(
        "policy", _PolicyFeedExtension, _PolicyEntryExtension, atom=True, rss=False
    )
    fg.id(
        f"{base_url.rstrip('/')}/{spec.path}.atom"
        if base_url
        else f"urn:policy-crawler:feed:{spec.path}"
    )
    fg.title(spec.title)
    fg.subtitle(spec.description)
    fg.author({"name": GENERATOR, "uri": PROJECT_URL})
    fg.language("zh-CN")
    fg.generator(GENERATOR, uri=PROJECT_URL)
    if base_url:
        fg.link(href=f"{base_url.rstrip('/')}/{spec.path}.atom", rel="self")
    latest: dt.datetime | None = None
    for rec in records:
        entry = fg.add_entry(order="append")
        entry.id(rec["url"])
        entry.title(rec["title"] or rec["url"])
        updated = dt.datetime.fromisoformat(rec["updated_at"])
        latest = updated if latest is None or updated > latest else latest
        entry.updated(updated)
        published = _moment(rec)
        if published:
            entry.published(dt.datetime.fromisoformat(published))
        html = sanitize_html(rec.get("body_html"))
        if html:
            entry.content(html, type="html")
        elif rec.get("body_text"):
            entry.content(rec["body_text"], type="text")
        summary = _summary(rec.get("body_text"))
        if summary:
            entry.summary(summary)
        author = rec.get("issuer") or rec.get("source_name")
        if author:
            entry.author({"name": author})
        for tag in rec.get("tags") or ():
            entry.category(term=tag)
        links = [{"rel": "alternate", "type": "text/html", "href": rec["url"]}]
        links += [_enclosure(att) for att in rec.get("attachments") or ()]
        entry.policy.set(policy_extension(rec), links)
    fg.updated(latest or dt.datetime.now(dt.UTC))
    atom: bytes = fg.atom_str(pretty=True, encoding="UTF-8")
    return atom


# ------------------------------------------------------------------------------------ the folder


def safe_name(value: str) -> str:
    """A file name for a site or tag: itself when safe, else a cleaned form plus a short hash."""
    cleaned = re.sub(r"[^\w\-]+", "_", value, flags=re.UNICODE).strip("_.")
    if cleaned == value and cleaned:
        return cleaned
    digest = hashlib.sha1(value.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned[:60]}-{digest}" if cleaned else digest


def feed_specs(engine: Engine) -> Iterator[FeedSpec]:
    yield FeedSpec(
        "all",
        "政策动态 · 全部 (all policy articles)",
        "Every article in the database, newest first.",
    )
    for site, name in sites(engine):
        label = f"{name} ({site})" if name else site
        yield FeedSpec(
            f"site/{safe_name(site)}",
            f"政策动态 · {label}",
            f"Articles of the site {site}, newest first.",
            Filters(site=site),
        )
    for tag in tags(engine):
        yield FeedSpec(
            f"tag/{safe_name(tag)}",
            f"政策动态 · 标签 {tag}",
            f"Articles tagged {tag}, newest first.",
            Filters(tag=tag),
        )


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(slots=True)
class FeedsWritten:
    folder: Path
    feeds: list[FeedSpec] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def _opml(specs: list[FeedSpec], base_url: str | None) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head><title>policy-crawler feeds</title></head>",
        "  <body>",
    ]
    prefix = f"{base_url.rstrip('/')}/" if base_url else ""
    for spec in specs:
        lines.append(
            f'    <outline type="rss" text={quoteattr(spec.title)} title={quoteattr(spec.title)} '
            f"xmlUrl={quoteattr(prefix + spec.path + '.atom')}/>"
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


def write_feeds(
    engine: Engine,
    out_dir: Path | str,
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
    base_url: str | None = None,
) -> FeedsWritten:
    """Write every feed (JSON Feed and Atom) of the database into ``out_dir``."""
    if max_items < 1:
        raise ValueError(f"max_items must be at least 1, not {max_items}")
    folder = Path(out_dir)
    written = FeedsWritten(folder)
    for spec in feed_specs(engine):
        records = list(iter_records(engine, spec.filters, limit=max_items))
        for suffix, data in (
            (
                ".json",
                (
                    json.dumps(json_feed(spec, records, base_url), ensure_ascii=False, indent=1)
                    + "\n"
                ).encode("utf-8"),
            ),
            (".atom", atom_feed(spec, records, base_url)),
        ):
            path = folder / f"{spec.path}{suffix}"
            write_atomically(path, data)
            written.files.append(path)
        written.feeds.append(spec)
    index = {
        "generator": GENERATOR,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(),
        "feeds": [
            {"title": s.title, "json_feed": f"{s.path}.json", "atom": f"{s.path}.atom"}
            for s in written.feeds
        ],
    }
    write_atomically(
        folder / "index.json",
        (json.dumps(index, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    )
    write_atomically(folder / "feeds.opml", _opml(written.feeds, base_url))
    keep = set(written.files)
    written.files += [folder / "index.json", folder / "feeds.opml"]
    for sub in ("site", "tag"):
        for stale in sorted((folder / sub).glob("*")):
            if stale.suffix in {".json", ".atom"} and stale not in keep:
                stale.unlink()
                written.removed.append(stale)
    return written


def feeds_line(written: FeedsWritten, base_url: str | None) -> str:
    line = f"feeds: {len(written.feeds)} feed(s), {len(written.files)} file(s) in {written.folder}"
    if not base_url:
        line += (
            "\n  note: feeds.opml holds relative URLs, which feed readers cannot import: set "
            "FEED_BASE_URL (or --base-url) to the address the folder is served at"
        )
    return line


def refresh_feeds(
    engine: Engine,
    out_dir: Path | str,
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
    base_url: str | None = None,
) -> FeedsWritten | None:
    """Rewrite every feed from the database after a crawl; print one line.

    Never raises for a database or file-system failure: the crawl's own outcome decides the exit
    code, so a failure is printed and logged and None is returned.
    """
    try:
        written = write_feeds(engine, out_dir, max_items=max_items, base_url=base_url)
    except (SQLAlchemyError, OSError) as exc:
        logger.error("could not refresh the feeds in %s: %s", out_dir, exc)
        print(f"feeds: not refreshed ({type(exc).__name__}: {exc})")
        return None
    print(feeds_line(written, base_url))
    return written
