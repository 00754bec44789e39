"""Writing a run's changes into an .xlsx by its parts: the sheets that change are written anew, every other
part of the file is copied as it is.

openpyxl loads every cell of every tab and writes them all back: for a sale of 2 000 households, or ten
years of orders and journal, that is hundreds of thousands of cells, and ten seconds to a minute per
save. A run changes only the derived tabs (rewritten whole) and the end of a few tabs people own (rows
appended to ``Journal`` and ``Clients``). So this writes those sheets' XML directly (text as inline
strings: never a formula, nothing to add to the shared strings), appends rows just before the end of the
other sheets' ``sheetData``, and copies the rest of the package byte for byte: people's tabs, formulas,
formats, styles and everything else keep exactly what they held.

The tool's columns of a rewritten tab get their number format (``formats.py``: « 4,50 € », real dates shown
« 05/12/2026 », whole quantities), a bold header and their width; the styles they need are found in, or added
to, the workbook's style part (``_Styles``), which is then the one other part written anew. People's columns keep
their width and column style (their ``<col>`` entries, carried over by header name).

Anything it was not built for raises ``Unsupported`` before a byte is written, and the store then takes
the openpyxl path: a tab to create, a derived tab with comments or drawings attached, a sheet whose last
row holds no value, a value of another type, an XML layout with namespace prefixes (``Strict`` OOXML).
"""

from __future__ import annotations

import html
import math
import re
import shutil
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from ..sheet import DATE, DATETIME, Grid, find_title
from . import formats
from .base import fit

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
CALC_CHAIN = REL + "/calcChain"
STYLES = REL + "/styles"

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


@dataclass
class Look:
    """How a rewritten tab's columns look: the tool's kinds (``formats.tool_kinds``, None for people's columns),
    and for each people's column of the new grid the column it was in the old sheet (0-based), whose width and
    style it keeps."""

    kinds: list[str | None] = field(default_factory=list)
    kept: dict[int, int] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)  # a row of the new grid -> its row in the old sheet (0-based)


def patch(source: Path, target: Path, replace: dict[str, Grid], append: dict[str, tuple[list, Grid]],
          looks: dict[str, Look] | None = None) -> None:
    """Write ``target``: ``source`` with the tabs of ``replace`` rewritten (header first, looking as ``looks``
    says) and the rows of ``append`` (name -> (header, rows)) added after the last row holding a value. Raises
    ``Unsupported`` before writing anything when the change needs openpyxl."""
    looks = looks or {}
    with zipfile.ZipFile(source) as package:
        names = package.namelist()
        parts = _Parts(package, names)
        sheets = parts.sheets()
        styles_part = parts.styles()
        styles = _Styles(package.read(styles_part)) if replace or append else None
        # each changed part as a list of pieces, written one after the other: a big tab is never joined into
        # one more copy in memory (ten years of journal is tens of megabytes of XML)
        changed: dict[str, list] = {}
        for name, grid in replace.items():
            part = _sheet_part(sheets, name, parts)
            look = looks.get(name) or Look()
            with package.open(part) as old:
                # the old sheet's views and header style are near its start; the whole of it only to find the
                # formats of people's cells
                head = old.read() if look.kept and look.rows else old.read(_HEAD_BYTES)
            changed[part] = _new_sheet(head, grid, look, styles)
        for name, (_header, rows) in append.items():
            if not rows:
                continue
            part = _sheet_part(sheets, name, parts)
            if part in changed:
                raise Unsupported(f"the tab {name} is both rewritten and appended to")
            changed[part] = _appended(package.read(part), rows, styles)
        if styles is not None and styles.changed:
            changed[styles_part] = [styles.data()]
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

    def styles(self) -> str:
        found = [t for i, t in self.targets.items() if t in self.names and self._type(i) == STYLES]
        if len(found) != 1:
            raise Unsupported("no style part, or several")
        return found[0]

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

_COL = re.compile(rb"<col\b[^>]*?/>")
_ATTRIBUTE = re.compile(rb'\b([A-Za-z]+)="([^"]*)"')


def _old_columns(head: bytes) -> dict[int, dict[str, str]]:
    """The old sheet's ``<col>`` entries by column (0-based): their attributes, less the range."""
    found: dict[int, dict[str, str]] = {}
    for entry in _COL.finditer(head):
        attributes = {k.decode(): v.decode() for k, v in _ATTRIBUTE.findall(entry.group(0))}
        try:
            first, last = int(attributes.pop("min")), int(attributes.pop("max"))
        except (KeyError, ValueError):
            continue
        for c in range(first - 1, min(last, 16384)):
            found[c] = attributes
    return found


