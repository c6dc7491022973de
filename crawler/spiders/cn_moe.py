"""教育部 (moe.gov.cn): the 信息公开 document columns.

- 中央文件 ``/jyb_xxgk/moe_1777/moe_1778/`` and 其他部门文件 ``/jyb_xxgk/moe_1777/moe_1779/``;
- 教育部文件, the ministry's own documents (学前教育 / 托育 notices of 基础教育司 among them): a TRS
  WAS search list, ``/was5/web/search?channelid=239993``, newest first, ``&page=N``;
- 公告公示 ``/jyb_xxgk/s5743/s5744/``.

Static columns list ``ul#list > li > a[title]`` + ``span`` (date) and page ``index.html``,
``index_1.html``… (an empty ``ul#page`` filled by a script from ``var recordCount`` /
``var pageSize``); the WAS list has ``div.scy_lbsj-right-nr ul li`` items and the same two
variables. Items link to ``jyb_`` pages (``.moe-detail-box``: ``h1``, ``.moe-detail-shuxing`` date
and 来源, ``.TRS_Editor``) and ``srcsite`` pages (``.details-policy-box#downloadContent``: ``h1``,
发文字号, ``.TRS_Editor``, attachments). The site is served over http; https links redirect there.
``/jyb_xwfb/s271/`` (政策解读) and ``/jyb_sjzl/s3165/`` (教育部简报) are not document columns.
"""

from __future__ import annotations

from crawler.spiders.contract import YMD, SiteContract
from crawler.spiders.families import TrsSpider


class CnMoeSpider(TrsSpider):
    name = "cn_moe"
    source_name = "教育部"
    region = "central"
    allowed_domains = ["www.moe.gov.cn"]
    start_urls = [
        "http://www.moe.gov.cn/jyb_xxgk/moe_1777/moe_1778/",  # 中央文件
        "http://www.moe.gov.cn/was5/web/search?channelid=239993",  # 教育部文件
        "http://www.moe.gov.cn/jyb_xxgk/moe_1777/moe_1779/",  # 其他部门文件
        "http://www.moe.gov.cn/jyb_xxgk/s5743/s5744/",  # 公告公示
    ]
    list_link_selector = "#list li a, .scy_lbsj-right-nr li a"
    article_url_pattern = r"/t\d{8}_\d+\.html$"
    field_selectors = {"body": "#downloadContent, .moe-detail-box .TRS_Editor"}
    contract = SiteContract(
        list_items=2,
        list_date=YMD,
        article_fields=("title", "publish_date", "body_text"),
        publishes_every_days=30,
        notes=(
            "Live static columns show 20 items a page (recordCount / pageSize = 20), the WAS "
            "教育部文件 list 15; a first page with at least 2 is healthy, as the fixture's. List "
            "dates are YYYY-MM-DD. 教育部文件 alone gets new documents weekly (2026 notes); 30 "
            "days is a generous bound for the four columns together."
        ),
    )
