"""国家卫健委 (nhc.gov.cn): the 托育 columns of two departments, and 政策文件.

- 人口监测与家庭发展司 (``/rkjcyjtfzs/``): ``c100147`` and ``s9993``;
- 妇幼健康司 (``/fys/``): ``c100077`` and ``c100078``;
- 委 政策文件 ``/wjw/zcfg/list.shtml`` (its items link into the departments' directories).

All lists share one template: ``ul.zxxx_list > li > a[title]`` + ``span.ml`` (date), 24 items a
page, paged only by a ``createPageHTML('page_div', pages, current, 'new_list', 'shtml', records)``
script (``new_list.shtml``, ``new_list_2.shtml``…; ``list.shtml``, ``list_2.shtml``…). Articles:
meta ``ArticleTitle`` and ``PubDate`` (``YYYY-MM-DD HH:MM:SS``), ``div.tit``, ``div.source``
(发布时间 / 来源), body ``div.con#xw_box``.

The department's ``c100148`` column (托育 documents too) is not a section: the replay fixture
keeps its list as the site's HTTP 412 瑞数 JavaScript challenge, the blocked-site test page. Plain
clients get that challenge on the live site (see tests/fixtures/cn_nhc/README.md).
"""

from __future__ import annotations

from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import TrsSpider


class CnNhcSpider(TrsSpider):
    name = "cn_nhc"
    source_name = "国家卫生健康委员会"
    region = "central"
    allowed_domains = ["www.nhc.gov.cn"]
    start_urls = [
        "https://www.nhc.gov.cn/rkjcyjtfzs/c100147/new_list.shtml",  # 人口家庭司
        "https://www.nhc.gov.cn/rkjcyjtfzs/s9993/new_list.shtml",  # 人口家庭司
        "https://www.nhc.gov.cn/fys/c100077/new_list.shtml",  # 妇幼司
        "https://www.nhc.gov.cn/fys/c100078/new_list.shtml",  # 妇幼司
        "https://www.nhc.gov.cn/wjw/zcfg/list.shtml",  # 委 政策文件
    ]
    list_link_selector = "ul.zxxx_list li a"
    article_url_pattern = r"/\d{6}/[0-9a-f]{32}\.shtml$"
    page_suffix_start = 2  # new_list.shtml, new_list_2.shtml / list.shtml, list_2.shtml
    field_selectors = {"title": "div.list div.tit", "body": "#xw_box"}
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        article_fields=("title", "publish_date", "body_text"),
        publishes_every_days=30,
        notes=(
            "Live lists show 24 items a page (public crawlers of /wjw/zcfg/, 2026); a first page "
            "with at least 2 is healthy, as the fixture's. span.ml dates are YYYY-MM-DD. The "
            "托育 columns publish a few items a month, the five together at least monthly."
        ),
    )
