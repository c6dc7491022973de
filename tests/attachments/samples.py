"""Sample attachments written by the tests themselves: a PDF with Chinese text (reportlab's
built-in CID font STSong-Light, no font file needed), DOCX (python-docx), XLSX (openpyxl), an OFD
container, ZIP archives, and hostile files (a zip bomb, a truncated PDF, a PDF whose page tree
is a cycle, an encrypted PDF, a workbook of 10,000 sheets).

Also the generator of the fixtures' attachment files (``python -m tests.attachments.samples``):
every attachment URL that a fixture article links to gets a file of its type in that fixture
folder's ``pages/`` and an entry in its ``responses.json`` (files written before stay as they
are; ``--force`` writes them all anew). DOC, WPS and XLS files are converted
from generated DOCX/XLSX by LibreOffice (``soffice``) when it is installed; without it the
committed files stay as they are.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

ZIP_DATE = (2024, 11, 28, 12, 0, 0)
OFD_NS = "http://www.ofdspec.org/2016"


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ PDF


def pdf(
    pages: list[list[str]], *, user_password: str | None = None, owner: str | None = None
) -> bytes:
    """A PDF with one page per list of lines, in STSong-Light (Adobe-GB1 CID font)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    encrypt = None
    if user_password is not None or owner is not None:
        encrypt = StandardEncryption(user_password or "", owner or "owner", canPrint=0, canCopy=0)
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1, encrypt=encrypt)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = A4[1] - 72
        for line in lines:
            c.drawString(60, y, line)
            y -= 20
        c.showPage()
    c.save()
    return buffer.getvalue()


def image_only_pdf() -> bytes:
    """A 'scanned' PDF: one page holding only an image, no text layer."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (200, 100), 255)
    for x in range(20, 180):
        image.putpixel((x, 50), 0)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(image), 60, 500, width=400, height=200)
    c.showPage()
    c.save()
    return buffer.getvalue()


def cyclic_pdf() -> bytes:
    """A PDF whose page tree refers to itself (``/Kids [2 0 R]`` in object 2)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 /Parent 2 0 R >>",
        b"<< /Type /Page /Parent 2 0 R /Resources 3 0 R /Contents 3 0 R >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


# ----------------------------------------------------------------------------------------- DOCX


def docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import datetime as dt

    import docx as python_docx

    document = python_docx.Document()
    document.core_properties.created = dt.datetime(2024, 11, 28, 12, 0)
    document.core_properties.modified = dt.datetime(2024, 11, 28, 12, 0)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(r) for r in table))
        for i, row in enumerate(table):
            for j, value in enumerate(row):
                grid.cell(i, j).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------- XLSX


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import datetime as dt

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.properties.created = dt.datetime(2024, 11, 28, 12, 0)
    workbook.properties.modified = dt.datetime(2024, 11, 28, 12, 0)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def many_sheets_xlsx(sheets: int = 10_000) -> bytes:
    """A workbook of ``sheets`` sheets (all pointing at one part): a hostile spreadsheet."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    entries = "".join(
        f'<sheet name="表{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, sheets + 1)
    )
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        for n in range(1, sheets + 1)
    )
    members = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            f"<sheets>{entries}</sheets></workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{links}</Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>名单</t></is></c></row>'
            "</sheetData></worksheet>"
        ).encode(),
    }
    return _zip(members)


# ------------------------------------------------------------------------------------------ OFD


def ofd(pages: list[list[str]], *, prefix: str = "ofd") -> bytes:
    """An OFD container (GB/T 33190): one ``Content.xml`` per page, one ``TextObject`` per line
    (the lines listed bottom first, as some writers do: the reader orders them by position).
    ``prefix`` is the namespace prefix ('' for the default namespace)."""

    def tag(name: str) -> str:
        return f"{prefix}:{name}" if prefix else name

    xmlns = f'xmlns:{prefix}="{OFD_NS}"' if prefix else f'xmlns="{OFD_NS}"'
    members: dict[str, bytes] = {
        "OFD.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><{tag("OFD")} {xmlns} Version="1.0" '
            f'DocType="OFD"><{tag("DocBody")}><{tag("DocInfo")}><{tag("DocID")}>pc-sample'
            f"</{tag('DocID')}></{tag('DocInfo')}><{tag('DocRoot')}>Doc_0/Document.xml"
            f"</{tag('DocRoot')}></{tag('DocBody')}></{tag('OFD')}>"
        ).encode(),
    }
    page_refs = "".join(
        f'<{tag("Page")} ID="{n + 10}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
        for n in range(len(pages))
    )
    members["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><{tag("Document")} {xmlns}>'
        f"<{tag('CommonData')}><{tag('MaxUnitID')}>999</{tag('MaxUnitID')}>"
        f"<{tag('PageArea')}><{tag('PhysicalBox')}>0 0 210 297</{tag('PhysicalBox')}>"
        f"</{tag('PageArea')}><{tag('PublicRes')}>PublicRes.xml</{tag('PublicRes')}>"
        f"</{tag('CommonData')}><{tag('Pages')}>{page_refs}</{tag('Pages')}>"
        f"</{tag('Document')}>"
    ).encode()
    members["Doc_0/PublicRes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><{tag("Res")} {xmlns} BaseLoc="Res">'
        f'<{tag("Fonts")}><{tag("Font")} ID="2" FontName="宋体" FamilyName="宋体"/>'
        f"</{tag('Fonts')}></{tag('Res')}>"
    ).encode()
    for n, lines in enumerate(pages):
        objects = []
        for i, line in reversed(list(enumerate(lines))):
            y = 30 + 8 * i
            objects.append(
                f'<{tag("TextObject")} ID="{100 + i}" Boundary="25 {y} 160 7" Font="2" '
                f'Size="5"><{tag("TextCode")} X="0" Y="5" DeltaX="g {max(len(line) - 1, 0)} 5">'
                f"{escape(line)}</{tag('TextCode')}></{tag('TextObject')}>"
            )
        members[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><{tag("Page")} {xmlns}><{tag("Content")}>'
            f'<{tag("Layer")} ID="{50 + n}">{"".join(objects)}</{tag("Layer")}>'
            f"</{tag('Content')}></{tag('Page')}>"
        ).encode()
    return _zip(members)


# -------------------------------------------------------------------------------------- archives


def zip_archive(members: dict[str, bytes]) -> bytes:
    return _zip(members)


def _vint(n: int) -> bytes:
    """RAR5's variable-length integer: 7 bits a byte, low bits first, high bit = more follow."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar_block(body: bytes) -> bytes:
    """A RAR5 header: CRC32 of (size + body), the size as a vint, the body."""
    data = _vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(data)) + data


def rar(members: dict[str, bytes]) -> bytes:
    """A RAR5 archive of stored (uncompressed) members, written by hand from RARLAB's published
    format description: no free tool writes RAR, and an archive made here needs no third-party
    sample. Main header, one file header + data per member, end-of-archive header."""
    out = bytearray(b"Rar!\x1a\x07\x01\x00")
    out += _rar_block(_vint(1) + _vint(0) + _vint(0))  # main header, no flags
    for name, data in members.items():
        encoded = name.encode("utf-8")
        out += _rar_block(
            _vint(2)  # file header
            + _vint(0x0002)  # a data area follows
            + _vint(len(data))
            + _vint(0x0004)  # the data's CRC32 is given
            + _vint(len(data))  # unpacked size
            + _vint(0x20)  # attributes: archive
            + struct.pack("<I", zlib.crc32(data))
            + _vint(0)  # compression version 0, method 0: stored
            + _vint(0)  # host OS: Windows
            + _vint(len(encoded))
            + encoded
        )
        out += data
    out += _rar_block(_vint(5) + _vint(0) + _vint(0))  # end of archive
    return bytes(out)


