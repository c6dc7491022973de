"""Datasette plugin: the researcher's web view of the policy database (``make browse``).

Pages (templates in ``docs/datasette/templates``, queries in :mod:`crawler.research.web`):

- ``/``: the newest announcements, filtered by site, region or tag, with the subscription links
  (JSON Feed, Atom, OPML) of each;
- ``/<db>/articles/<id>``: the article view (Datasette's row page of ``articles``, with the
  record's fields as a labelled panel, the sanitised body, attachments, repost cluster and
  revisions);
- ``/-/search?q=``: full-text search ranked like ``crawler search`` (simplified or traditional);
- ``/-/health``: each site's last runs and a chart of announcements per month per site;
- ``/feeds/<file>``: the feed folder (``FEED_DIR``, default ``feeds/``) served read-only, unless
  ``FEED_BASE_URL`` says where the feeds are served, and ``/-/feeds.opml`` an OPML of the feeds of
  a selection, with absolute URLs.

Table views hide the bulky columns listed in the metadata (``plugins: policy-web:
hide_columns``) until ``?_show=all`` (one click: the link above each table), and JSON lists
(tags, issuers, problems) are shown as text rather than ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.parse
from functools import partial
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from crawler.research import web
from crawler.research.records import InputError
from crawler.research.search import MAX_LIMIT, query_terms
from crawler.research.search import search as ranked_search

PLUGIN = "policy-web"
DATABASE = "policy"
CONTENT_TYPES = {
    ".json": "application/feed+json; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
}
_engines: dict[str, Any] = {}


def _database(datasette: Any) -> Any:
    names = [n for n in datasette.databases if not n.startswith("_")]
    if not names:
        raise NotFound("no database is open")
    return datasette.get_database(DATABASE if DATABASE in names else names[0])


def _engine(db: Any) -> Any:
    """A read-only SQLAlchemy engine on the database file, one per file."""
    if db.path not in _engines:
        _engines[db.path] = web.readonly_engine(db.path)
    return _engines[db.path]


async def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A blocking query, off the event loop."""
    return await asyncio.to_thread(partial(fn, *args, **kwargs))


def _int_arg(request: Any, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.args.get(name) or default)
    except ValueError:
        value = default
    return max(low, min(value, high))


# ------------------------------------------------------------------------------------- the feeds


def feed_dir() -> Path:
    return Path(os.environ.get("FEED_DIR") or "feeds")


