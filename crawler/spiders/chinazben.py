"""chinazben.com: a childcare-industry portal's news (the seed article's site).

No public code, issue or saved page describes this site's markup (tests/fixtures/chinazben/
README.md, Evidence): only the seed article's text is known (a meta line with author, date and
view count; pinyin readings after polyphonic characters; image file names leaking into the text;
traditional characters). Everything else here is *unverified*, so the spider leans on as little
of it as it can: the list's links come from the theme's post titles when they are there and else
from the generic list detection (any same-site link under ``/news/``, degraded mode); the next
page is any ``next`` link (WordPress ``a.next`` / ``rel="next"``); the article is left to the
generic extractor. A general news list, so only articles matching the topic vocabulary are kept.
"""

from __future__ import annotations

from crawler.spiders.base import PolicySpider
from crawler.spiders.contract import YMD, SiteContract


class ChinazbenSpider(PolicySpider):
    name = "chinazben"
    source_name = "chinazben"
    region = "shanghai"
    allowed_domains = ["www.chinazben.com", "chinazben.com"]
    start_urls = ["https://www.chinazben.com/news/"]
    list_link_selector = "article h2 a"
    article_url_pattern = r"^https?://(?:www\.)?chinazben\.com/news/(?!page/|category/|tag/)[^?#]+$"
    next_page_selector = (
        "//link[@rel='next']/@href | //a[@rel='next']/@href"
        " | //a[contains(concat(' ', normalize-space(@class), ' '), ' next ')]/@href"
    )
    require_tags = True
    contract = SiteContract(
        list_items=1,
        list_date=YMD,
        publishes_every_days=120,
        notes=(
            "Unverified: the list size and the publishing rate are unknown; the seed article "
            "(2021-11-21) shows YYYY-MM-DD dates. A company news column: new items are rare."
        ),
    )
