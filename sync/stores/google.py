"""The group's workbook as a shared Google Sheet (gspread over google-auth).

Two requests a run, whatever the number of orders, products or tabs
(``tests/test_google_store.py::test_one_read_and_one_write_per_run_whatever_the_size``), plus one read just
before a write that rewrites a derived tab people type in (``layout.py``: what they typed meanwhile stays) and
the claim of a run about to send (``claim``, ``sync/claims.py``):

- **one read**: ``spreadsheets.get`` with ``includeGridData`` and a field mask. It gives every tab's title
  and sheetId (so tabs are matched ignoring case and accents, ``sheet.find_title``, and a missing tab is
  simply absent instead of failing the whole request as an unknown range does in ``values:batchGet``) and
  each cell's *effective value* with its number format type. Numbers come back as numbers whatever the
  sheet's locale ("4,50" typed in a French sheet is 4.5, not a string to guess), and a number shown as a
  date or a date-time comes back as a ``datetime`` (the wall-clock time in the sheet's time zone), exactly
  as the local .xlsx store gives them. That also saves what people see: a sale code "2026-12" that Google
  turned into a date is a ``datetime`` that ``values.parse_code`` turns back into "2026-12", whereas
  unformatted values would give a bare serial number 46357. The price: every tab of the spreadsheet is
  downloaded (keep archives in another spreadsheet), and the answer is bigger than plain values.
- **one write**: ``spreadsheets:batchUpdate``, atomic (all requests or none): ``addSheet`` for missing tabs (with
  a sheetId we choose, so the request is deterministic), ``updateSheetProperties`` to grow a grid that is too
  small, for a derived tab people type in rows and columns inserted and removed whole
  (``insertDimension``/``deleteDimension``: people's cells, formats and widths move with them, ``layout.py``) and
  ``updateCells`` over the tool's columns only, ``updateCells`` over the whole tab with
  ``fields=userEnteredValue`` to rewrite any other derived tab (cells beyond the new data are cleared, formats
  people set are kept), and ``appendCells`` to add rows to the journal and the clients. The same request shows the
  tool's columns of each derived tab as a person expects (``formats.py``): ``repeatCell`` for their number formats
  (euros, dates, whole numbers) and the bold header, ``updateSheetProperties`` to freeze the header row,
  ``updateDimensionProperties`` for their widths; dates go as serial numbers. People's columns are in none of
  these ranges. Text is sent as ``stringValue``: a consumer's ``=IMPORTXML(…)`` is stored as text, never run as a
  formula (the API's equivalent of ``RAW``); a row of ``Commandes`` moved to its archive keeps its date as a date
  (``dated_cell_data``). The store then remembers what the sheet has become, so a later write of the same run (the
  journal flushed after the emails) is one more request, with no read; if a person changed the tabs meanwhile,
  Google refuses (400) and the write is planned again on a fresh read, once.

Google's hiccups are retried (``retry.py``): reads freely; the write only when it surely was not applied
(429, or the connection failed before sending), or after checking: when the answer to a write is lost or is
a 5xx, the sheet is read again, and if the write landed (its new tabs exist and its appended rows are there)
it is not sent twice. Then a French error that says what Google answered; nothing is ever half-written.
"""

from __future__ import annotations

import contextlib
import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import gspread
import numpy as np
import requests
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from ..claims import KEY as CLAIM_KEY
from ..claims import SETTLE as CLAIM_SETTLE
from ..claims import Claim, metadata_id
from ..errors import ConfigError, StoreError
from ..sheet import Grid, cell, find_title, trim
from ..values import SHEET_EPOCH, is_blank
from . import formats, retry
from .base import Changes, fit
from .layout import Layout, arrange, runs

TIMEOUT = (10, 90)  # seconds to connect, seconds between two bytes of the answer (a big sheet takes a while)
MAX_CELL_CHARS = 50_000  # Google refuses a whole write when one cell holds more: longer text is cut (base.fit)
NEW_TAB_ROWS, NEW_TAB_COLUMNS = 1000, 26  # the size of a tab made in Google's interface
HEADER_COLOR = {"red": 0xE8 / 255, "green": 0xF0 / 255, "blue": 0xE0 / 255}  # as the local store's header