def feed_base(request: Any, *, absolute: bool = False) -> str:
    """Where the feed folder is served: FEED_BASE_URL, else this server's ``/feeds``."""
    configured = os.environ.get("FEED_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    if absolute:
        return f"{request.scheme}://{request.host}/feeds"
    return "/feeds"


def _feeds(request: Any, *, absolute: bool = False) -> dict[str, web.FeedLink] | None:
    index = web.read_feed_index(feed_dir())
    if index is None:
        return None
    return web.feed_links(index, feed_base(request, absolute=absolute))


def _opml_url(**selection: str | None) -> str:
    query = urllib.parse.urlencode({k: v for k, v in selection.items() if v})
    return "/-/feeds.opml" + (f"?{query}" if query else "")


def _selected_feeds(
    feeds: dict[str, web.FeedLink], choices: web.Choices | None, selection: dict[str, str | None]
) -> list[web.FeedLink]:
    """The feeds that hold a selection: a site's, a tag's, a region's sites', or all of them."""
    paths: list[str] = []
    if selection.get("site"):
        paths.append(web.site_feed_path(str(selection["site"])))
    if selection.get("tag"):
        paths.append(web.tag_feed_path(str(selection["tag"])))
    if selection.get("region") and choices is not None:
        paths += [
            web.site_feed_path(s.site) for s in choices.sites if s.region == selection["region"]
        ]
    if not any(selection.values()):
        return list(feeds.values())
    return [feeds[p] for p in paths if p in feeds]


async def feed_file(request: Any) -> Response:
    """A file of FEED_DIR (the feeds written by a crawl or ``crawler export feeds``)."""
    relative = urllib.parse.unquote(request.url_vars["path"])
    root = feed_dir().resolve()
    full = (root / relative).resolve()
    if not full.is_relative_to(root) or not full.is_file():
        raise NotFound(f"no feed {relative} in {feed_dir()}")
    body = await _run(full.read_bytes)
    content_type = CONTENT_TYPES.get(full.suffix, "application/octet-stream")
    return Response(body, content_type=content_type)


async def feeds_opml(request: Any, datasette: Any) -> Response:
    """An OPML of the feeds of ``?site=``, ``?region=`` or ``?tag=`` (all feeds without one)."""
    feeds = _feeds(request, absolute=True)
    if feeds is None:
        raise NotFound(f"no feeds in {feed_dir()}: run `crawler export feeds --out {feed_dir()}`")
    selection = {k: request.args.get(k) or None for k in ("site", "region", "tag")}
    choices = await _run(web.filter_choices, _engine(_database(datasette)))
    chosen = _selected_feeds(feeds, choices, selection)
    label = " · ".join(f"{k} {v}" for k, v in selection.items() if v) or "all"
    return Response(
        web.opml(f"policy-crawler feeds: {label}", chosen),
        content_type=CONTENT_TYPES[".opml"],
        headers={"content-disposition": 'inline; filename="feeds.opml"'},
    )


# ------------------------------------------------------------------------------------- the pages


async def front_page(request: Any, datasette: Any) -> Response:
    db = _database(datasette)
    engine = _engine(db)
    selection = {k: (request.args.get(k) or "").strip() or None for k in ("site", "region", "tag")}
    limit = _int_arg(request, "limit", web.DEFAULT_LIMIT, 1, web.MAX_LIMIT)
    articles = await _run(web.newest, engine, limit=limit, **selection)
    choices = await _run(web.filter_choices, engine)
    feeds = _feeds(request)
    selected = _selected_feeds(feeds, choices, selection) if feeds else []
    table_args = {}
    if selection["site"]:
        table_args["site"] = selection["site"]
    if selection["tag"]:
        table_args["tags__arraycontains"] = selection["tag"]
    context = {
        "database": db.name,
        "articles": articles,
        "choices": choices,
        "selection": selection,
        "limit": limit,
        "feeds": feeds,
        "selected_feeds": selected,
        "opml_url": _opml_url(**selection),
        "feed_dir": str(feed_dir()),
        "feed_base": feed_base(request),
        "site_feed_path": web.site_feed_path,
        "tag_feed_path": web.tag_feed_path,
        "opml_for": _opml_url,
        "table_url": datasette.urls.table(db.name, "articles")
        + ("?" + urllib.parse.urlencode(table_args) if table_args else ""),
    }
    html = await datasette.render_template("policy_front.html", context, request=request)
    return Response.html(html)


async def search_page(request: Any, datasette: Any) -> Response:
    db = _database(datasette)
    engine = _engine(db)
    q = (request.args.get("q") or "").strip()
    site = (request.args.get("site") or "").strip() or None
    limit = _int_arg(request, "limit", 50, 1, MAX_LIMIT)
    hits, terms, error = [], [], None
    if q:
        try:
            terms = query_terms(q)
            hits = await _run(ranked_search, engine, q, site=site, limit=limit)
        except InputError as exc:
            error = str(exc)
    choices = await _run(web.filter_choices, engine)
    context = {
        "database": db.name,
        "q": q,
        "site": site,
        "terms": terms,
        "hits": hits,
        "limit": limit,
        "error": error,
        "choices": choices,
        "table_search_url": datasette.urls.table(db.name, "articles")
        + "?"
        + urllib.parse.urlencode({"_search": q}),
    }
    html = await datasette.render_template("policy_search.html", context, request=request)
    return Response.html(html)


async def health_page(request: Any, datasette: Any) -> Response:
    db = _database(datasette)
    engine = _engine(db)
    runs = _int_arg(request, "runs", 5, 1, 50)
    months = _int_arg(request, "months", 36, 1, 240)
    sites = await _run(web.site_health, engine, runs)
    counts = await _run(web.monthly_counts, engine, months)
    context = {
        "database": db.name,
        "sites": sites,
        "runs": runs,
        "counts": counts,
        "chart": Markup(web.month_chart_svg(counts)),
    }
    html = await datasette.render_template("policy_health.html", context, request=request)
    return Response.html(html)


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    return [
        (r"^/$", front_page),
        (r"^/-/search$", search_page),
        (r"^/-/health$", health_page),
        (r"^/-/feeds\.opml$", feeds_opml),
        (r"^/feeds/(?P<path>.+)$", feed_file),
    ]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [
        {"href": "/", "label": "最新公告 · Newest"},
        {"href": "/-/search", "label": "检索 · Search"},
        {"href": "/-/health", "label": "站点状况 · Site health"},
    ]


# ------------------------------------------------------------------ the article view, the tables


@hookimpl
def extra_template_vars(
    template: str, database: str | None, table: str | None, view_name: str, request: Any,
    datasette: Any,
) -> Any:  # fmt: skip
    if request is None or database is None or table is None:
        return {}
    if view_name == "row" and table == "articles":

        async def article() -> dict[str, Any]:
            try:
                article_id = int(request.url_vars["pks"])
            except (KeyError, ValueError):
                return {"article": None}
            engine = _engine(datasette.get_database(database))
            return {"article": await _run(web.article_view, engine, article_id)}

        return article
    if view_name == "table":
        config = datasette.plugin_config(PLUGIN, database=database, table=table) or {}
        hideable = list(config.get("hide_columns") or [])
        show_all = request.args.get("_show") == "all"
        return {
            "policy_hideable_columns": hideable,
            "policy_hidden_columns": [] if show_all else hideable,
            "policy_show_all": show_all,
        }
    return {}


def _article_id(row: Any, table: str | None) -> Any:
    try:
        keys = row.keys()
        if table == "articles":
            return row["id"]
        if table == "revisions":
            return row["article_id"]
        if table is None and "id" in keys and "url" in keys:  # a query over articles
            return row["id"]
    except (IndexError, KeyError, AttributeError):
        return None
    return None


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    if not isinstance(value, str) or not value:
        return None
    if column == "title":
        article_id = _article_id(row, table)
        if article_id is not None:
            href = datasette.urls.row(database, "articles", article_id)
            return Markup('<a href="{}">{}</a>').format(href, value)
        return None
    if column == "url" and value.startswith(("http://", "https://")):
        # the host stands for the link in lists; the whole URL is its tooltip (and in the JSON)
        host = urllib.parse.urlsplit(value).netloc or value
        return Markup('<a class="url" href="{}" title="{}">{} ↗</a>').format(value, value, host)
    if value[0] in "[{" and "\\u" in value:
        try:
            decoded = json.loads(value)
        except ValueError:
            return None
        if table == "articles" and column == "tags" and isinstance(decoded, list):
            base = datasette.urls.table(database, "articles")
            links = [
                Markup('<a href="{}?{}">{}</a>').format(
                    base, urllib.parse.urlencode({"tags__arraycontains": t}), t
                )
                for t in decoded
            ]
            return Markup("、").join(links)
        if isinstance(decoded, list) and all(isinstance(v, str) for v in decoded):
            return ("；" if any(len(v) > 12 for v in decoded) else "、").join(decoded)
        return json.dumps(decoded, ensure_ascii=False)
    return None
