"""One small test per normaliser behaviour."""

from __future__ import annotations

import pytest

from crawler.extraction.normalize import (
    DocNumber,
    clean_text,
    fullwidth_digits,
    normalize_doc_number,
    parse_date,
    parse_doc_number,
    split_issuers,
    strip_artifact_lines,
    strip_boilerplate_lines,
    strip_pinyin_readings,
    to_simplified,
)

# ------------------------------------------------------------------------------- clean_text


def test_clean_text_ideographic_and_nbsp_spaces_become_one_space() -> None:
    assert clean_text("第一条\u3000\u3000内容\xa0\xa0结束") == "第一条 内容 结束"


def test_clean_text_removes_zero_width_characters() -> None:
    assert clean_text("通\u200b知\ufeff公\u200d告") == "通知公告"


def test_clean_text_keeps_paragraph_newlines_and_drops_blank_lines() -> None:
    assert clean_text("  第一段  \r\n\n\n 第二段\n") == "第一段\n第二段"


def test_fullwidth_digits() -> None:
    assert fullwidth_digits("２０２１年１１月") == "2021年11月"


# ------------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021年11月21日", "2021-11-21"),
        ("2021年1月2日", "2021-01-02"),
        ("2021/11/21", "2021-11-21"),
        ("2021.11.21", "2021-11-21"),
        ("二〇二一年十一月二十一日", "2021-11-21"),
        ("二〇二〇年一月三十日", "2020-01-30"),
        ("发布时间：2021-11-21", "2021-11-21"),
        ("２０２１年１１月２１日", "2021-11-21"),
    ],
)
def test_parse_date_day_only(text: str, expected: str) -> None:
    assert parse_date(text) == expected


def test_parse_date_keeps_a_given_time_in_shanghai_time() -> None:
    assert parse_date("2021-11-21 10:30") == "2021-11-21T10:30+08:00"


def test_parse_date_govcn_meta_format_with_seconds() -> None:
    assert parse_date("2021-11-21-17:30:12") == "2021-11-21T17:30:12+08:00"


def test_parse_date_converts_utc_to_shanghai() -> None:
    assert parse_date("2019-09-06T20:30:00Z") == "2019-09-07T04:30:00+08:00"


def test_parse_date_chinese_time_units() -> None:
    assert parse_date("2021年11月21日 10时05分") == "2021-11-21T10:05+08:00"


def test_parse_date_never_invents_a_time() -> None:
    assert parse_date("发布日期：2021年11月21日 来源：教育部") == "2021-11-21"


@pytest.mark.parametrize("text", ["", "没有日期", "2021-13-40", "1234-05-06", "2021年"])
def test_parse_date_none_when_no_valid_date(text: str) -> None:
    assert parse_date(text) is None


# ------------------------------------------------------------------------------- 文号


@pytest.mark.parametrize(
    "raw",
    [
        "国办发〔2019〕15号",
        "国办发[2019]15号",
        "国办发(2019)15号",
        "国办发（2019）15号",
        "国办发［2019］15号",
        "国办发﹝2019﹞15号",
        "国办发【2019】15号",
        " 国办发 〔2019〕 15号 ",
    ],
)
def test_normalize_doc_number_brackets(raw: str) -> None:
    assert normalize_doc_number(raw) == "国办发〔2019〕15号"


def test_normalize_doc_number_without_year_is_kept() -> None:
    assert normalize_doc_number("国令第707号") == "国令第707号"


def test_normalize_doc_number_empty_is_none() -> None:
    assert normalize_doc_number(" \u3000 ") is None


def test_parse_doc_number_parts() -> None:
    assert parse_doc_number("沪教委规[2020]3号") == DocNumber("沪教委规", 2020, 3)


def test_parse_doc_number_order_number_without_year() -> None:
    assert parse_doc_number("国令第707号") == DocNumber("国令", None, 707)


def test_parse_doc_number_rejects_plain_text() -> None:
    assert parse_doc_number("关于印发通知") is None


def test_split_issuers_joint_issuance() -> None:
    assert split_issuers("国务院办公厅、中央军委办公厅") == ["国务院办公厅", "中央军委办公厅"]