_CLAIM_FIELDS = "developerMetadata(metadataId,metadataKey,metadataValue)"
_READ_FIELDS = (
    f"spreadsheetId,properties(title,locale,timeZone),{_CLAIM_FIELDS},"
    "sheets(properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,frozenRowCount)),"
    "data(startRow,startColumn,rowData(values(effectiveValue,effectiveFormat(numberFormat(type))))))"
)
_META_FIELDS = "spreadsheetId,properties(title,locale,timeZone),sheets(properties(sheetId,title,sheetType))"
_ERROR_TEXT = {"ERROR": "#ERROR!", "NULL_VALUE": "#NULL!", "DIVIDE_BY_ZERO": "#DIV/0!", "VALUE": "#VALUE!",
               "REF": "#REF!", "NAME": "#NAME?", "NUM": "#NUM!", "N_A": "#N/A", "LOADING": "#LOADING"}
_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")


# --- what the spreadsheet looks like -------------------------------------------------------------

@dataclass
class SheetTab:
    """One tab as read: its id, title, grid size and values (trailing blanks trimmed)."""

    sheet_id: int
    title: str
    rows: int
    columns: int
    grid: Grid = field(default_factory=list)
    frozen: int = 0  # rows frozen at the top (the header stays in view)


@dataclass
class Book:
    """The spreadsheet as read: its title, locale, time zone and tabs."""

    title: str
    locale: str
    time_zone: str
    tabs: list[SheetTab]
    metadata: list[dict] = field(default_factory=list)  # the spreadsheet's developer metadata (``claims.py``)

    def find(self, name: str) -> SheetTab | None:
        title = find_title([t.title for t in self.tabs], name)
        return next((t for t in self.tabs if t.title == title), None) if title is not None else None


def book_from_resource(resource: dict) -> Book:
    """The spreadsheet resource of ``spreadsheets.get`` (with grid data, or without) as a ``Book``."""
    properties = resource.get("properties", {})
    tabs = []
    for entry in resource.get("sheets", []):
        props = entry.get("properties", {})
        if props.get("sheetType", "GRID") != "GRID":  # a chart on its own tab holds no cells
            continue
        grid_props = props.get("gridProperties", {})
        tabs.append(SheetTab(props.get("sheetId", 0), props.get("title", ""), grid_props.get("rowCount", 0),
                             grid_props.get("columnCount", 0), grid_from_data(entry.get("data", [])),
                             grid_props.get("frozenRowCount", 0)))
    return Book(properties.get("title", ""), properties.get("locale", ""), properties.get("timeZone", ""), tabs,
                list(resource.get("developerMetadata", [])))


def grid_from_data(data: list[dict]) -> Grid:
    """GridData (rowData of CellData) as rows of Python values, placed at their start row and column; an empty
    cell reads as "" (as Google's values API and the other stores give it)."""
    grid: Grid = []
    for block in data:
        top, left = block.get("startRow", 0), block.get("startColumn", 0)
        for offset, row in enumerate(block.get("rowData", [])):
            values = ["" if (v := value_of(c)) is None else v for c in row.get("values", [])]
            while len(grid) <= top + offset:
                grid.append([])
            target = grid[top + offset]
            while len(target) < left:
                target.append("")
            target[left:left + len(values)] = values
    return trim(grid)


def value_of(data: dict) -> Any:
    """A cell's effective value as the local store gives it: str, int, float, bool, datetime, or None."""
    effective = data.get("effectiveValue")
    if not effective:
        return None
    if "stringValue" in effective:
        return effective["stringValue"]
    if "boolValue" in effective:
        return bool(effective["boolValue"])
    if "numberValue" in effective:
        number = float(effective["numberValue"])
        kind = data.get("effectiveFormat", {}).get("numberFormat", {}).get("type")
        if kind in ("DATE", "DATE_TIME") and 0 <= number < 2958466:
            return SHEET_EPOCH + timedelta(seconds=round(number * 86400))
        if kind == "TIME" and 0 <= number < 1:
            moment = SHEET_EPOCH + timedelta(seconds=round(number * 86400))
            return moment.strftime("%H:%M")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if "errorValue" in effective:
        return _ERROR_TEXT.get(effective["errorValue"].get("type"), "#ERROR!")
    return None


# --- what one write sends ----------------------------------------------------------------------

