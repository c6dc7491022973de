"""江苏省教育厅 (Jiangsu Provincial Department of Education): 通知公告, a Hanweb column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from crawler.spiders.families import HanwebSpider


class JsJytSpider(HanwebSpider):
    name = "js_jyt"
    source_name = "江苏省教育厅"
    region = "jiangsu"
    allowed_domains = ["jyt.jiangsu.gov.cn"]
    group_size = 1
    columns: ClassVar[Mapping[str, Mapping[str, str]]] = {
        "https://jyt.jiangsu.gov.cn/col/col58320/index.html": {
            "col": "1",
            "appid": "1",
            "webid": "27",
            "path": "/",
            "columnid": "58320",
            "sourceContentType": "1",
            "unitid": "387441",
            "webname": "江苏省教育厅",
            "permissiontype": "0",
        },
    }
