"""The tabs the tool writes look right to a person in a spreadsheet (issue 18), on both stores: amounts with a
euro format, dates as real date cells shown the French way, quantities as whole numbers, columns as wide as
what they hold, the header bold and frozen; a column people fill in keeps its own format and width.

Read back as a person's spreadsheet program would: openpyxl for the local workbook, ``spreadsheets.get`` on the
Google fake (``userEnteredFormat``, ``frozenRowCount``, ``columnMetadata.pixelSize``), after real ticks on
``test_cycle``'s group (the demo's catalogue and a December sale).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import at
from fakes.sheets_api import Checkbox, FakeSheetsAPI
from openpyxl import load_workbook
from openpyxl.styles import Font
from test_cycle import group
from test_live_edits import group_changes, phone_order

from sync import config as config_module
from sync import sheet
from sync.commands import Context, tick
from sync.stores import LocalWorkbookStore, formats, xlsx_patch
from sync.stores.google import GoogleSheetsStore
from sync.stores.layout import Owner
from sync.stores.retry import Backoff

SHEET_ID = "1PaniersFormatsSheet"
MONEY, DATE_TIME, DAY, WHOLE = '#,##0.00 "€"', "dd/mm/yyyy hh:mm", "dd/mm/yyyy", "0"


def _config(tmp_path, path=None):
    data = {"group": {"coordinator_email": "animation@example.org"}}
    if path is not None:
        data["store"] = {"path": str(path)}
    return config_module.from_dict(data, base_dir=tmp_path)


def _tick(config, store, moment) -> None:
    lines: list[str] = []
    assert tick.once(Context(config, store, moment, lines.append)).code == 0, lines


def test_column_kinds_come_from_the_contract_and_cover_the_dynamic_columns():
    assert sheet.column_kinds("Commandes", ["Vente", "Montant", "Quantité attribuée", "Dernière modification",
                                            "Ma colonne"]) == ["text", "money", "integer", "datetime", "text"]
    assert sheet.column_kinds("émargement", ["Nom", "Ferme du Coin", "Total", "Payé"]) == \
        ["text", "money", "money", "text"]
    assert sheet.column_kinds("Bilan", ["Date", "Commandes : Fournil", "CA : Fournil"]) == \
        ["date", "integer", "money"]
    assert sheet.column_kinds("Produits", ["Prix"]) == ["text"]  # a people's tab: never formatted
    owner = Owner(sheet.SIGN_OFF.key, ("Vente", "Nom", "Email", "Téléphone", "Ferme", "Total"))
    assert formats.tool_kinds("Émargement", ["Vente", "Ferme", "Total", "Payé", "À moi"], owner) == \
        ["text", "money", "money", None, None]


def test_typed_turns_the_tools_french_dates_into_moments_and_leaves_the_rest():
    grid = [["Date", "Dernière modification", "Note"], ["05/12/2026", "01/12/2026 10:30", "01/12/2026 10:30"],
            ["", "pas une date", 3.0]]
    kinds = ["date", "datetime", None]
    assert formats.typed(grid, kinds) == [grid[0], [datetime(2026, 12, 5), datetime(2026, 12, 1, 10, 30),
                                                    "01/12/2026 10:30"], ["", "pas une date", 3.0]]


# --- the local workbook --------------------------------------------------------------------------

@pytest.mark.parametrize("writer", ["by parts", "openpyxl"])
def test_the_local_workbook_tabs_are_formatted_and_a_persons_column_keeps_its_own(tmp_path, monkeypatch, writer):
    if writer == "openpyxl":  # the other way the local store writes (a tab to create, a sheet with comments…)
        def unsupported(*args, **kwargs):
            raise xlsx_patch.Unsupported("as if")
        monkeypatch.setattr(xlsx_patch, "patch", unsupported)
    path = tmp_path / "paniers.xlsx"
    LocalWorkbookStore(path).write(group_changes())
    config = _config(tmp_path, path)
    moment = at("2026-12-04 08:00")
    _tick(config, LocalWorkbookStore(path), moment)

    # a volunteer widens Remarques and formats its cells as red bold text, then a phone order comes in
    book = load_workbook(path)
    sign_off = book["Émargement"]
    header = [c.value for c in sign_off[1]]
    remarks = header.index("Remarques") + 1
    letter = sign_off.cell(row=1, column=remarks).column_letter
    sign_off.column_dimensions[letter].width = 33
    for row in range(2, sign_off.max_row + 1):
        sign_off.cell(row=row, column=remarks).value = "vu"
        sign_off.cell(row=row, column=remarks).number_format = "@"  # « Texte » in the Format menu
        sign_off.cell(row=row, column=remarks).font = Font(bold=True, color="FFC00000")
    for row in phone_order(0, moment):
        book[sheet.MANUAL.name].append(row)
    book.save(path)
    _tick(config, LocalWorkbookStore(path), moment + timedelta(minutes=15))

    book = load_workbook(path)
    orders = book["Commandes"]
    header = [c.value for c in orders[1]]
    column = {name: header.index(name) + 1 for name in header}
    first = 2
    assert orders.freeze_panes == "A2" and all(c.font.bold for c in orders[1])
    amount = orders.cell(row=first, column=column["Montant"])
    assert isinstance(amount.value, float) and amount.number_format == MONEY
    assert orders.cell(row=first, column=column["Prix unitaire"]).number_format == MONEY
    when = orders.cell(row=first, column=column["Dernière modification"])
    assert isinstance(when.value, datetime) and when.number_format == DATE_TIME
    quantity = orders.cell(row=first, column=column["Quantité attribuée"])
    assert isinstance(quantity.value, int) and quantity.number_format == WHOLE
    assert orders.cell(row=first, column=column["Vente"]).number_format == "General"
    widths = {name: orders.column_dimensions[orders.cell(row=1, column=c).column_letter].width
              for name, c in column.items()}
    assert widths["Dernière modification"] >= len("Dernière modification")  # the header fits
    assert widths["Email"] > widths["Vente"] >= formats.MIN_WIDTH

    sign_off = book["Émargement"]
    header = [c.value for c in sign_off[1]]
    assert sign_off.freeze_panes == "A2"
    total = sign_off.cell(row=2, column=header.index("Total") + 1)
    assert isinstance(total.value, float) and total.number_format == MONEY
    producer = header[header.index("Téléphone") + 1]  # the first producer's column
    amounts = [sign_off.cell(row=r, column=header.index(producer) + 1) for r in range(2, sign_off.max_row + 1)]
    assert all(c.number_format == MONEY for c in amounts if c.value is not None)
    letter = sign_off.cell(row=1, column=header.index("Remarques") + 1).column_letter
    assert sign_off.column_dimensions[letter].width == 33  # the volunteer's width
    remarks = [sign_off.cell(row=r, column=header.index("Remarques") + 1) for r in range(2, sign_off.max_row + 1)]
    assert len([c for c in remarks if c.value == "vu"]) == 4  # the rows of the first tick, where they were typed
    assert all(c.number_format == "@" and c.font.bold and c.font.color.rgb == "FFC00000"
               for c in remarks if c.value == "vu")

    grids = LocalWorkbookStore(path).read(["Commandes", "Émargement"])
    assert isinstance(grids["Commandes"][1][column["Dernière modification"] - 1], datetime)
    # one rule for names: « Prénom Nom » in Commandes, « Nom Prénom » in the list sorted to find a name
    assert "Anne Aubert" in [row[column["Nom"] - 1] for row in grids["Commandes"][1:]]
    assert "Aubert Anne" in [row[1] for row in grids["Émargement"][1:]]


def test_a_quiet_tick_on_the_local_workbook_writes_nothing_although_dates_read_back_as_dates(tmp_path):
    path = tmp_path / "paniers.xlsx"
    LocalWorkbookStore(path).write(group_changes())
    config = _config(tmp_path, path)
    _tick(config, LocalWorkbookStore(path), at("2026-12-06 08:00"))  # after the sale: Bilan has its day
    assert isinstance(LocalWorkbookStore(path).read(["Bilan"])["Bilan"][1][2], datetime)
    before = path.stat().st_mtime_ns
    _tick(config, LocalWorkbookStore(path), at("2026-12-06 08:30"))
    assert path.stat().st_mtime_ns == before


# --- Google Sheets -------------------------------------------------------------------------------

_FIELDS = ("sheets(properties(title,gridProperties(frozenRowCount)),data(columnMetadata(pixelSize),"
           "rowData(values(userEnteredValue,userEnteredFormat(numberFormat,textFormat(bold))))))")


def _read_back(api, title: str, fields: str = _FIELDS) -> tuple[list[list[dict]], int, list[int]]:
    """A tab's cells (with their formats), frozen rows and column widths, as ``spreadsheets.get`` gives them
    under ``fields`` (frozen rows 0 when the mask leaves them out)."""
    store = GoogleSheetsStore(api.session(), SHEET_ID, backoff=Backoff(sleep=lambda s: None))
    found = store.http.spreadsheets_get(SHEET_ID, {"includeGridData": "true", "fields": fields, "ranges": title})
    tab = found["sheets"][0]
    data = tab["data"][0]
    cells = [row.get("values", []) for row in data.get("rowData", [])]
    return (cells, tab.get("properties", {}).get("gridProperties", {}).get("frozenRowCount", 0),
            [c.get("pixelSize") for c in data["columnMetadata"]])


def _google(api):
    return GoogleSheetsStore(api.session(), SHEET_ID, account=api.account, backoff=Backoff(sleep=lambda s: None))


def _google_after_a_first_tick(tmp_path):
    """The demo group on the Sheets fake, typed as people type, after the tick of 4 December at 8:00."""
    api = FakeSheetsAPI()
    tabs = {name: [list(row) for row in rows] for name, rows in group().tabs.items()}
    book = api.create(SHEET_ID, tabs=tabs, typed=True)
    config = _config(tmp_path)
    moment = at("2026-12-04 08:00")
    _tick(config, _google(api), moment)
    return api, book, config, moment


def test_the_google_tabs_are_formatted_in_the_one_write_and_a_persons_column_keeps_its_own(tmp_path):
    api, book, config, moment = _google_after_a_first_tick(tmp_path)

    # a volunteer widens Remarques and formats it as a percentage (as the Sheets menus would), then a phone order
    cells, _, _ = _read_back(api, "Émargement")
    header = [c.get("userEnteredValue", {}).get("stringValue", "") for c in cells[0]]
    remarks = header.index("Remarques")
    person = {"sheetId": book.tab("Émargement").sheet_id}
    _google(api).http.batch_update(SHEET_ID, {"requests": [
        {"repeatCell": {"range": {**person, "startRowIndex": 1, "startColumnIndex": remarks,
                                  "endColumnIndex": remarks + 1},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}},
                        "fields": "userEnteredFormat.numberFormat"}},
        {"updateDimensionProperties": {"range": {**person, "dimension": "COLUMNS", "startIndex": remarks,
                                                 "endIndex": remarks + 1},
                                       "properties": {"pixelSize": 333}, "fields": "pixelSize"}}]})
    manual = book.values(sheet.MANUAL.name)
    for offset, row in enumerate(phone_order(0, moment), start=len(manual) + 1):
        for c, text in enumerate(row, start=1):
            book.type(sheet.MANUAL.name, offset, c, text)
    api.reset()
    _tick(config, _google(api), moment + timedelta(minutes=15))
    writes = [{k for r in c.body["requests"] for k in r} for c in api.calls if c.kind == "spreadsheets.batchUpdate"]
    # the tabs' values and their formats go in one request, as the values alone did (the claim before sending
    # and the journal of the emails sent are the other writes, as before)
    tabs_written = [kinds for kinds in writes if "updateCells" in kinds]
    assert len(tabs_written) == 1 and tabs_written[0] >= {"repeatCell", "updateDimensionProperties"}

    cells, frozen, widths = _read_back(api, "Commandes")
    header = [c.get("userEnteredValue", {}).get("stringValue", "") for c in cells[0]]
    assert frozen == 1 and all(c["userEnteredFormat"]["textFormat"]["bold"] for c in cells[0])

    def number_format(row: list[dict], name: str) -> dict:
        return row[header.index(name)].get("userEnteredFormat", {}).get("numberFormat", {})

    row = cells[1]
    assert number_format(row, "Montant") == {"type": "CURRENCY", "pattern": MONEY}
    assert "numberValue" in row[header.index("Montant")]["userEnteredValue"]
    assert number_format(row, "Dernière modification") == {"type": "DATE_TIME", "pattern": DATE_TIME}
    assert "numberValue" in row[header.index("Dernière modification")]["userEnteredValue"]  # a serial, not text
    assert number_format(row, "Quantité attribuée") == {"type": "NUMBER", "pattern": WHOLE}
    assert number_format(row, "Vente") == {}
    assert widths[header.index("Email")] > widths[header.index("Vente")] >= formats.pixels(formats.MIN_WIDTH)

    cells, frozen, widths = _read_back(api, "Émargement")
    header = [c.get("userEnteredValue", {}).get("stringValue", "") for c in cells[0]]
    assert frozen == 1
    assert cells[1][header.index("Total")]["userEnteredFormat"]["numberFormat"]["type"] == "CURRENCY"
    remarks = header.index("Remarques")
    assert widths[remarks] == 333  # the volunteer's width
    assert all(row[remarks]["userEnteredFormat"]["numberFormat"] == {"type": "PERCENT", "pattern": "0%"}
               for row in cells[1:] if len(row) > remarks)

    # what the tool reads back is what it wrote: a date is a moment again, and a quiet tick writes nothing
    grid = _google(api).read(["Commandes"])["Commandes"]
    assert isinstance(grid[1][header_index(grid, "Dernière modification")], datetime)
    api.reset()
    _tick(config, _google(api), moment + timedelta(minutes=30))
    assert not [c for c in api.calls if c.kind == "spreadsheets.batchUpdate"]


def header_index(grid: list[list], name: str) -> int:
    return [str(h) for h in grid[0]].index(name)


_CELLS = ("sheets(properties(title),data(columnMetadata(pixelSize),"
          "rowData(values(userEnteredValue,userEnteredFormat(numberFormat),dataValidation))))")


def test_a_producer_column_added_or_removed_on_google_leaves_a_persons_column_as_it_was(tmp_path):
    """Émargement gains a producer column in the middle (a phone order from a producer nobody ordered from), then
    loses it (the order is cancelled): the column a volunteer added after the tool's, with its checkboxes, its
    number format and its width, keeps them all under its own header, and the tool's columns their formats;
    the columns are moved as rows are (insertDimension/deleteDimension), in the one write of the tick."""
    api, book, config, moment = _google_after_a_first_tick(tmp_path)

    # a volunteer adds « Reçu » after the tool's columns: a checkbox per household, ticked for the first one,
    # shown as a number, 222 pixels wide (as the Sheets menus would do it)
    own = "Reçu"
    grid = book.values("Émargement")
    column = len(grid[0])  # 0-based: just after Remarques
    book.type("Émargement", 1, column + 1, own)
    for r in range(2, len(grid) + 1):
        book.type("Émargement", r, column + 1, Checkbox(r == 2))
    person = {"sheetId": book.tab("Émargement").sheet_id, "startColumnIndex": column, "endColumnIndex": column + 1}
    number = {"type": "NUMBER", "pattern": "0.0"}
    _google(api).http.batch_update(SHEET_ID, {"requests": [
        {"repeatCell": {"range": {**person, "startRowIndex": 1, "endRowIndex": len(grid)},
                        "cell": {"userEnteredFormat": {"numberFormat": number}},
                        "fields": "userEnteredFormat.numberFormat"}},
        {"updateDimensionProperties": {"range": {"sheetId": person["sheetId"], "dimension": "COLUMNS",
                                                 "startIndex": column, "endIndex": column + 1},
                                       "properties": {"pixelSize": 222}, "fields": "pixelSize"}}]})
    ticked = {row[grid[0].index("Email")]: row is grid[1] for row in grid[1:]}
    chevrerie = "La Chèvrerie du Boischaut"  # between Les Jardins and the Trois Chênes in Producteurs
    assert chevrerie not in grid[0]

    def order(number: int, product: str, when) -> int:
        rows = phone_order(number, when)[:1]
        rows[0][5] = product
        first = len(book.values(sheet.MANUAL.name)) + 1
        for offset, row in enumerate(rows, start=first):
            for c, text in enumerate(row, start=1):
                book.type(sheet.MANUAL.name, offset, c, text)
        return first

    def tick_counted(when) -> list[str]:
        """The tick's requests; the tabs are written in one of them, as before."""
        api.reset()
        _tick(config, _google(api), when)
        assert sum(1 for c in api.calls if c.kind == "spreadsheets.batchUpdate"
                   and any("updateCells" in r for r in c.body["requests"])) == 1
        return api.kinds()

    def check(present: bool) -> list[str]:
        cells, _, widths = _read_back(api, "Émargement", _CELLS)
        header = [c.get("userEnteredValue", {}).get("stringValue", "") for c in cells[0]]
        assert (chevrerie in header) is present
        assert header.index("Total") < header.index("Payé") < header.index("Remarques") < header.index(own)
        mine, email = header.index(own), header.index("Email")
        assert widths[mine] == 222
        for row in cells[1:]:
            address = row[email]["userEnteredValue"]["stringValue"]
            if address not in ticked:
                continue  # the household of the phone order, after the volunteer's edit
            assert row[mine]["userEnteredValue"] == {"boolValue": ticked[address]}
            assert row[mine]["dataValidation"] == {"condition": {"type": "BOOLEAN"}}
            assert row[mine]["userEnteredFormat"]["numberFormat"] == number
            total = row[header.index("Total")]
            assert total["userEnteredFormat"]["numberFormat"]["type"] == "CURRENCY"
            assert "dataValidation" not in total and "dataValidation" not in row[header.index("Remarques")]
        for name in header[header.index("Téléphone") + 1:header.index("Total") + 1]:
            assert widths[header.index(name)] != 222
        return header

    # a phone order of bread: a household more, the same columns (how many requests a tick makes)
    order(1, "PAIN1", moment)
    same = tick_counted(moment + timedelta(minutes=15))
    check(present=False)

    # a phone order of cheese: the Chèvrerie's column appears in the middle
    first = order(2, "CHV1", moment)
    assert tick_counted(moment + timedelta(minutes=30)) == same
    header = check(present=True)
    assert header.index(chevrerie) < header.index("Total")
    cells, _, _ = _read_back(api, "Émargement", _CELLS)
    cheese = [row[header.index(chevrerie)] for row in cells[1:] if len(row) > header.index(chevrerie)
              and "userEnteredValue" in row[header.index(chevrerie)]]
    assert cheese and all(c["userEnteredFormat"]["numberFormat"]["type"] == "CURRENCY" for c in cheese)

    # the order is cancelled: the column goes, the volunteer's stays as it was
    for c in range(1, len(sheet.MANUAL.header) + 1):
        book.type(sheet.MANUAL.name, first, c, "")
    # nobody to email (no claim, no journal): the read, the read again before writing a tab people type in, the
    # write, as any such tick
    assert tick_counted(moment + timedelta(minutes=45)) == ["spreadsheets.get"] * 2 + ["spreadsheets.batchUpdate"]
    check(present=False)


