"""The text of an OFD file (GB/T 33190-2016, 版式文档: the national format of official documents).

An OFD file is a ZIP container of XML parts: ``OFD.xml`` names each document's root
(``DocBody/DocRoot``, e.g. ``Doc_0/Document.xml``), which lists its pages in order
(``Pages/Page/@BaseLoc``, e.g. ``Pages/Page_0/Content.xml``); a page's ``Content`` holds layers of
``TextObject`` elements, each with its ``Boundary`` (x y width height, in millimetres) and one or
more ``TextCode`` elements: the characters, at ``X``/``Y`` within the boundary. Text is read from
the ``TextCode`` elements and put in reading order: lines by their vertical position (fragments
within half a font size of each other share a line), each line left to right.

No maintained Python package reads OFD text reliably: ``easyofd`` (the most recent) parses with
the ``ofd:`` prefix hard-coded (a file that binds the namespace to another prefix, or as the
default namespace, yields nothing), fails on a ``TextObject`` without ``Boundary``, and pulls in
PyMuPDF (AGPL). This reader matches elements by local name, whatever the prefix, and reads only
what it needs, with lxml (no entity expansion, no network), each part bounded in size.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass

from lxml import etree

PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)


class OfdError(ValueError):
    """The container is not a readable OFD file."""


@dataclass(frozen=True, slots=True)
class OfdText:
    pages: list[str]
    page_count: int
    """Pages in the documents, read or not (``pages`` holds at most the limit)."""


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if _local(c) == name]


def _descendants(element: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in element.iter() if _local(e) == name]


def _numbers(value: str | None) -> list[float]:
    out = []
    for part in (value or "").split():
        try:
            out.append(float(part))
        except ValueError:
            return out
    return out


class _Container:
    def __init__(self, archive: zipfile.ZipFile, max_part: int) -> None:
        self.archive = archive
        self.max_part = max_part
        self.names = {n.lstrip("/").lower(): n for n in archive.namelist()}

    def xml(self, path: str) -> etree._Element:
        name = self.names.get(path.lstrip("/").lower())
        if name is None:
            raise OfdError(f"the container has no part {path}")
        info = self.archive.getinfo(name)
        if info.file_size > self.max_part:
            raise OfdError(f"part {path} unpacks to {info.file_size} bytes (limit {self.max_part})")
        try:
            return etree.fromstring(self.archive.read(info), PARSER)
        except etree.XMLSyntaxError as exc:
            raise OfdError(f"part {path} is not well-formed XML: {exc}") from exc


def _resolve(base_dir: str, location: str) -> str:
    location = location.strip().replace("\\", "/")
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, location))


def _page_text(page: etree._Element) -> str:
    """The characters of one page in reading order."""
    fragments: list[tuple[float, float, float, str]] = []  # y, x, size, text
    for obj in _descendants(page, "TextObject"):
        box = _numbers(obj.get("Boundary"))
        bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = (_numbers(obj.get("Size")) or [3.5])[0]
        for code in _children(obj, "TextCode"):
            text = "".join(str(t) for t in code.itertext())
            if not text.strip():
                continue
            x = (_numbers(code.get("X")) or [0.0])[0]
            y = (_numbers(code.get("Y")) or [0.0])[0]
            fragments.append((by + y, bx + x, size, text))
    fragments.sort(key=lambda f: (f[0], f[1]))
    lines: list[list[tuple[float, str]]] = []
    line_y: float | None = None
    for y, x, size, text in fragments:
        if line_y is None or abs(y - line_y) > size / 2:
            lines.append([])
            line_y = y
        lines[-1].append((x, text))
    return "\n".join("".join(t for _, t in sorted(line)) for line in lines)


def read_ofd(archive: zipfile.ZipFile, *, max_pages: int, max_part: int) -> OfdText:
    """The text of every page of every document in the OFD container ``archive`` (at most
    ``max_pages`` pages read; each XML part at most ``max_part`` bytes unpacked)."""
    container = _Container(archive, max_part)
    root = container.xml("OFD.xml")
    if _local(root) != "OFD":
        raise OfdError(f"OFD.xml's root element is {_local(root)!r}, not OFD")
    pages: list[str] = []
    page_count = 0
    for body in _descendants(root, "DocBody"):
        doc_roots = _children(body, "DocRoot")
        if not doc_roots or not (doc_roots[0].text or "").strip():
            continue
        doc_path = _resolve("", doc_roots[0].text or "")
        document = container.xml(doc_path)
        doc_dir = posixpath.dirname(doc_path)
        for pages_element in _descendants(document, "Pages"):
            for page in _children(pages_element, "Page"):
                page_count += 1
                location = page.get("BaseLoc")
                if len(pages) >= max_pages or not location:
                    continue
                pages.append(_page_text(container.xml(_resolve(doc_dir, location))))
    if not page_count:
        raise OfdError("the container lists no pages")
    return OfdText(pages, page_count)