def _people_styles(old: bytes, look: Look, width: int) -> dict[int, dict[int, str]]:
    """The formats people gave their own cells in the old sheet, where those cells are in the new one: row
    number (1-based) -> column (0-based) -> style index."""
    columns = {column_letter(was + 1).encode(): new for new, was in look.kept.items()
               if new < width and (new >= len(look.kinds) or look.kinds[new] is None)}
    if not columns or not look.rows:
        return {}
    wanted = re.compile(rb'<c\b[^>]*?\br="(' + b"|".join(columns) + rb')(\d+)"[^>]*>')
    found: dict[tuple[int, int], str] = {}
    for cell in wanted.finditer(old):
        style = _STYLE.search(cell.group(0))
        if style is not None and style.group(1) != b"0":
            found[(int(cell.group(2)) - 1, columns[cell.group(1)])] = style.group(1).decode()
    if not found:
        return {}
    placed: dict[int, dict[int, str]] = {}
    for new_row, old_row in look.rows.items():
        if new_row == 0:
            continue
        for column in columns.values():
            style = found.get((old_row, column))
            if style is not None:
                placed.setdefault(new_row + 1, {})[column] = style
    return placed


def _new_sheet(old: bytes, grid: Grid, look: Look, styles: _Styles | None) -> list:
    """A derived tab written anew: frozen panes and selection kept from the old one (``old``: the start of its
    XML); the tool's columns with their number formats, bold header and widths (``formats.py``), people's
    columns with their old width and style."""
    if b"<worksheet" not in old[:4096] or b"<sheetData" not in old:
        raise Unsupported("a sheet with namespace prefixes, or a very long head")
    head = old[: old.find(b"<sheetData")]
    views = _VIEWS.search(head)
    first = _A1.search(old)
    style = _STYLE.search(first.group(0)) if first else None
    height = len(grid)
    width = max((len(row) for row in grid), default=0)
    kinds = list(look.kinds[:width]) + [None] * (width - len(look.kinds))
    if styles is None:
        raise Unsupported("no style part")
    header_styles = [style.group(1).decode() if style else "" for _ in range(width)]
    if not style:  # a header never styled (a tab made by hand): the tool's columns bold
        header_styles = [str(styles.xf(None, bold=True)) if k is not None else "" for k in kinds]
    cell_styles = [str(styles.xf(formats.PATTERNS[k])) if k in formats.PATTERNS else "" for k in kinds]
    grid = formats.typed(grid, kinds)
    people = _people_styles(old, look, width)
    body = [_HEAD]
    if height and width:
        body.append(b'<dimension ref="A1:' + column_letter(width).encode() + str(height).encode() + b'"/>')
    body.append(views.group(0) if views else _FROZEN)
    body.append(b'<sheetFormatPr defaultRowHeight="15"/>')
    old_columns = _old_columns(head)
    cols = []
    for c, w in formats.widths(grid, kinds).items():
        cols.append((c, {"width": str(w), "customWidth": "1"}))
    for new, was in look.kept.items():
        if new < width and kinds[new] is None and was in old_columns:
            cols.append((new, old_columns[was]))
    if cols:
        body.append(b"<cols>" + b"".join(
            (f'<col min="{c + 1}" max="{c + 1}"' + "".join(f' {k}="{v}"' for k, v in attributes.items())
             + "/>").encode() for c, attributes in sorted(cols, key=lambda item: item[0])) + b"</cols>")
    body.append(b"<sheetData>")
    letters = [column_letter(c) for c in range(1, width + 1)]
    dated = False
    for value in (v for row in grid for v in row):  # every value checked now, before a byte is written
        if value is not None and (type(value) not in _WRITABLE or (type(value) is float and not math.isfinite(value))):
            raise Unsupported(f"a value of type {type(value).__name__}: {value!r:.40}")
        dated = dated or type(value) is datetime
    # the rows themselves are made as they are written (not all held in memory at once)
    body.append(_rows(1, grid, letters, header_styles, cell_styles, _moments(styles) if dated else None, people))
    body.append(b'</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                b"</worksheet>")
    return body


def _appended(data: bytes, rows: Grid, styles: _Styles | None) -> list:
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
    dated = any(type(v) is datetime for row in rows for v in row)
    if dated and styles is None:
        raise Unsupported("a date without a style part")
    moments = _moments(styles) if dated and styles is not None else None
    added = b"".join(_rows(last + 1, rows, letters, moments=moments))
    view = memoryview(data)
    dimension = _DIMENSION.search(data, 0, data.find(b"<sheetData"))
    if dimension is None:
        return [view[:end], added, view[end:]]
    right = dimension.group(3) or dimension.group(1)
    column = max(column_index(right.decode()), width)
    ref = (dimension.group(1) + dimension.group(2) + b":" + column_letter(column).encode()
           + str(last + len(rows)).encode())
    return [view[:dimension.start()], b'<dimension ref="' + ref + b'"/>', view[dimension.end():end], added, view[end:]]


_WRITABLE = (str, bool, int, float, datetime)


def _moments(styles: _Styles) -> tuple[str, str]:
    """The styles of a date and of a date and time (for dates in columns that have no format of their own)."""
    return str(styles.xf(formats.PATTERNS[DATE])), str(styles.xf(formats.PATTERNS[DATETIME]))


# Text as a cell holds it: the control characters XML cannot hold removed (``ILLEGAL_CHARACTERS``), and
# escaped; one pass of str.translate for both.
_TEXT = str.maketrans({**dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)]), "&": "&amp;", "<": "&lt;",
                       ">": "&gt;"})