def test_arrange_moves_columns_as_it_moves_rows_and_rewrites_only_what_it_cannot_match():
    """``layout.arrange`` on its own: a planned column the tab lacks is inserted before the next planned column,
    a dropped one removed, a column a person added since the run read the tab kept where it is, the tool's
    columns reordered in place; only columns that cannot be matched are left to a whole rewrite."""
    from sync.stores.layout import arrange

    fresh = [["Vente", "Email", "A", "B", "Total", "Payé", "Mien"], ["s", "e", 1, 2, 3, True, "à moi"]]
    planned = [["Vente", "Email", "A", "C", "Total", "Payé"], ["s", "e", 1, 5, 6, True], ["s", "f", "", 4, 4, ""]]
    owner = Owner(("Vente", "Email"), ("Vente", "Email", "A", "C", "Total"), dropped=("B",))
    laid = arrange(fresh, planned, owner)
    assert not laid.rewrite
    assert laid.grid == [["Vente", "Email", "A", "C", "Total", "Payé", "Mien"], ["s", "e", 1, 5, 6, True, "à moi"],
                         ["s", "f", "", 4, 4]]  # trailing blanks trimmed
    assert (laid.columns_deleted, laid.columns_inserted, laid.inserted) == ([3], [3], [2])
    assert laid.spans == [(0, 5)]  # the tool's columns, the new one among them; « Mien » and Payé left out

    # not dropped: « B » is a column a person added, it stays (and C goes before Total, after it)
    laid = arrange(fresh, planned, Owner(owner.key, owner.tool))
    assert laid.grid[0] == ["Vente", "Email", "A", "B", "C", "Total", "Payé", "Mien"]
    assert (laid.columns_deleted, laid.columns_inserted) == ([], [4])

    # the tool's columns in another order than planned (the producers reordered): the tool's slots take them in
    # the planned order, people's columns do not move, no column is inserted nor removed; a row the tool no
    # longer produces but someone typed in keeps its values under their own headers
    reordered = [["Vente", "Email", "C", "Mien", "A", "Total", "Payé"], ["s", "e", 9, "à moi", 8, 9, True],
                 ["s", "x", 3, "gardé", 2, 5]]
    laid = arrange(reordered, planned, owner)
    assert not laid.rewrite and (laid.columns_deleted, laid.columns_inserted) == ([], [])
    assert laid.grid[:2] == [["Vente", "Email", "A", "Mien", "C", "Total", "Payé"], ["s", "e", 1, "à moi", 5, 6, True]]
    assert laid.grid[2] == ["s", "x", 2, "gardé", 3, 5] and laid.spans == [(0, 3), (4, 6)]

    # a column of the tool's twice: the columns cannot be matched, the tab is rewritten whole (values only),
    # people's cells carried by row key
    twice = [["Vente", "Email", "A", "A", "Total", "Payé"], ["s", "e", 9, 9, 9, True]]
    laid = arrange(twice, planned, owner)
    assert laid.rewrite and laid.grid[1] == ["s", "e", 1, 5, 6, True]
