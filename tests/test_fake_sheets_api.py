"""The Sheets API fake answers gspread's everyday calls the way Google does, so that a benchmark of the naive
per-tab pattern (``worksheet(title).get_all_values()``) and our one-request pattern run on the same ground."""

from __future__ import annotations

import gspread
import pytest
from fakes.sheets_api import FakeSheetsAPI, parse_mask

SHEET_ID = "1PaniersFakeSheetId"


@pytest.fixture
def fake():
    api = FakeSheetsAPI()
    book = api.create(SHEET_ID, tabs={
        "Produits": [["Code", "Prix", "Date"], ["PAIN1", "4,50", "01/12/2026 08:00"]],
        "L'onglet": [["a"]],
        "Réponses au formulaire 1": [["Horodateur"]],
    }, typed=True)
    return api, book, gspread.Client(auth=None, session=api.session()).open_by_key(SHEET_ID)


def test_reading_through_gspread(fake):
    api, _book, spreadsheet = fake
    products = spreadsheet.worksheet("Produits")
    assert products.get_all_values() == [["Code", "Prix", "Date"], ["PAIN1", "4,5", "01/12/2026 08:00:00"]]
    assert products.get_values(value_render_option="UNFORMATTED_VALUE")[1][:2] == ["PAIN1", 4.5]
    assert products.get_all_records() == [{"Code": "PAIN1", "Prix": 45, "Date": "01/12/2026 08:00:00"}]  # the trap
    ranges = spreadsheet.values_batch_get(["'Produits'!A1:B2", "Produits!C:C", "'L''onglet'"])["valueRanges"]
    assert [r["range"] for r in ranges] == ["Produits!A1:B2", "Produits!C1:C1000", "'L''onglet'!A1:Z1000"]
    assert spreadsheet.worksheet("Réponses au formulaire 1").get_all_values() == [["Horodateur"]]
    # the naive pattern: open_by_key and every worksheet() are metadata reads, every get_* a values read
    assert api.kinds().count("spreadsheets.get") == 3 and api.kinds().count("values.get") == 4


def test_writing_through_gspread(fake):
    _api, book, spreadsheet = fake
    products = spreadsheet.worksheet("Produits")
    products.append_rows([["MIE1", "8,00"]], value_input_option="USER_ENTERED")
    products.update([["=1+1"]], "D1", value_input_option="RAW")
    assert book.values("Produits")[1:] == [["PAIN1", 4.5, 46357.333333333336], ["MIE1", 8]]
    assert book.user_entered("Produits", 1, 4) == {"stringValue": "=1+1"}
    products.batch_clear(["D1"])
    assert book.user_entered("Produits", 1, 4) is None
    added = spreadsheet.add_worksheet("Nouveau", rows=10, cols=5)
    assert book.titles()[-1] == "Nouveau" and book.tab("Nouveau").row_count == 10
    spreadsheet.del_worksheet(added)
    assert "Nouveau" not in book.titles()


def test_google_refusals(fake):
    _api, _book, spreadsheet = fake
    with pytest.raises(gspread.exceptions.APIError, match="Unable to parse range"):
        spreadsheet.values_get("Inconnu!A1")
    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        spreadsheet.add_worksheet("produits", rows=1, cols=1)  # titles are unique ignoring case
    with pytest.raises(gspread.exceptions.APIError, match="after last row"):
        spreadsheet.batch_update({"requests": [{"updateCells": {
            "start": {"sheetId": spreadsheet.worksheet("Produits").id, "rowIndex": 1000},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}], "fields": "userEnteredValue"}}]})
    with pytest.raises(gspread.exceptions.APIError, match="Unknown name"):
        spreadsheet.batch_update({"requests": [{"sortRange": {}}]})


def test_a_batch_update_is_all_or_nothing(fake):
    _api, book, spreadsheet = fake
    before = book.snapshot()
    with pytest.raises(gspread.exceptions.APIError, match=r"requests\[1\]"):
        spreadsheet.batch_update({"requests": [
            {"addSheet": {"properties": {"title": "Nouveau"}}},
            {"deleteSheet": {"sheetId": 999}},
        ]})
    assert book.snapshot() == before


def test_field_masks():
    assert parse_mask("a,b(c,d/e),f.g") == {"a": None, "b": {"c": None, "d": {"e": None}}, "f": {"g": None}}
    assert parse_mask("*") is None and parse_mask("") is None


def test_faults_are_logged(fake):
    api, _book, spreadsheet = fake
    api.fail(503, retry_after=3)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        spreadsheet.values_get("Produits")
    assert caught.value.code == 503 and caught.value.response.headers["Retry-After"] == "3"
    assert api.calls[-1].fault == "503"