def cell_data(value: Any) -> dict:
    """A value as CellData: text as ``stringValue`` (never a formula), numbers as ``numberValue``."""
    kind = type(value)
    if kind is str and 0 < len(value) <= MAX_CELL_CHARS:  # the usual case, first
        return {"userEnteredValue": {"stringValue": value}}
    if kind is int or (kind is float and math.isfinite(value)):
        return {"userEnteredValue": {"numberValue": value}}
    if isinstance(value, (bool, np.bool_)):  # a checkbox ticked by a person stays a checkbox
        return {"userEnteredValue": {"boolValue": bool(value)}}
    value = cell(value)  # NaN, numpy, Decimal and datetime (as French text) made plain
    if isinstance(value, float) and not math.isfinite(value):
        return {}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    if value == "":
        return {}
    return {"userEnteredValue": {"stringValue": fit(str(value), MAX_CELL_CHARS)}}


def dated_cell_data(value: Any) -> dict:
    """``cell_data``, but a date as a date: its serial number with a date format, for rows appended with
    ``userEnteredFormat.numberFormat`` in their fields (a row of ``Commandes`` moved to its archive). A date
    anywhere else stays text (``cell_data``): a rewrite writes values only, and a serial number in a cell
    without a date format would read as a bare number."""
    if not isinstance(value, datetime):
        return cell_data(value)
    kind = formats.date_kind(value)
    return {"userEnteredValue": {"numberValue": formats.serial(value)}, "userEnteredFormat": {
        "numberFormat": {"type": formats.GOOGLE_TYPES[kind], "pattern": formats.PATTERNS[kind]}}}


def echo(value: Any) -> Any:
    """What reading a written value back gives (to recognise rows already appended), made plain as a written
    value is: a date as its French text, read back or written alike."""
    return value_of({"effectiveValue": cell_data(value).get("userEnteredValue")})


def row_data(row: Sequence[Any]) -> dict:
    return {"values": [cell_data(v) for v in row]}


def new_sheet_id(name: str, taken: set[int]) -> int:
    """A sheetId derived from the tab's name (the same request every time), avoiding those in use."""
    candidate = zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF
    while candidate in taken:
        candidate = (candidate + 1) & 0x7FFFFFFF
    return candidate


def plan(book: Book, changes: Changes) -> list[dict]:
    """The requests of the one ``spreadsheets:batchUpdate`` that applies ``changes`` to ``book``.

    ``book`` is changed into what the spreadsheet will be once they are applied (new tabs, grid sizes,
    values), so that a later write of the same run needs no read first."""
    requests_: list[dict] = []
    taken = {t.sheet_id for t in book.tabs}

    def target(name: str, height: int, width: int) -> SheetTab:
        """The tab to write ``name`` into, grown or created (by requests added to the batch)."""
        tab = book.find(name)
        if tab is not None:
            if height > tab.rows or width > tab.columns:
                tab.rows, tab.columns = max(height, tab.rows), max(width, tab.columns)
                requests_.append({"updateSheetProperties": {
                    "properties": {"sheetId": tab.sheet_id,
                                   "gridProperties": {"rowCount": tab.rows, "columnCount": tab.columns}},
                    "fields": "gridProperties.rowCount,gridProperties.columnCount"}})
            return tab
        tab = SheetTab(new_sheet_id(name, taken), name.strip(), max(height, NEW_TAB_ROWS),
                       max(width, NEW_TAB_COLUMNS), frozen=1)
        taken.add(tab.sheet_id)
        book.tabs.append(tab)
        requests_.append({"addSheet": {"properties": {
            "sheetId": tab.sheet_id, "title": tab.title,
            "gridProperties": {"rowCount": tab.rows, "columnCount": tab.columns, "frozenRowCount": 1}}}})
        requests_.append({"repeatCell": {
            "range": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": 1},
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}, "backgroundColor": HEADER_COLOR}},
            "fields": "userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor"}})
        return tab

    for name, grid in changes.replace.items():
        existing = book.find(name)
        owner = changes.owners.get(name)
        layout = arrange(existing.grid, grid, owner) if owner is not None and existing is not None else None
        if layout is not None and not layout.rewrite:
            kinds = formats.tool_kinds(name, layout.grid[0] if layout.grid else [], owner)
            requests_.extend(_laid_out(existing, layout, kinds))
            requests_.extend(_formatted(existing, layout.grid, kinds))
            continue
        grid = layout.grid if layout is not None else grid
        tab = target(name, len(grid), max((len(row) for row in grid), default=0))
        kinds = formats.tool_kinds(name, grid[0] if grid else [], owner)
        requests_.append({"updateCells": {"range": {"sheetId": tab.sheet_id},
                                          "rows": [row_data(r) for r in formats.typed(grid, kinds, formats.serial)],
                                          "fields": "userEnteredValue"}})
        requests_.extend(_formatted(tab, grid, kinds))
        tab.grid = as_read(grid)
    for name, append in changes.append.items():
        if not append.rows:
            continue
        existing = book.find(name)
        rows = append.rows if existing is not None and existing.grid else [append.header, *append.rows]
        tab = target(name, 1, max((len(row) for row in rows), default=0))
        # a date (a row of Commandes moved to its archive) is sent with its date format; other rows' cells keep
        # whatever format their column has
        dated = any(isinstance(v, datetime) for row in rows for v in row)
        requests_.append({"appendCells": {
            "sheetId": tab.sheet_id,
            "rows": [{"values": [dated_cell_data(v) for v in r]} if dated else row_data(r) for r in rows],
            "fields": "userEnteredValue,userEnteredFormat.numberFormat" if dated else "userEnteredValue"}})
        tab.grid = trim([*tab.grid, *as_read(rows)])  # appendCells goes under the last row holding a value
        tab.rows = max(tab.rows, len(tab.grid))
    return requests_


