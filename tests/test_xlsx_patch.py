"""The local store writes only the sheets that change (``sync/stores/xlsx_patch.py``): what people put in
their tabs (formulas, formats, widths) is kept byte for byte, the derived tabs and the appended rows read
back exactly, text is never a formula, and whatever the patch was not built for goes through openpyxl."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font
from python_calamine import CalamineWorkbook

from sync import sheet
from sync.stores import Append, Changes, LocalWorkbookStore, xlsx_patch
from sync.stores.base import same_grid


@pytest.fixture
def workbook(tmp_path):
    """A workbook as a person and earlier runs left it: a formula, a bold cell and a wide column in
    Produits, a derived tab and a journal already written by the tool."""
    store = LocalWorkbookStore(tmp_path / "paniers.xlsx")
    store.write(Changes(replace={
        "Produits": [sheet.PRODUCTS.header, ["PAIN1", "FOUR", "Pain", "1 kg", "4,50"], ["MIEL", "RUCH", "Miel", "", 8]],
        "Commandes": [sheet.ORDERS.header, ["2026-11", "a@example.org", "A", "FOUR", "PAIN1", "Pain", 1, 1, 4.5]],
        "Journal": [sheet.JOURNAL.header, ["01/11/2026 10:00", "2026-11", "Confirmation", "a@example.org", "S",
                                           "k1", "<m1>"]],
    }))
    book = load_workbook(store.path)
    products = book["Produits"]
    products["E3"] = "=2*4"  # a price a person computes
    products["C2"].font = Font(bold=True, color="FF0000")
    products.column_dimensions["C"].width = 41
    book.save(store.path)
    return store


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def sheet_part(path, title: str) -> str:
    book = load_workbook(path, read_only=True)
    index = book.sheetnames.index(title)
    book.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def test_only_the_changed_sheets_are_rewritten_and_people_tabs_keep_everything(workbook):
    before = parts(workbook.path)
    orders = [sheet.ORDERS.header, *[["2026-12", f"f{i}@example.org", f"Foyer {i}", "FOUR", "PAIN1", "Pain", i, i,
                                      4.5, 4.5 * i, "non", "nouvelle", "01/12/2026 10:00"] for i in range(1, 6)]]
    rows = [["02/12/2026 10:00", "2026-12", "Confirmation", f"f{i}@example.org", "S", f"k{i + 1}", ""]
            for i in range(1, 4)]
    workbook.write(Changes(replace={"Commandes": orders}, append={"Journal": Append(sheet.JOURNAL.header, rows)}))
    after = parts(workbook.path)
    produits = sheet_part(workbook.path, "Produits")
    assert after[produits] == before[produits]  # a person's tab: the very same bytes
    # the styles part gains the formats of the tool's columns (amounts, dates), once: the next save finds them
    assert after["xl/styles.xml"] != before["xl/styles.xml"]
    workbook.write(Changes(replace={"Commandes": [*orders, orders[1]]}))
    assert parts(workbook.path)["xl/styles.xml"] == after["xl/styles.xml"]
    workbook.write(Changes(replace={"Commandes": orders}))
    assert after[sheet_part(workbook.path, "Commandes")] != before[sheet_part(workbook.path, "Commandes")]

    full = load_workbook(workbook.path)  # openpyxl, as LibreOffice would, sees the formula, the format, the width
    assert full["Produits"]["E3"].value == "=2*4"
    assert full["Produits"]["C2"].font.bold and full["Produits"].column_dimensions["C"].width == 41
    assert full["Commandes"]["A1"].font.bold  # the header keeps the tool's style
    assert full["Commandes"].freeze_panes == "A2"
    grids = workbook.read(["Commandes", "Journal", "Produits"])
    assert same_grid(grids["Commandes"], orders)  # the date of the last column is a real date now
    assert grids["Commandes"][1][12] == datetime(2026, 12, 1, 10, 0)
    assert [row[5] for row in grids["Journal"][1:]] == ["k1", "k2", "k3", "k4"]
    assert full["Journal"].max_row == 5 and full["Journal"].dimensions == "A1:G5"


def test_text_stays_text_and_odd_characters_are_safe(workbook):
    hostile = ["=HYPERLINK(\"http://evil.example\";\"clic\")", "  espaces gardés  ", "<b>&amp;</b> « é » ✓ 🍞",
               "ligne 1\nligne 2", "bip\x07\x1b[31m", "+33 6 12", "@SUM(A1)", "-2+3"]
    grid = [sheet.ORDERS.header, *[["2026-12", value, value] for value in hostile]]
    workbook.write(Changes(replace={"Commandes": grid}))
    full = load_workbook(workbook.path)
    cells = [full["Commandes"].cell(row=r, column=2) for r in range(2, len(hostile) + 2)]
    assert all(c.data_type == "s" for c in cells)  # not one formula
    read = workbook.read(["Commandes"])["Commandes"]
    assert [row[1] for row in read[1:]] == [v.replace("\x07", "").replace("\x1b", "") for v in hostile]
    calamine = CalamineWorkbook.from_path(str(workbook.path)).get_sheet_by_name("Commandes").to_python()
    assert calamine[1][1] == hostile[0]


def test_what_the_patch_does_not_do_goes_through_openpyxl(workbook, monkeypatch):
    calls = []
    real = xlsx_patch.patch

    def spy(*args, **kwargs):
        try:
            return real(*args, **kwargs)
        except xlsx_patch.Unsupported as exc:
            calls.append(str(exc))
            raise

    monkeypatch.setattr(xlsx_patch, "patch", spy)
    workbook.write(Changes(replace={"Anomalies": [sheet.ANOMALIES.header, ["", "erreur", "Produits", 3, "Prix",
                                                                            "prix illisible", "4,5O"]]}))
    assert calls == ["the tab Anomalies is to be created"]
    assert workbook.read(["Anomalies"])["Anomalies"][1][6] == "4,5O"
    full = load_workbook(workbook.path)
    full["Journal"].append([None])  # a person leaves an empty, formatted last row
    full["Journal"]["A3"].font = Font(italic=True)
    full.save(workbook.path)
    workbook.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d", "2026-12", "t", "x", "s", "k9"]])}))
    assert calls[-1] == "the last row is empty or unnumbered"
    assert [row[5] for row in workbook.read(["Journal"])["Journal"][1:]] == ["k1", "k9"]


def test_a_cell_showing_an_error_is_read_as_such(workbook):
    full = load_workbook(workbook.path)
    full["Produits"]["E2"] = "#REF!"  # what a broken formula shows (an error cell)
    full.save(workbook.path)
    assert workbook.read(["Produits"])["Produits"][1][4] == "#REF!"  # calamine would read it as empty


def raw_entries(path) -> dict[str, tuple[int, int, bytes]]:
    """Each part as stored: (CRC, compressed size, the compressed bytes themselves)."""
    found = {}
    with zipfile.ZipFile(path) as package, open(path, "rb") as raw:
        for info in package.infolist():
            raw.seek(info.header_offset + 26)
            name_length, extra_length = int.from_bytes(raw.read(2), "little"), int.from_bytes(raw.read(2), "little")
            raw.seek(info.header_offset + 30 + name_length + extra_length)
            found[info.filename] = (info.CRC, info.compress_size, raw.read(info.compress_size))
    return found


def test_unchanged_parts_are_copied_still_compressed_and_the_package_stays_sound(workbook):
    """A run copies the parts it does not change as they are stored (no inflating and deflating again the
    archive tabs' megabytes): the very same compressed bytes, and a package every reader opens."""
    before = raw_entries(workbook.path)
    rows = [["02/12/2026 10:00", "2026-12", "Confirmation", "b@example.org", "S", "k2", ""]]
    workbook.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, rows)}))
    after = raw_entries(workbook.path)
    journal = sheet_part(workbook.path, "Journal")
    assert {name for name in after if after[name] != before.get(name)} == {journal}
    with zipfile.ZipFile(workbook.path) as package:
        assert package.testzip() is None  # every CRC checks out
        assert package.namelist() == list(before)  # same parts, same order
    full = load_workbook(workbook.path)
    assert full["Produits"]["E3"].value == "=2*4" and full["Journal"]["F3"].value == "k2"
    calamine = CalamineWorkbook.from_path(str(workbook.path))
    assert calamine.get_sheet_by_name("Journal").to_python()[-1][5] == "k2"
    # and again on its own output: a copied entry copies again
    workbook.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [[*rows[0][:5], "k3", ""]])}))
    with zipfile.ZipFile(workbook.path) as package:
        assert package.testzip() is None
    assert [r[5] for r in workbook.read(["Journal"])["Journal"][1:]] == ["k1", "k2", "k3"]