def zip_bomb(unpacked: int = 64 * 1024 * 1024) -> bytes:
    """A small ZIP whose one member unpacks to ``unpacked`` bytes of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo("bomb.txt", ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as out:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked // len(block)):
                out.write(block)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ fixture files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "doc": "application/msword",
    "wps": "application/octet-stream",
    "ofd": "application/ofd",
    "zip": "application/zip",
}


def fixture_marker(site: str, position: int) -> str:
    """The word only the fixture attachment ``position`` of ``site`` holds (tests search it)."""
    return f"附件专有词{zlib.crc32(site.encode()) % 9000 + 1000}{position}号"


def fixture_file(site: str, position: int, name: str, file_type: str) -> bytes:
    """The sample file of a fixture attachment: its name as a title and a word of its own."""
    marker = fixture_marker(site, position)
    title = name.rsplit(".", 1)[0] if "." in name[-6:] else name
    lines = [title, f"本附件包含检索用词：{marker}。", "托育服务机构应当建立健全安全管理制度。"]
    if file_type == "pdf":
        return pdf([lines, ["第二页：婴幼儿照护服务质量评估指标。", marker]])
    if file_type in ("docx", "doc", "wps"):
        return docx(lines, [["序号", "名称"], ["1", marker]])
    if file_type in ("xlsx", "xls", "et"):
        return xlsx({"名单": [["序号", "名称", "托位数"], [1, marker, 120], [2, title, 80]]})
    if file_type == "ofd":
        return ofd([lines, ["第二页：评估指标包括安全管理、卫生保健、人员配备。", marker]])
    if file_type == "zip":
        return zip_archive({"附件说明.docx": docx(lines)})
    raise ValueError(f"no sample for file type {file_type}")


def _convert(data: bytes, source_suffix: str, target: str) -> bytes | None:
    """``data`` converted by LibreOffice to ``target`` (``doc``, ``xls``); None without it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"sample{source_suffix}"
        source.write_bytes(data)
        subprocess.run(
            [soffice, "--headless", "--convert-to", target, "--outdir", folder, str(source)],
            capture_output=True,
            check=True,
            timeout=120,
        )
        return (Path(folder) / f"sample.{target}").read_bytes()


def write_fixture_files(fixtures: Path = FIXTURES, *, force: bool = False) -> list[str]:
    """Give every fixture attachment without one a sample file and a replay entry (``force``:
    every attachment, anew); return what was written."""
    written = []
    for expected in sorted(fixtures.glob("*/expected.json")):
        folder = expected.parent
        site = folder.name
        manifest_path = folder / "responses.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        by_url = {e["url"]: e for e in manifest}
        articles = json.loads(expected.read_text(encoding="utf-8"))["articles"]
        position = 0
        for article in articles:
            for att in article.get("attachments") or []:
                position += 1
                file_type = (att.get("file_type") or "pdf").lower()
                file_name = f"pages/attachment_{position}.{file_type}"
                if (folder / file_name).exists() and not force and att["url"] in by_url:
                    continue  # written before: the same bytes stay (their SHA-256 too)
                data = fixture_file(site, position, att["name"], file_type)
                if file_type in ("doc", "wps", "xls", "et"):
                    target = "xls" if file_type in ("xls", "et") else "doc"
                    source = ".xlsx" if target == "xls" else ".docx"
                    converted = _convert(data, source, target)
                    if converted is None:
                        print(f"{site}: no LibreOffice, {att['url']} left as it is")
                        continue
                    data = converted
                (folder / file_name).write_bytes(data)
                entry = {
                    "method": "GET",
                    "url": att["url"],
                    "status": 200,
                    "headers": {
                        "Content-Type": CONTENT_TYPES.get(file_type, "application/octet-stream")
                    },
                    "file": file_name,
                }
                if att["url"] in by_url:
                    by_url[att["url"]].update(entry)
                else:
                    manifest.append(entry)
                    by_url[att["url"]] = entry
                written.append(f"{site}: {file_name} ← {att['url']}")
        manifest_path.write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return written


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--force"]
    folder = Path(arguments[0]) if arguments else FIXTURES
    for line in write_fixture_files(folder, force="--force" in sys.argv):
        print(line)
