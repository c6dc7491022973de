"""国家卫健委: 人口监测与家庭发展司 托育服务 (the childcare department) and 政策文件."""

from __future__ import annotations

from crawler.spiders.families import TrsSpider


class CnNhcSpider(TrsSpider):
    name = "cn_nhc"
    source_name = "国家卫生健康委员会"
    region = "central"
    allowed_domains = ["www.nhc.gov.cn"]
    start_urls = [
        "https://www.nhc.gov.cn/rkjcyjtfzs/c100147/new_list.shtml",  # 托育服务
        "https://www.nhc.gov.cn/wjw/zcfg/list.shtml",  # 政策文件
    ]
    list_link_selector = "div.list ul li a"  # items //div[@class='list']//ul//li, both lists
    page_suffix_start = 2  # new_list.shtml, new_list_2.shtml / list.shtml, list_2.shtml, ...
