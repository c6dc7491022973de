"""The Hanweb (大汉 jpage) and Anhui (Ls.pagination) families read their paging from the page."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from scrapy import FormRequest
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.families.hanweb import (
    HanwebSpider,
    JpageUnit,
    column_units,
    js_object,
    pick_unit,
)
from crawler.spiders.families.lsgov import LsGovSpider, ls_pager
from crawler.spiders.meta_keys import HANWEB_UNIT

COLUMN = "https://jyt.example.gov.cn/col/col1001/index.html"
PARAM = (
    "{col:1,appid:1,webid:31,path:'/',columnid:1001,sourceContentType:1,unitid:'5001',"
    "webname:'某某省教育厅',permissiontype:0}"
)


def record(n: int) -> str:
    return (
        f"<record><![CDATA[<li><a href='/art/2026/11/{n}/art_1001_{n}.html' title='通知{n}'>"
        f"通知{n}</a><span>2026-11-{n:02d}</span></li>]]></record>"
    )


def embedded(records: str, script: str) -> str:
    return (
        '<html><body><div id="5001"><script type="text/xml"><datastore><nextgroup><![CDATA['
        '<a href="/module/jpage/dataproxy.jsp?page=1&appid=1&webid=31&path=/&columnid=1001'
        '&unitid=5001&permissiontype=0"></a>]]></nextgroup><recordset>'
        f"{records}</recordset></datastore></script></div><script>{script}</script>"
        "</body></html>"
    )


class Hanweb(HanwebSpider):
    name = "hanweb_test"
    source_name = "测试"
    region = "test"
    start_urls = [COLUMN]
    article_url_pattern = r"/art_1001_\d+\.html$"


def spider(mode: str = "incremental") -> Hanweb:
    crawler = get_crawler(Hanweb, {"EXTRACTION_WORKERS": 0})
    out = Hanweb.from_crawler(crawler, mode=mode)
    assert isinstance(out, Hanweb)
    return out


def page(body: str, url: str = COLUMN) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url))


def test_js_object_reads_flat_pairs_and_skips_nested_objects() -> None:
    body = (
        "themeName:'default',dataBefore:'<ul class=\"list\">',totalRecord:1418,"
        "dataStore:$('#5001 script').text(),ajaxParam:{col:1,webname:'甲,乙'},perPage:25"
    )
    assert js_object(body) == {
        "themeName": "default",
        "dataBefore": '<ul class="list">',
        "totalRecord": "1418",
        "dataStore": "$('#5001 script').text()",
        "ajaxParam": "",
        "perPage": "25",
    }


def test_the_form_comes_from_the_param_variable_named_by_ajax_param() -> None:
    script = (
        f"var param_5001 = {PARAM};\n$('#5001').jpage({{proxyUrl:'/module/jpage/dataproxy.jsp',"
        "perPage:15,groupSize:3,totalRecord:47,ajaxParam:param_5001});"
    )
    (unit,) = column_units(embedded(record(1) + record(2), script))
    assert len(unit.records) == 2
    assert (unit.proxy, unit.per_page, unit.group_size, unit.total) == (
        "/module/jpage/dataproxy.jsp",
        15,
        3,
        47,
    )
    assert list(unit.form) == [
        "col",
        "appid",
        "webid",
        "path",
        "columnid",
        "sourceContentType",
        "unitid",
        "webname",
        "permissiontype",
    ]
    assert unit.form["webname"] == "某某省教育厅" and unit.form["unitid"] == "5001"


def test_an_inline_ajax_param_wins_and_the_nextgroup_link_fills_the_gaps() -> None:
    script = (
        "$(function(){$('#5001').jpage({totalRecord:20,proxyUrl:'/module/web/jpage/dataproxy.jsp',"
        "ajaxParam:{col:1,columnid:1001,unitid:'5001'}});});"
    )
    (unit,) = column_units(embedded(record(1), script))
    assert unit.proxy == "/module/web/jpage/dataproxy.jsp"
    assert unit.form == {
        "col": "1",
        "columnid": "1001",
        "unitid": "5001",
        "appid": "1",
        "webid": "31",
        "path": "/",
        "permissiontype": "0",
    }


def test_the_unit_of_the_column_itself_is_picked() -> None:
    side = JpageUnit("9", records=["<li>x</li>"], form={"columnid": "7"})
    own = JpageUnit("5001", form={"columnid": "1001"})
    assert pick_unit([side, own], COLUMN) is own
    assert pick_unit([side, own], "https://x.gov.cn/col/col5/index.html") is side


def test_an_embedded_first_group_asks_for_the_second_as_a_capped_post() -> None:
    script = (
        f"var param_5001 = {PARAM};$('#5001').jpage({{proxyUrl:'/module/jpage/dataproxy.jsp',"
        "perPage:15,groupSize:3,totalRecord:47,ajaxParam:param_5001});"
    )
    out = list(spider().parse_list(page(embedded(record(2) + record(1), script))))
    articles = [r for r in out if r.meta.get("pc_kind") == "article"]
    assert [r.url for r in articles] == [
        "https://jyt.example.gov.cn/art/2026/11/2/art_1001_2.html",
        "https://jyt.example.gov.cn/art/2026/11/1/art_1001_1.html",
    ]
    (group,) = [r for r in out if r.meta.get("pc_kind") == "list"]
    assert isinstance(group, FormRequest) and group.method == "POST"
    assert group.url == (
        "https://jyt.example.gov.cn/module/jpage/dataproxy.jsp"
        "?startrecord=46&endrecord=47&perpage=15"
    )
    assert parse_qsl(group.body.decode())[:3] == [("col", "1"), ("appid", "1"), ("webid", "31")]
    assert group.meta["pc_column"] == COLUMN and group.cb_kwargs == {"page": 2, "group": 2}


def test_a_shell_asks_for_every_group_and_stops_at_the_total() -> None:
    shell = (
        '<html><body><div id="5001"></div><script>'
        f"var param_5001 = {PARAM};$('#5001').jpage({{perPage:10,groupSize:2,"
        "ajaxParam:param_5001});</script></body></html>"
    )
    hanweb = spider()
    (first,) = list(hanweb.parse_list(page(shell)))
    assert first.url.endswith(
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=20&perpage=10"
    )
    answer = "<datastore><totalrecord>25</totalrecord><recordset>" + record(3) + "</recordset>"
    xml = XmlResponse(first.url, body=answer.encode(), encoding="utf-8", request=first)
    out = list(hanweb.parse_list(xml, **first.cb_kwargs))
    second = [r for r in out if r.meta.get("pc_kind") == "list"]
    assert [r.url.split("?")[1] for r in second] == ["startrecord=21&endrecord=25&perpage=10"]
    last = XmlResponse(second[0].url, body=answer.encode(), encoding="utf-8", request=second[0])
    assert not [
        r for r in hanweb.parse_list(last, **second[0].cb_kwargs) if r.meta["pc_kind"] == "list"
    ]
    assert second[0].meta[HANWEB_UNIT].total == 25


def test_check_mode_takes_only_the_first_group_and_its_newest_article() -> None:
    script = f"var param_5001 = {PARAM};$('#5001').jpage({{totalRecord:99,ajaxParam:param_5001}});"
    out = list(spider("check").parse_list(page(embedded(record(2) + record(1), script))))
    assert [r.meta["pc_kind"] for r in out] == ["article"]


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("(0+1)", "https://jyt.example.gov.cn/content/column/3140?pageIndex=2"),
        ("(2+1)", None),
    ],
)
def test_the_ls_pager_names_the_next_page(current: str, expected: str | None) -> None:
    script = (
        'Ls.pagination("#page_3140", function(pageIndex){ location.href='
        "'https://jyt.example.gov.cn/content/column/3140?pageIndex=' + pageIndex;},"
        f"{{currPage: {current},pageCount:3}});"
    )
    assert ls_pager(script) is not None

    class Ls(LsGovSpider):
        name = "ls_test"
        source_name = "测试"
        region = "test"

    crawler = get_crawler(Ls)
    ls = Ls.from_crawler(crawler)
    response = page(f"<html><body><script>{script}</script></body></html>", COLUMN)
    assert ls.next_page_url(response, 1) == expected
