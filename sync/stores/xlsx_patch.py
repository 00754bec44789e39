"""Writing a run's changes into an .xlsx by its parts: the sheets that change are written anew, every other
part of the file is copied as it is.

openpyxl loads every cell of every tab and writes them all back: for a sale of 2 000 households, or ten
years of orders and journal, that is hundreds of thousands of cells, and ten seconds to a minute per
save. A run changes only the derived tabs (rewritten whole) and the end of a few tabs people own (rows
appended to ``Journal`` and ``Clients``). So this writes those sheets' XML directly (text as inline
strings: never a formula, nothing to add to the shared strings), appends rows just before the end of the
other sheets' ``sheetData``, and copies the rest of the package byte for byte: people's tabs, formulas,
formats, styles and everything else keep exactly what they held.

Anything it was not built for raises ``Unsupported`` before a byte is written, and the store then takes
the openpyxl path: a tab to create, a derived tab with comments or drawings attached, a sheet whose last
row holds no value, a value of another type, an XML layout with namespace prefixes (``Strict`` OOXML).
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from ..sheet import Grid, find_title
from .base import fit

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
CALC_CHAIN = REL + "/calcChain"

_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HAS_VALUE = re.compile(rb"<(?:v|is|f)[\s>/]")
_A1 = re.compile(rb'<c\b[^>]*\br="A1"[^>]*>')
_STYLE = re.compile(rb'\bs="(\d+)"')
_VIEWS = re.compile(rb"<sheetViews>.*?</sheetViews>", re.DOTALL)
_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<worksheet xmlns="' + MAIN.encode() + b'" xmlns:r="' + REL.encode() + b'">')
_HEAD_BYTES = 1 << 16  # how much of a sheet to read to find its views and its first cell
_FROZEN = (b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
           b'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')


# What openpyxl strips as ``ILLEGAL_CHARACTERS_RE`` (control characters XML 1.0 cannot hold), written out
# here: importing openpyxl costs a third of a second, and a tick that writes by parts does not need it.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")


# What Excel accepts in one cell (LibreOffice too, since 7.x): longer text is cut, with an ellipsis (``base.fit``),
# counted as Excel counts (UTF-16 code units: an emoji counts twice). The local store's one rule, for both writers.
MAX_CELL_CHARS = 32_767


def utf16_size(text: str) -> int:
    return len(text) if len(text) <= MAX_CELL_CHARS // 2 else len(text.encode("utf-16-le")) // 2


def fit_cell(text: str) -> str:
    """Text as a cell of the workbook holds it (``len`` first: almost every text is far shorter)."""
    return text if len(text) <= MAX_CELL_CHARS // 2 else fit(text, MAX_CELL_CHARS, utf16_size)


def column_letter(index: int) -> str:
    """1 → A, 27 → AA (openpyxl's ``get_column_letter``)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 1, AA → 27 (openpyxl's ``column_index_from_string``)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


class Unsupported(Exception):
    """This change is not one the part-by-part writer makes: use openpyxl."""


def patch(source: Path, target: Path, replace: dict[str, Grid], append: dict[str, tuple[list, Grid]],
          widths: Callable[[Grid], dict[int, float]]) -> None:
    """Write ``target``: ``source`` with the tabs of ``replace`` rewritten (header first) and the rows of
    ``append`` (name -> (header, rows)) added after the last row holding a value. Raises ``Unsupported``
    before writing anything when the change needs openpyxl."""
    with zipfile.ZipFile(source) as package:
        names = package.namelist()
        parts = _Parts(package, names)
        sheets = parts.sheets()
        # each changed part as a list of pieces, written one after the other: a big tab is never joined into
        # one more copy in memory (ten years of journal is tens of megabytes of XML)
        changed: dict[str, list] = {}
        for name, grid in replace.items():
            part = _sheet_part(sheets, name, parts)
            with package.open(part) as old:
                head = old.read(_HEAD_BYTES)  # the old sheet's views and header style are near its start
            changed[part] = _new_sheet(head, grid, widths(grid))
        for name, (_header, rows) in append.items():
            if not rows:
                continue
            part = _sheet_part(sheets, name, parts)
            if part in changed:
                raise Unsupported(f"the tab {name} is both rewritten and appended to")
            changed[part] = _appended(package.read(part), rows)
        dropped = parts.calc_chain() if replace else set()
        if dropped:  # formulas of a rewritten tab may be gone: Excel rebuilds its calculation chain itself
            changed.update({k: [v] for k, v in parts.without_calc_chain(dropped).items()})
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in package.infolist():
                if info.filename in dropped:
                    continue
                pieces = changed.get(info.filename)
                if pieces is None and _copy_compressed(package, info, out):
                    continue
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                copy.compress_type, copy.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
                with out.open(copy, "w") as destination:
                    if pieces is None:
                        with package.open(info) as source:
                            shutil.copyfileobj(source, destination, 1 << 20)
                    else:
                        for piece in pieces:
                            if isinstance(piece, (bytes, memoryview)):
                                destination.write(piece)
                            else:  # a generator of rows
                                for row in piece:
                                    destination.write(row)


