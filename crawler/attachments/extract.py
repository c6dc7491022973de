"""Text from an attachment's bytes, per type, through maintained libraries and the
distribution's tools; a pure function of the bytes (run in a bounded worker process,
:mod:`crawler.attachments.sandbox`).

======================  ==========================================================================
kind (read from bytes)  read with
======================  ==========================================================================
PDF                     pypdfium2 (PDFium): 20-45 times faster than pdfminer.six on Chinese PDFs
                        with the same text (docs/benchmarks.md, "Attachments"); no text layer on
                        any page → *image_only* (no OCR); a user password → *encrypted*
DOCX                    python-docx: paragraphs and tables in document order; pages from
                        ``docProps/app.xml`` when the writer saved them
DOC, WPS (Word 97)      ``antiword`` (UTF-8), ``catdoc`` when antiword refuses the file (Debian
                        packages ``antiword``, ``catdoc``)
XLS, XLSX, ET, ODS      python-calamine: every sheet, row by row, cells tab-separated
OFD                     :mod:`crawler.attachments.ofd` (the container's ``TextCode`` objects)
ZIP, RAR                their members, each read as above (one level deep), bounded in number
                        and unpacked size; RAR through rarfile and ``unrar``/``unar``/``bsdtar``
TXT, CSV                decoded as UTF-8, else GB18030
======================  ==========================================================================

Every container is checked before a library opens it: the sizes its directory declares must add
up to at most ``max_unpacked`` (a zip bomb is refused, not unpacked). Text is cut at ``max_chars``
and at ``max_pages`` pages (or sheets): the file is then *truncated*, and the reason says where.
Line breaks that a PDF or OFD layout puts inside a Chinese sentence are removed, so that a word
broken across two lines is found by the search.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lxml import etree

from crawler.attachments.detect import decode_text, media_type, sniff
from crawler.attachments.ofd import OfdError, read_ofd

OK = "ok"
TRUNCATED = "truncated"
IMAGE_ONLY = "image_only"
ENCRYPTED = "encrypted"
UNSUPPORTED = "unsupported"
FAILED = "failed"
PENDING = "pending"
"""Downloaded, not extracted yet (a run that ended before its extraction)."""
EXTRACTED = (OK, TRUNCATED, IMAGE_ONLY)
"""Statuses of a file read as far as it can be: not read again."""

TOOL_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Limits:
    """How far one file is read (the time and memory bounds are the sandbox's)."""

    max_chars: int = 1_000_000
    max_pages: int = 1000
    max_unpacked: int = 256 * 1024 * 1024
    max_members: int = 200
    depth: int = 1
    """Archives inside archives are opened this many levels deep."""


@dataclass(slots=True)
class Extracted:
    status: str
    media_type: str
    text: str | None = None
    page_count: int | None = None
    reason: str | None = None
    restart: bool = field(default=False, repr=False)
    """The worker process should be replaced (it ran out of memory)."""


class _Cut(Exception):
    """Enough text: the character limit is reached."""


class _Text:
    """Text gathered up to ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.cut = False

    def add(self, text: str) -> None:
        if self.cut:
            raise _Cut
        room = self.limit - self.size
        if len(text) > room:
            self.parts.append(text[:room])
            self.size = self.limit
            self.cut = True
            raise _Cut
        self.parts.append(text)
        self.size += len(text)

    def value(self) -> str:
        return clean("".join(self.parts))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LINE_GOES_ON = re.compile(rf"[{_CJK}a-zA-Z0-9，、；：（《“]$")
_LINE_CONTINUES = re.compile(rf"^[{_CJK}（《“]")
FULL_LINE = 0.85
"""A line at least this share of the page's longest line reached the right margin."""


def clean(text: str) -> str:
    """Text with Unix line ends, no control characters (PostgreSQL refuses NUL) and no blank runs
    longer than one empty line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = re.sub(r"[ \t\u3000]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def join_broken_lines(text: str) -> str:
    """Remove the line breaks a page layout puts inside a Chinese sentence, so that a word broken
    across two lines is one word again: after a line that reached the right margin (at least
    :data:`FULL_LINE` of the page's longest line) and does not end a sentence, when the next line
    goes on in Chinese. Short lines (titles, the last line of a paragraph) keep their breaks."""
    lines = text.split("\n")
    longest = max((len(line) for line in lines), default=0)
    if longest < 10:
        return text
    out = [lines[0]]
    for line in lines[1:]:
        before = out[-1]
        if (
            len(before) >= FULL_LINE * longest
            and _LINE_GOES_ON.search(before)
            and _LINE_CONTINUES.search(line)
        ):
            out[-1] = before + line
        else:
            out.append(line)
    return "\n".join(out)


def _result(kind: str, text: _Text, pages: int | None, read: int | None, what: str) -> Extracted:
    reasons = []
    if read is not None and pages is not None and read < pages:
        reasons.append(f"read the first {read} of {pages} {what}")
    if text.cut:
        reasons.append(f"text cut at {text.limit:,} characters")
    return Extracted(
        TRUNCATED if reasons else OK,
        media_type(kind),
        text.value(),
        pages,
        "; ".join(reasons) or None,
    )


# ------------------------------------------------------------------------------------------ PDF


def extract_pdf(data: bytes, limits: Limits) -> Extracted:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            return Extracted(
                ENCRYPTED, media_type("pdf"), reason="the PDF needs a password to open"
            )
        return Extracted(FAILED, media_type("pdf"), reason=f"not a readable PDF: {message}")
    text = _Text(limits.max_chars)
    try:
        pages = len(pdf)
        read = 0
        images = False
        unreadable: list[int] = []
        try:
            for index in range(min(pages, limits.max_pages)):
                read += 1
                try:
                    page = pdf[index]
                except pdfium.PdfiumError:
                    unreadable.append(index + 1)
                    continue
                try:
                    textpage = page.get_textpage()
                    try:
                        content = join_broken_lines(clean(textpage.get_text_bounded()))
                    finally:
                        textpage.close()
                    if not content and not images:
                        images = _has_images(page)
                finally:
                    page.close()
                text.add(content + "\n\n" if content else "")
        except _Cut:
            pass
    finally:
        pdf.close()
    if unreadable and len(unreadable) == read:
        return Extracted(
            FAILED, media_type("pdf"), None, pages, f"none of its {read} page(s) can be read"
        )
    if pages and not text.value():
        if not images:
            return Extracted(OK, media_type("pdf"), "", pages, "no text and no images on its pages")
        return Extracted(
            IMAGE_ONLY,
            media_type("pdf"),
            "",
            pages,
            f"no text layer on the {read} page(s) read: scanned images (no OCR)",
        )
    result = _result("pdf", text, pages, read, "pages")
    if unreadable:
        note = f"page(s) {', '.join(map(str, unreadable[:20]))} cannot be read"
        result.status = TRUNCATED
        result.reason = f"{result.reason}; {note}" if result.reason else note
    return result


def _has_images(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        return True
    return False


# ----------------------------------------------------------------------------------------- DOCX


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _saved_pages(archive: zipfile.ZipFile) -> int | None:
    """The page count the writer saved in ``docProps/app.xml`` (Word and WPS do)."""
    try:
        info = archive.getinfo("docProps/app.xml")
    except KeyError:
        return None
    if info.file_size > 1_000_000:
        return None
    try:
        root = etree.fromstring(archive.read(info), etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return None
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element.tag).localname == "Pages":
            try:
                return int((element.text or "").strip())
            except ValueError:
                return None
    return None


def _run_text(element: Any) -> str:
    """The characters of a paragraph or cell: its ``w:t`` texts, tabs and line breaks."""
    parts = []
    for node in element.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def extract_docx(data: bytes, archive: zipfile.ZipFile, limits: Limits) -> Extracted:
    import docx

    document = docx.Document(io.BytesIO(data))
    text = _Text(limits.max_chars)
    try:
        for block in document.element.body.iterchildren():
            if block.tag == f"{W}p":
                text.add(_run_text(block) + "\n")
            elif block.tag == f"{W}tbl":
                for row in block.iter(f"{W}tr"):
                    cells = [_run_text(c).strip() for c in row.iter(f"{W}tc")]
                    text.add("\t".join(c for c in cells if c) + "\n")
    except _Cut:
        pass
    return _result("docx", text, _saved_pages(archive), None, "pages")


# ------------------------------------------------------------------------------------ DOC / WPS


def _run_tool(command: list[str], data: bytes, suffix: str) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory(prefix="pc-attachment-") as folder:
        path = Path(folder) / f"file{suffix}"
        path.write_bytes(data)
        return subprocess.run(
            [*command, str(path)],
            capture_output=True,
            timeout=TOOL_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )


def extract_doc(data: bytes, limits: Limits) -> Extracted:
    """Word 97-2003 (and WPS text files in that format): antiword, then catdoc."""
    tools = [
        (["antiword", "-m", "UTF-8.txt", "-w", "0"], "antiword"),
        (["catdoc", "-d", "utf-8", "-w"], "catdoc"),
    ]
    refusals = []
    for command, name in tools:
        if shutil.which(command[0]) is None:
            continue
        done = _run_tool(command, data, ".doc")
        output = done.stdout.decode("utf-8", "replace")
        if done.returncode == 0 and output.strip():
            text = _Text(limits.max_chars)
            with contextlib.suppress(_Cut):
                text.add(output)
            return _result("doc", text, None, None, "pages")
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        refusals.append(f"{name}: {message[-1] if message else f'exit code {done.returncode}'}")
    if not refusals:
        return Extracted(
            UNSUPPORTED,
            media_type("doc"),
            reason="reading Word 97-2003/WPS files needs antiword or catdoc "
            "(apt-get install antiword catdoc)",
        )
    return Extracted(FAILED, media_type("doc"), reason="; ".join(refusals))


# --------------------------------------------------------------------------------- spreadsheets


def _cell(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def extract_sheets(data: bytes, kind: str, limits: Limits) -> Extracted:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        return Extracted(
            FAILED, media_type(kind), reason=f"not a readable spreadsheet: {_one_line(exc)}"
        )
    text = _Text(limits.max_chars)
    sheets = len(workbook.sheet_names)
    read = 0
    try:
        for index, name in enumerate(workbook.sheet_names[: limits.max_pages]):
            read += 1
            text.add(f"{name}\n")
            sheet = workbook.get_sheet_by_index(index)
            for row in sheet.iter_rows():
                cells = [c for c in (_cell(v) for v in row) if c]
                if cells:
                    text.add("\t".join(cells) + "\n")
            text.add("\n")
    except _Cut:
        pass
    return _result(kind, text, sheets, read, "sheets")


# ------------------------------------------------------------------------------------------ OFD


def extract_ofd(archive: zipfile.ZipFile, limits: Limits) -> Extracted:
    try:
        found = read_ofd(archive, max_pages=limits.max_pages, max_part=limits.max_unpacked)
    except OfdError as exc:
        return Extracted(FAILED, media_type("ofd"), reason=f"not a readable OFD file: {exc}")
    text = _Text(limits.max_chars)
    try:
        for page in found.pages:
            text.add(join_broken_lines(clean(page)) + "\n\n")
    except _Cut:
        pass
    if found.page_count and not text.value():
        return Extracted(
            IMAGE_ONLY,
            media_type("ofd"),
            "",
            found.page_count,
            "no text objects on its pages: scanned images (no OCR)",
        )
    return _result("ofd", text, found.page_count, len(found.pages), "pages")


# ------------------------------------------------------------------------------------- archives


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name; names written without the UTF-8 flag by Chinese Windows are GBK."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _members_text(
    kind: str, members: list[tuple[str, bytes | None, str | None]], total: int, limits: Limits
) -> Extracted:
    """The text of an archive's members: each under a ``== name ==`` line (with its status when
    it could not be read)."""
    text = _Text(limits.max_chars)
    problems = []
    try:
        for name, data, skipped in members:
            if data is None:
                text.add(f"== {name} ==\n({skipped})\n\n")
                continue
            inner = extract_bytes(data, replace(limits, depth=limits.depth - 1))
            note = "" if inner.status == OK else f"({inner.status}: {inner.reason})\n"
            if inner.status not in (OK, TRUNCATED, IMAGE_ONLY):
                problems.append(f"{name}: {inner.status}")
            text.add(f"== {name} ==\n{note}{inner.text or ''}\n\n")
    except _Cut:
        pass
    result = _result(kind, text, total, len(members), "members")
    if problems and result.status == OK:
        result.reason = "not read: " + "; ".join(problems[:10])
    return result


def extract_zip(archive: zipfile.ZipFile, limits: Limits) -> Extracted:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    members: list[tuple[str, bytes | None, str | None]] = []
    for info in infos[: limits.max_members]:
        name = _member_name(info)
        if info.flag_bits & 0x1:
            members.append((name, None, "encrypted"))
        elif limits.depth <= 0:
            members.append((name, None, "an archive inside an archive: not opened"))
        else:
            members.append((name, archive.read(info), None))
    return _members_text("zip", members, len(infos), limits)


def extract_rar(data: bytes, limits: Limits) -> Extracted:
    try:
        import rarfile
    except ImportError:  # pragma: no cover - a dependency of the project
        return Extracted(UNSUPPORTED, media_type("rar"), reason="rarfile is not installed")
    try:
        archive = rarfile.RarFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
        declared = sum(int(i.file_size or 0) for i in infos)
        if declared > limits.max_unpacked:
            return _bomb("rar", declared, limits)
        members: list[tuple[str, bytes | None, str | None]] = []
        for info in infos[: limits.max_members]:
            if info.needs_password():
                members.append((info.filename, None, "encrypted"))
            elif limits.depth <= 0:
                members.append((info.filename, None, "an archive inside an archive: not opened"))
            else:
                members.append((info.filename, archive.read(info), None))
    except rarfile.RarCannotExec:
        return Extracted(
            UNSUPPORTED,
            media_type("rar"),
            reason="reading RAR archives needs unrar, unar or bsdtar (apt-get install unar)",
        )
    except rarfile.NeedFirstVolume:
        return Extracted(UNSUPPORTED, media_type("rar"), reason="a part of a multi-volume RAR")
    except rarfile.PasswordRequired:
        return Extracted(ENCRYPTED, media_type("rar"), reason="the archive needs a password")
    except rarfile.Error as exc:
        return Extracted(FAILED, media_type("rar"), reason=f"not a readable RAR: {exc}")
    return _members_text("rar", members, len(infos), limits)


# ---------------------------------------------------------------------------------------- entry


def _bomb(kind: str, declared: int, limits: Limits) -> Extracted:
    return Extracted(
        FAILED,
        media_type(kind),
        reason=f"unpacks to {declared:,} bytes (limit {limits.max_unpacked:,}): "
        "a zip bomb, or too large to read",
    )


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:500]


def _open_zip(data: bytes, kind: str, limits: Limits) -> zipfile.ZipFile | Extracted:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return Extracted(FAILED, media_type(kind), reason=f"damaged ZIP container: {exc}")
    declared = sum(i.file_size for i in archive.infolist())
    if declared > limits.max_unpacked:
        archive.close()
        return _bomb(kind, declared, limits)
    return archive


def extract_bytes(data: bytes, limits: Limits | None = None) -> Extracted:
    """The text of a file's bytes, read by what the bytes are (never by the file's name)."""
    limits = limits or Limits()
    kind = sniff(data)
    if not data:
        return Extracted(FAILED, media_type(kind), reason="empty file")
    try:
        if kind == "pdf":
            return extract_pdf(data, limits)
        if kind in ("docx", "xlsx", "ods", "ofd", "zip"):
            opened = _open_zip(data, kind, limits)
            if isinstance(opened, Extracted):
                return opened
            with opened as archive:
                if kind == "docx":
                    return extract_docx(data, archive, limits)
                if kind == "ofd":
                    return extract_ofd(archive, limits)
                if kind == "zip":
                    return extract_zip(archive, limits)
            return extract_sheets(data, kind, limits)
        if kind == "xls":
            return extract_sheets(data, kind, limits)
        if kind == "doc":
            return extract_doc(data, limits)
        if kind == "rar":
            return extract_rar(data, limits)
        if kind == "ole-encrypted":
            return Extracted(ENCRYPTED, media_type(kind), reason="the file needs a password")
        if kind == "text":
            text = _Text(limits.max_chars)
            with contextlib.suppress(_Cut):
                text.add(decode_text(data) or "")
            return _result(kind, text, None, None, "pages")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError) as exc:
        return Extracted(FAILED, media_type(kind), reason=f"damaged file: {_one_line(exc)}")
    except subprocess.TimeoutExpired as exc:
        return Extracted(FAILED, media_type(kind), reason=f"{exc.cmd[0]} took too long")
    except (ValueError, OSError, etree.LxmlError) as exc:
        return Extracted(FAILED, media_type(kind), reason=f"unreadable: {_one_line(exc)}")
    return Extracted(UNSUPPORTED, media_type(kind), reason=f"no text is read from {kind} files")
