"""教育部 (Ministry of Education): TRS static lists of three sections.

- 通知公告 ``/jyb_xwfb/s271/``;
- 政策文件 ``/jyb_sjzl/s3165/``;
- 基础教育司 通知 ``/s78/A06/tongzhi/`` (学前教育 and 托育 notices come from 基础教育司, A06).

All three share the TRS list template (``#list li`` items, ``createPageHTML`` pagination).
Their items link to ``jyb_`` pages (``.moe-detail-box``) and ``srcsite`` 信息公开 pages (info
table), which the generic extractor reads alike. An article listed in several sections is
fetched once.
"""

from __future__ import annotations

from crawler.spiders.families import TrsSpider


class CnMoeSpider(TrsSpider):
    name = "cn_moe"
    source_name = "教育部"
    region = "central"
    allowed_domains = ["www.moe.gov.cn"]
    start_urls = [
        "https://www.moe.gov.cn/jyb_xwfb/s271/",  # 通知公告
        "https://www.moe.gov.cn/jyb_sjzl/s3165/",  # 政策文件
        "https://www.moe.gov.cn/s78/A06/tongzhi/",  # 基础教育司 通知
    ]
    list_link_selector = "#list li a"
