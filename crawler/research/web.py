"""Read-only queries of the researcher's web view (Datasette with ``docs/datasette``).

The Datasette plugin ``docs/datasette/plugins/policy_web.py`` renders these on its pages: the
front page (:func:`newest`, :func:`filter_choices`, the feeds of :func:`feed_links`), the article
view (:func:`article_view`), the site health page (:func:`site_health`, :func:`monthly_counts`,
drawn by :func:`month_chart_svg`). Search is :func:`crawler.research.search.search` itself.

Every function takes an engine; :func:`readonly_engine` opens a SQLite file read-only, as
Datasette does, so the web view never writes.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    true,
)

from crawler.db import fulltext
from crawler.db.models import CrawlRun, Revision
from crawler.research.feeds import safe_name, sanitize_html
from crawler.research.records import (
    ARTICLES,
    SHANGHAI,
    SOURCES,
    article_columns,
    has_tag,
    newest_first,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

CRAWL_RUNS: Table = CrawlRun.__table__  # type: ignore[assignment]
REVISIONS: Table = Revision.__table__  # type: ignore[assignment]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def readonly_engine(path: str | Path) -> Engine:
    """An engine that reads the SQLite file ``path`` and can never write it."""
    url = f"sqlite:///file:{Path(path).resolve()}?mode=ro&uri=true"
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        fulltext.register(dbapi_connection)  # the search index's source view calls it
        dbapi_connection.execute("PRAGMA busy_timeout=5000")

    return engine


def json_list(value: Any) -> list[str]:
    """A JSON list column (tags, issuers, problems) as a list of strings, whatever the driver
    returns (a list, a JSON text or NULL)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and v != ""]
    return [str(value)]


# ------------------------------------------------------------------------------- the front page


@dataclass(frozen=True, slots=True)
class Listed:
    """An article in a list: what a researcher scans before opening it."""

    id: int
    publish_date: dt.date | None
    site: str
    source_name: str | None
    region: str | None
    doc_number: str | None
    issuer: str | None
    title: str | None
    tags: list[str]


def _listed_query() -> Any:
    return select(
        ARTICLES.c.id,
        ARTICLES.c.publish_date,
        ARTICLES.c.site,
        ARTICLES.c.source_name,
        SOURCES.c.region,
        ARTICLES.c.doc_number,
        ARTICLES.c.issuer,
        ARTICLES.c.title,
        ARTICLES.c.tags,
    ).select_from(ARTICLES.outerjoin(SOURCES, SOURCES.c.id == ARTICLES.c.source_id))


def _listed(row: Any) -> Listed:
    return Listed(
        id=row.id,
        publish_date=row.publish_date,
        site=row.site,
        source_name=row.source_name,
        region=row.region,
        doc_number=row.doc_number,
        issuer=row.issuer,
        title=row.title,
        tags=json_list(row.tags),
    )


def newest(
    engine: Engine,
    *,
    site: str | None = None,
    region: str | None = None,
    tag: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Listed]:
    """The newest articles by 发布日期 (undated ones last), of one site, region or tag."""
    limit = max(1, min(limit, MAX_LIMIT))
    conditions = []
    if site:
        conditions.append(ARTICLES.c.site == site)
    if region:
        conditions.append(SOURCES.c.region == region)
    if tag:
        conditions.append(has_tag(tag, engine.dialect.name))
    stmt = newest_first(_listed_query().where(and_(true(), *conditions))).limit(limit)
    with engine.connect() as conn:
        return [_listed(row) for row in conn.execute(stmt)]


@dataclass(frozen=True, slots=True)
class SiteChoice:
    site: str
    name: str | None
    region: str | None
    articles: int


@dataclass(frozen=True, slots=True)
class Choices:
    """What the front page's filters offer, with the number of articles of each."""

    sites: list[SiteChoice]
    regions: list[tuple[str, int]]
    tags: list[tuple[str, int]]
    total: int


def filter_choices(engine: Engine) -> Choices:
    """Every site, region and tag that has articles."""
    per_site = (
        select(
            ARTICLES.c.site,
            func.max(SOURCES.c.name).label("name"),
            func.max(SOURCES.c.region).label("region"),
            func.count().label("articles"),
        )
        .select_from(ARTICLES.outerjoin(SOURCES, SOURCES.c.id == ARTICLES.c.source_id))
        .group_by(ARTICLES.c.site)
        .order_by(ARTICLES.c.site)
    )
    tag_counts: dict[str, int] = defaultdict(int)
    with engine.connect() as conn:
        sites = [
            SiteChoice(r.site, r.name, r.region, int(r.articles)) for r in conn.execute(per_site)
        ]
        for (tags,) in conn.execute(select(ARTICLES.c.tags)):
            for tag in set(json_list(tags)):
                tag_counts[tag] += 1
    regions: dict[str, int] = defaultdict(int)
    for s in sites:
        if s.region:
            regions[s.region] += s.articles
    return Choices(
        sites=sites,
        regions=sorted(regions.items()),
        tags=sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0])),
        total=sum(s.articles for s in sites),
    )