def test_split_issuers_spaces_and_commas() -> None:
    assert split_issuers("教育部 国家卫生健康委，民政部") == ["教育部", "国家卫生健康委", "民政部"]


def test_split_issuers_single() -> None:
    assert split_issuers("国务院") == ["国务院"]


# ------------------------------------------------------------------------------- artefacts


def test_strip_pinyin_readings_after_han_characters() -> None:
    assert strip_pinyin_readings("電(diàn)話(huà)") == "電話"
    assert strip_pinyin_readings("上海開(kāi)放(fàng)大(dà)學") == "上海開放大學"


def test_strip_pinyin_readings_keeps_real_parenthesised_text() -> None:
    text = "托育服务(试行)、方案(2020-2022年)、Python(language)、中心(ABC)"
    assert strip_pinyin_readings(text) == text


def test_strip_pinyin_readings_needs_a_tone_mark_and_a_han_character() -> None:
    assert strip_pinyin_readings("中(zhong)心") == "中(zhong)心"
    assert strip_pinyin_readings("abc(diàn)") == "abc(diàn)"


def test_strip_artifact_lines_image_file_names() -> None:
    text = "第一段\n截屏2021-12-02 下午4.55.03.png\n第二段\nIMG_0001.JPG"
    assert strip_artifact_lines(text) == "第一段\n第二段"


def test_strip_artifact_lines_view_counters() -> None:
    assert strip_artifact_lines("正文\n浏览次数：1873\n阅读量: 25次") == "正文"


def test_strip_artifact_lines_keeps_sentences_mentioning_images() -> None:
    text = "请将照片保存为photo.png后上传至系统，并填写表格。"
    assert strip_artifact_lines(text) == text


@pytest.mark.parametrize(
    "line",
    [
        "打印本页",
        "关闭窗口",
        "【字体：大 中 小】",
        "分享到：",
        "扫一扫在手机打开当前页",
        "【打印】 【关闭】",
        "[ 打印 ] [ 关闭 ]",
        "字号：大 中 小 | 打印 | 关闭",
    ],
)
def test_strip_boilerplate_lines_drops_chrome(line: str) -> None:
    assert strip_boilerplate_lines(f"正文第一段\n{line}\n正文第二段") == "正文第一段\n正文第二段"


def test_strip_boilerplate_lines_keeps_content_with_the_same_words() -> None:
    text = "各地要关闭不合格托育机构，打印并张贴告知书。\n大中小学校要落实责任。"
    assert strip_boilerplate_lines(text) == text


def test_to_simplified() -> None:
    assert to_simplified("首屆長三角托育服務發展論壇") == "首届长三角托育服务发展论坛"


def test_to_simplified_leaves_simplified_text_alone() -> None:
    assert to_simplified("国务院办公厅关于促进3岁以下婴幼儿照护服务发展的指导意见") == (
        "国务院办公厅关于促进3岁以下婴幼儿照护服务发展的指导意见"
    )


def test_strip_boilerplate_lines_breadcrumb_and_prev_next() -> None:
    text = "当前位置：首页 > 通知公告\n正文\n上一篇：关于某事的通知\n【下一篇】：无"
    assert strip_boilerplate_lines(text) == "正文"


def test_strip_artifact_lines_counter_filled_by_script() -> None:
    assert strip_artifact_lines("正文\n浏览次数：") == "正文"


def test_parse_date_fractional_seconds_and_utc_across_midnight() -> None:
    assert parse_date("2021-11-21 10:30:00.0") == "2021-11-21T10:30:00+08:00"
    assert parse_date("2021-11-20T23:30:00.000Z") == "2021-11-21T07:30:00+08:00"


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Posted on March 3, 2021", "2021-03-03"),
        ("Updated: 3 Mar 2021 10:00", "2021-03-03"),
        ("Sept. 12th, 2019", "2019-09-12"),
        ("May 2021", None),  # no day
        ("The mayor said in 2021", None),
    ],
)
def test_english_dates_of_a_bilingual_edition(text: str, date: str | None) -> None:
    assert parse_date(text) == date
