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