# What a French-locale Google Sheet stores for what people type (the rules written down above
# ``fakes.sheets_api.user_entered``, with their sources), read through gspread as the store reads it.
TYPED = [
    ("4,50", 4.5, None), ("1,0", 1.0, None), ("1 234,5", 1234.5, None), ("4,50 €", 4.5, "CURRENCY"),
    ("01/12/2026 08:00", 46357 + 1 / 3, "DATE_TIME"), ("01/12/2026", 46357, "DATE"), ("2026-12", 46357, "DATE"),
    ("0611111111", 611111111, None), ("+33611111111", 33611111111, None), ("06 11 11 11 11", "06 11 11 11 11", None),
    ("'0611111111", "0611111111", None), ("VRAI", True, None), ("faux", False, None), ("12 %", 0.12, "PERCENT"),
    ("=2,2*1,5", 3.3000000000000003, None), ("=(4,5+1)/2", 2.75, None), ("31/02/2026", "31/02/2026", None),
    ("oui", "oui", None), ("PAIN1", "PAIN1", None),
]


def test_what_people_type_is_stored_the_way_a_french_google_sheet_stores_it():
    from fakes.sheets_api import Checkbox

    api = FakeSheetsAPI()
    book = api.create(SHEET_ID, tabs={"T": [[text for text, _, _ in TYPED]]}, typed=True)
    book.add_tab("Cases", [[Checkbox(False), Checkbox(True)]])
    resource = gspread.Client(auth=None, session=api.session()).open_by_key(SHEET_ID).fetch_sheet_metadata(
        {"includeGridData": "true", "fields": "sheets(data(rowData(values(effectiveValue,effectiveFormat"
                                              "(numberFormat(type)),dataValidation))))"})
    cells = resource["sheets"][0]["data"][0]["rowData"][0]["values"]
    for (text, value, kind), cell in zip(TYPED, cells, strict=True):
        (held,) = cell["effectiveValue"].values()
        assert held == pytest.approx(value) if isinstance(value, float) else held == value, text
        assert cell.get("effectiveFormat", {}).get("numberFormat", {}).get("type") == kind, text
    boxes = resource["sheets"][1]["data"][0]["rowData"][0]["values"]
    assert [c["effectiveValue"] for c in boxes] == [{"boolValue": False}, {"boolValue": True}]
    assert boxes[0]["dataValidation"]["condition"]["type"] == "BOOLEAN"
    book.type("Cases", 1, 1, True)  # a volunteer ticks it
    assert book.values("Cases") == [[True, True]] and book.tab("Cases").get(0, 0)["dataValidation"]


def test_columns_inserted_and_deleted_move_each_columns_cells_formats_validation_and_width(fake):
    """insertDimension/deleteDimension over COLUMNS (API reference, InsertDimensionRequest,
    DeleteDimensionRequest): the columns on the right move with their cells (value, format, data validation) and
    their width; a new column takes its neighbour's format and width (``inheritFromBefore``), not its values nor
    its validation."""
    _api, book, spreadsheet = fake
    tab = book.tab("Produits")
    sheet_id = tab.sheet_id
    tab.put(1, 2, {**tab.get(1, 2), "dataValidation": {"condition": {"type": "BOOLEAN"}}})
    spreadsheet.batch_update({"requests": [
        {"repeatCell": {"range": {"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 1,
                                  "endColumnIndex": 2},
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "CURRENCY", "pattern": "0.00"}}},
                        "fields": "userEnteredFormat.numberFormat"}},
        {"updateDimensionProperties": {"range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 1,
                                                 "endIndex": 3}, "properties": {"pixelSize": 150},
                                       "fields": "pixelSize"}},
        {"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3},
                             "inheritFromBefore": True}}]})
    tab = book.tab("Produits")
    assert book.values("Produits")[0] == ["Code", "Prix", None, "Date"]
    assert tab.get(1, 3)["dataValidation"] == {"condition": {"type": "BOOLEAN"}}  # the Date cell moved right
    assert tab.get(1, 2)["userEnteredFormat"]["numberFormat"]["type"] == "CURRENCY"  # Prix's format, inherited
    assert "userEnteredValue" not in tab.get(1, 2) and "dataValidation" not in tab.get(1, 2)
    assert (tab.width(2), tab.width(3), tab.column_count) == (150, 150, 27)
    spreadsheet.batch_update({"requests": [{"deleteDimension": {"range": {
        "sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 3}}}]})
    tab = book.tab("Produits")
    assert book.values("Produits")[0] == ["Code", "Date"]
    assert tab.get(1, 1)["dataValidation"] == {"condition": {"type": "BOOLEAN"}}
    assert (tab.width(1), tab.width(2), tab.column_count) == (150, 100, 25)
