"""An in-process Google Sheets API v4, at the HTTP level.

``FakeSheetsAPI`` is a ``requests`` transport adapter. Mount it on a plain ``requests.Session`` (``session()``
does it, with a refusing adapter on every other URL so that a stray call fails loudly) and hand that session
to gspread: gspread then builds its real requests, and the fake answers them the way Google does.

What it models, because the store depends on it:

- the spreadsheet resource (``spreadsheets.get``) with ``includeGridData``, ``ranges`` and a ``fields`` mask
  that really filters the answer (a field the client forgot to ask for is absent, as with Google);
  zero-valued ``startRow``/``startColumn`` omitted, trailing empty cells and rows left out of ``rowData``;
- ``values.get``, ``values:batchGet`` (FORMATTED_VALUE in the spreadsheet's locale, UNFORMATTED_VALUE,
  FORMULA; SERIAL_NUMBER or FORMATTED_STRING dates; trailing empty cells trimmed; ``values`` absent for an
  empty range), ``values.update``, ``values:batchUpdate``, ``values:append``, ``values:clear``,
  ``values:batchClear`` (RAW or USER_ENTERED, USER_ENTERED parsed the way a French sheet parses typing);
- ``spreadsheets:batchUpdate`` with ``addSheet``, ``deleteSheet``, ``updateSheetProperties``, ``insertDimension``,
  ``deleteDimension`` (a row's cells move with it), ``createDeveloperMetadata`` and ``updateDeveloperMetadata``
  (spreadsheet-level), ``updateCells``,
  ``appendCells``, ``repeatCell``, ``appendDimension``, ``updateDimensionProperties`` (column widths, read back
  as ``columnMetadata.pixelSize``): all or nothing, grid limits enforced, tab titles unique
  ignoring case, 50 000 characters at most per cell, any other request refused;
- A1 ranges with quoted tab names (``'It''s'!A1:B2``) and percent-encoded paths;
- errors as Google words them: 404 unknown spreadsheet, 403 not shared (or shared read-only, on a write),
  403 API disabled, 401 without the expected token, 400 with Google's messages;
- a call log (``calls``) and fault injection: ``fail(429, retry_after=…)``, ``fail(500)``, ``drop()`` (the
  connection dies before the request is applied, or after, with ``after_apply=True``).

What a person types (``create(..., typed=True)``, ``Spreadsheet.type``) or a Form answers is stored the way
Google Sheets stores it in a French-locale spreadsheet, each rule with its source above ``user_entered``:
numbers, currency, percentages, dates and date-times as serial numbers with their number-format type,
"2026-12" a date, phone numbers as numbers (their leading 0 lost), VRAI/FAUX and checkboxes as booleans,
arithmetic formulas evaluated to the raw double Google returns; any other formula needs its value
(``Formula("=SUM(B2:B9)", 12)``).

Every request is first checked against Google's own reference, the Sheets API v4 discovery document shipped with
google-api-python-client (``sheets.v4.json``, revision 20261019 when written; ``fakes/discovery.py``): unknown
query parameters or body fields, wrong JSON types, enum values, response and update field masks are refused
with a 400 in Google's error shape before anything is applied (``validate = False`` turns that off).
"""

from __future__ import annotations

import copy
import http
import json
import math
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from . import discovery

SHEETS_ROOT = "https://sheets.googleapis.com/"
TOKEN_URL = "https://oauth2.googleapis.com/token"
EPOCH = datetime(1899, 12, 30)
MAX_CELL_CHARS = 50_000
DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
DEFAULT_WIDTH = 100  # pixels: a column's width in a new sheet (DimensionProperties.pixelSize as read back)

CellData = dict[str, Any]


class StrayRequest(AssertionError):
    """A request to a host the test did not expect (no network in tests)."""


class RefusingAdapter(BaseAdapter):
    """Mounted on ``https://`` and ``http://``: any request that reaches it is a bug in the test or the code."""

    def send(self, request, **kwargs):
        raise StrayRequest(f"unexpected request in a test: {request.method} {request.url}")

    def close(self):
        pass


@dataclass(frozen=True)
class Formula:
    """A formula a person typed, with the value Google would show for it."""

    text: str
    value: Any = None


@dataclass(frozen=True)
class Checkbox:
    """A checkbox a person inserted (Insert > Checkbox): a boolean cell with a BOOLEAN data validation."""

    ticked: bool = False


@dataclass
class Call:
    method: str
    url: str
    kind: str  # "spreadsheets.get", "values.batchGet", "spreadsheets.batchUpdate", ...
    path: str
    params: dict[str, list[str]]
    body: Any
    headers: CaseInsensitiveDict  # as sent
    timeout: Any
    status: int | None = None  # None: the connection was dropped
    fault: str = ""  # "429", "500", "drop", "drop-after" when injected

    @property
    def is_read(self) -> bool:
        return self.method == "GET"


@dataclass
class Fault:
    status: int | None  # None: drop the connection
    times: int
    retry_after: str | None = None
    message: str | None = None
    after_apply: bool = False
    match: Callable[[Call], bool] | None = None


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str, details: list | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.details = code, message, status, details or []

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


# --- the data model ----------------------------------------------------------------------------

@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int = 0
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS
    frozen_rows: int = 0
    rows: list[list[CellData]] = field(default_factory=list)  # only up to the data; a cell is {} when empty
    # Column widths set by ``updateDimensionProperties`` or a person (0-based column -> pixels); any other column
    # is Google's default width, 100 pixels (a new sheet's columns, as ``columnMetadata`` gives them).
    widths: dict[int, int] = field(default_factory=dict)

    def copy(self) -> Sheet:
        clone = copy.copy(self)
        clone.rows = [list(r) for r in self.rows]  # cells are replaced, never mutated in place
        clone.widths = dict(self.widths)
        return clone

    def width(self, column: int) -> int:
        return self.widths.get(column, DEFAULT_WIDTH)

    def get(self, r: int, c: int) -> CellData:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return {}

    def put(self, r: int, c: int, cell: CellData) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append({})
        row[c] = cell

    def last_value_row(self) -> int:
        """How many rows, from the top, until the last one that holds a value (0 when none)."""
        for r in range(len(self.rows) - 1, -1, -1):
            if any("userEnteredValue" in cell for cell in self.rows[r]):
                return r + 1
        return 0

    def extent(self) -> tuple[int, list[int]]:
        """Rows up to the last non-empty cell, and each row's length up to its last non-empty cell."""
        lengths = []
        for row in self.rows:
            n = len(row)
            while n and not row[n - 1]:
                n -= 1
            lengths.append(n)
        height = len(lengths)
        while height and not lengths[height - 1]:
            height -= 1
        return height, lengths[:height]

    def properties(self) -> dict:
        grid = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
                "gridProperties": grid}


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    locale: str = "fr_FR"
    time_zone: str = "Europe/Paris"
    share: str | None = "writer"  # how it is shared with the caller: "writer", "reader" or None
    sheets: list[Sheet] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    metadata: list[dict] = field(default_factory=list)  # developer metadata on the spreadsheet itself

    # --- for tests: seeding and looking -------------------------------------------------------

    def add_tab(self, title: str, rows: Iterable[Iterable[Any]] = (), typed: bool = False,
                row_count: int = DEFAULT_ROWS, column_count: int = DEFAULT_COLUMNS) -> Sheet:
        """A tab filled the way a person fills it: ``typed=True`` parses text as the Sheets UI would in
        this spreadsheet's locale ("4,50" becomes a number, "01/12/2026 08:00" a date); otherwise str
        stays text, numbers are numbers and datetimes are dates."""
        rows = [list(r) for r in rows]
        sheet = Sheet(self._new_id(), title, len(self.sheets),
                      max(row_count, len(rows)), max(column_count, max((len(r) for r in rows), default=0)))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = seed_cell(value, self.locale, typed)
                if cell:
                    sheet.put(r, c, cell)
        self.sheets.append(sheet)
        return sheet

    def tab(self, title: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)

    def titles(self) -> list[str]:
        return [s.title for s in self.sheets]

    def rename(self, old: str, new: str) -> None:
        self.tab(old).title = new

    def remove(self, title: str) -> None:
        self.sheets.remove(self.tab(title))
        self._reindex()

    def values(self, title: str) -> list[list[Any]]:
        """The tab's values as Google computes them (str, int/float, bool, error text), trailing blanks
        trimmed: what a person sees, before any number format."""
        sheet = self.tab(title)
        height, lengths = sheet.extent()
        grid = []
        for r in range(height):
            grid.append([plain(sheet.get(r, c).get("effectiveValue")) for c in range(lengths[r])])
        while grid and all(v is None for v in grid[-1]):
            grid.pop()
        return [_rtrim(row) for row in grid]

    def type(self, title: str, row: int, column: int, value: Any) -> None:
        """A person types ``value`` into a cell (1-based row and column, as a person counts): text is typed
        (turned into what Sheets makes of it: the rules above ``user_entered``), except in a cell formatted as
        plain text, where it stays text; ``Checkbox(ticked)`` inserts a checkbox. The cell's format and validation
        stay."""
        sheet = self.tab(title)
        old = sheet.get(row - 1, column - 1)
        kept = {k: old[k] for k in ("userEnteredFormat", "dataValidation", "note") if k in old}
        text_format = kept.get("userEnteredFormat", {}).get("numberFormat", {}).get("type") == "TEXT"
        if isinstance(value, str) and text_format:
            entered = {"userEnteredValue": {"stringValue": value}} if value else {}
        elif isinstance(value, Checkbox):
            entered = {"userEnteredValue": {"boolValue": value.ticked},
                       "dataValidation": {"condition": {"type": "BOOLEAN"}}}
        elif isinstance(value, bool):
            entered = {"userEnteredValue": {"boolValue": value}}
        elif isinstance(value, str):
            entered = user_entered(value, self.locale) if value else {}
        else:
            entered = raw_entered(value)
        merged = {**kept, **entered}
        if "userEnteredFormat" in entered and "userEnteredFormat" in kept:
            merged["userEnteredFormat"] = {**kept["userEnteredFormat"], **entered["userEnteredFormat"]}
        sheet.put(row - 1, column - 1, computed(merged, self.locale))
        sheet.row_count = max(sheet.row_count, row)
        sheet.column_count = max(sheet.column_count, column)

    def user_entered(self, title: str, row: int, column: int) -> dict | None:
        """The userEnteredValue of a cell (1-based row and column, as a person counts)."""
        return self.tab(title).get(row - 1, column - 1).get("userEnteredValue")

    def snapshot(self) -> list[tuple]:
        """Everything stored, to check that a failed request changed nothing."""
        return [(s.sheet_id, s.title, s.index, s.row_count, s.column_count, s.frozen_rows,
                 json.dumps(s.rows, sort_keys=True), json.dumps(s.widths, sort_keys=True)) for s in self.sheets]

    # --- internals ------------------------------------------------------------------------------

    def _new_id(self) -> int:
        taken = {s.sheet_id for s in self.sheets}
        if not taken:
            return 0
        while True:
            candidate = self.rng.randrange(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    def _reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.index = i

    def find(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        for sheet in self.sheets:
            if sheet.title.casefold() == title.casefold():
                return sheet
        return None

    def by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def resource(self) -> dict:
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": self.title, "locale": self.locale, "autoRecalc": "ON_CHANGE",
                           "timeZone": self.time_zone,
                           "defaultFormat": {"backgroundColor": {"red": 1, "green": 1, "blue": 1}}},
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }


# --- cells: seeding, typing, computing ---------------------------------------------------------

def serial(moment: datetime | date) -> float:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    moment = moment.replace(tzinfo=None)
    delta = moment - EPOCH
    return delta.days + delta.seconds / 86400


def from_serial(number: float) -> datetime:
    return EPOCH + timedelta(seconds=round(number * 86400))


def seed_cell(value: Any, locale: str, typed: bool) -> CellData:
    if isinstance(value, Checkbox):
        return computed({"userEnteredValue": {"boolValue": value.ticked},
                         "dataValidation": {"condition": {"type": "BOOLEAN"}}}, locale)
    if isinstance(value, Formula):
        known = raw_entered(value.value).get("userEnteredValue") if value.value is not None else None
        return computed({"userEnteredValue": {"formulaValue": value.text}}, locale, known)
    if value is None or value == "":
        return {}
    if isinstance(value, str) and typed:
        return computed(user_entered(value, locale), locale)
    if isinstance(value, bool):
        return computed({"userEnteredValue": {"boolValue": value}}, locale)
    if isinstance(value, (int, float)):
        return computed({"userEnteredValue": {"numberValue": value}}, locale)
    if isinstance(value, datetime):
        pattern = "dd/MM/yyyy HH:mm:ss" if locale.startswith("fr") else "M/d/yyyy H:mm:ss"
        return computed({"userEnteredValue": {"numberValue": serial(value)},
                         "userEnteredFormat": {"numberFormat": {"type": "DATE_TIME", "pattern": pattern}}}, locale)
    if isinstance(value, date):
        pattern = "dd/MM/yyyy" if locale.startswith("fr") else "M/d/yyyy"
        return computed({"userEnteredValue": {"numberValue": serial(value)},
                         "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": pattern}}}, locale)
    return computed({"userEnteredValue": {"stringValue": str(value)}}, locale)


# What Google Sheets makes of text a person types, or of an answer a Google Form writes into its response
# tab, in a French-locale spreadsheet. Each rule, and where it comes from:
#
# 1. A leading apostrophe keeps the rest as text ("'0611111111"): Sheets help, "Format numbers in a
#    spreadsheet" (type an apostrophe before the value to keep it as text).
# 2. "=..." is a formula. Its result is computed in IEEE 754 doubles and the API returns that double as it is
#    (``=2,2*1,5`` -> 3.3000000000000003): shared/docs/tech-notes.md, "Verified since". French locale: comma
#    as the decimal separator, ";" between arguments (Sheets help, "Change the locale of a spreadsheet").
#    The fake evaluates arithmetic (+ - * / ^, parentheses, unary minus, percent); any other formula needs its
#    value given by the test (``Formula(text, value)``), or reads as an #ERROR!.
# 3. VRAI / FAUX (TRUE / FALSE in an English locale), any case, are booleans; a checkbox is a boolean cell
#    with a BOOLEAN data validation (API reference: CellData.dataValidation, ConditionType BOOLEAN).
# 4. Numbers, French style: "4,50", "1,0", "1 234,5" (spaces, no-break spaces as thousands separators), a sign;
#    a leading zero is dropped: "0611111111" is the number 611111111 and "+33611111111" is 33611111111. That is
#    the well-known complaint of phone numbers typed into a sheet or answered in a Form (tech-notes, "Verified
#    since": "Form answers to short-text questions too").
# 5. "4,50 €" (or "4,50€", "€4,50") is a number with a CURRENCY number format (tech-notes; API reference:
#    NumberFormatType CURRENCY).
# 6. "12 %" or "12%" is the number 0.12 with a PERCENT number format (Sheets help, "Format numbers";
#    NumberFormatType PERCENT).
# 7. Day-first dates: "01/12/2026" a DATE, "01/12/2026 08:00" a DATE_TIME, both stored as serial numbers
#    (days since 1899-12-30: API reference, "Date/Time serial numbers" of ValueRenderOption / DateTimeRenderOption);
#    "01/12/26" takes the year 2026. An impossible date (31/02/2026) stays text.
# 8. ISO dates: "2026-12-24" a DATE, and "2026-12" too, the 1st of that month (tech-notes, "Verified since":
#    "2026-12 becomes a date"). Sale codes are typed that way, which is why the tool reads them back.
# 9. Anything else is text, exactly as typed (the Form writes a paragraph answer as text too).
_FR_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?$")
_EN_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_CURRENCY = re.compile(r"^(?:€\s*(?P<before>.+)|(?P<after>.+?)\s*€)$")
_PERCENT = re.compile(r"^(?P<number>.+?)\s*%$")


def _number(text: str, french: bool) -> float | int | None:
    match = (_FR_NUMBER if french else _EN_NUMBER).match(text)
    if not match:
        return None
    sign, whole, decimals = match.groups()
    whole = re.sub(r"[ \u00a0\u202f,]", "", whole) if french else whole.replace(",", "")
    number = float(f"{sign}{whole}.{decimals or 0}")
    return int(number) if number.is_integer() and not decimals else number