_CHUNK = 256  # rows encoded and handed to the zip stream together (each write to it has a cost)


def _rows(first: int, rows: Grid, letters: list[str], header: list[str] | None = None, styles: list[str] | None = None,
          moments: tuple[str, str] | None = None, people: dict[int, dict[int, str]] | None = None) -> Iterator[bytes]:
    """``rows`` as XML, numbered from ``first``, a few hundred at a time: the cells of row 1 styled ``header``,
    the others ``styles`` (a style index per column, "" for none) or, for a person's cell, the style it had
    (``people``: row number -> column -> style); a date held by a column without a date style takes
    ``moments`` (the date style, the date-and-time style)."""
    chunk: list[str] = []
    width = len(letters)
    plain = [""] * width
    for number, row in enumerate(rows, start=first):
        current = (header or plain) if number == 1 else (styles or plain)
        if people and number in people:
            current = list(current)
            for column, style in people[number].items():
                current[column] = style
        chunk.append(_row(number, row, letters, current, moments))
        if len(chunk) == _CHUNK:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def _row(number: int, values: list, letters: list[str], styles: list[str], moments: tuple[str, str] | None) -> str:
    index = str(number)
    cells = []
    for letter, value, s in zip(letters, values, styles, strict=False):
        style = f' s="{s}"' if s else ""
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
        elif kind is datetime and moments is not None:
            if not s:  # a date in a column without a date style (a person's): shown as a date all the same
                style = f' s="{moments[0] if formats.date_kind(value) == DATE else moments[1]}"'
            cells.append(f'<c r="{letter}{index}"{style}><v>{formats.serial(value)!r}</v></c>')
        else:
            raise Unsupported(f"a value of type {kind.__name__}")
    return f'<row r="{index}">{"".join(cells)}</row>'


# --- the style part ----------------------------------------------------------------------------------

_NUM_FMTS = re.compile(rb"<numFmts\b[^>]*?(?:/>|>.*?</numFmts>)", re.DOTALL)
_NUM_FMT = re.compile(rb'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"[^>]*?/>')
_FONTS = re.compile(rb"<fonts\b[^>]*>(.*?)</fonts>", re.DOTALL)
_FONT = re.compile(rb"<font\b[^>]*?(?:/>|>.*?</font>)", re.DOTALL)
_CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.DOTALL)
_XF = re.compile(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.DOTALL)
_COUNT = re.compile(rb'\scount="\d+"')
_BUILT_IN = {"0": 1}  # ECMA-376 §18.8.30: number format 1 is « 0 »
_FIRST_CUSTOM = 164  # ECMA-376 §18.8.31: custom number formats take ids from 164


