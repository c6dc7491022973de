"""Offline replay answers by method + URL (+ body), with the stored status, headers and bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import FormRequest, HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares.replay import ReplayError, ReplayMiddleware

GBK_PAGE = "<html><head><meta charset=gbk><title>托育通知</title></head><body>正文</body></html>"


def make_fixture(root: Path, entries: list[dict[str, object]]) -> Path:
    folder = root / "site"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "gbk.html").write_bytes(GBK_PAGE.encode("gbk"))
    (folder / "pages" / "p2.xml").write_bytes(b"<datastore><record>2</record></datastore>")
    (folder / "responses.json").write_text(json.dumps(entries), encoding="utf-8")
    return root


ENTRIES: list[dict[str, object]] = [
    {
        "url": "https://jyt.example.gov.cn/col/col1/index.html?b=2&a=1",
        "status": 200,
        "headers": {"Content-Type": "text/html; charset=GBK"},
        "file": "pages/gbk.html",
    },
    {
        "method": "POST",
        "url": "https://jyt.example.gov.cn/module/jpage/dataproxy.jsp?startrecord=16",
        "body": "col=1&columnid=1",
        "headers": {"Content-Type": "text/xml; charset=utf-8"},
        "file": "pages/p2.xml",
    },
    {
        "url": "https://jyt.example.gov.cn/old.html",
        "status": 301,
        "headers": {"Location": "https://jyt.example.gov.cn/new.html"},
    },
]


def middleware(root: Path) -> ReplayMiddleware:
    crawler = get_crawler(Spider, {"REPLAY_DIR": str(root)})
    return ReplayMiddleware.from_crawler(crawler)


def test_get_returns_the_stored_raw_bytes_and_headers(tmp_path: Path) -> None:
    mw = middleware(make_fixture(tmp_path, ENTRIES))
    # query order differs from the manifest: canonical URLs match
    response = mw.process_request(Request("https://jyt.example.gov.cn/col/col1/index.html?a=1&b=2"))
    assert isinstance(response, HtmlResponse)
    assert response.status == 200
    assert response.body == GBK_PAGE.encode("gbk")
    assert response.headers[b"Content-Type"] == b"text/html; charset=GBK"
    assert "托育通知" in response.text


def test_post_is_matched_by_its_body(tmp_path: Path) -> None:
    mw = middleware(make_fixture(tmp_path, ENTRIES))
    url = "https://jyt.example.gov.cn/module/jpage/dataproxy.jsp?startrecord=16"
    hit = mw.process_request(FormRequest(url, formdata={"col": "1", "columnid": "1"}))
    miss = mw.process_request(FormRequest(url, formdata={"col": "1", "columnid": "2"}))
    assert hit.status == 200 and b"<record>2</record>" in hit.body
    assert miss.status == 404


def test_redirects_are_replayed_without_a_body(tmp_path: Path) -> None:
    mw = middleware(make_fixture(tmp_path, ENTRIES))
    response = mw.process_request(Request("https://jyt.example.gov.cn/old.html"))
    assert response.status == 301
    assert response.headers[b"Location"] == b"https://jyt.example.gov.cn/new.html"


def test_unknown_url_is_a_404_and_a_warning_never_the_network(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mw = middleware(make_fixture(tmp_path, ENTRIES))
    response = mw.process_request(Request("https://jyt.example.gov.cn/unknown.html"))
    assert response.status == 404
    assert "no stored response for GET https://jyt.example.gov.cn/unknown.html" in caplog.text


def test_replay_is_off_without_replay_dir() -> None:
    with pytest.raises(NotConfigured):
        ReplayMiddleware.from_crawler(get_crawler(Spider, {"REPLAY_DIR": ""}))


def test_a_manifest_naming_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    root = make_fixture(tmp_path, [{"url": "https://a.example/", "file": "pages/nope.html"}])
    with pytest.raises(ReplayError, match=r"missing file pages/nope\.html"):
        middleware(root)
