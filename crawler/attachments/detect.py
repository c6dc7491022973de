"""What a file is, read from its bytes: the URL's extension and the server's Content-Type lie
often enough (a ``.wps`` that is a Word 97 file, a PDF served as ``application/octet-stream``,
``downfile.jsp?filename=…``) that neither decides how a file is read."""

from __future__ import annotations

import io
import zipfile

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""Compound File Binary (OLE2): Word 97-2003 (``.doc``, WPS ``.wps``), Excel 97-2003 (``.xls``,
WPS ``.et``), PowerPoint, and encrypted OOXML files."""

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ofd": "application/ofd",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "ole-encrypted": "application/x-ole-storage",
    "ole": "application/x-ole-storage",
    "rtf": "application/rtf",
    "html": "text/html",
    "text": "text/plain",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "unknown": "application/octet-stream",
}


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {n.lower() for n in archive.namelist()[:10_000]}
            mimetype = ""
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200:
                    mimetype = archive.read(info).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        return "zip"  # damaged: the archive reader says what is wrong with it
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "ofd.xml" in names:
        return "ofd"
    if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if mimetype == "application/vnd.oasis.opendocument.text":
        return "odt"
    return "zip"


def sniff(data: bytes) -> str:
    """The kind of file ``data`` holds: ``pdf``, ``docx``, ``xlsx``, ``ofd``, ``zip``, ``rar``,
    ``doc`` (Word 97-2003 and WPS text), ``xls`` (Excel 97-2003 and WPS spreadsheets),
    ``ole-encrypted`` (a password-protected Office file), ... or ``unknown``."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if data.startswith(CFB_MAGIC):
        # the directory entries name the streams in UTF-16: cheap, and enough to tell them apart
        if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
            return "ole-encrypted"
        if _utf16("WordDocument") in data:
            return "doc"
        if _utf16("Workbook") in data or _utf16("Book") in data:
            return "xls"
        if _utf16("PowerPoint Document") in data:
            return "ppt"
        return "ole"
    if data.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if data.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:200]:
        return "html"
    if data and decode_text(data[:4096], partial=True) is not None:
        return "text"
    return "unknown"


def decode_text(data: bytes, *, partial: bool = False) -> str | None:
    """``data`` as text (UTF-8, or GB18030 as Chinese Windows writes .txt and .csv files); None
    when it is not text (NUL bytes, control characters, undecodable). ``partial``: ``data`` is
    the beginning of a file and may end inside a character."""
    if b"\0" in data:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            if partial and exc.start >= len(data) - 4:
                text = data[: exc.start].decode(encoding, "ignore")
            else:
                continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
        if controls <= len(text) // 100:
            return text
    return None


def media_type(kind: str) -> str:
    return MEDIA_TYPES.get(kind, MEDIA_TYPES["unknown"])
