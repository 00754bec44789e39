"""How the tool's columns of a derived tab look in a spreadsheet, for both stores and the files the tool writes.

The tabs the tool writes are read by people in LibreOffice, Excel or Google Sheets: an amount shows as
« 4,50 € », a date is a real date cell shown « 05/12/2026 » (it sorts and filters as a date), a quantity as
« 3 », the header row is bold and stays in view (frozen), and each column is as wide as what it holds.
``sheet.column_kinds`` says which kind each column is (``sheet.MONEY``…), next to the tabs' contract; this
module turns that into what each store writes:

- ``tool_kinds``: the kind of each of the tool's columns of a tab as it will be written, ``None`` for a column
  people fill in (``Changes.owners``): its cells, its format and its width are never touched;
- ``typed``: the grid with the tool's date columns as real moments (the refresh builds them as French text,
  « 05/12/2026 18:30 », which is also what reading them back gives through ``sheet.cell``), and whole numbers
  as ``int``;
- ``PATTERNS``: one number format per kind, the same text for Google Sheets (``NumberFormat.pattern``) and for
  Excel/LibreOffice (``numFmt formatCode``): both read ``#,##0.00 "€"``, ``dd/mm/yyyy`` and ``0`` alike, and a
  French spreadsheet shows the grouping and decimal separators the French way;
- ``widths``: each column's width in characters, from what it shows (the longest value, as shown, between
  ``MIN_WIDTH`` and ``MAX_WIDTH``); ``pixels`` turns it into Google's pixel width;
- ``style_sheet``: the same look on a plain openpyxl worksheet, for the spreadsheets the tool writes as files (a
  producer's list, ``paniers plan --out``), so that they read like the tabs. The only function here that
  touches anything: the others are pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

from ..sheet import DATE, DATETIME, INTEGER, MONEY, TEXT, WEIGHT, Grid, column_kinds
from ..values import SHEET_EPOCH, fold, is_blank
from .layout import Owner

# One pattern per kind, for both stores (Sheets API NumberFormat; ECMA-376 §18.8.31 numFmt). Google's type goes
# with it (NumberFormat.type is required when writing).
PATTERNS = {MONEY: '#,##0.00 "€"', DATE: "dd/mm/yyyy", DATETIME: "dd/mm/yyyy hh:mm", INTEGER: "0", WEIGHT: "0.000"}
GOOGLE_TYPES = {MONEY: "CURRENCY", DATE: "DATE", DATETIME: "DATE_TIME", INTEGER: "NUMBER", WEIGHT: "NUMBER"}
MIN_WIDTH, MAX_WIDTH = 8, 62  # characters: a column never narrower (a short header), nor wider (a long remark)

_MOMENT = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


def tool_kinds(name: str, header: list[Any], owner: Owner | None) -> list[str | None]:
    """The kind of each column of a derived tab under ``header`` (as it will be written); ``None`` for a column
    that is not the tool's: one people fill in (``owner``), or any column of a tab without an owner that has no
    header. A tab without an owner is the tool's whole (``Anomalies``)."""
    kinds: list[str | None] = list(column_kinds(name, header))
    if owner is not None:
        tool = owner.folded
        kinds = [k if fold(str(h)) in tool else None for k, h in zip(kinds, header, strict=True)]
    return [None if is_blank(h) else k for k, h in zip(kinds, header, strict=True)]


def moment(value: Any) -> datetime | None:
    """A date column's cell as a moment: a ``datetime`` (its wall-clock time), or French text « 05/12/2026 »
    or « 05/12/2026 18:30 »; None for anything else (left as it is)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if type(value) is not str:
        return None
    found = _MOMENT.match(value)
    if found is None:
        return None
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in found.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def date_kind(moment: datetime) -> str:
    """How a moment the tool writes as a date is shown: ``DATE`` for a day (midnight), else ``DATETIME``."""
    return DATE if moment.hour == moment.minute == moment.second == 0 else DATETIME


def serial(moment: datetime) -> float:
    """A wall-clock moment as the serial number a spreadsheet keeps for a date (days since 30/12/1899: Google
    Sheets, Excel and LibreOffice alike)."""
    return (moment.replace(tzinfo=None) - SHEET_EPOCH) / timedelta(days=1)


def typed(grid: Grid, kinds: list[str | None], as_moment: Callable[[datetime], Any] = lambda m: m) -> Grid:
    """``grid`` (header first) with the cells of the tool's date columns as moments (``as_moment`` of them: a
    store may want a serial number) and whole numbers of its number columns as ``int``. Other cells, and every
    cell of people's columns, are the same objects."""
    columns = [(c, k) for c, k in enumerate(kinds) if k in (DATE, DATETIME, INTEGER, MONEY, WEIGHT)]
    if not columns or len(grid) < 2:
        return grid
    out: Grid = [grid[0]]
    for row in grid[1:]:
        new = None
        for c, kind in columns:
            if c >= len(row):
                continue
            value = row[c]
            if kind in (DATE, DATETIME):
                found = moment(value)
                changed = as_moment(found) if found is not None else value
            elif isinstance(value, Decimal):
                changed = float(value)
            elif type(value) is float and value.is_integer() and kind == INTEGER:
                changed = int(value)
            else:
                continue
            if changed is not value:
                if new is None:
                    new = list(row)
                new[c] = changed
        out.append(new if new is not None else row)
    return out