def _copy_compressed(package: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> bool:
    """Copy an unchanged part as it is stored, still compressed: no inflating and deflating again the
    parts a run does not change (the archive tabs grow to tens of megabytes of XML, and each run would
    spend most of its write recompressing them). False, and nothing written, for a part this cannot copy
    as is (encrypted, or large enough to need ZIP64): ``zipfile`` then copies it the usual way.

    ``zipfile`` has no public way to copy a compressed entry, so this writes the entry's local header
    itself (``ZipInfo.FileHeader``, with the CRC and sizes the central directory gave) followed by the
    compressed bytes, and registers the entry as ``ZipFile.write`` does (tests/test_xlsx_patch.py)."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return False
    if max(info.file_size, info.compress_size, info.header_offset) >= zipfile.ZIP64_LIMIT:
        return False
    source = package.fp
    source.seek(info.header_offset)
    fixed = source.read(zipfile.sizeFileHeader)
    if len(fixed) != zipfile.sizeFileHeader or fixed[:4] != zipfile.stringFileHeader:
        return False
    name_length, extra_length = struct.unpack("<HH", fixed[26:30])
    source.seek(info.header_offset + zipfile.sizeFileHeader + name_length + extra_length)
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
    copy.CRC, copy.compress_size, copy.file_size = info.CRC, info.compress_size, info.file_size
    copy.flag_bits = info.flag_bits & 0x800  # UTF-8 names kept; the sizes are in the header (no data descriptor)
    copy.header_offset = out.fp.tell()
    out.fp.write(copy.FileHeader(False))
    left = info.compress_size
    while left:
        chunk = source.read(min(left, 1 << 20))
        if not chunk:
            raise Unsupported(f"{info.filename} is shorter than its size says")
        out.fp.write(chunk)
        left -= len(chunk)
    out.filelist.append(copy)
    out.NameToInfo[copy.filename] = copy
    out.start_dir = out.fp.tell()
    return True


class _Parts:
    """The package's map: the workbook part, its relationships, its sheets by title."""

    def __init__(self, package: zipfile.ZipFile, names: list[str]):
        self.package, self.names = package, set(names)
        self.workbook = self._office_document()
        folder = PurePosixPath(self.workbook).parent
        self.rels_path = str(folder / "_rels" / (PurePosixPath(self.workbook).name + ".rels"))
        if self.rels_path not in self.names:
            raise Unsupported("no workbook relationships")
        self.rels = ElementTree.fromstring(package.read(self.rels_path))
        self.targets = {r.get("Id"): _resolve(folder, r.get("Target", "")) for r in self.rels
                        if r.tag == f"{{{PACKAGE_REL}}}Relationship"}

    def _office_document(self) -> str:
        if "_rels/.rels" not in self.names:
            raise Unsupported("no package relationships")
        root = ElementTree.fromstring(self.package.read("_rels/.rels"))
        for rel in root:
            if rel.get("Type", "").endswith("/officeDocument"):
                return _resolve(PurePosixPath(""), rel.get("Target", ""))
        raise Unsupported("no workbook part")

    def sheets(self) -> dict[str, str]:
        root = ElementTree.fromstring(self.package.read(self.workbook))
        if root.tag != f"{{{MAIN}}}workbook":
            raise Unsupported("not a transitional SpreadsheetML workbook")
        found = {}
        for sheet in root.iter(f"{{{MAIN}}}sheet"):
            target = self.targets.get(sheet.get(f"{{{REL}}}id"))
            if target is None or target not in self.names:
                raise Unsupported("a sheet without its part")
            found[sheet.get("name", "")] = target
        return found

    def calc_chain(self) -> set[str]:
        return {t for i, t in self.targets.items() if t in self.names and self._type(i) == CALC_CHAIN}

    def _type(self, rel_id: str) -> str:
        return next((r.get("Type", "") for r in self.rels if r.get("Id") == rel_id), "")

    def without_calc_chain(self, dropped: set[str]) -> dict[str, bytes]:
        """The relationships and content types with the calculation chain left out."""
        for rel in list(self.rels):
            if rel.get("Type") == CALC_CHAIN:
                self.rels.remove(rel)
        types = ElementTree.fromstring(self.package.read("[Content_Types].xml"))
        for override in list(types):
            if override.get("PartName", "").lstrip("/") in dropped:
                types.remove(override)
        ElementTree.register_namespace("", PACKAGE_REL)
        rels = ElementTree.tostring(self.rels, encoding="UTF-8", xml_declaration=True)
        ElementTree.register_namespace("", CONTENT_TYPES)
        content = ElementTree.tostring(types, encoding="UTF-8", xml_declaration=True)
        return {self.rels_path: rels, "[Content_Types].xml": content}


def _resolve(folder: PurePosixPath, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (folder / target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


def _sheet_part(sheets: dict[str, str], name: str, parts: _Parts) -> str:
    title = find_title(list(sheets), name)
    if title is None:
        raise Unsupported(f"the tab {name} is to be created")
    part = sheets[title]
    rels = str(PurePosixPath(part).parent / "_rels" / (PurePosixPath(part).name + ".rels"))
    if rels in parts.names:
        raise Unsupported(f"the tab {name} has comments, drawings or tables attached")
    return part


# --- one sheet ---------------------------------------------------------------------------------------

def _new_sheet(old: bytes, grid: Grid, widths: dict[int, float]) -> list:
    """A derived tab written anew: header style, frozen panes and selection kept from the old one (``old``:
    the start of its XML)."""
    if b"<worksheet" not in old[:4096] or b"<sheetData" not in old:
        raise Unsupported("a sheet with namespace prefixes, or a very long head")
    head = old[: old.find(b"<sheetData")]
    views = _VIEWS.search(head)
    first = _A1.search(old)
    style = _STYLE.search(first.group(0)) if first else None
    header_style = b' s="' + style.group(1) + b'"' if style else b""
    height = len(grid)
    width = max((len(row) for row in grid), default=0)
    body = [_HEAD]
    if height and width:
        body.append(b'<dimension ref="A1:' + column_letter(width).encode() + str(height).encode() + b'"/>')
    body.append(views.group(0) if views else _FROZEN)
    body.append(b'<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        body.append(b"<cols>" + b"".join(
            f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'.encode() for c, w in sorted(widths.items()))
            + b"</cols>")
    body.append(b"<sheetData>")
    letters = [column_letter(c) for c in range(1, width + 1)]
    for value in (v for row in grid for v in row):  # every value checked now, before a byte is written
        if value is not None and (type(value) not in _WRITABLE or (type(value) is float and not math.isfinite(value))):
            raise Unsupported(f"a value of type {type(value).__name__}: {value!r:.40}")
    # the rows themselves are made as they are written (not all held in memory at once)
    body.append(_rows(1, grid, letters, header_style.decode()))
    body.append(b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                b"</worksheet>")
    return body


def _appended(data: bytes, rows: Grid) -> list:
    """Rows added after the last row of a sheet, which must hold a value (else: openpyxl)."""
    end = data.rfind(b"</sheetData>")
    if end < 0 or b"<worksheet" not in data[:4096]:
        raise Unsupported("an empty sheet, or namespace prefixes")
    start = data.rfind(b"<row ", 0, end)
    if start < 0:
        raise Unsupported("a sheet with no rows")
    tag_end = data.find(b">", start)
    number = _ROW_NUMBER.search(data, start, tag_end + 1)
    if number is None or not _HAS_VALUE.search(data, start, end):
        raise Unsupported("the last row is empty or unnumbered")
    last = int(number.group(1))
    width = max((len(row) for row in rows), default=0)
    letters = [column_letter(c) for c in range(1, width + 1)]
    added = b"".join(_rows(last + 1, rows, letters))
    view = memoryview(data)
    dimension = _DIMENSION.search(data, 0, data.find(b"<sheetData"))
    if dimension is None:
        return [view[:end], added, view[end:]]
    right = dimension.group(3) or dimension.group(1)
    column = max(column_index(right.decode()), width)
    ref = (dimension.group(1) + dimension.group(2) + b":" + column_letter(column).encode()
           + str(last + len(rows)).encode())
    return [view[:dimension.start()], b'<dimension ref="' + ref + b'"/>', view[dimension.end():end], added, view[end:]]


_WRITABLE = (str, bool, int, float)


# Text as a cell holds it: the control characters XML cannot hold removed (``ILLEGAL_CHARACTERS``), and
# escaped; one pass of str.translate for both.
_TEXT = str.maketrans({**dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)]), "&": "&amp;", "<": "&lt;",
                       ">": "&gt;"})