class _Styles:
    """The workbook's style part, read and added to with the few cell formats the tool's columns need: a number
    format with the default font, or the default font bold (ECMA-376 §18.8: ``numFmts``, ``fonts``,
    ``cellXfs``). A format already there is used as it is: a workbook saved again and again does not grow. A
    layout it does not recognise (namespace prefixes, no ``cellXfs``) is ``Unsupported``."""

    def __init__(self, data: bytes):
        if b"<styleSheet" not in data[:512] or _CELL_XFS.search(data) is None or _FONTS.search(data) is None:
            raise Unsupported("a style part this writer does not read")
        self._data = data
        self.changed = False
        self._known: dict[tuple[str | None, bool], int] = {}

    def data(self) -> bytes:
        return self._data

    def xf(self, pattern: str | None, bold: bool = False) -> int:
        """The index of a cell format showing numbers as ``pattern`` (None: as they are), bold or not."""
        key = (pattern, bold)
        if key not in self._known:
            self._known[key] = self._find_or_add(self._num_fmt(pattern) if pattern else 0,
                                                 self._bold_font() if bold else 0)
        return self._known[key]

    def _num_fmt(self, pattern: str) -> int:
        if pattern in _BUILT_IN:
            return _BUILT_IN[pattern]
        block = _NUM_FMTS.search(self._data)
        entries = _NUM_FMT.findall(block.group(0)) if block else []
        for number, code in entries:
            if html.unescape(code.decode()) == pattern:
                return int(number)
        number = max([_FIRST_CUSTOM - 1, *(int(n) for n, _ in entries)]) + 1
        entry = f'<numFmt numFmtId="{number}" formatCode="{html.escape(pattern, quote=True)}"/>'.encode()
        if block is None:  # numFmts comes first in styleSheet (ECMA-376 §18.8.39)
            start = self._data.find(b">", self._data.find(b"<styleSheet")) + 1
            new = b'<numFmts count="1">' + entry + b"</numFmts>"
            self._data = self._data[:start] + new + self._data[start:]
        else:
            old = block.group(0)
            inner = b"" if old.endswith(b"/>") else old[old.find(b">") + 1:old.rfind(b"</numFmts>")]
            new = b'<numFmts count="' + str(len(entries) + 1).encode() + b'">' + inner + entry + b"</numFmts>"
            self._data = self._data[:block.start()] + new + self._data[block.end():]
        self.changed = True
        return number

    def _bold_font(self) -> int:
        block = _FONTS.search(self._data)
        fonts = [f.group(0) for f in _FONT.finditer(block.group(1))]
        if not fonts:
            raise Unsupported("no fonts")
        default = fonts[0]
        bold = default.replace(b"<font>", b"<font><b/>", 1) if default.startswith(b"<font>") else None
        for i, font in enumerate(fonts):
            if font == bold or font in (b'<font><b val="1"/></font>', b"<font><b/></font>"):
                return i
        if bold is None or b"<b" in default[6:]:
            raise Unsupported("a default font this writer does not read")
        self._append(_FONTS, block, bold, b"</fonts>", len(fonts) + 1)
        return len(fonts)

    def _find_or_add(self, number: int, font: int) -> int:
        block = _CELL_XFS.search(self._data)
        entries = [x.group(0) for x in _XF.finditer(block.group(1))]
        for i, entry in enumerate(entries):
            attributes = {k.decode(): v.decode() for k, v in _ATTRIBUTE.findall(entry.split(b">", 1)[0])}
            if entry.endswith(b"/>") and attributes.get("numFmtId", "0") == str(number) and \
                    attributes.get("fontId", "0") == str(font) and attributes.get("fillId", "0") == "0" and \
                    attributes.get("borderId", "0") == "0" and attributes.get("quotePrefix", "0") == "0":
                return i
        entry = (f'<xf numFmtId="{number}" fontId="{font}" fillId="0" borderId="0" xfId="0"'
                 + (' applyNumberFormat="1"' if number else "") + (' applyFont="1"' if font else "") + "/>").encode()
        self._append(_CELL_XFS, block, entry, b"</cellXfs>", len(entries) + 1)
        return len(entries)

    def _append(self, pattern: re.Pattern, block: re.Match, entry: bytes, closing: bytes, count: int) -> None:
        whole = block.group(0)
        opening = whole[:whole.find(b">") + 1]
        opening = _COUNT.sub(b' count="' + str(count).encode() + b'"', opening) if _COUNT.search(opening) else \
            opening[:-1] + b' count="' + str(count).encode() + b'">'
        new = opening + block.group(1) + entry + closing
        self._data = self._data[:block.start()] + new + self._data[block.end():]
        self.changed = True
