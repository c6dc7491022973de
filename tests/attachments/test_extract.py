"""Text from every kind of attachment, written by the tests themselves (tests/attachments/samples),
and hostile files recorded as failures with their reasons, in bounded worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.attachments.detect import sniff
from crawler.attachments.extract import (
    ENCRYPTED,
    FAILED,
    IMAGE_ONLY,
    OK,
    TRUNCATED,
    Limits,
    extract_bytes,
    join_broken_lines,
)
from crawler.attachments.sandbox import Extractor
from tests.attachments import samples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_a_chinese_pdf_is_read_page_by_page() -> None:
    data = samples.pdf([["托育机构设置标准", "第一条　为规范托育机构设置"], ["第二页：婴幼儿照护"]])
    result = extract_bytes(data)
    assert (result.status, result.media_type, result.page_count) == (OK, "application/pdf", 2)
    assert "托育机构设置标准\n第一条　为规范托育机构设置" in (result.text or "")
    assert "第二页：婴幼儿照护" in (result.text or "")


def test_a_pdf_only_restricted_by_its_owner_is_read() -> None:
    result = extract_bytes(samples.pdf([["禁止复制的通知"]], owner="owner-only"))
    assert (result.status, result.text) == (OK, "禁止复制的通知")


def test_a_pdf_with_a_user_password_is_encrypted() -> None:
    result = extract_bytes(samples.pdf([["加密文件"]], user_password="secret"))
    assert result.status == ENCRYPTED
    assert "password" in (result.reason or "")


def test_a_scanned_pdf_is_image_only() -> None:
    result = extract_bytes(samples.image_only_pdf())
    assert (result.status, result.text, result.page_count) == (IMAGE_ONLY, "", 1)
    assert "no OCR" in (result.reason or "")


def test_docx_paragraphs_and_tables_in_document_order() -> None:
    data = samples.docx(
        ["关于报送名单的通知", "请于月底前报送。"], [["序号", "幼儿园"], ["1", "阳光幼儿园"]]
    )
    result = extract_bytes(data)
    assert result.status == OK
    assert result.text == "关于报送名单的通知\n请于月底前报送。\n序号\t幼儿园\n1\t阳光幼儿园"


def test_xlsx_every_sheet_row_by_row() -> None:
    data = samples.xlsx(
        {"名单": [["序号", "名称", "托位"], [1, "托育中心", 80.0]], "说明": [["备注"]]}
    )
    result = extract_bytes(data)
    assert (result.status, result.page_count) == (OK, 2)
    assert result.text == "名单\n序号\t名称\t托位\n1\t托育中心\t80\n\n说明\n备注"


@pytest.mark.parametrize("prefix", ["ofd", "", "x"])
def test_ofd_text_objects_in_reading_order_whatever_the_namespace_prefix(prefix: str) -> None:
    data = samples.ofd([["国务院办公厅文件", "国办发〔2024〕52号"], ["第二页正文"]], prefix=prefix)
    result = extract_bytes(data)
    assert (result.status, result.media_type, result.page_count) == (OK, "application/ofd", 2)
    assert result.text == "国务院办公厅文件\n国办发〔2024〕52号\n\n第二页正文"


def test_zip_members_each_read_under_its_name() -> None:
    data = samples.zip_archive(
        {
            "附件1.docx": samples.docx(["压缩包中的文档"]),
            "附件2.pdf": samples.pdf([["压缩包中的PDF"]]),
        }
    )
    result = extract_bytes(data)
    assert (result.status, result.page_count) == (OK, 2)
    assert result.text == "== 附件1.docx ==\n压缩包中的文档\n\n== 附件2.pdf ==\n压缩包中的PDF"


@pytest.mark.parametrize(
    ("path", "kind", "media"),
    [
        ("cn_nhc/pages/attachment_2.wps", "doc", "application/msword"),
        ("js_jyt/pages/attachment_3.xls", "xls", "application/vnd.ms-excel"),
    ],
)
def test_word97_wps_and_xls_fixture_files(path: str, kind: str, media: str) -> None:
    """The WPS and XLS fixtures (converted from generated files by LibreOffice): WPS text through
    antiword/catdoc, XLS through calamine."""
    data = (FIXTURES / path).read_bytes()
    assert sniff(data) == kind
    result = extract_bytes(data)
    assert (result.status, result.media_type) == (OK, media), result.reason
    assert "附件专有词" in (result.text or "")


def test_a_file_is_read_by_its_bytes_not_its_name() -> None:
    """A PDF served as ``.docx`` (a wrong extension) is read as the PDF it is."""
    result = extract_bytes(samples.pdf([["扩展名不对的文件"]]))
    assert (result.status, result.media_type, result.text) == (
        OK,
        "application/pdf",
        "扩展名不对的文件",
    )


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    result = extract_bytes(
        samples.zip_bomb(64 * 1024 * 1024), Limits(max_unpacked=16 * 1024 * 1024)
    )
    assert result.status == FAILED
    assert "zip bomb" in (result.reason or "")


def test_a_truncated_pdf_is_a_failure_with_its_reason() -> None:
    data = samples.pdf([["托育服务"] * 20] * 3)
    result = extract_bytes(data[: len(data) // 3])
    assert result.status == FAILED
    assert "not a readable PDF" in (result.reason or "")


def test_a_pdf_whose_page_tree_is_a_cycle_ends() -> None:
    result = extract_bytes(samples.cyclic_pdf())
    assert result.status in (OK, FAILED)
    assert result.text in (None, "")
    assert result.reason


def test_ten_thousand_sheets_are_read_up_to_the_page_limit() -> None:
    result = extract_bytes(samples.many_sheets_xlsx(10_000), Limits(max_pages=100))
    assert (result.status, result.page_count) == (TRUNCATED, 10_000)
    assert result.reason == "read the first 100 of 10000 sheets"


def test_text_is_cut_at_the_character_limit_and_says_so() -> None:
    result = extract_bytes(samples.docx(["托育" * 500]), Limits(max_chars=100))
    assert (result.status, len(result.text or "")) == (TRUNCATED, 100)
    assert "text cut at 100 characters" in (result.reason or "")


def test_a_line_broken_by_the_layout_is_joined_a_finished_one_is_not() -> None:
    text = (
        "各地要加快发展普惠托育服务体系，支持用人单位\n办托。\n二、保障措施\n各地要加强组织领导。"
    )
    assert join_broken_lines(text) == (
        "各地要加快发展普惠托育服务体系，支持用人单位办托。\n二、保障措施\n各地要加强组织领导。"
    )


def test_the_sandbox_reads_files_in_a_worker_and_kills_one_that_overruns() -> None:
    data = samples.pdf([["托育服务"]])
    with Extractor(1) as extractor:
        assert extractor.run(data).text == "托育服务"
        first = extractor.pids()
        assert first and first[0] > 0
    with Extractor(1, seconds=0.0001) as extractor:
        result = extractor.run(data)
        assert (result.status, result.reason) == (FAILED, "took longer than 0.0001 s")
        assert extractor.pids() == []  # killed; the next file gets a new worker
        result = extractor.run(b"not a known file")
    assert result.status == FAILED


def test_a_worker_that_runs_out_of_memory_costs_only_its_file() -> None:
    """A ZIP within the unpacked-size limit whose member needs more memory than a worker has:
    the file fails with the reason, the worker is replaced, the next file is read."""
    bomb = samples.zip_bomb(200 * 1024 * 1024)
    with Extractor(1, memory_mb=64, seconds=60) as extractor:
        result = extractor.run(bomb)
        assert result.status == FAILED
        assert "memory" in (result.reason or "") or "died" in (result.reason or ""), result.reason
        assert extractor.run(samples.pdf([["之后的文件"]])).text == "之后的文件"


def test_rar_members_are_read_through_the_distributions_tool() -> None:
    """RAR through rarfile and unar/unrar/bsdtar (tests/support/provision.sh installs unar)."""
    archive = samples.rar({"名单.txt": "阳光托育园\n".encode(), "说明.txt": "附件说明\n".encode()})
    result = extract_bytes(archive)
    assert (result.status, result.media_type, result.page_count) == (OK, "application/vnd.rar", 2)
    assert "== 名单.txt ==\n阳光托育园" in (result.text or "")
    assert "== 说明.txt ==\n附件说明" in (result.text or "")


def test_plain_text_in_utf8_or_gb18030() -> None:
    for encoding in ("utf-8", "gb18030"):
        result = extract_bytes("序号,托育机构\n1,阳光托育园\n".encode(encoding))
        assert (result.status, result.media_type) == (OK, "text/plain")
        assert result.text == "序号,托育机构\n1,阳光托育园"
    assert extract_bytes(bytes(range(256))).status == "unsupported"