def user_entered(text: str, locale: str) -> CellData:
    """What the Sheets UI (or USER_ENTERED, or a Form's answer) makes of typed text: the rules above."""
    french = locale.startswith("fr")
    if text.startswith("'"):
        return {"userEnteredValue": {"stringValue": text[1:]}}
    if text.startswith("=") and len(text) > 1:
        return {"userEnteredValue": {"formulaValue": text}}
    stripped = text.strip()
    if stripped.upper() in (("VRAI", "FAUX") if french else ("TRUE", "FALSE")):
        return {"userEnteredValue": {"boolValue": stripped.upper() in ("VRAI", "TRUE")}}
    number = _number(stripped, french)
    if number is not None:
        return {"userEnteredValue": {"numberValue": number}}
    match = _CURRENCY.match(stripped)
    if match and (number := _number((match["before"] or match["after"]).strip(), french)) is not None:
        pattern = "#,##0.00 [$€-1]" if french else "[$€-2] #,##0.00"
        return {"userEnteredValue": {"numberValue": number},
                "userEnteredFormat": {"numberFormat": {"type": "CURRENCY", "pattern": pattern}}}
    match = _PERCENT.match(stripped)
    if match and (number := _number(match["number"].strip(), french)) is not None:
        return {"userEnteredValue": {"numberValue": number / 100},
                "userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}}
    match = _DMY.match(stripped)
    if match:
        a, b, year, hour, minute, second = match.groups()
        day, month = (int(a), int(b)) if french else (int(b), int(a))
        year = int(year) + (2000 if len(year) == 2 else 0)
        try:
            moment = datetime(year, month, day, int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            return {"userEnteredValue": {"stringValue": text}}
        kind = "DATE_TIME" if hour else "DATE"
        pattern = ("dd/MM/yyyy" if french else "M/d/yyyy") + (" HH:mm:ss" if hour else "")
        return {"userEnteredValue": {"numberValue": serial(moment)},
                "userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}}}
    for regex, pattern in ((_ISO_DAY, "yyyy-MM-dd"), (_ISO_MONTH, "yyyy-MM")):
        match = regex.match(stripped)
        if match:
            parts = [int(p) for p in match.groups()]
            try:
                moment = datetime(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
            except ValueError:
                break
            return {"userEnteredValue": {"numberValue": serial(moment)},
                    "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": pattern}}}
    return {"userEnteredValue": {"stringValue": text}}


_FORMULA_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:[.,]\d+)?)|(?P<op>[-+*/^()%]))")


def evaluate(formula: str, locale: str) -> dict:
    """The effective value of an arithmetic formula (rule 2 above), as Google returns it: a double, or an error."""
    french = locale.startswith("fr")
    text, tokens, position = formula[1:], [], 0
    while position < len(text.rstrip()):
        match = _FORMULA_TOKEN.match(text, position)
        if not match:
            return {"errorValue": {"type": "ERROR", "message": "formula not evaluated by the fake"}}
        number = match["number"]
        if number is not None and ("," in number if not french else "." in number):
            return {"errorValue": {"type": "ERROR", "message": "Formula parse error."}}
        tokens.append(float(number.replace(",", ".")) if number is not None else match["op"])
        position = match.end()
    try:
        value, rest = _expression(tokens)
        if rest:
            raise ValueError
    except ZeroDivisionError:
        return {"errorValue": {"type": "DIVIDE_BY_ZERO", "message": "Function DIVIDE parameter 2 cannot be zero."}}
    except (ValueError, IndexError, OverflowError):
        return {"errorValue": {"type": "ERROR", "message": "Formula parse error."}}
    return {"numberValue": value}


def _expression(tokens: list) -> tuple[float, list]:
    value, tokens = _term(tokens)
    while tokens and tokens[0] in ("+", "-"):
        right, rest = _term(tokens[1:])
        value, tokens = (value + right if tokens[0] == "+" else value - right), rest
    return value, tokens


def _term(tokens: list) -> tuple[float, list]:
    value, tokens = _power(tokens)
    while tokens and tokens[0] in ("*", "/"):
        right, rest = _power(tokens[1:])
        value, tokens = (value * right if tokens[0] == "*" else value / right), rest
    return value, tokens


def _power(tokens: list) -> tuple[float, list]:
    value, tokens = _unary(tokens)
    if tokens and tokens[0] == "^":
        right, tokens = _power(tokens[1:])
        value = value ** right
    return value, tokens


def _unary(tokens: list) -> tuple[float, list]:
    if tokens[0] in ("-", "+"):
        value, rest = _unary(tokens[1:])
        return (-value if tokens[0] == "-" else value), rest
    if tokens[0] == "(":
        value, rest = _expression(tokens[1:])
        if not rest or rest[0] != ")":
            raise ValueError
        tokens = rest
    elif isinstance(tokens[0], float):
        value = tokens[0]
    else:
        raise ValueError
    tokens = tokens[1:]
    while tokens and tokens[0] == "%":
        value, tokens = value / 100, tokens[1:]
    return value, tokens


