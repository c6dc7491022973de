"""Property tests: normalisers are idempotent and total; the extractor never raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extraction import decode_body, extract_from_bytes
from crawler.extraction import normalize as n

if TYPE_CHECKING:
    from collections.abc import Callable

# text mixing CJK, pinyin tone marks, brackets, digits, separators and odd whitespace
_ALPHABET = st.sampled_from(
    list("国务院办公厅教育部通知发布时间年月日号〔〕[]()（）【】﹝﹞：:、，。 \n\t\u3000\xa0\u200b")
    + list("0123456789０１２３-/.T+Z")
    + list("diànhuàkāifàngdà")
    + [
        "打印本页",
        "关闭窗口",
        "分享到",
        "截屏2021-12-02 下午4.55.03.png",
        "浏览次数：12",
        "二〇",
        "十",
    ]
)
TEXT = st.one_of(st.text(), st.lists(_ALPHABET, max_size=40).map("".join))

STR_NORMALISERS: list[Callable[[str], str]] = [
    n.clean_text,
    n.fullwidth_digits,
    n.strip_pinyin_readings,
    n.strip_artifact_lines,
    n.strip_boilerplate_lines,
    n.to_simplified,
]
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("fn", STR_NORMALISERS, ids=lambda f: f.__name__)
@PROPS
@given(text=TEXT)
def test_string_normalisers_are_idempotent(fn: Callable[[str], str], text: str) -> None:
    once = fn(text)
    assert isinstance(once, str)
    assert fn(once) == once


@PROPS
@given(text=TEXT)
def test_parse_date_is_idempotent(text: str) -> None:
    once = n.parse_date(text)
    if once is not None:
        assert n.parse_date(once) == once
        assert len(once) == 10 or once.endswith("+08:00")


@PROPS
@given(text=TEXT)
def test_normalize_doc_number_is_idempotent(text: str) -> None:
    once = n.normalize_doc_number(text)
    if once is not None:
        assert n.normalize_doc_number(once) == once


@PROPS
@given(text=TEXT)
def test_parse_doc_number_never_raises(text: str) -> None:
    doc = n.parse_doc_number(text)
    if doc is not None:
        assert doc.sequence >= 0


@PROPS
@given(text=TEXT)
def test_split_issuers_is_idempotent(text: str) -> None:
    parts = n.split_issuers(text)
    assert all(parts)
    assert n.split_issuers("、".join(parts)) == parts


_HTMLISH = st.lists(
    st.sampled_from(
        [
            b"<html>",
            b"<head>",
            b'<meta charset="gbk">',
            b"<title>",
            b"</title>",
            b"<body>",
            b"<div class='content'>",
            b"</div>",
            b"<p>",
            b"</p>",
            b"<a href='/x/1.html'>",
            b"</a>",
            b"<table><tr><td>",
            "索引号：".encode(),
            "发布时间：2021-11-21".encode("gbk"),
            "通知公告内容，".encode(),
            "通知公告内容，".encode("gbk"),
            b"<script type='text/xml'><![CDATA[<li><a href='a.html'>x</a></li>]]></script>",
            b"\xff\xfe",
            b"\xef\xbb\xbf",
            b"</html>",
            b"<!--",
            b"<?xml version='1.0' encoding='utf-8'?>",
        ]
    ),
    max_size=30,
).map(b"".join)
BYTES = st.one_of(st.binary(max_size=2000), _HTMLISH)
HEADERS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            {"Content-Type": "text/html; charset=utf-8"},
            {"Content-Type": "text/html; charset=gbk"},
            {b"Content-Type": b"text/html; charset=nonsense"},
            {"content-type": "application/pdf"},
        ]
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BYTES, headers=HEADERS, kind=st.sampled_from([None, "article", "list"]))
def test_extract_from_bytes_never_raises(
    body: bytes, headers: dict[str, str] | None, kind: str | None
) -> None:
    page = extract_from_bytes(body, "https://example.gov.cn/a/b.html", headers, kind=kind)
    assert page.kind in {"article", "list", "not_article"}
    assert page.reason is None or page.kind == "not_article"
    assert page.reason is None or not page.reason.startswith("extraction failed")


@PROPS
@given(body=st.binary(max_size=3000), ctype=st.one_of(st.none(), st.text(max_size=40)))
def test_decode_body_never_raises(body: bytes, ctype: str | None) -> None:
    text, encoding = decode_body(body, ctype)
    assert isinstance(text, str)
    assert encoding
