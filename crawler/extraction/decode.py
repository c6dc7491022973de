"""Bytes to text for pages that may lie about their charset.

Order of evidence: byte-order mark, HTTP ``Content-Type`` charset, ``<meta charset>`` /
``http-equiv``, then detection. Every declared codec is validated (a strict decode must succeed,
or leave only a handful of replacement characters) before it is trusted; GB2312/GBK are always
decoded as GB18030 (their superset, as browsers do).
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_body", "normalize_encoding"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]{2,40})""", re.IGNORECASE)
_HEADER_CHARSET_RE = re.compile(
    r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]{2,40})""", re.IGNORECASE
)
_META_RE = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "ms936", "x-gbk", "euc-cn", "hz-gb-2312"}
_SINGLE_BYTE = {"latin-1", "iso8859-1", "ascii", "cp1252", "windows-1252", "iso-8859-1"}


def normalize_encoding(label: str | None) -> str | None:
    """A Python codec name for a charset label, or ``None`` when unknown. GB2312/GBK -> gb18030."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label.replace("_", "-") in _GB_FAMILY or label in {"gb_2312-80", "chinese", "csgb2312"}:
        return "gb18030"
    if label in {"utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"}:
        return "utf-8"
    if label in {"big5", "big5-hkscs", "x-x-big5", "cn-big5", "csbig5"}:
        return "big5hkscs"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in {"gb2312", "gbk"}:
        return "gb18030"
    if name in {"utf-16", "utf-32"}:  # without a BOM these are nonsense declarations in HTML
        return None
    return name


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_CHARSET_RE.search(content_type)
    return normalize_encoding(m.group(1)) if m else None


def _meta_charset(head: bytes) -> str | None:
    for meta in _META_RE.finditer(head):
        m = _CHARSET_RE.search(meta.group(0))
        if m:
            enc = normalize_encoding(m.group(1).decode("ascii", "replace"))
            if enc:
                return enc
    m = re.search(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", head[:200])
    if m:
        return normalize_encoding(m.group(1).decode("ascii", "replace"))
    return None


def _try(body: bytes, enc: str) -> str | None:
    """Decode when the codec fits: strictly, or with at most a few broken sequences (pages cut off
    mid-character, a stray byte)."""
    try:
        return body.decode(enc)
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = body.decode(enc, "replace")
    bad = text.count("\ufffd")
    if bad <= 3 or bad * 2000 <= len(text):
        return text
    return None


_WINDOW = 4096
_WINDOW_BAD = 64  # far more than a broken sequence or two, far fewer than GBK text gives


def _utf8_fits(body: bytes) -> str | None:
    """The body as UTF-8 when it is (nearly) valid multi-byte UTF-8: a few broken sequences (a
    truncated download, one stray byte) are tolerated because GBK bytes read as UTF-8 fail on
    almost every character."""
    if body.isascii():
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # GBK text fails on almost every character: the bytes after the first failure tell
        window = body[exc.start : exc.start + _WINDOW].decode("utf-8", "replace")
        if window.count("\ufffd") > _WINDOW_BAD:
            return None
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore")) - bad  # counted in C, not per char
    if non_ascii > 0 and bad <= max(3, non_ascii // 200):
        return text
    return None


# frequent Chinese characters (simplified and traditional forms): real text is full of them,
# text decoded with the wrong double-byte codec is not
_COMMON = frozenset(
    "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能"
    "对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前"
    "面又定见只主没公从工作政府部门关于通知办公厅市区县省局委员教育卫生健康服务工发展建设管理"
    "這為來個們說國會對時過學們發問經當與從後還進現實點開關長間題應業機動義條區際"
)


def _plausibility(text: str) -> float:
    cjk = 0
    common = 0
    for ch in text[:20000]:
        if "\u4e00" <= ch <= "\u9fff":
            cjk += 1
            if ch in _COMMON:
                common += 1
    return common / cjk if cjk else 0.0


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode page bytes; returns ``(text, codec actually used)``."""
    if not body:
        return "", "utf-8"
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, "replace"), enc

    declared: list[str] = []
    header = _header_charset(content_type)
    if header:
        declared.append(header)
    meta = _meta_charset(body[:4096])
    if meta and meta not in declared:
        declared.append(meta)

    if body.isascii():
        return body.decode("ascii"), declared[0] if declared else "ascii"
    utf8_text = _utf8_fits(body)
    for enc in declared:
        if utf8_text is not None:
            # bytes that are valid multi-byte UTF-8 are practically never meant as GBK / Latin-1
            # (and a UTF-8 declaration needs no second decoding)
            return utf8_text, "utf-8"
        if enc in _SINGLE_BYTE or enc.startswith(("iso8859", "cp125", "mac-")):
            continue  # single-byte codecs never fail: only trusted when nothing else fits
        text = _try(body, enc)
        if text is None:
            continue
        if enc not in ("utf-8", "gb18030"):
            # another double-byte codec (big5, shift_jis ...) may "succeed" on GBK bytes
            gb_text = _try(body, "gb18030")
            if gb_text is not None and _plausibility(gb_text) > _plausibility(text) + 0.1:
                return gb_text, "gb18030"
        return text, enc

    if utf8_text is not None:
        return utf8_text, "utf-8"
    text = _try(body, "gb18030")
    if text is not None:
        return text, "gb18030"
    for enc in declared:  # a single-byte declaration that survived, e.g. a Latin-1 page
        if enc in _SINGLE_BYTE or enc.startswith(("iso8859", "cp125", "mac-")):
            return body.decode(enc, "replace"), enc
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
    except Exception:  # detection is a best effort only
        best = None
    if best is not None and best.encoding:
        enc = normalize_encoding(best.encoding) or "gb18030"
        text = _try(body, enc)
        if text is not None:
            return text, enc
    # last resort: whichever of the two likely codecs leaves fewer holes
    candidates = [(body.decode(enc, "replace"), enc) for enc in ("utf-8", "gb18030")]
    return min(candidates, key=lambda c: c[0].count("\ufffd"))