_CHUNK = 256  # rows encoded and handed to the zip stream together (each write to it has a cost)


def _rows(first: int, rows: Grid, letters: list[str], first_style: str = "") -> Iterator[bytes]:
    """``rows`` as XML, numbered from ``first`` (``first_style`` on the cells of row 1), a few hundred at a time."""
    chunk: list[str] = []
    for number, row in enumerate(rows, start=first):
        chunk.append(_row(number, row, letters, first_style if number == 1 else ""))
        if len(chunk) == _CHUNK:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def _row(number: int, values: list, letters: list[str], style: str) -> str:
    index = str(number)
    cells = []
    for letter, value in zip(letters, values, strict=False):
        kind = type(value)
        if kind is str:
            text = fit_cell(value).translate(_TEXT)
            if text:  # inline text: never a formula, whatever it starts with; spaces kept as typed
                cells.append(f'<c r="{letter}{index}"{style} t="inlineStr"><is><t xml:space="preserve">{text}'
                             '</t></is></c>')
        elif value is None:
            continue
        elif kind is bool:
            cells.append(f'<c r="{letter}{index}"{style} t="b"><v>{1 if value else 0}</v></c>')
        elif kind is int:
            cells.append(f'<c r="{letter}{index}"{style}><v>{value}</v></c>')
        elif kind is float and math.isfinite(value):
            cells.append(f'<c r="{letter}{index}"{style}><v>{value!r}</v></c>')
        else:
            raise Unsupported(f"a value of type {kind.__name__}")
    return f'<row r="{index}">{"".join(cells)}</row>'