# ---------------------------------------------------------------------------------------- feeds


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed written by ``crawler export feeds`` (or a crawl) into FEED_DIR."""

    path: str
    """Relative path without suffix, e.g. ``site/cn_gov``."""
    title: str
    json_feed: str
    atom: str


def read_feed_index(feed_dir: str | Path) -> list[dict[str, str]] | None:
    """The feeds listed in FEED_DIR's ``index.json``; None when there is none (no crawl or
    export has written feeds there yet)."""
    index = Path(feed_dir) / "index.json"
    try:
        data = json.loads(index.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(feeds, list):
        return None
    return [f for f in feeds if isinstance(f, dict) and "atom" in f and "json_feed" in f]


def feed_url(base_url: str, relative: str) -> str:
    """The URL of a file of the feed folder served at ``base_url``."""
    return base_url.rstrip("/") + "/" + quote(relative)


def feed_links(index: Sequence[dict[str, str]], base_url: str) -> dict[str, FeedLink]:
    """The feeds of ``index`` by path (``all``, ``site/<site>``, ``tag/<tag>``), with URLs."""
    links: dict[str, FeedLink] = {}
    for entry in index:
        path = entry["atom"].removesuffix(".atom")
        links[path] = FeedLink(
            path=path,
            title=str(entry.get("title") or path),
            json_feed=feed_url(base_url, entry["json_feed"]),
            atom=feed_url(base_url, entry["atom"]),
        )
    return links


def site_feed_path(site: str) -> str:
    return f"site/{safe_name(site)}"


def tag_feed_path(tag: str) -> str:
    return f"tag/{safe_name(tag)}"


def opml(title: str, feeds: Iterable[FeedLink]) -> bytes:
    """An OPML 2.0 subscription list of ``feeds`` (their Atom URLs), for a feed reader's import."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{escape(title)}</title></head>",
        "  <body>",
    ]
    for feed in feeds:
        lines.append(
            f'    <outline type="rss" text={quoteattr(feed.title)} title={quoteattr(feed.title)} '
            f"xmlUrl={quoteattr(feed.atom)}/>"
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


# ------------------------------------------------------------------------------ the article view


@dataclass(frozen=True, slots=True)
class RevisionView:
    replaced_at: dt.datetime | None
    title: str | None
    content_hash: str | None
    diff: str | None


@dataclass(slots=True)
class ArticleView:
    """One article with everything its page shows."""

    id: int
    url: str
    site: str
    source_name: str | None
    region: str | None
    title: str | None
    publish_date: dt.date | None
    published_at: dt.datetime | None
    """The publication time in China time, when the page gives one."""
    written_date: dt.date | None
    doc_number: str | None
    issuer: str | None
    issuers: list[str]
    index_number: str | None
    topic: str | None
    author: str | None
    tags: list[str]
    body_html: str | None
    """Sanitised again here (nh3), whatever the database holds."""
    body_text: str | None
    text_in_attachment: bool
    """The page only links its document: the text is in its attachments (the body is their
    names)."""
    cluster_id: int | None
    dedup_layer: str | None
    first_seen_at: dt.datetime | None
    updated_at: dt.datetime | None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    """Every column of each attachment row, in page order (``name``, ``url``, ``file_type``,
    and whatever later migrations add, such as the extracted text)."""
    copies: list[Listed] = field(default_factory=list)
    """The other articles of its repost cluster, earliest first."""
    revisions: list[RevisionView] = field(default_factory=list)
    """Its earlier versions, newest first."""


def article_view(engine: Engine, article_id: int) -> ArticleView | None:
    """The article ``article_id`` with its attachments, repost cluster and revisions."""
    with engine.connect() as conn:
        stmt = (
            select(*article_columns(conn), SOURCES.c.region)
            .select_from(ARTICLES.outerjoin(SOURCES, SOURCES.c.id == ARTICLES.c.source_id))
            .where(ARTICLES.c.id == article_id)
        )
        row = conn.execute(stmt).first()
        if row is None:
            return None
        view = ArticleView(
            id=row.id,
            url=row.url,
            site=row.site,
            source_name=row.source_name,
            region=row.region,
            title=row.title,
            publish_date=row.publish_date,
            published_at=row.published_at.astimezone(SHANGHAI) if row.published_at else None,
            written_date=row.written_date,
            doc_number=row.doc_number,
            issuer=row.issuer,
            issuers=json_list(row.issuers),
            index_number=row.index_number,
            topic=row.topic,
            author=row.author,
            tags=json_list(row.tags),
            body_html=sanitize_html(row.body_html),
            body_text=row.body_text,
            text_in_attachment=bool(row.text_in_attachment),
            cluster_id=row.cluster_id,
            dedup_layer=row.dedup_layer,
            first_seen_at=row.first_seen_at,
            updated_at=row.updated_at,
        )
        view.attachments = _attachments(conn, article_id)
        if row.cluster_id is not None:
            copies = (
                _listed_query()
                .where(ARTICLES.c.cluster_id == row.cluster_id, ARTICLES.c.id != article_id)
                .order_by(ARTICLES.c.publish_date.asc().nulls_last(), ARTICLES.c.id)
            )
            view.copies = [_listed(r) for r in conn.execute(copies)]
        revisions = (
            select(
                REVISIONS.c.replaced_at,
                REVISIONS.c.title,
                REVISIONS.c.content_hash,
                REVISIONS.c.diff,
            )
            .where(REVISIONS.c.article_id == article_id)
            .order_by(REVISIONS.c.replaced_at.desc(), REVISIONS.c.id.desc())
        )
        view.revisions = [
            RevisionView(r.replaced_at, r.title, r.content_hash, r.diff)
            for r in conn.execute(revisions)
        ]
    return view


def _attachments(conn: Connection, article_id: int) -> list[dict[str, Any]]:
    """Every column of the article's attachments with their files (``attachment_files``: status,
    size, media type, page count, extracted text); the bare rows on a database from before
    migration 0007."""
    views = inspect(conn).get_view_names()
    source = "attachment_files" if "attachment_files" in views else "attachments"
    found = conn.execute(
        text(f"SELECT * FROM {source} WHERE article_id = :id ORDER BY position, id"),
        {"id": article_id},
    )
    return [dict(a._mapping) for a in found]


# ------------------------------------------------------------------------------ site health page


@dataclass(frozen=True, slots=True)
class RunView:
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    mode: str | None
    status: str
    items_new: int
    items_updated: int
    items_failed: int
    errors: int
    problems: list[str]
    finish_reason: str | None


@dataclass(frozen=True, slots=True)
class SiteHealth:
    site: str
    name: str | None
    region: str | None
    articles: int
    newest_publish_date: dt.date | None
    runs: list[RunView]
    """The last runs, newest first."""


def site_health(engine: Engine, runs: int = 5) -> list[SiteHealth]:
    """Every site (with articles or runs): its articles, newest 发布日期 and last ``runs`` runs."""
    per_site = select(
        ARTICLES.c.site,
        func.count().label("articles"),
        func.max(ARTICLES.c.publish_date).label("newest"),
    ).group_by(ARTICLES.c.site)
    ranked = select(
        CRAWL_RUNS,
        func.row_number()
        .over(
            partition_by=CRAWL_RUNS.c.site,
            order_by=(CRAWL_RUNS.c.started_at.desc(), CRAWL_RUNS.c.id.desc()),
        )
        .label("n"),
    ).subquery()
    last_runs = (
        select(ranked)
        .where(ranked.c.n <= runs)
        .order_by(ranked.c.site, ranked.c.started_at.desc(), ranked.c.id.desc())
    )
    with engine.connect() as conn:
        counts = {r.site: (int(r.articles), r.newest) for r in conn.execute(per_site)}
        sources = {
            r.site: (r.name, r.region)
            for r in conn.execute(select(SOURCES.c.site, SOURCES.c.name, SOURCES.c.region))
        }
        by_site: dict[str, list[RunView]] = defaultdict(list)
        for r in conn.execute(last_runs):
            by_site[r.site].append(
                RunView(
                    started_at=r.started_at,
                    finished_at=r.finished_at,
                    mode=r.mode,
                    status=r.status,
                    items_new=int(r.items_new or 0),
                    items_updated=int(r.items_updated or 0),
                    items_failed=int(r.items_failed or 0),
                    errors=int(r.errors or 0),
                    problems=json_list(r.problems),
                    finish_reason=r.finish_reason,
                )
            )
    names = sorted(set(counts) | set(by_site) | set(sources))
    out = []
    for site in names:
        name, region = sources.get(site, (None, None))
        articles, newest_date = counts.get(site, (0, None))
        out.append(SiteHealth(site, name, region, articles, newest_date, by_site.get(site, [])))
    return out


@dataclass(frozen=True, slots=True)
class MonthlyCounts:
    """Articles per month (``YYYY-MM`` of 发布日期) per site, over consecutive months."""

    months: list[str]
    sites: list[str]
    counts: dict[str, dict[str, int]]
    """site → month → articles (months without any are absent)."""
    undated: int = 0
    earlier: int = 0
    """Dated articles older than the first month shown."""

    def count(self, site: str, month: str) -> int:
        return self.counts.get(site, {}).get(month, 0)

    @property
    def peak(self) -> int:
        return max((n for per in self.counts.values() for n in per.values()), default=0)


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def monthly_counts(engine: Engine, months: int = 36) -> MonthlyCounts:
    """Articles per month per site, the last ``months`` months up to the newest 发布日期."""
    if engine.dialect.name == "postgresql":
        month = func.to_char(ARTICLES.c.publish_date, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", ARTICLES.c.publish_date)
    stmt = (
        select(ARTICLES.c.site, month.label("month"), func.count().label("n"))
        .where(ARTICLES.c.publish_date.is_not(None))
        .group_by(ARTICLES.c.site, month)
    )
    undated_stmt = select(func.count()).where(ARTICLES.c.publish_date.is_(None))
    with engine.connect() as conn:
        rows = [(r.site, str(r.month), int(r.n)) for r in conn.execute(stmt)]
        undated = int(conn.execute(undated_stmt).scalar_one())
        all_sites = [s for (s,) in conn.execute(select(ARTICLES.c.site).distinct())]
    if not rows:
        return MonthlyCounts([], sorted(all_sites), {}, undated)
    last = max(m for _, m, _ in rows)
    first = min(m for _, m, _ in rows)
    span = _month_range(first, last)[-months:]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    earlier = 0
    for site, m, n in rows:
        if m < span[0]:
            earlier += n
        else:
            counts[site][m] = n
    return MonthlyCounts(span, sorted(all_sites), dict(counts), undated, earlier)


def month_chart_svg(data: MonthlyCounts, *, width: int = 1100) -> str:
    """Announcements per month per site as an SVG drawn on the server (no script, no CDN): one
    row of bars per site over a shared month axis; each bar's tooltip gives its count."""
    label_w, row_h, top, axis_h = 150, 30, 8, 46
    months, sites = data.months, data.sites
    height = top + row_h * max(len(sites), 1) + axis_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="month-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="每月发布的文章数（按站点） · Announcements per month per site" '
        'font-family="sans-serif" font-size="12">'
    ]
    if not months:
        parts.append(f'<text x="10" y="{top + 16}">没有带发布日期的文章 · No dated articles</text>')
        parts.append("</svg>")
        return "".join(parts)
    plot_w = width - label_w - 10
    step = plot_w / len(months)
    bar_w = max(step * 0.75, 1.0)
    peak = max(data.peak, 1)
    for i, site in enumerate(sites):
        y0 = top + i * row_h
        base = y0 + row_h - 6
        total = sum(data.counts.get(site, {}).values())
        parts.append(
            f'<text class="site" x="{label_w - 8}" y="{base - 4}" text-anchor="end">'
            f"{escape(site)} ({total})</text>"
        )
        parts.append(
            f'<line x1="{label_w}" y1="{base}" x2="{label_w + plot_w:.1f}" y2="{base}" '
            'stroke="#ccc" stroke-width="1"/>'
        )
        for j, m in enumerate(months):
            n = data.count(site, m)
            if not n:
                continue
            h = max((row_h - 10) * n / peak, 2.0)
            x = label_w + j * step + (step - bar_w) / 2
            parts.append(
                f'<rect class="bar" data-site="{escape(site)}" data-month="{m}" data-count="{n}" '
                f'x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="#2f6db5"><title>{escape(site)} {m}: {n}</title></rect>'
            )
    axis_y = top + row_h * len(sites) + 4
    every = max(1, round(len(months) / 12))
    for j, m in enumerate(months):
        if (len(months) - 1 - j) % every:
            continue  # every few months, counted back from the newest
        x = label_w + j * step + step / 2
        parts.append(
            f'<text class="month" x="{x:.1f}" y="{axis_y + 12}" text-anchor="end" '
            f'transform="rotate(-45 {x:.1f} {axis_y + 12})">{m}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