def _formatted(tab: SheetTab, grid: Grid, kinds: list[str | None]) -> list[dict]:
    """The requests that show the tool's columns of a derived tab as a person expects (``formats.py``), in the
    same batch as its values: the header bold, frozen; each run of columns of one kind with its number format
    (a text column's cleared: a column that held amounts before holds names now); each column as wide as what it
    shows (``updateDimensionProperties``, a width computed here rather than ``autoResizeDimensions``: capped, so
    a long remark does not make a column wider than the screen, and the same rule as the local workbook's).
    People's columns are left out of every range: their formats and widths are theirs."""
    found: list[dict] = []
    height = len(grid)
    if tab.frozen != 1:
        tab.frozen = 1
        found.append({"updateSheetProperties": {
            "properties": {"sheetId": tab.sheet_id, "gridProperties": {"frozenRowCount": 1}},
            "fields": "gridProperties.frozenRowCount"}})
    for first, last in runs([c for c, kind in enumerate(kinds) if kind is not None]):
        found.append({"repeatCell": {"range": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                                               "startColumnIndex": first, "endColumnIndex": last},
                                     "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                                     "fields": "userEnteredFormat.textFormat.bold"}})
    for first, last, kind in formats.runs_of(kinds):
        columns = {"sheetId": tab.sheet_id, "startColumnIndex": first, "endColumnIndex": last}
        if height > 1:
            number = ({"numberFormat": {"type": formats.GOOGLE_TYPES[kind], "pattern": formats.PATTERNS[kind]}}
                      if kind in formats.PATTERNS else {})
            found.append({"repeatCell": {"range": {**columns, "startRowIndex": 1, "endRowIndex": height},
                                         "cell": {"userEnteredFormat": number} if number else {},
                                         "fields": "userEnteredFormat.numberFormat"}})
    for column, width in sorted(formats.widths(grid, kinds).items()):
        found.append({"updateDimensionProperties": {
            "range": {"sheetId": tab.sheet_id, "dimension": "COLUMNS", "startIndex": column, "endIndex": column + 1},
            "properties": {"pixelSize": formats.pixels(width)}, "fields": "pixelSize"}})
    return found


def _laid_out(tab: SheetTab, layout: Layout, kinds: list[str | None]) -> list[dict]:
    """The requests that turn ``tab`` into ``layout.grid`` without writing a cell people own (``layout.py``):
    rows removed and inserted whole (Google moves a row's cells together, whoever typed them and whenever),
    then the tool's columns written (dates as serial numbers, ``formats.typed``), and the people's cells of the
    new rows only."""
    found: list[dict] = []

    def dimension(start: int, end: int, along: str = "ROWS") -> dict:
        return {"sheetId": tab.sheet_id, "dimension": along, "startIndex": start, "endIndex": end}

    # The tool's columns changed (a producer joined the sale or left it): columns are removed and inserted whole,
    # as rows are, so that each of people's columns keeps its cells, formats, data validation (the Payé
    # checkbox) and width, under its own header. From the right: each index as read; then from the left: each
    # index as it will be. A new column takes its neighbour's width (inheritFromBefore), the tool's neighbour
    # when it has one: never a person's; ``_formatted`` then gives it its own format and width.
    for start, end in reversed(runs(layout.columns_deleted)):
        found.append({"deleteDimension": {"range": dimension(start, end, "COLUMNS")}})
    for start, end in runs(layout.columns_inserted):
        found.append({"insertDimension": {"range": dimension(start, end, "COLUMNS"),
                                          "inheritFromBefore": start > 0 and kinds[start - 1] is not None}})
    tab.columns += len(layout.columns_inserted) - len(layout.columns_deleted)
    for start, end in reversed(runs(layout.deleted)):  # from the bottom up: each index as read
        found.append({"deleteDimension": {"range": dimension(start, end)}})
    for start, end in runs(layout.inserted):  # from the top down: each index as it will be
        found.append({"insertDimension": {"range": dimension(start, end), "inheritFromBefore": start > 1}})
    tab.rows += len(layout.inserted) - len(layout.deleted)
    grid = layout.grid
    height = len(grid)
    typed = formats.typed(grid, kinds, formats.serial)
    for first, last in layout.spans:
        found.append({"updateCells": {
            "range": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": height,
                      "startColumnIndex": first, "endColumnIndex": last},
            "rows": [row_data(row[first:last]) for row in typed], "fields": "userEnteredValue"}})
    tool = {c for first, last in layout.spans for c in range(first, last)}
    for start, end in runs(layout.inserted):
        if any(not is_blank(v) for row in grid[start:end] for c, v in enumerate(row) if c not in tool):
            width = max(len(row) for row in grid[start:end])
            found.append({"updateCells": {
                "range": {"sheetId": tab.sheet_id, "startRowIndex": start, "endRowIndex": end,
                          "startColumnIndex": 0, "endColumnIndex": width},
                "rows": [row_data(row) for row in grid[start:end]], "fields": "userEnteredValue"}})
    tab.grid = as_read(grid)
    return found


def landed(before: Book, after: Book, changes: Changes) -> bool | None:
    """Whether a write whose answer was lost was applied: True, False, or None when nothing in it tells
    (a rewrite of existing tabs only, which is safe to send again)."""
    telling = False
    for name in changes.replace:
        if before.find(name) is None:
            telling = True
            if after.find(name) is None:
                return False
    for name, append in changes.append.items():
        if not append.rows:
            continue
        telling = True
        old, new = before.find(name), after.find(name)
        if new is None:
            return False
        start = len(old.grid) if old is not None else 0
        expected = append.rows if old is not None and old.grid else [append.header, *append.rows]
        if _normal(new.grid[start:start + len(expected)]) != _normal(expected):
            return False
    return True if telling else None


def _normal(rows: Grid) -> Grid:
    return trim([[None if is_blank(v) else v for v in row] for row in as_read(rows)])


def as_read(rows: Grid) -> Grid:
    """Rows as reading them back will give them, once written."""
    return trim([["" if is_blank(v := echo(x)) else v for x in row] for row in rows])


# --- the HTTP client: gspread's, with bounded retries for reads ----------------------------------

class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with a timeout on every request and bounded retries for GET requests.

    Writes are sent once here: the store decides whether one can be sent again (``GoogleSheetsStore.write``).
    """

    def __init__(self, auth, session: requests.Session | None = None, backoff: retry.Backoff | None = None):
        super().__init__(auth, session)
        self.backoff = backoff or retry.Backoff()
        self.set_timeout(TIMEOUT)

    def request(self, method: str, endpoint: str, *args, **kwargs) -> requests.Response:
        send = super().request
        if method.upper() != "GET":
            return send(method, endpoint, *args, **kwargs)
        return retry.call(lambda: send(method, endpoint, *args, **kwargs), self.backoff)


# --- the store -----------------------------------------------------------------------------------

class GoogleSheetsStore:
    # The Journal is written every ``send.BATCH`` emails whatever the time (a request each, far from the quota
    # of 60 writes a minute): a runner without a lasting disk (GitHub Actions) whose final write fails sends
    # again at most one batch (``tests/test_journal_guard.py::test_a_failed_final_write_on_a_runner_…``).
    flush_interval = 0.0

    def __init__(self, session: requests.Session, spreadsheet_id: str, *, account: str | None = None,
                 backoff: retry.Backoff | None = None):
        self.spreadsheet_id = spreadsheet_key(spreadsheet_id)
        self.account = account  # the service account's address, to say whom to share the sheet with
        self.backoff = backoff or retry.Backoff()
        client = gspread.Client(auth=None, session=session,
                                http_client=lambda auth, s: RetryingHTTPClient(auth, s, self.backoff))
        self.http: RetryingHTTPClient = client.http_client  # type: ignore[assignment]
        self.book: Book | None = None  # the spreadsheet as last read; the next write is planned on it
        self.title: str | None = None  # the spreadsheet's name, once known (for messages)
        # The spreadsheet's own time zone (File > Settings), once read: the form's timestamps and the dates
        # typed in it are wall-clock times in that zone, which should be the group's.
        self.time_zone: str | None = None

    @classmethod
    def from_config(cls, config, environ=None, sleep: Callable[[float], None] | None = None) -> GoogleSheetsStore:
        """The store the configuration describes, signed in with its service account or OAuth token."""
        import os

        from ..google_auth import SHEETS_SCOPE, account_email, authorized_session

        if not config.store.spreadsheet_id:
            raise ConfigError("[store] backend = « google » demande aussi spreadsheet_id (l'identifiant du "
                              "Google Sheet).")
        key = spreadsheet_key(config.store.spreadsheet_id)  # a wrong id is said before any sign-in
        session = authorized_session(config, [SHEETS_SCOPE], os.environ if environ is None else environ)
        backoff = retry.Backoff() if sleep is None else retry.Backoff(sleep=sleep)
        return cls(session, key, account=account_email(session), backoff=backoff)

    # --- the seam ------------------------------------------------------------------------------

    def read(self, tabs: Sequence[str]) -> dict[str, Grid | None]:
        self.book = self._fetch()
        result: dict[str, Grid | None] = {}
        for name in tabs:
            tab = self.book.find(name)
            result[name] = [list(row) for row in tab.grid] if tab is not None else None
        return result

    def write(self, changes: Changes) -> None:
        if not changes:
            return
        last, self.book = self.book, None  # unknown until the write is known to have landed
        if any(name in changes.owners for name in changes.replace):
            # A derived tab people type in is laid onto the tab as it is NOW, not as the run read it minutes ago
            # (layout.py): one read more, only in a run that rewrites such a tab.
            last = None
        try:
            try:
                after = self._send(changes, last if last is not None else self._fetch())
            except APIError as exc:
                if last is None or exc.code != 400:
                    raise
                # Someone changed the tabs since we last saw them (deleted one, added one with the name we
                # wanted, removed rows): plan again on the sheet as it is now, once.
                after = self._send(changes, self._fetch())
        except retry.GaveUp as exc:
            self.book = None
            raise StoreError(f"Écriture dans {self.describe()} impossible : {exc.french()}. Rien n'a été écrit "
                             "(Google applique tout ou rien) : relancez dans quelques minutes.") from exc
        except APIError as exc:
            self.book = None
            raise self._explain(exc, writing=True) from exc
        except RefreshError as exc:
            self.book = None
            raise _auth_failure(exc) from exc
        except BaseException:
            self.book = None
            raise
        self.book = after  # the next write of this run is planned on it, without reading again

    def _send(self, changes: Changes, book: Book) -> Book:
        """One batchUpdate, sent again only when it surely did not land (see the module's docstring);
        returns the spreadsheet as it now is."""
        state = {"before": book, "after": _copy(book)}  # what the request in flight was planned on, and makes
        body = {"requests": plan(state["after"], changes)}

        def attempt() -> None:
            self.http.batch_update(self.spreadsheet_id, body)

        def before_retry(failure: retry.Failure) -> bool:
            if not failure.sent:  # refused before being applied: the same request again
                return False
            try:
                fresh = self._fetch()
            except StoreError as exc:
                raise StoreError(f"{exc} Google n'a pas confirmé l'écriture en cours : relancez, rien ne sera "
                                 "écrit deux fois.") from exc
            if landed(state["before"], fresh, changes) is True:
                state["after"] = fresh
                return True
            state["before"], state["after"] = fresh, _copy(fresh)
            body["requests"] = plan(state["after"], changes)
            return False

        retry.call(attempt, self.backoff, before_retry=before_retry)
        return state["after"]

    def claim(self, mine: Claim, settle: bool = True) -> list[Claim]:
        """Write this machine's claim on the sheet (``claims.py``), wait ``claims.SETTLE`` seconds, and return
        every claim the sheet then holds: two requests and a pause, only in a run that is about to send. Without
        ``settle`` (a claim withdrawn), only the write."""
        known = {m.get("metadataId") for m in (self.book.metadata if self.book is not None else [])}
        entry = {"metadataId": metadata_id(mine.machine), "metadataKey": CLAIM_KEY, "metadataValue": mine.to_json(),
                 "location": {"spreadsheet": True}, "visibility": "DOCUMENT"}
        if entry["metadataId"] in known:
            request = {"updateDeveloperMetadata": {
                "dataFilters": [{"developerMetadataLookup": {"metadataId": entry["metadataId"]}}],
                "developerMetadata": {"metadataValue": entry["metadataValue"]}, "fields": "metadataValue"}}
        else:
            request = {"createDeveloperMetadata": {"developerMetadata": entry}}
        try:
            retry.call(lambda: self.http.batch_update(self.spreadsheet_id, {"requests": [request]}), self.backoff)
        except retry.GaveUp as exc:
            raise StoreError(f"Écriture dans {self.describe()} impossible : {exc.french()}. Aucun e-mail n'a été "
                             "envoyé : relancez dans quelques minutes.") from exc
        except APIError as exc:
            raise self._explain(exc, writing=True) from exc
        if not settle:
            return []
        self.backoff.sleep(CLAIM_SETTLE)
        found = self._call(lambda: self.http.spreadsheets_get(self.spreadsheet_id, {"fields": _CLAIM_FIELDS}))
        metadata = found.get("developerMetadata", [])
        if self.book is not None:
            self.book.metadata = metadata
        return [c for m in metadata if m.get("metadataKey") == CLAIM_KEY
                and (c := Claim.from_json(m.get("metadataValue", ""))) is not None]

    def exists(self) -> bool:
        """Whether the spreadsheet can be reached; a Google Sheet cannot be created from here, so a missing
        or unshared one is an error that says what to do."""
        self._call(lambda: self.http.spreadsheets_get(self.spreadsheet_id, {"fields": _META_FIELDS}))
        return True

    def describe(self) -> str:
        return f"le {self._named()}"

    def time_zone_warning(self, group_time_zone: str) -> str | None:
        """A French warning when the spreadsheet keeps another time than the group (after a read): Google writes
        the form's timestamps in the spreadsheet's zone, so orders would shift by hours."""
        from datetime import datetime
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if not self.time_zone or self.time_zone == group_time_zone:
            return None
        try:
            sheet, group = ZoneInfo(self.time_zone), ZoneInfo(group_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None
        moments = (datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12))  # winter and summer time
        if all(sheet.utcoffset(m) == group.utcoffset(m) for m in moments):
            return None
        return (f"Le fuseau horaire du {self._named()} est « {self.time_zone} », pas « {group_time_zone} » comme "
                "le groupe : les horodatages du formulaire seraient décalés. Corrigez-le dans le Google Sheet : "
                "« Fichier » → « Paramètres » → « Fuseau horaire ».")

    def _named(self) -> str:
        return f"Google Sheet « {self.title} »" if self.title else f"Google Sheet {self.spreadsheet_id}"

    # --- talking to Google ---------------------------------------------------------------------

    def _fetch(self) -> Book:
        params = {"includeGridData": "true", "fields": _READ_FIELDS}
        resource = self._call(lambda: self.http.spreadsheets_get(self.spreadsheet_id, params))
        book = book_from_resource(resource)
        self.book = book
        self.title = book.title or self.title
        self.time_zone = book.time_zone or None
        return book

    def _call(self, request: Callable[[], Any]) -> Any:
        try:
            return request()
        except retry.GaveUp as exc:
            advice = ("Vérifiez la connexion Internet de cette machine, puis relancez." if exc.failure.status is None
                      else "Réessayez dans quelques minutes ; si cela dure, voyez https://www.google.com/appsstatus.")
            raise StoreError(f"Lecture du {self._named()} impossible : {exc.french()}. {advice}") from exc
        except APIError as exc:
            raise self._explain(exc, writing=False) from exc
        except RefreshError as exc:
            raise _auth_failure(exc) from exc

    def _explain(self, exc: APIError, writing: bool) -> StoreError:
        """Google's refusal as a French message that says what to do."""
        kind, status, said = refusal(exc)
        who = (f"le compte de service {self.account}" if self.account
               else "le compte Google avec lequel vous vous êtes connecté·e")
        share = (f"Ouvrez le Google Sheet, cliquez sur « Partager » et ajoutez l'adresse {self.account} avec le "
                 "rôle « Éditeur »." if self.account else
                 "Demandez à la personne qui l'a créé de vous le partager avec le rôle « Éditeur ».")
        if kind == NOT_FOUND:
            return StoreError(f"Le Google Sheet {self.spreadsheet_id} est introuvable. Vérifiez [store] "
                              "spreadsheet_id : c'est la partie de l'adresse du Google Sheet entre /d/ et /edit. "
                              f"S'il existe, il n'est peut-être pas partagé avec {who}. {share}")
        if kind == DISABLED:
            return StoreError("L'API Google Sheets n'est pas activée dans le projet Google Cloud de la clé : ouvrez "
                              "https://console.cloud.google.com/apis/library/sheets.googleapis.com, choisissez le "
                              "projet, cliquez sur « Activer », attendez quelques minutes et relancez. "
                              f"(Google a répondu : « {said} »)")
        if kind == FORBIDDEN:
            if writing:
                return StoreError(f"{who[0].upper()}{who[1:]} peut lire {self.describe()} mais pas y écrire : "
                                  f"il faut le rôle « Éditeur », pas « Lecteur ». {share} Rien n'a été écrit.")
            return StoreError(f"{who[0].upper()}{who[1:]} n'a pas accès au Google Sheet {self.spreadsheet_id}. "
                              f"{share}")
        if kind == UNAUTHORIZED:
            return StoreError(f"Google n'accepte pas les identifiants (401 : « {said} »). Vérifiez la clé du compte "
                              "de service ([store] credentials) ou reconnectez-vous (voir docs/google.md).")
        action = "Rien n'a été écrit." if writing else "Rien n'a été lu."
        return StoreError(f"Google a refusé la demande ({status} : « {said} »). {action}")


NOT_FOUND, DISABLED, FORBIDDEN, UNAUTHORIZED = "not found", "API disabled", "forbidden", "unauthorized"


def refusal(exc: APIError) -> tuple[str, int | None, str]:
    """What kind of refusal Google's answer is (``NOT_FOUND``, ``DISABLED``, ``FORBIDDEN``, ``UNAUTHORIZED`` or
    ""), its HTTP status and what Google said: the store's French messages and ``paniers doctor`` both read it."""
    error = exc.error if isinstance(exc.error, dict) else {}
    status = exc.response.status_code if exc.response is not None else exc.code
    said = str(error.get("message", "")).strip()
    reasons = {d.get("reason") for d in error.get("details", []) if isinstance(d, dict)}
    if status == 404:
        return NOT_FOUND, status, said
    if status == 403 and ("SERVICE_DISABLED" in reasons or "has not been used" in said or "disabled" in said):
        return DISABLED, status, said
    kind = {403: FORBIDDEN, 401: UNAUTHORIZED}.get(status, "")
    return kind, status, said


def spreadsheet_key(text: str) -> str:
    """The spreadsheet id, also when the whole address was pasted into the configuration."""
    text = (text or "").strip()
    if "/" in text:
        with contextlib.suppress(gspread.exceptions.NoValidUrlKeyFound):
            text = gspread.utils.extract_id_from_url(text)
    if not _ID.match(text):
        raise ConfigError(f"[store] spreadsheet_id = « {text} » ne ressemble pas à l'identifiant d'un Google Sheet : "
                          "copiez la partie de son adresse entre /d/ et /edit.")
    return text


def _copy(book: Book) -> Book:
    """A copy that planning may change (grid sizes) without touching what was read."""
    return Book(book.title, book.locale, book.time_zone,
                [SheetTab(t.sheet_id, t.title, t.rows, t.columns, list(t.grid), t.frozen) for t in book.tabs],
                book.metadata)


def _auth_failure(exc: BaseException) -> StoreError:
    return StoreError(f"Google refuse la connexion : {exc}. Si la clé du compte de service a été supprimée, "
                      "téléchargez-en une nouvelle ; avec votre propre compte, supprimez le jeton enregistré et "
                      "reconnectez-vous (voir docs/google.md).")


__all__ = ["Book", "GoogleSheetsStore", "RetryingHTTPClient", "SheetTab", "cell_data", "plan", "value_of"]
