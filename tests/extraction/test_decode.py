"""Charset handling: declarations are evidence, validated before they are trusted."""

from __future__ import annotations

import codecs

from crawler.extraction import decode_body

TEXT = "关于做好2021年托育服务工作的通知，各区教育局、卫生健康委。"


def _page(charset_meta: str | None, text: str = TEXT) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>通知</title></head><body><p>{text}</p></body></html>"


def test_header_charset_is_used() -> None:
    body = _page(None).encode("gb18030")
    text, enc = decode_body(body, "text/html; charset=GBK")
    assert TEXT in text
    assert enc == "gb18030"


def test_gb2312_label_decodes_gbk_only_characters() -> None:
    # 镕 and 埇 are outside GB2312: a strict gb2312 codec would fail on them
    body = _page("gb2312", "朱镕基、埇桥区").encode("gb18030")
    text, enc = decode_body(body, None)
    assert "朱镕基、埇桥区" in text
    assert enc == "gb18030"


def test_meta_charset_when_no_header() -> None:
    body = _page("gbk").encode("gbk")
    text, enc = decode_body(body, None)
    assert TEXT in text
    assert enc == "gb18030"


def test_http_equiv_meta() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"</head><body>{TEXT}</body></html>"
    )
    text, _ = decode_body(html.encode("gb18030"), None)
    assert TEXT in text


def test_header_lies_utf8_but_bytes_are_gbk() -> None:
    body = _page("gbk").encode("gbk")
    text, enc = decode_body(body, "text/html; charset=utf-8")
    assert TEXT in text
    assert "\ufffd" not in text
    assert enc == "gb18030"


def test_meta_lies_gbk_but_bytes_are_utf8() -> None:
    body = _page("gbk").encode("utf-8")
    text, enc = decode_body(body, None)
    assert TEXT in text
    assert enc == "utf-8"


def test_latin1_header_on_utf8_page_is_not_trusted() -> None:
    body = _page(None).encode("utf-8")
    text, enc = decode_body(body, "text/html; charset=ISO-8859-1")
    assert TEXT in text
    assert enc == "utf-8"


def test_bom_wins_over_declarations() -> None:
    body = codecs.BOM_UTF8 + _page("gbk").encode("utf-8")
    text, enc = decode_body(body, "text/html; charset=gbk")
    assert TEXT in text
    assert enc == "utf-8"


def test_undeclared_gbk_is_detected() -> None:
    body = _page(None).encode("gbk")
    text, _ = decode_body(body, None)
    assert TEXT in text


def test_a_stray_bad_byte_does_not_reject_the_declared_codec() -> None:
    body = _page("utf-8").encode("utf-8").replace(b"<p>", b"<p>\xff")
    text, enc = decode_body(body, None)
    assert TEXT in text
    assert enc == "utf-8"


def test_unknown_label_falls_back_to_detection() -> None:
    body = _page("x-no-such-charset").encode("utf-8")
    text, enc = decode_body(body, "text/html; charset=nonsense")
    assert TEXT in text
    assert enc == "utf-8"


def test_empty_body() -> None:
    assert decode_body(b"", None) == ("", "utf-8")


def test_truncated_utf8_page_declared_gbk_stays_utf8() -> None:
    body = _page("gbk").encode("utf-8") + "通".encode()[:2]  # cut off mid-character
    text, enc = decode_body(body, None)
    assert TEXT in text
    assert enc == "utf-8"


def test_gbk_bytes_mislabelled_big5_are_read_as_gb18030() -> None:
    body = _page(None, TEXT * 5).encode("gbk")
    text, enc = decode_body(body, "text/html; charset=big5")
    assert TEXT in text
    assert enc == "gb18030"


def test_real_big5_page_is_kept() -> None:
    body = _page("big5", "電話開放大學關於托育服務").encode("big5")
    text, _ = decode_body(body, None)
    assert "電話開放大學關於托育服務" in text
