"""浙江省教育厅 (Zhejiang Provincial Department of Education): 通知公告, a Hanweb column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from crawler.spiders.families import HanwebSpider


class ZjJytSpider(HanwebSpider):
    name = "zj_jyt"
    source_name = "浙江省教育厅"
    region = "zhejiang"
    allowed_domains = ["jyt.zj.gov.cn"]
    dataproxy_path = "/module/jpage/dataproxy.jsp"
    group_size = 3
    columns: ClassVar[Mapping[str, Mapping[str, str]]] = {
        "https://jyt.zj.gov.cn/col/col1229266336/index.html": {
            "col": "1",
            "appid": "1",
            "webid": "3099",
            "path": "/",
            "columnid": "1229266336",
            "unitid": "5773637",
            "webname": "浙江省教育厅",
            "permissiontype": "0",
        },
    }