def raw_entered(value: Any) -> CellData:
    """What RAW input stores: strings stay strings (even "=…"), numbers and booleans as such."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    if value == "":
        return {}
    return {"userEnteredValue": {"stringValue": str(value)}}


_DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {"foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10, "bold": False,
                   "italic": False, "strikethrough": False, "underline": False},
}
_STORED = ("userEnteredValue", "userEnteredFormat", "note", "dataValidation")


def computed(cell: CellData, locale: str, effective: dict | None = None) -> CellData:
    """A cell with effectiveValue and effectiveFormat worked out from what was entered.

    Cells are never mutated once stored (the default effective format is shared between cells), so a
    copy of a sheet only needs to copy its rows. A formula keeps ``effective`` (its known value)."""
    base = {k: cell[k] for k in _STORED if cell.get(k)}
    if not base:
        return {}
    user_format = base.get("userEnteredFormat")
    if user_format:
        fmt = copy.deepcopy(_DEFAULT_FORMAT)
        _merge(fmt, user_format)
    else:
        fmt = _DEFAULT_FORMAT
    base["effectiveFormat"] = fmt
    entered = base.get("userEnteredValue")
    if entered:
        if "formulaValue" in entered:
            if effective is None:
                effective = evaluate(entered["formulaValue"], locale)
        else:
            effective = entered
        base["effectiveValue"] = effective
    return base


def formatted_value(cell: CellData, locale: str) -> str | None:
    """What the cell shows (computed on demand: most answers do not ask for it)."""
    effective = cell.get("effectiveValue")
    if not effective:
        return None
    return formatted(effective, cell.get("effectiveFormat", {}).get("numberFormat"), locale)


def _merge(target: dict, source: dict) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


_ERRORS = {"ERROR": "#ERROR!", "NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!",
           "REF": "#REF!", "NAME": "#NAME?", "NUM": "#NUM!", "N_A": "#N/A", "LOADING": "Loading..."}


def plain(effective: dict | None) -> Any:
    if not effective:
        return None
    if "stringValue" in effective:
        return effective["stringValue"]
    if "numberValue" in effective:
        n = effective["numberValue"]
        return int(n) if float(n).is_integer() else n
    if "boolValue" in effective:
        return effective["boolValue"]
    if "errorValue" in effective:
        return _ERRORS.get(effective["errorValue"].get("type"), "#ERROR!")
    return None


def formatted(effective: dict, number_format: dict | None, locale: str) -> str:
    french = locale.startswith("fr")
    if "stringValue" in effective:
        return effective["stringValue"]
    if "boolValue" in effective:
        if french:
            return "VRAI" if effective["boolValue"] else "FAUX"
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "errorValue" in effective:
        return plain(effective)
    number = effective.get("numberValue", 0)
    kind = (number_format or {}).get("type")
    if kind in ("DATE", "DATE_TIME", "TIME"):
        moment = from_serial(number)
        day = moment.strftime("%d/%m/%Y") if french else f"{moment.month}/{moment.day}/{moment.year}"
        clock = moment.strftime("%H:%M:%S")
        if (number_format or {}).get("pattern") == "yyyy-MM":
            return moment.strftime("%Y-%m")
        return {"DATE": day, "TIME": clock}.get(kind, f"{day} {clock}")
    if kind == "CURRENCY":
        text = f"{number:,.2f}"
        return (text.replace(",", "\u202f").replace(".", ",") + "\u00a0€") if french else "€" + text
    if kind == "PERCENT":
        return f"{number * 100:g}".replace(".", "," if french else ".") + "%"
    text = repr(int(number)) if float(number).is_integer() else repr(float(number))
    return text.replace(".", ",") if french else text


def _rtrim(row: list) -> list:
    row = list(row)
    while row and row[-1] in (None, ""):
        row.pop()
    return row


# --- A1 ranges -------------------------------------------------------------------------------

_A1_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


def column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_title(title: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass
class Span:
    sheet: Sheet
    r0: int
    c0: int
    r1: int | None  # exclusive, None: to the end of the grid
    c1: int | None

    def bounds(self) -> tuple[int, int, int, int]:
        return (self.r0, self.c0, self.sheet.row_count if self.r1 is None else self.r1,
                self.sheet.column_count if self.c1 is None else self.c1)

    def a1(self, height: int | None = None, width: int | None = None) -> str:
        r0, c0, r1, c1 = self.bounds()
        if height is not None:
            r1 = min(r1, r0 + max(height, 1))
        if width is not None:
            c1 = min(c1, c0 + max(width, 1))
        return f"{quote_title(self.sheet.title)}!{column_letters(c0)}{r0 + 1}:{column_letters(c1 - 1)}{r1}"


_A1_ONLY = re.compile(r"^[A-Za-z]*\d*(?::[A-Za-z]*\d*)?$")


def parse_range(book: Spreadsheet, text: str) -> Span:
    if "!" in text:
        title, cells = text.rsplit("!", 1)
    elif text.startswith("'") or book.find(text) is not None or not _A1_ONLY.match(text):
        title, cells = text, ""
    else:  # "A1:B2" without a tab name means the first tab
        title, cells = "", text
    if title.startswith("'") and title.endswith("'") and len(title) >= 2:
        title = title[1:-1].replace("''", "'")
    sheet = book.find(title) if title else (book.sheets[0] if book.sheets else None)
    if sheet is None:
        raise bad_request(f"Unable to parse range: {text}")
    if not cells:
        return Span(sheet, 0, 0, None, None)
    start, _, end = cells.partition(":")
    m1, m2 = _A1_CELL.match(start), _A1_CELL.match(end or start)
    if not m1 or not m2 or not (start and (m1.group(1) or m1.group(2))):
        raise bad_request(f"Unable to parse range: {text}")
    c0 = column_index(m1.group(1)) if m1.group(1) else 0
    r0 = int(m1.group(2)) - 1 if m1.group(2) else 0
    c1 = column_index(m2.group(1)) + 1 if m2.group(1) else None
    r1 = int(m2.group(2)) if m2.group(2) else None
    if not end and m1.group(1) and m1.group(2):
        c1, r1 = c0 + 1, r0 + 1
    return Span(sheet, r0, c0, r1, c1)


# --- field masks -----------------------------------------------------------------------------

def parse_mask(text: str) -> dict | None:
    """``a,b(c,d/e),f.g`` into a tree {name: subtree or None (everything)}; None for "*" or no mask."""
    text = (text or "").replace(" ", "")
    if not text or text == "*":
        return None
    position = 0

    def parse_list(end: str | None) -> dict:
        nonlocal position
        tree: dict = {}
        while position < len(text):
            if end and text[position] == end:
                position += 1
                return tree
            if text[position] == ",":
                position += 1
                continue
            path = []
            name = ""
            while position < len(text) and text[position] not in ",()":
                ch = text[position]
                if ch in "./":
                    path.append(name)
                    name = ""
                else:
                    name += ch
                position += 1
            path.append(name)
            sub = None
            if position < len(text) and text[position] == "(":
                position += 1
                sub = parse_list(")")
            node = tree
            for part in path[:-1]:
                existing = node.get(part, {})
                if existing is None:
                    break
                node[part] = existing
                node = existing
            else:
                last = path[-1]
                if last in node and isinstance(node[last], dict) and isinstance(sub, dict):
                    node[last].update(sub)
                elif last not in node or sub is None:
                    node[last] = sub
        if end:
            raise bad_request(f"Invalid field selection {text}")
        return tree

    return parse_list(None)


def apply_mask(value: Any, mask: dict | None) -> Any:
    if mask is None or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply_mask(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: apply_mask(v, mask[k]) for k, v in value.items() if k in mask}
    return value


_ABSENT = object()  # a part of the resource the mask leaves out


def _sub_mask(mask, key: str):
    """The mask for ``key`` inside ``mask``: None (everything), a tree, or _ABSENT."""
    if mask is None or mask is _ABSENT:
        return mask
    if "*" in mask:
        return None
    return mask.get(key, _ABSENT)


def _data_passes(mask: dict | None) -> dict | None:
    """``mask`` with sheets.data let through whole (it was masked already)."""
    sheets = _sub_mask(mask, "sheets")
    if mask is None or sheets is None or sheets is _ABSENT or "data" not in sheets:
        return mask
    return {**mask, "sheets": {**sheets, "data": None}}


def _output_cell(cell: CellData, mask, locale: str, memo: dict) -> CellData:
    if not cell:
        return cell
    if mask is None:
        out = dict(cell)
        text = formatted_value(cell, locale)
        if text is not None:
            out["formattedValue"] = text
        return out
    out = {}
    for key, sub in mask.items():
        if key == "formattedValue":
            text = formatted_value(cell, locale)
            if text is not None:
                out[key] = text
        elif key in cell:
            value = cell[key]
            if sub is not None:
                found = memo.get((key, id(value)))  # formats are shared between cells: mask each once
                if found is None:
                    found = memo[(key, id(value))] = (value, apply_mask(value, sub))
                value = found[1]
            if value != {}:
                out[key] = value
    return out


def mask_paths(text: str) -> list[list[str]]:
    """A FieldMask (``a.b,c``, also ``a(b,c)``) as a list of paths; ``*`` is [["*"]]."""
    tree = parse_mask(text)
    if tree is None:
        return [["*"]]
    paths: list[list[str]] = []

    def walk(node: dict, prefix: list[str]) -> None:
        for key, sub in node.items():
            if sub is None:
                paths.append([*prefix, key])
            else:
                walk(sub, [*prefix, key])

    walk(tree, [])
    return paths


def _get_path(data: dict, path: list[str]) -> tuple[bool, Any]:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _set_path(data: dict, path: list[str], value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _del_path(data: dict, path: list[str]) -> None:
    node: Any = data
    parents = []
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        parents.append((node, part))
        node = node[part]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    for parent, part in reversed(parents):  # drop emptied containers
        if parent[part] == {}:
            del parent[part]


# --- the adapter -------------------------------------------------------------------------------

_ROUTES = [
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)$"), "spreadsheets.get"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+):batchUpdate$"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values:batchUpdate$"), "values.batchUpdate"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values:batchClear$"), "values.batchClear"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/([^/:]+):append$"), "values.append"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/([^/:]+):clear$"), "values.clear"),
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/([^/:]+)$"), "values.get"),
    ("PUT", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/([^/:]+)$"), "values.update"),
]
_WRITES = {"spreadsheets.batchUpdate", "values.batchUpdate", "values.batchClear", "values.append",
           "values.clear", "values.update"}
_FAULT_MESSAGES = {
    429: ("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of "
          "service 'sheets.googleapis.com' for consumer 'project_number:123456789'.", "RESOURCE_EXHAUSTED"),
    500: ("Internal error encountered.", "INTERNAL"),
    502: ("Bad Gateway", "UNAVAILABLE"),
    503: ("The service is currently unavailable.", "UNAVAILABLE"),
    504: ("The request timed out. Please try again.", "DEADLINE_EXCEEDED"),
}


class FakeSheetsAPI(BaseAdapter):
    """The Sheets API v4 in memory. ``session()`` gives a Session that talks to it and to nothing else."""

    validate = True  # every request checked against Google's discovery document first (``discovery.py``)

    def __init__(self, account: str = "paniers@paniers-civam.iam.gserviceaccount.com", token: str | None = None,
                 api_enabled: bool = True):
        super().__init__()
        self.account = account
        self.token = token  # when set, requests must carry "Authorization: Bearer <token>"
        self.api_enabled = api_enabled
        self.books: dict[str, Spreadsheet] = {}
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        # What people do in the shared sheet while a run talks to it: called with each request just before Google
        # handles it (a person's typing lands between two of the run's requests, as it does on Google).
        self.meanwhile: Callable[[Call], None] | None = None

    # --- set-up ----------------------------------------------------------------------------------

    def create(self, spreadsheet_id: str = "1PaniersFakeSheetId", title: str = "Paniers",
               tabs: dict[str, list[list[Any]]] | None = None, locale: str = "fr_FR",
               time_zone: str = "Europe/Paris", share: str | None = "writer", typed: bool = False) -> Spreadsheet:
        """A spreadsheet, shared with the caller (``share``), with the given tabs (a new Google Sheet
        has one empty tab, "Feuille 1")."""
        book = Spreadsheet(spreadsheet_id, title, locale, time_zone, share)
        for name, rows in (tabs if tabs is not None else {"Feuille 1": []}).items():
            book.add_tab(name, rows, typed=typed)
        self.books[spreadsheet_id] = book
        return book

    def session(self, base: requests.Session | None = None) -> requests.Session:
        session = base if base is not None else requests.Session()
        session.mount("https://", RefusingAdapter())
        session.mount("http://", RefusingAdapter())
        session.mount(SHEETS_ROOT, self)
        return session

    def fail(self, status: int, times: int = 1, retry_after: float | str | None = None, message: str | None = None,
             when: str | Callable[[Call], bool] | None = None) -> None:
        """The next ``times`` matching requests get an HTTP error instead of being applied."""
        self.faults.append(Fault(status, times, None if retry_after is None else str(retry_after), message,
                                 match=_matcher(when)))

    def drop(self, times: int = 1, after_apply: bool = False, when: str | Callable[[Call], bool] | None = None):
        """The next ``times`` matching requests lose their connection: before being applied, or after
        (``after_apply``: the change is made, the answer is lost)."""
        self.faults.append(Fault(None, times, after_apply=after_apply, match=_matcher(when)))

    # --- the call log ----------------------------------------------------------------------------

    def count(self, kind: str | None = None, *, reads: bool | None = None) -> int:
        return sum(1 for c in self.calls if (kind is None or c.kind == kind)
                   and (reads is None or c.is_read == reads))

    @property
    def reads(self) -> int:
        return self.count(reads=True)

    @property
    def writes(self) -> int:
        return self.count(reads=False)

    def kinds(self) -> list[str]:
        return [c.kind for c in self.calls]

    def reset(self) -> None:
        self.calls.clear()

    # --- transport -------------------------------------------------------------------------------

    def close(self) -> None:
        pass

    def send(self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None,
             proxies=None) -> requests.Response:
        parts = urlsplit(request.url)
        params = parse_qs(parts.query, keep_blank_values=True)
        kind, match = "unknown", None
        for method, pattern, name in _ROUTES:
            found = pattern.match(parts.path)
            if found and method == request.method:
                kind, match = name, found
                break
        body = None
        if request.body:
            raw = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
            try:
                body = json.loads(raw, parse_constant=_reject_constant)
            except ValueError as exc:
                body = _InvalidJSON(str(exc))
        call = Call(request.method, request.url, kind, parts.path, params, body, CaseInsensitiveDict(request.headers),
                    timeout)
        self.calls.append(call)
        if self.meanwhile is not None:
            self.meanwhile(call)
        fault = self._take_fault(call)
        if fault is not None and fault.status is not None:
            call.status, call.fault = fault.status, str(fault.status)
            message, status = _FAULT_MESSAGES.get(fault.status, ("Error", "UNKNOWN"))
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self._response(request, fault.status,
                                  ApiError(fault.status, fault.message or message, status).body(), headers)
        if fault is not None and not fault.after_apply:
            call.fault = "drop"
            raise requests.exceptions.ConnectionError(
                "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
                request=request)
        try:
            if match is None:
                raise ApiError(404, f"The requested URL {parts.path} was not found on this server.", "NOT_FOUND")
            if isinstance(body, _InvalidJSON):
                raise bad_request(f"Invalid JSON payload received. {body.reason}")
            if self.validate and (refused := discovery.load("sheets.v4").check(request.method, request.url, body)):
                raise ApiError(400, refused["error"]["message"], "INVALID_ARGUMENT", refused["error"]["details"])
            payload = self._handle(kind, match, params, body, request.headers)
            status = 200
        except ApiError as error:
            payload, status = error.body(), error.code
        call.status = status
        if fault is not None:  # dropped after the change was applied
            call.status, call.fault = None, "drop-after"
            raise requests.exceptions.ConnectionError(
                "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))", request=request)
        return self._response(request, status, payload)

    def _take_fault(self, call: Call) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and (fault.match is None or fault.match(call)):
                fault.times -= 1
                return fault
        return None

    @staticmethod
    def _response(request, status: int, payload: Any, headers: dict | None = None) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.reason = http.HTTPStatus(status).phrase
        response._content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=UTF-8", **(headers or {})})
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    # --- the API ---------------------------------------------------------------------------------

    def _handle(self, kind: str, match: re.Match, params: dict, body: Any, headers) -> Any:
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            raise ApiError(401, "Request is missing required authentication credential. Expected OAuth 2 access "
                           "token, login cookie or other valid authentication credential.", "UNAUTHENTICATED")
        if not self.api_enabled:
            raise ApiError(403, "Google Sheets API has not been used in project 123456789 before or it is disabled. "
                           "Enable it by visiting https://console.developers.google.com/apis/api/"
                           "sheets.googleapis.com/overview?project=123456789 then retry.", "PERMISSION_DENIED",
                           [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}])
        book = self.books.get(unquote(match.group(1)))
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        if book.share is None or (kind in _WRITES and book.share != "writer"):
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        range_text = unquote(match.group(2)) if match.re.groups > 1 else None
        handler = getattr(self, "_" + kind.replace(".", "_"))
        return handler(book, params, body, range_text)

    def _spreadsheets_get(self, book: Spreadsheet, params, body, _range) -> dict:
        grid = _first(params, "includeGridData", "false").lower() == "true"
        ranges = params.get("ranges", [])
        mask = parse_mask(_first(params, "fields", ""))
        data_mask = _sub_mask(_sub_mask(mask, "sheets"), "data")
        resource = book.resource()
        spans = [parse_range(book, r) for r in ranges]
        sheets = []
        for sheet in book.sheets:
            mine = [s for s in spans if s.sheet is sheet]
            if spans and not mine:
                continue
            entry: dict = {"properties": sheet.properties()}
            if grid and data_mask is not _ABSENT:
                entry["data"] = [self._grid_data(sheet, s, data_mask, book.locale) for s in mine] or [
                    self._grid_data(sheet, None, data_mask, book.locale)]
            sheets.append(entry)
        resource["sheets"] = sheets
        if book.metadata:
            resource["developerMetadata"] = copy.deepcopy(book.metadata)
        return apply_mask(resource, _data_passes(mask))  # the data was masked while it was built

    @staticmethod
    def _grid_data(sheet: Sheet, span: Span | None, mask: dict | None, locale: str) -> dict:
        r0, c0, r1, c1 = span.bounds() if span else (0, 0, sheet.row_count, sheet.column_count)
        cell_mask = _sub_mask(_sub_mask(mask, "rowData"), "values")
        memo: dict = {}
        height, lengths = sheet.extent()
        rows = []
        if cell_mask is not _ABSENT:
            for r in range(r0, min(r1, height)):
                n = min(lengths[r], c1) - c0
                row = sheet.rows[r]
                values = [_output_cell(row[c] if c < len(row) else {}, cell_mask, locale, memo)
                          for c in range(c0, c0 + n)]
                rows.append({"values": values} if n > 0 else {})
            while rows and not rows[-1]:
                rows.pop()
        data: dict = {}
        if r0:
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        if rows:
            data["rowData"] = rows
        data["rowMetadata"] = [{"pixelSize": 21} for _ in range(r0, r1)]
        data["columnMetadata"] = [{"pixelSize": sheet.width(c)} for c in range(c0, c1)]
        return apply_mask(data, {k: v for k, v in mask.items() if k != "rowData"} | {"rowData": None}
                          if mask is not None and "*" not in mask else None)

    def _values_get(self, book, params, body, range_text) -> dict:
        return self._value_range(book, parse_range(book, range_text), params)

    def _values_batchGet(self, book, params, body, _range) -> dict:
        ranges = params.get("ranges", [])
        return {"spreadsheetId": book.spreadsheet_id,
                "valueRanges": [self._value_range(book, parse_range(book, r), params) for r in ranges]}

    @staticmethod
    def _value_range(book: Spreadsheet, span: Span, params) -> dict:
        render = _first(params, "valueRenderOption", "FORMATTED_VALUE")
        dates = _first(params, "dateTimeRenderOption", "SERIAL_NUMBER")
        if _first(params, "majorDimension", "ROWS") != "ROWS":
            raise bad_request("The fake only answers majorDimension=ROWS")
        r0, c0, r1, c1 = span.bounds()
        height, lengths = span.sheet.extent()
        values = []
        for r in range(r0, min(r1, height)):
            row = []
            for c in range(c0, min(c1, lengths[r])):
                cell = span.sheet.get(r, c)
                row.append(_render(cell, render, dates, book.locale))
            values.append(_rtrim(row))
        while values and not values[-1]:
            values.pop()
        result = {"range": span.a1(), "majorDimension": "ROWS"}
        if values:
            result["values"] = values
        return result

    def _values_update(self, book, params, body, range_text) -> dict:
        option = _value_input(params)
        span = parse_range(book, range_text)
        return self._write_values(book, span, (body or {}).get("values", []), option)

    def _values_batchUpdate(self, book, params, body, _range) -> dict:
        body = body or {}
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise bad_request("'valueInputOption' is required but not specified")
        staged = _Staged(book)
        responses = []
        for item in body.get("data", []):
            span = parse_range(staged, item.get("range", ""))
            responses.append(self._write_values(staged, span, item.get("values", []), option))
        staged.commit()
        return {"spreadsheetId": book.spreadsheet_id, "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
                "totalUpdatedCells": sum(r["updatedCells"] for r in responses), "responses": responses}

    def _values_append(self, book, params, body, range_text) -> dict:
        option = _value_input(params)
        span = parse_range(book, range_text)
        values = (body or {}).get("values", [])
        start = span.sheet.last_value_row()
        target = Span(span.sheet, start, span.c0, None, None)
        updates = self._write_values(book, target, values, option)
        return {"spreadsheetId": book.spreadsheet_id, "tableRange": span.a1(height=start) if start else "",
                "updates": updates}

    def _write_values(self, book, span: Span, values: list, option: str) -> dict:
        sheet = span.sheet
        index = book.sheets.index(sheet)
        sheet = sheet.copy()
        height = len(values)
        width = max((len(r) for r in values), default=0)
        r0, c0 = span.r0, span.c0
        if (span.r1 is not None and r0 + height > span.r1) or (span.c1 is not None and c0 + width > span.c1):
            raise bad_request(f"Requested writing within range [{span.a1()}], but tried writing to row "
                              f"[{r0 + height}]")
        sheet.row_count = max(sheet.row_count, r0 + height)  # the values API grows the grid
        sheet.column_count = max(sheet.column_count, c0 + width)
        cells = 0
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if value is None:
                    continue
                _check_cell_value(value)
                entered = user_entered(value, book.locale) if option == "USER_ENTERED" and isinstance(value, str) \
                    else raw_entered(value)
                old = sheet.get(r0 + i, c0 + j)
                new = {k: v for k, v in old.items() if k in ("userEnteredFormat", "note")}  # formats stay
                if option == "USER_ENTERED" and "userEnteredFormat" in entered:
                    new["userEnteredFormat"] = {**new.get("userEnteredFormat", {}), **entered["userEnteredFormat"]}
                if "userEnteredValue" in entered:
                    new["userEnteredValue"] = entered["userEnteredValue"]
                sheet.put(r0 + i, c0 + j, computed(new, book.locale))
                cells += 1
        book.sheets[index] = sheet
        written = Span(sheet, r0, c0, r0 + max(height, 1), c0 + max(width, 1))
        return {"spreadsheetId": book.spreadsheet_id, "updatedRange": written.a1(), "updatedRows": height,
                "updatedColumns": width, "updatedCells": cells}

    def _values_clear(self, book, params, body, range_text) -> dict:
        span = parse_range(book, range_text)
        self._clear_values(book, span)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": span.a1()}

    def _values_batchClear(self, book, params, body, _range) -> dict:
        staged = _Staged(book)
        cleared = []
        for text in (body or {}).get("ranges", []):
            span = parse_range(staged, text)
            self._clear_values(staged, span)
            cleared.append(span.a1())
        staged.commit()
        return {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}

    @staticmethod
    def _clear_values(book, span: Span) -> None:
        index = book.sheets.index(span.sheet)
        sheet = span.sheet.copy()
        r0, c0, r1, c1 = span.bounds()
        for r in range(r0, min(r1, len(sheet.rows))):
            for c in range(c0, min(c1, len(sheet.rows[r]))):
                old = sheet.rows[r][c]
                if "userEnteredValue" in old:
                    kept = {k: v for k, v in old.items() if k in ("userEnteredFormat", "note")}
                    sheet.rows[r][c] = computed(kept, book.locale)
        book.sheets[index] = sheet

    def _spreadsheets_batchUpdate(self, book: Spreadsheet, params, body, _range) -> dict:
        requests_ = (body or {}).get("requests")
        if not isinstance(requests_, list) or not requests_:
            raise bad_request("Must specify at least one request.")
        staged = _Staged(book)
        replies = []
        for number, item in enumerate(requests_):
            if not isinstance(item, dict) or len(item) != 1:
                raise bad_request(f"Invalid requests[{number}]: exactly one kind of request is expected")
            (name, spec), = item.items()
            handler = getattr(self, f"_request_{name}", None)
            if handler is None:
                raise bad_request(f'Invalid JSON payload received. Unknown name "{name}" at \'requests[{number}]\': '
                                  "Cannot find field.")
            try:
                replies.append(handler(staged, spec or {}))
            except ApiError as error:
                raise bad_request(f"Invalid requests[{number}].{name}: {error.message}") from None
        staged.commit()
        result = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
        if (body or {}).get("includeSpreadsheetInResponse"):
            result["updatedSpreadsheet"] = self._spreadsheets_get(book, {}, None, None)
        return result

    # batchUpdate requests: each gets the staged book and its spec, and returns its reply

    def _request_addSheet(self, book: _Staged, spec: dict) -> dict:
        props = spec.get("properties", {})
        title = props.get("title") or _next_title(book)
        if any(s.title.casefold() == title.casefold() for s in book.sheets):
            raise bad_request(f'A sheet with the name "{title}" already exists. Please enter another name.')
        if len(title) > 100 or any(ch in title for ch in "[]*?:/\\"):
            raise bad_request(f"Invalid sheet name: {title}")
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = book._new_id()
        if not isinstance(sheet_id, int) or not 0 <= sheet_id < 2**31:
            raise bad_request(f"Invalid sheetId: {sheet_id}")
        if book.by_id(sheet_id) is not None:
            raise bad_request(f"Sheet with id {sheet_id} already exists.")
        grid = props.get("gridProperties", {})
        sheet = Sheet(sheet_id, title, 0, grid.get("rowCount", DEFAULT_ROWS), grid.get("columnCount", DEFAULT_COLUMNS),
                      grid.get("frozenRowCount", 0))
        index = props.get("index", len(book.sheets))
        book.sheets.insert(min(index, len(book.sheets)), sheet)
        book._reindex()
        return {"addSheet": {"properties": sheet.properties()}}

    def _request_deleteSheet(self, book: _Staged, spec: dict) -> dict:
        sheet = _sheet_by_id(book, spec.get("sheetId"))
        if len(book.sheets) == 1:
            raise bad_request("You can't remove all the visible sheets in a document.")
        book.sheets.remove(sheet)
        book._reindex()
        return {}

    def _request_updateSheetProperties(self, book: _Staged, spec: dict) -> dict:
        props = spec.get("properties", {})
        sheet = _sheet_by_id(book, props.get("sheetId", 0))
        fields = spec.get("fields")
        if not fields:
            raise bad_request("At least one field must be specified in 'fields'")
        clone = sheet.copy()
        current = clone.properties()
        for path in mask_paths(fields):
            if path == ["*"]:
                current = {**current, **props}
                continue
            found, value = _get_path(props, path)
            if found:
                _set_path(current, path, value)
        title = current.get("title", clone.title)
        if title.casefold() != clone.title.casefold() and any(
                s.title.casefold() == title.casefold() for s in book.sheets):
            raise bad_request(f'A sheet with the name "{title}" already exists. Please enter another name.')
        clone.title = title
        grid = current.get("gridProperties", {})
        clone.row_count = grid.get("rowCount", clone.row_count)
        clone.column_count = grid.get("columnCount", clone.column_count)
        clone.frozen_rows = grid.get("frozenRowCount", clone.frozen_rows)
        if clone.row_count < 1 or clone.column_count < 1:
            raise bad_request("A sheet must keep at least one row and one column")
        clone.rows = [row[:clone.column_count] for row in clone.rows[:clone.row_count]]
        book.replace(sheet, clone)
        return {}

    def _request_appendDimension(self, book: _Staged, spec: dict) -> dict:
        sheet = _sheet_by_id(book, spec.get("sheetId", 0))
        clone = sheet.copy()
        length = int(spec.get("length", 0))
        if length < 1:
            raise bad_request("length must be at least 1")
        if spec.get("dimension") == "ROWS":
            clone.row_count += length
        elif spec.get("dimension") == "COLUMNS":
            clone.column_count += length
        else:
            raise bad_request("dimension must be ROWS or COLUMNS")
        book.replace(sheet, clone)
        return {}

    def _request_insertDimension(self, book: _Staged, spec: dict) -> dict:
        """Rows inserted before ``startIndex`` (API reference, InsertDimensionRequest): every row below moves
        down, its cells with it, whoever typed them; the grid grows by as many rows."""
        sheet, start, end = self._dimension(book, spec.get("range", {}), insert=True)
        if spec.get("inheritFromBefore") and start == 0:
            raise bad_request("Cannot inherit from before when inserting at the start of the sheet.")
        clone = sheet.copy()
        # The new cells take the format of their neighbour, before or after (discovery document sheets.v4.json,
        # InsertDimensionRequest.inheritFromBefore: "if row index 0 has red background and row index 1 has a green
        # background, then inserting 2 rows at index 1 can inherit either the green or red background"): its
        # ``userEnteredFormat`` only; nothing documents that values, notes or data validation are copied.
        source = start - 1 if spec.get("inheritFromBefore") else start

        def inherited(cell: CellData) -> CellData:
            return computed({"userEnteredFormat": cell["userEnteredFormat"]}, book.locale) \
                if "userEnteredFormat" in cell else {}

        if spec["range"].get("dimension") == "ROWS":
            if start < len(clone.rows):
                model = [inherited(c) for c in clone.rows[source]] if source < len(clone.rows) else []
                clone.rows[start:start] = [list(model) for _ in range(end - start)]
            clone.row_count += end - start
        else:
            for row in clone.rows:
                if start < len(row):
                    model = inherited(row[source]) if source < len(row) else {}
                    row[start:start] = [model for _ in range(end - start)]
            clone.column_count += end - start
            # the columns on the right move with their width; the new ones take their neighbour's when inheriting
            # (InsertDimensionRequest.inheritFromBefore: "the properties of the dimension before")
            moved = {(c + end - start if c >= start else c): w for c, w in clone.widths.items()}
            if spec.get("inheritFromBefore") and start - 1 in clone.widths:
                moved.update({c: clone.widths[start - 1] for c in range(start, end)})
            clone.widths = moved
        book.replace(sheet, clone)
        return {}

    def _request_deleteDimension(self, book: _Staged, spec: dict) -> dict:
        """Rows removed (API reference, DeleteDimensionRequest): every row below moves up with its cells; a
        sheet keeps at least one row that is not frozen ("You can't delete all the rows in the sheet")."""
        sheet, start, end = self._dimension(book, spec.get("range", {}), insert=False)
        clone = sheet.copy()
        if spec["range"].get("dimension") == "ROWS":
            if clone.row_count - (end - start) <= clone.frozen_rows:
                raise bad_request("Invalid requests[0].deleteDimension: You can't delete all the rows in the sheet.")
            del clone.rows[start:end]
            clone.row_count -= end - start
        else:
            if clone.column_count - (end - start) < 1:
                raise bad_request("Invalid requests[0].deleteDimension: You can't delete all the columns in the "
                                  "sheet.")
            for row in clone.rows:
                del row[start:end]
            clone.column_count -= end - start
            clone.widths = {(c - (end - start) if c >= end else c): w for c, w in clone.widths.items()
                            if not start <= c < end}
        book.replace(sheet, clone)
        return {}

    def _request_updateDimensionProperties(self, book: _Staged, spec: dict) -> dict:
        """Columns' widths (API reference, UpdateDimensionPropertiesRequest: ``range`` a DimensionRange, exactly
        one of ``range`` and ``dataSourceSheetRange``; ``fields`` required, ``properties.pixelSize`` "the height
        (if a row) or width (if a column) of the dimension in pixels"). Rows' heights are not modelled: refused."""
        fields = spec.get("fields")
        if not fields:
            raise bad_request("At least one field must be specified in 'fields'")
        if "range" not in spec:
            raise bad_request("Exactly one of 'range' or 'dataSourceSheetRange' must be set")
        sheet, start, end = self._dimension(book, spec["range"], insert=False)
        if spec["range"]["dimension"] != "COLUMNS":
            raise bad_request("row heights are not modelled by this fake")
        clone = sheet.copy()
        for path in mask_paths(fields):
            if path != ["pixelSize"]:
                raise bad_request(f"Field '{'.'.join(path)}' is not modelled by this fake")
            size = spec.get("properties", {}).get("pixelSize")
            for c in range(start, end):
                if size is None:  # in the mask but absent: back to the default, as a cleared field is
                    clone.widths.pop(c, None)
                elif not isinstance(size, int) or isinstance(size, bool) or size < 0:
                    raise bad_request(f"Invalid pixelSize: {size!r}")
                else:
                    clone.widths[c] = size
        book.replace(sheet, clone)
        return {}

    @staticmethod
    def _dimension(book: _Staged, span: dict, insert: bool) -> tuple[Sheet, int, int]:
        sheet = _sheet_by_id(book, span.get("sheetId", 0))
        if span.get("dimension") not in ("ROWS", "COLUMNS"):
            raise bad_request("dimension must be ROWS or COLUMNS")
        size = sheet.row_count if span["dimension"] == "ROWS" else sheet.column_count
        start, end = int(span.get("startIndex", 0)), int(span.get("endIndex", size))
        if not 0 <= start < end or (start > size if insert else end > size):
            raise bad_request(f"Invalid dimension range [{start}, {end}) for a grid of {size}.")
        return sheet, start, end

    # Developer metadata (API reference, DeveloperMetadata): key-value pairs an application keeps on a
    # spreadsheet, out of people's sight; only what a spreadsheet-level entry needs is modelled.
    def _request_createDeveloperMetadata(self, book: _Staged, spec: dict) -> dict:
        entry = copy.deepcopy(spec.get("developerMetadata", {}))
        if not entry.get("location", {}).get("spreadsheet"):
            raise bad_request("Only spreadsheet-level developer metadata is modelled by the fake.")
        if not entry.get("metadataKey") or not entry.get("visibility"):
            raise bad_request("Invalid requests[0].createDeveloperMetadata: metadataKey and visibility are required.")
        taken = {m["metadataId"] for m in book.metadata}
        if entry.get("metadataId") in taken:
            raise bad_request(f"Invalid requests[0].createDeveloperMetadata: A developer metadata with id "
                              f"{entry['metadataId']} already exists.")
        entry.setdefault("metadataId", max(taken, default=0) + 1)
        entry["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        book.metadata.append(entry)
        return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(entry)}}

    def _request_updateDeveloperMetadata(self, book: _Staged, spec: dict) -> dict:
        fields = [f.strip() for f in spec.get("fields", "").split(",") if f.strip()]
        if not fields:
            raise bad_request("Invalid requests[0].updateDeveloperMetadata: At least one field must be specified.")
        wanted = {f["developerMetadataLookup"].get("metadataId") for f in spec.get("dataFilters", [])
                  if "developerMetadataLookup" in f}
        found = [m for m in book.metadata if m["metadataId"] in wanted]
        if not found:
            raise bad_request("Invalid requests[0].updateDeveloperMetadata: No developer metadata matches the filters.")
        for entry in found:
            for name in (("metadataKey", "metadataValue", "visibility") if fields == ["*"] else fields):
                if name in spec.get("developerMetadata", {}):
                    entry[name] = spec["developerMetadata"][name]
        return {"updateDeveloperMetadata": {"developerMetadata": copy.deepcopy(found)}}

    def _request_updateCells(self, book: _Staged, spec: dict) -> dict:
        fields = spec.get("fields")
        if not fields:
            raise bad_request("At least one field must be specified in 'fields'")
        if ("start" in spec) == ("range" in spec):
            raise bad_request("Exactly one of 'start' or 'range' must be set")
        rows = [r.get("values", []) for r in spec.get("rows", [])]
        if "start" in spec:
            start = spec["start"]
            sheet = _sheet_by_id(book, start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
            r1 = r0 + len(rows)
            c1 = c0 + max((len(r) for r in rows), default=0)
        else:
            grid_range = spec["range"]
            sheet = _sheet_by_id(book, grid_range.get("sheetId", 0))
            r0, c0 = grid_range.get("startRowIndex", 0), grid_range.get("startColumnIndex", 0)
            r1 = grid_range.get("endRowIndex", sheet.row_count)
            c1 = grid_range.get("endColumnIndex", sheet.column_count)
            if len(rows) > r1 - r0 or any(len(r) > c1 - c0 for r in rows):
                raise bad_request("The rows do not fit in the range")
        _check_grid(sheet, r1, c1)
        clone = sheet.copy()
        paths = mask_paths(fields)
        ranged = "range" in spec
        for r in range(r0, min(r1, max(r0 + len(rows), len(clone.rows)))):  # below the data, nothing to clear
            row = rows[r - r0] if r - r0 < len(rows) else []
            old_row = clone.rows[r] if r < len(clone.rows) else []
            upto = min(c1, max(len(old_row), c0 + len(row))) if ranged else c0 + len(row)
            new_row = old_row[:c0] + [{}] * (c0 - len(old_row))
            for c in range(c0, upto):
                source = row[c - c0] if c - c0 < len(row) else {}
                old = old_row[c] if c < len(old_row) else {}
                new_row.append(_apply_cell(old, source, paths, book.locale) if old or source else {})
            new_row.extend(old_row[upto:])
            while len(clone.rows) <= r:
                clone.rows.append([])
            clone.rows[r] = new_row
        book.replace(sheet, clone)
        return {}

    def _request_appendCells(self, book: _Staged, spec: dict) -> dict:
        fields = spec.get("fields")
        if not fields:
            raise bad_request("At least one field must be specified in 'fields'")
        sheet = _sheet_by_id(book, spec.get("sheetId", 0))
        rows = [r.get("values", []) for r in spec.get("rows", [])]
        width = max((len(r) for r in rows), default=0)
        _check_grid(sheet, 1, width)
        clone = sheet.copy()
        start = clone.last_value_row()
        clone.row_count = max(clone.row_count, start + len(rows))  # appendCells inserts rows as needed
        paths = mask_paths(fields)
        for i, row in enumerate(rows):
            for c, source in enumerate(row):
                clone.put(start + i, c, _apply_cell(clone.get(start + i, c), source, paths, book.locale))
        book.replace(sheet, clone)
        return {}

    def _request_repeatCell(self, book: _Staged, spec: dict) -> dict:
        fields = spec.get("fields")
        if not fields:
            raise bad_request("At least one field must be specified in 'fields'")
        grid_range = spec.get("range", {})
        sheet = _sheet_by_id(book, grid_range.get("sheetId", 0))
        r0, c0 = grid_range.get("startRowIndex", 0), grid_range.get("startColumnIndex", 0)
        r1 = min(grid_range.get("endRowIndex", sheet.row_count), sheet.row_count)
        c1 = min(grid_range.get("endColumnIndex", sheet.column_count), sheet.column_count)
        clone = sheet.copy()
        paths = mask_paths(fields)
        for r in range(r0, r1):
            for c in range(c0, c1):
                clone.put(r, c, _apply_cell(clone.get(r, c), spec.get("cell", {}), paths, book.locale))
        book.replace(sheet, clone)
        return {}


class _Staged:
    """A batch's working copy of a spreadsheet: changes land on the real one only on ``commit``."""

    def __init__(self, book: Spreadsheet):
        self._book = book
        self.sheets = list(book.sheets)
        self.locale = book.locale
        self.spreadsheet_id = book.spreadsheet_id
        self.rng = book.rng
        self.metadata = copy.deepcopy(book.metadata)

    def find(self, title: str) -> Sheet | None:
        return Spreadsheet.find(self, title)  # type: ignore[arg-type]

    def by_id(self, sheet_id: int) -> Sheet | None:
        return Spreadsheet.by_id(self, sheet_id)  # type: ignore[arg-type]

    def _new_id(self) -> int:
        return Spreadsheet._new_id(self)  # type: ignore[arg-type]

    def _reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            if sheet.index != i:
                clone = sheet.copy()
                clone.index = i
                self.sheets[i] = clone

    def replace(self, old: Sheet, new: Sheet) -> None:
        self.sheets[self.sheets.index(old)] = new

    def commit(self) -> None:
        self._book.sheets = self.sheets
        self._book.metadata = self.metadata


def _apply_cell(old: CellData, source: CellData, paths: list[list[str]], locale: str) -> CellData:
    """``old`` with the ``paths`` of ``source`` written into it (absent in ``source`` means cleared)."""
    if paths == _VALUES_ONLY and "formulaValue" not in old.get("userEnteredValue", ()):  # the usual write
        entered = source.get("userEnteredValue")
        if entered is None and not old.get("userEnteredFormat") and not old.get("note"):
            return {}
        if entered is not None:
            _check_entered(entered)
            if "formulaValue" not in entered and not old.get("userEnteredFormat") and not old.get("note"):
                return {"userEnteredValue": entered, "effectiveFormat": _DEFAULT_FORMAT, "effectiveValue": entered}
        new = {k: old[k] for k in ("userEnteredFormat", "note") if k in old}
        if entered is not None:
            new["userEnteredValue"] = entered
        return computed(new, locale)
    new = {k: old[k] for k in _STORED if k in old}
    for path in paths:
        if path == ["*"]:
            new = {k: source[k] for k in _STORED if k in source}
            continue
        top = path[0]
        if top not in _STORED:
            raise bad_request(f"Cannot set field {'.'.join(path)}")
        if len(path) > 1 and isinstance(new.get(top), dict):
            new[top] = copy.deepcopy(new[top])  # stored cells are shared: copy before changing
        found, value = _get_path(source, path)
        if found:
            _set_path(new, path, value)
        else:
            _del_path(new, path)
    entered = new.get("userEnteredValue")
    if entered is not None:
        _check_entered(entered)
    unchanged_formula = entered is not None and "formulaValue" in entered and entered == old.get("userEnteredValue")
    return computed(new, locale, old.get("effectiveValue") if unchanged_formula else None)


_VALUES_ONLY = [["userEnteredValue"]]
_KINDS = ("stringValue", "numberValue", "boolValue", "formulaValue", "errorValue")


def _check_entered(entered: dict) -> None:
    if "stringValue" in entered and len(entered) == 1:
        if len(entered["stringValue"]) > MAX_CELL_CHARS:
            _check_cell_value(entered["stringValue"])
        return
    if len(entered) != 1 or next(iter(entered)) not in _KINDS:
        raise bad_request("userEnteredValue must have exactly one of stringValue, numberValue, boolValue, "
                          "formulaValue")
    if "stringValue" in entered:
        _check_cell_value(entered["stringValue"])
    if "numberValue" in entered and (isinstance(entered["numberValue"], bool)
                                     or not isinstance(entered["numberValue"], (int, float))):
        raise bad_request(f"Invalid value at 'numberValue' ({entered['numberValue']!r})")


def _check_cell_value(value: Any) -> None:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise bad_request(f"Your input contains more than the maximum of {MAX_CELL_CHARS} characters in a "
                          "single cell.")
    if isinstance(value, float) and not math.isfinite(value):
        raise bad_request("Invalid JSON payload received. Unexpected token.")


def _check_grid(sheet: Sheet, rows: int, columns: int) -> None:
    if rows > sheet.row_count:
        raise bad_request(f"GridCoordinate.rowIndex[{rows - 1}] is after last row in grid[{sheet.row_count - 1}]")
    if columns > sheet.column_count:
        raise bad_request(f"GridCoordinate.columnIndex[{columns - 1}] is after last column in grid"
                          f"[{sheet.column_count - 1}]")


def _sheet_by_id(book, sheet_id) -> Sheet:
    sheet = book.by_id(sheet_id if sheet_id is not None else 0)
    if sheet is None:
        raise bad_request(f"No grid with id: {sheet_id}")
    return sheet


def _next_title(book) -> str:
    prefix = "Feuille " if book.locale.startswith("fr") else "Sheet"
    n = len(book.sheets) + 1
    while any(s.title == f"{prefix}{n}" for s in book.sheets):
        n += 1
    return f"{prefix}{n}"


def _render(cell: CellData, render: str, dates: str, locale: str) -> Any:
    effective = cell.get("effectiveValue")
    if render == "FORMULA" and "formulaValue" in cell.get("userEnteredValue", {}):
        return cell["userEnteredValue"]["formulaValue"]
    if render == "FORMATTED_VALUE":
        return formatted_value(cell, locale) or ""
    if not effective:
        return ""
    kind = cell.get("effectiveFormat", {}).get("numberFormat", {}).get("type")
    if "numberValue" in effective and kind in ("DATE", "DATE_TIME", "TIME") and dates == "FORMATTED_STRING":
        return formatted_value(cell, locale)
    if "errorValue" in effective:
        return formatted_value(cell, locale)
    value = plain(effective)
    return value


def _value_input(params) -> str:
    option = _first(params, "valueInputOption", "")
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request("'valueInputOption' is required but not specified")
    return option


def _first(params: dict, name: str, default: str) -> str:
    values = params.get(name)
    return values[0] if values else default


def _matcher(when) -> Callable[[Call], bool] | None:
    if when is None or callable(when):
        return when
    return lambda call: call.kind == when


class _InvalidJSON:
    def __init__(self, reason: str):
        self.reason = reason


def _reject_constant(name: str):
    raise ValueError(f"Unexpected token {name}")


# --- the OAuth token endpoint, for a service account's first request ---------------------------

class FakeTokenEndpoint(BaseAdapter):
    """``https://oauth2.googleapis.com/token``: trades a service account's signed JWT, or a person's refresh
    token, for an access token. Refresh tokens in ``revoked`` are refused as Google does."""

    def __init__(self, token: str = "fake-access-token", revoked: Iterable[str] = ()):
        super().__init__()
        self.token = token
        self.revoked = set(revoked)
        self.assertions: list[str] = []  # the JWTs service accounts signed
        self.refreshes: list[str] = []  # the refresh tokens used

    def send(self, request, **kwargs):
        fields = parse_qs(request.body.decode() if isinstance(request.body, bytes) else request.body or "")
        grant = fields.get("grant_type", [""])[0]
        ok = {"access_token": self.token, "expires_in": 3600, "token_type": "Bearer"}
        refused = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" and fields.get("assertion"):
            self.assertions.append(fields["assertion"][0])
            status, payload = 200, ok
        elif grant == "refresh_token" and fields.get("refresh_token"):
            self.refreshes.append(fields["refresh_token"][0])
            status, payload = (400, refused) if fields["refresh_token"][0] in self.revoked else (200, ok)
        else:
            status, payload = 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        return FakeSheetsAPI._response(request, status, payload)

    def close(self):
        pass

    def session(self) -> requests.Session:
        session = requests.Session()
        session.mount("https://", RefusingAdapter())
        session.mount("http://", RefusingAdapter())
        session.mount(TOKEN_URL, self)
        return session
