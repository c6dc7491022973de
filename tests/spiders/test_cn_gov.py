"""gov.cn spiders: the column JSON files (cap, fallback to the column page) and the policy
search API (flat ``listVO``, ``catMap`` fallback, ``code`` 1001, 0-based paging)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.cn_gov import CnGovSpider
from crawler.spiders.cn_gov_policylib import API, CnGovPolicylibSpider
from tests.support.paths import FIXTURES

ZUIXIN_JSON = "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json"


def spider(cls: Any, tmp_path: Path, **kwargs: Any) -> Any:
    crawler = get_crawler(cls, {"DATABASE_URL": f"sqlite:///{tmp_path / 'policy.db'}"})
    crawler.stats.open_spider()
    return cls.from_crawler(crawler, **kwargs)


def json_response(url: str, data: Any, meta: dict[str, Any] | None = None) -> TextResponse:
    request = Request(url, meta=meta or {"pc_kind": "list"})
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    return TextResponse(url, body=body, headers=headers, request=request)


def rows(n: int) -> list[dict[str, str]]:
    return [
        {
            "TITLE": f"通知{i}",
            "SUB_TITLE": "",
            "URL": f"https://www.gov.cn/zhengce/content/202411/content_{7000000 - i}.htm",
            "DOCRELPUBTIME": "2024-11-28",
        }
        for i in range(n)
    ]


def articles(outputs: list[Request]) -> list[str]:
    return [r.url for r in outputs if r.meta.get("pc_kind") == "article"]


def test_a_run_takes_the_newest_rows_of_a_column_file(tmp_path: Path) -> None:
    gov = spider(CnGovSpider, tmp_path)
    found = articles(list(gov.parse_list(json_response(ZUIXIN_JSON, rows(100)))))
    assert len(found) == CnGovSpider.max_records
    assert found[0].endswith("content_7000000.htm")  # newest first, as the file lists them
    assert gov.stats.get_value("list/records_over_cap") == 100 - CnGovSpider.max_records


def test_backfill_takes_every_row(tmp_path: Path) -> None:
    gov = spider(CnGovSpider, tmp_path, mode="backfill")
    assert len(articles(list(gov.parse_list(json_response(ZUIXIN_JSON, rows(100)))))) == 100


def test_a_file_that_is_not_a_json_array_sends_the_spider_to_the_column_page(
    tmp_path: Path,
) -> None:
    gov = spider(CnGovSpider, tmp_path)
    html = b"<html><body>\xe9\xa1\xb5\xe9\x9d\xa2\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</body></html>"
    request = Request(ZUIXIN_JSON, meta={"pc_kind": "list"})
    response = HtmlResponse(ZUIXIN_JSON, body=html, request=request, encoding="utf-8")
    (column,) = list(gov.parse_list(response))
    assert column.url == "https://www.gov.cn/zhengce/zuixin/"
    assert column.meta == {"pc_kind": "column", "pc_json": ZUIXIN_JSON}
    assert gov.stats.get_value("list/empty") == 1  # still reported: the file changed


def test_the_column_page_script_names_the_current_json_file(tmp_path: Path) -> None:
    gov = spider(CnGovSpider, tmp_path)
    page = (FIXTURES / "cn_gov" / "pages" / "jiedu_index.html").read_bytes()
    url = "https://www.gov.cn/zhengce/jiedu/"
    old = url + "ZCJD_OLD.json"
    request = Request(url, meta={"pc_kind": "column", "pc_json": old})
    (listed,) = gov.parse_column(HtmlResponse(url, body=page, request=request))
    assert listed.url == url + "ZCJD_QZ.json"
    assert listed.meta["pc_kind"] == "list" and listed.meta["pc_fallback"]
    # a fallback list is not sent to the column page again
    assert gov.column_request(listed) is None
    # the page still naming the file that failed: nothing more to try
    request = Request(url, meta={"pc_kind": "column", "pc_json": url + "ZCJD_QZ.json"})
    assert gov.parse_column(HtmlResponse(url, body=page, request=request)) == []


def api(**kwargs: Any) -> dict[str, Any]:
    record = {
        "title": "国务院办公厅关于<em>托育</em>的通知",
        "url": "https://www.gov.cn/zhengce/content/202412/content_7003215.htm",
        "pcode": "国办发〔2024〕58号",
        "puborg": "国务院办公厅",
        "pubtimeStr": "2024.12.05",
        "ptime": 1733328000000,
    }
    return {"code": 200, "msg": "操作成功", "searchVO": {"listVO": [record], **kwargs}}


def test_policy_api_records_are_read_from_the_flat_list(tmp_path: Path) -> None:
    lib = spider(CnGovPolicylibSpider, tmp_path)
    (article,) = list(lib.parse_list(json_response(API.format(cat="gw"), api(totalpage=1))))
    assert article.cb_kwargs["listed"] == {
        "title": "国务院办公厅关于托育的通知",
        "doc_number": "国办发〔2024〕58号",
        "issuer": "国务院办公厅",
        "index_number": None,
        "topic": None,
        "publish_date": "2024-12-05",
    }


def test_policy_api_records_grouped_by_category_are_read_too(tmp_path: Path) -> None:
    lib = spider(CnGovPolicylibSpider, tmp_path)
    data = api()
    listed = data["searchVO"].pop("listVO")
    data["searchVO"]["catMap"] = {"gongwen": {"listVO": listed, "totalCount": 1}}
    assert len(articles(list(lib.parse_list(json_response(API.format(cat="gw"), data))))) == 1


def test_a_null_pubtime_string_falls_back_to_ptime(tmp_path: Path) -> None:
    lib = spider(CnGovPolicylibSpider, tmp_path)
    data = api(totalpage=1)
    data["searchVO"]["listVO"][0]["pubtimeStr"] = None
    (article,) = list(lib.parse_list(json_response(API.format(cat="gw"), data)))
    assert article.cb_kwargs["listed"]["publish_date"] == "2024-12-05"  # 00:00 Beijing


@pytest.mark.parametrize(
    ("page", "totalpage", "next_page"), [(0, 3, "1"), (1, 3, "2"), (2, 3, None)]
)
def test_policy_api_pages_count_from_zero(
    tmp_path: Path, page: int, totalpage: int, next_page: str | None
) -> None:
    lib = spider(CnGovPolicylibSpider, tmp_path)
    url = API.format(cat="bm").replace("&p=0&", f"&p={page}&")
    outputs = list(lib.parse_list(json_response(url, api(totalpage=totalpage)), page=page + 1))
    following = [r for r in outputs if r.meta.get("pc_kind") == "list"]
    if next_page is None:
        assert following == []
    else:
        (request,) = following
        assert f"&p={next_page}&" in request.url and "t=zhengcelibrary_bm" in request.url
        assert request.cb_kwargs == {"page": page + 2}


def test_code_1001_is_no_hits_not_a_layout_change(tmp_path: Path) -> None:
    lib = spider(CnGovPolicylibSpider, tmp_path)
    answer = {"code": 1001, "msg": "未检索到数据"}
    assert list(lib.parse_list(json_response(API.format(cat="bm"), answer))) == []
    stats = lib.stats
    assert stats.get_value("list/no_hits") == 1 and stats.get_value("list/pages") == 1
    assert stats.get_value("list/empty") is None


def test_a_file_that_answers_an_http_error_sends_the_spider_to_the_column_page(
    tmp_path: Path,
) -> None:
    from unittest.mock import Mock

    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    gov = spider(CnGovSpider, tmp_path)
    gov.crawler.engine = Mock()
    request = gov.list_request(ZUIXIN_JSON, page=1)
    response = TextResponse(ZUIXIN_JSON, status=404, body=b"Not Found", request=request)
    failure = Failure(HttpError(response))
    failure.request = request  # type: ignore[attr-defined]
    gov.on_error(failure)
    assert gov.stats.get_value("failures/recorded/HTTP 404") == 1  # recorded as before
    (column,), _ = gov.crawler.engine.crawl.call_args
    assert column.url == "https://www.gov.cn/zhengce/zuixin/"
    assert column.callback == gov.parse_column