def shown(value: Any, kind: str | None) -> str:
    """What a cell shows, near enough to size its column (« 1 234,50 € », « 05/12/2026 18:30 »)."""
    if is_blank(value):
        return ""
    if kind == MONEY and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{float(value):,.2f} €"
    if kind == WEIGHT and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{float(value):.3f}"
    if kind in (DATE, DATETIME) and (isinstance(value, datetime) or moment(value) is not None):
        return "00/00/0000" if kind == DATE else "00/00/0000 00:00"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if type(value) is float and value.is_integer():
        return str(int(value))
    return str(value)


def widths(grid: Grid, kinds: list[str | None]) -> dict[int, int]:
    """The width, in characters, of each of the tool's columns (0-based; people's columns are not there): the
    longest value as shown, the header counted bold (a tenth wider), plus two, between ``MIN_WIDTH`` and
    ``MAX_WIDTH``."""
    found: dict[int, int] = {}
    header = grid[0] if grid else []
    body = grid[1:]
    for c, kind in enumerate(kinds):
        if kind is None:
            continue
        longest = len(str(header[c])) * 11 // 10 if c < len(header) and not is_blank(header[c]) else 0
        cells = [row[c] for row in body if c < len(row)]  # a big tab has tens of thousands of rows: one pass each
        texts = [v for v in cells if type(v) is str]
        if texts and kind not in (DATE, DATETIME):
            longest = max(longest, max(map(len, texts)))
        others = cells if kind in (DATE, DATETIME) else [v for v in cells if type(v) is not str]
        if others:
            if kind == MONEY and all(type(v) in (int, float) for v in others):
                others = [max(others, key=abs)]  # the widest amount is the one farthest from zero
            longest = max(longest, max(len(shown(v, kind)) for v in others))
        found[c] = max(MIN_WIDTH, min(longest + 2, MAX_WIDTH))
    return found


def pixels(characters: int) -> int:
    """A width in characters as Google's pixels (Arial 10: about 7 pixels a character, plus the cell's padding)."""
    return characters * 7 + 5


def style_sheet(ws, kinds: list[str | None], header_row: int = 1) -> None:
    """A plain openpyxl worksheet (a file the tool writes) shown like a derived tab: below the header, each column
    of ``kinds`` (one per header cell; ``None`` leaves a column alone) gets its kind's number format, formulas
    such as a total included, and the width that fits what it shows (``widths``: formulas and the rows above the
    header do not count); the header row is bold and stays in view (frozen). The cells are already typed
    (``typed``): amounts and quantities numbers, dates ``datetime``s."""
    from openpyxl.styles import Font  # only for a file: importing openpyxl costs a third of a second
    from openpyxl.utils import get_column_letter

    header = [cell.value for cell in ws[header_row]]
    body = [[None if cell.data_type == "f" else cell.value for cell in row]
            for row in ws.iter_rows(min_row=header_row + 1)]
    for column, kind in enumerate(kinds, start=1):
        if kind in PATTERNS:
            for (cell,) in ws.iter_rows(min_row=header_row + 1, min_col=column, max_col=column):
                cell.number_format = PATTERNS[kind]
    for column, width in widths([header, *body], kinds).items():
        ws.column_dimensions[get_column_letter(column + 1)].width = width
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate


def runs_of(kinds: list[str | None]) -> list[tuple[int, int, str]]:
    """[start, end) runs of consecutive tool columns of one kind (one format request each)."""
    found: list[tuple[int, int, str]] = []
    start = 0
    for kind, same in groupby(kinds):
        end = start + len(list(same))
        if kind is not None:
            found.append((start, end, kind))
        start = end
    return found


__all__ = ["GOOGLE_TYPES", "PATTERNS", "TEXT", "date_kind", "moment", "pixels", "runs_of", "serial", "shown",
           "style_sheet", "tool_kinds", "typed", "widths"]
