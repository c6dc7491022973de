"""The keys the project's requests carry in ``request.meta`` (each ``pc_``-prefixed, beside
Scrapy's own), and the kinds of request.

The spiders set them; the middlewares read them (:mod:`crawler.middlewares.incremental`,
:mod:`crawler.middlewares.extraction`); the failure log records a URL with its request's kind.
"""

KIND = "pc_kind"
"""What a request fetches: :data:`LIST`, :data:`ARTICLE` or :data:`COLUMN`."""
LIST = "list"
"""A list page: its links are articles, and maybe the next list page."""
ARTICLE = "article"
"""An article page: it becomes a record."""
COLUMN = "column"
"""A column page read for the name of the JSON file of its list (``cn_gov``'s fallback)."""

RETRY = "pc_retry"
"""The attempts so far of the earlier failure this request retries."""
REVISIT = "pc_revisit"
"""A conditional revisit of a stored article (``If-None-Match`` / ``If-Modified-Since``)."""
PAGE = "pc_page"
"""The article page's record (or the extracted page, when it is not an article), made before its
callback runs (:class:`crawler.middlewares.extraction.ArticleExtractionMiddleware`)."""

JSON_FILE = "pc_json"
"""``cn_gov``: the JSON list file a column page is read for."""
FALLBACK = "pc_fallback"
"""``cn_gov``: a list request made from a column page's JSON file name (never a second time)."""
HANWEB_COLUMN = "pc_column"
"""Hanweb: the column page a dataproxy request belongs to (failures are recorded under it)."""
HANWEB_UNIT = "pc_hanweb"
"""Hanweb: the column's ``JpageUnit``, carried from group to group."""
POLICY_PAGE_URL = "pc_page_url"
"""``sh_policy``: the policy's page URL, on the detail API request sent in its place."""
