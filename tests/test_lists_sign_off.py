"""The Émargement tab: what volunteers tick (Payé, Remarques) survives every rewrite of the tab."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lists_builders import DECEMBER, NOVEMBER, book
from openpyxl import load_workbook

from sync import sheet
from sync.lists import sign_off_grid
from sync.stores import LocalWorkbookStore, MemoryStore
from sync.stores.base import Changes

SALE = "2026-12"
TAB = sheet.SIGN_OFF.name


def rows_by_email(grid, sale=SALE):
    """The rows of one sale by e-mail (trailing blank cells trimmed by the store put back)."""
    header = grid[0]
    return {row[header.index("Email")]: dict(zip(header, [*row, *[""] * (len(header) - len(row))], strict=True))
            for row in grid[1:] if row[header.index("Vente")] == sale}


def tick(grid, email, column, value):
    """A volunteer types in a cell of the tab, the way a store gives it back."""
    header = grid[0]
    for row in grid[1:]:
        if row[header.index("Email")] == email and row[header.index("Vente")] == SALE:
            while len(row) < len(header):
                row.append("")
            row[header.index(column)] = value
            return grid
    raise AssertionError(email)


def changed_orders():
    """December after changes: Martine drops the bread and takes honey (a new producer column appears
    for her), Ahmed cancels everything, a new household orders, and nobody buys beer any more."""
    orders = {email: dict(products) for email, products in DECEMBER.items()}
    orders["martine.ducloux@example.org"] = {"MIE3": 2, "VIA1": 1}
    orders["kevin.marchand@example.org"] = {"VIA2": 1}
    orders["elodie.garnier@example.org"] = {"CHV1": 3, "VIA1": 2, "VIA3": 1, "POM1": 2}
    orders["thomas.lemaire@example.net"] = {"LEG1": 1}
    return {"2026-11": NOVEMBER, SALE: orders}


def test_paid_mark_survives_three_reruns_and_a_change_of_orders(cat):
    store = MemoryStore()
    first = book({"2026-11": NOVEMBER, SALE: DECEMBER}, cat)
    store.write(Changes(replace={TAB: sign_off_grid(None, first, cat)}))

    grid = store.read([TAB])[TAB]
    tick(grid, "martine.ducloux@example.org", "Payé", "oui")
    tick(grid, "martine.ducloux@example.org", "Remarques", "chèque Fournil à encaisser après le 15")
    tick(grid, "ahmed.benali@example.org", "Payé", "x")
    store.tabs[TAB] = grid  # as if typed in the sheet

    for _ in range(3):  # three runs with the same orders
        old = store.read([TAB])[TAB]
        store.write(Changes(replace={TAB: sign_off_grid(old, first, cat)}))
    after_three = store.read([TAB])[TAB]
    martine = rows_by_email(after_three)["martine.ducloux@example.org"]
    assert martine["Payé"] == "oui" and martine["Remarques"] == "chèque Fournil à encaisser après le 15"
    assert len(after_three) == len(sign_off_grid(None, first, cat))  # no duplicated rows

    second = book(changed_orders(), cat, cancelled=("ahmed.benali@example.org",))
    old = store.read([TAB])[TAB]
    store.write(Changes(replace={TAB: sign_off_grid(old, second, cat)}))
    grid = store.read([TAB])[TAB]
    header = grid[0]
    rows = rows_by_email(grid)
    martine = rows["martine.ducloux@example.org"]
    assert martine["Payé"] == "oui" and martine["Remarques"].startswith("chèque Fournil")
    # her amounts are the new ones, not carried over: honey now, no bread
    assert martine["Rucher des Bruyères"] == 11.0
    assert martine["Le Fournil des Vignes"] == ""
    assert martine["Total"] == float(Decimal("11.00") + Decimal("19.80"))
    # nobody buys beer any more: the brewery's column is gone, not kept as if a person had added it
    assert "Brasserie du Nahon" not in header
    # Ahmed cancelled after being ticked paid: his row is kept (what a person typed is never lost)
    assert rows["ahmed.benali@example.org"]["Payé"] == "x"
    assert rows["thomas.lemaire@example.net"]["Payé"] == ""
    assert header[-3:] == ["Total", "Payé", "Remarques"]
    assert rows_by_email(grid, "2026-11")["martine.ducloux@example.org"]["Payé"] == ""


def test_a_column_people_added_is_kept_with_its_content(cat):
    first = book({SALE: DECEMBER}, cat)
    grid = sign_off_grid(None, first, cat)
    grid[0].append("N° chèque Fournil")
    for row in grid[1:]:
        row.append("")
    tick(grid, "jerome.pelletier@example.net", "N° chèque Fournil", "0012345")
    tick(grid, "martine.ducloux@example.org", "N° chèque Fournil", 4471)  # a number, as a spreadsheet gives it
    again = sign_off_grid(grid, first, cat)
    assert "N° chèque Fournil" in again[0]
    assert rows_by_email(again)["jerome.pelletier@example.net"]["N° chèque Fournil"] == "0012345"
    assert rows_by_email(again)["martine.ducloux@example.org"]["N° chèque Fournil"] == 4471


def test_a_renamed_producer_does_not_leave_a_stale_column(cat):
    first = book({SALE: DECEMBER}, cat)
    grid = sign_off_grid(None, first, cat)
    producers = cat.producers.copy()
    producers.loc[producers["code"] == "MIEL", "name"] = "Le Rucher des Bruyères"
    renamed = type(cat)(producers, cat.products, cat.sales, [])
    again = sign_off_grid(grid, book({SALE: DECEMBER}, renamed), renamed)
    assert "Le Rucher des Bruyères" in again[0] and "Rucher des Bruyères" not in again[0]


def test_paid_mark_survives_reruns_through_a_real_workbook(tmp_path, cat):
    """The same, through the local .xlsx store, the mark typed with openpyxl as LibreOffice would save it."""
    path = tmp_path / "paniers.xlsx"
    store = LocalWorkbookStore(path)
    first = book({SALE: DECEMBER}, cat)
    store.write(Changes(replace={TAB: sign_off_grid(None, first, cat)}))

    wb = load_workbook(path)
    ws = wb[TAB]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("Email")].value == "claire.moreau@example.net":
            row[header.index("Payé")].value = "oui"
            row[header.index("Remarques")].value = "a payé en espèces"
    wb.save(path)

    orders = changed_orders()
    for b in (first, first, book(orders, cat)):
        old = store.read([TAB])[TAB]
        store.write(Changes(replace={TAB: sign_off_grid(old, b, cat)}))
    grid = store.read([TAB])[TAB]
    claire = rows_by_email(grid)["claire.moreau@example.net"]
    assert claire["Payé"] == "oui" and claire["Remarques"] == "a payé en espèces"
    assert claire["Total"] == pytest.approx(float(Decimal("5.00") + 2 * Decimal("2.40") + 2 * Decimal("4.20")
                                                   + Decimal("9.50")))
