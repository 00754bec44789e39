"""One behavioural suite for every store: memory, local .xlsx workbook, and Google Sheets over the in-process
Sheets API (real gspread, real HTTP requests, answered by ``fakes.sheets_api``), seeded with values as they
are (``google``) and typed by a person in a French-locale sheet (``google-typed``: "2026-12" a date,
"0612345678" a number...).

Each test seeds a workbook the way people would have filled it (through the store's own medium, not through
``write``), then goes through the ``Store`` seam only. What differs between stores is pinned elsewhere
(``test_google_store.py`` for request counts, retries and Google's errors).
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

import numpy as np
import pytest
from fakes.sheets_api import FakeSheetsAPI
from openpyxl import Workbook

from sync.stores import Append, Changes, LocalWorkbookStore, MemoryStore
from sync.stores.google import GoogleSheetsStore
from sync.stores.retry import Backoff
from sync.values import is_blank, parse_code, parse_phone, parse_price

KINDS = ["memory", "local", "google", "google-typed"]


def seed_workbook(path, tabs):
    book = Workbook()
    book.remove(book.active)
    for name, rows in (tabs or {"Feuille 1": []}).items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if not is_blank(value):
                    sheet.cell(row=r, column=c, value=value)
    book.save(path)


@pytest.fixture(params=KINDS)
def make(request, tmp_path):
    """``make(tabs)``: a store of this kind holding ``tabs`` ({name: rows}) as people left them."""

    def build(tabs: dict):
        if request.param == "memory":
            return MemoryStore({name: [list(r) for r in rows] for name, rows in tabs.items()})
        if request.param == "local":
            path = tmp_path / "paniers.xlsx"
            seed_workbook(path, tabs)
            return LocalWorkbookStore(path)
        api = FakeSheetsAPI()
        api.create("1ContractSheetId", tabs=tabs or None, typed=request.param == "google-typed")
        return GoogleSheetsStore(api.session(), "1ContractSheetId", account=api.account,
                                 backoff=Backoff(sleep=lambda s: None))

    build.kind = request.param
    return build


HEADER = ["Date", "Vente", "Type", "Destinataire"]

# What a French-locale Google Sheet holds for the texts these tests seed when a person types them (the
# "google-typed" kind), written out by hand from the list of Google's conversions rather than taken
# from the fake: the fake's rules are checked against this table, not the other way round.
AS_GOOGLE_STORES = {
    "2026-12": datetime(2026, 12, 1),  # a sale code becomes a date
    "2026-11": datetime(2026, 11, 1),
    "01/12/2026 08:00": datetime(2026, 12, 1, 8, 0),
    "0612345678": 612345678,  # the leading zero is lost
    "4,50": 4.5,
}


def seeded(make, rows):
    """The rows a store reads back from what ``make`` seeded: as typed, except in a typed Google Sheet."""
    if make.kind != "google-typed":
        return rows
    return [[AS_GOOGLE_STORES.get(v, v) if isinstance(v, str) else v for v in row] for row in rows]


def plain(grid):
    """Cells compared as values: blanks (None, "", NaN) alike, Decimal/numpy as numbers."""
    out = []
    for row in grid:
        values = [None if is_blank(v) else (float(v) if isinstance(v, (Decimal, np.floating)) else v) for v in row]
        while values and values[-1] is None:
            values.pop()
        out.append(values)
    return out


# --- reading ----------------------------------------------------------------------------------

def test_a_missing_tab_reads_as_none(make):
    store = make({"Produits": [["Code", "Nom"], ["PAIN1", "Pain"]]})
    result = store.read(["Produits", "Ventes"])
    assert result["Ventes"] is None
    assert result["Produits"] == [["Code", "Nom"], ["PAIN1", "Pain"]]


def test_tab_names_match_ignoring_case_accents_and_spaces(make):
    store = make({"Émargement": [["Vente"], ["2026-12"]], "saisie  manuelle": [["Email"], ["a@b.fr"]]})
    result = store.read(["EMARGEMENT", "Saisie manuelle"])
    assert result == {"EMARGEMENT": seeded(make, [["Vente"], ["2026-12"]]), "Saisie manuelle": [["Email"], ["a@b.fr"]]}


def test_read_trims_trailing_empty_cells_and_rows_but_keeps_inner_ones(make):
    store = make({"Clients": [["Email", "Nom", "", None], ["a@b.fr", None, "Dupont", ""], [], ["c@d.fr"],
                              ["", None], []]})
    assert store.read(["Clients"])["Clients"] == [["Email", "Nom"], ["a@b.fr", "", "Dupont"], [], ["c@d.fr"]]


def test_an_empty_tab_reads_as_an_empty_grid(make):
    store = make({"Clients": [], "Produits": [["Code"]]})
    assert store.read(["Clients"]) == {"Clients": []}


def test_values_keep_their_type(make):
    moment = datetime(2026, 12, 1, 8, 0)
    row = ["0612345678", "4,50", 4.5, 12, "2026-12", moment, "texte", True]
    store = make({"Produits": [["a"] * len(row), row]})
    read = store.read(["Produits"])["Produits"][1]
    if make.kind == "google-typed":  # what the tool reads is still what the person meant
        assert read == [612345678, 4.5, 4.5, 12, datetime(2026, 12, 1), moment, "texte", True]
        assert (parse_phone(read[0]).value, parse_price(read[1]).value, parse_code(read[4]).value) == \
            ("0612345678", Decimal("4.50"), "2026-12")
        return
    assert read == row
    assert [type(v) for v in read] == [str, str, float, int, str, datetime, str, bool]


def test_human_tabs_are_untouched_by_a_write(make):
    produits = [["Code", "Nom", "Prix"], ["PAIN1", "Pain", 4.5], ["MIE1", "Miel", 8]]
    store = make({"Produits": produits, "Clients": [["Email"], ["a@b.fr"]]})
    store.read(["Produits"])
    store.write(Changes(replace={"Commandes": [["Vente"], ["2026-12"]]},
                        append={"Clients": Append(["Email"], [["c@d.fr"]])}))
    assert store.read(["Produits"])["Produits"] == produits


# --- rewriting derived tabs ---------------------------------------------------------------------

def test_replace_rewrites_a_derived_tab_entirely(make):
    old = [["Vente", "Email", "Produit", "Quantité", "Note", "Autre"]] + [
        ["2026-11", f"f{i}@x.fr", "PAIN1", 2, "vieux", "x"] for i in range(6)]
    store = make({"Commandes": old, "Produits": [["Code"], ["PAIN1"]]})
    store.read(["Commandes", "Produits"])
    new = [["Vente", "Email", "Produit"], ["2026-12", "a@b.fr", "MIE1"]]
    store.write(Changes(replace={"Commandes": new}))
    result = store.read(["Commandes", "Produits"])
    assert result["Commandes"] == new  # no stale rows nor columns left
    assert result["Produits"] == [["Code"], ["PAIN1"]]


def test_replace_creates_a_missing_tab(make):
    store = make({"Produits": [["Code"]]})
    store.read(["Produits", "Anomalies"])
    store.write(Changes(replace={"Anomalies": [["Vente", "Gravité"], ["2026-12", "erreur"]]}))
    assert store.read(["Anomalies"])["Anomalies"] == [["Vente", "Gravité"], ["2026-12", "erreur"]]


def test_replace_keeps_the_title_a_person_gave_the_tab(make):
    store = make({"commandes ": [["Vente"], ["ancienne"]]})
    store.read(["Commandes"])
    store.write(Changes(replace={"Commandes": [["Vente"], ["nouvelle"]]}))
    # the same tab was rewritten: reading it by its exact title gives the new content, no second tab
    assert store.read(["commandes "])["commandes "] == [["Vente"], ["nouvelle"]]
    assert store.read(["Commandes"])["Commandes"] == [["Vente"], ["nouvelle"]]


def test_replace_with_an_empty_grid_clears_the_tab(make):
    store = make({"Anomalies": [["Vente"], ["2026-12"]]})
    store.write(Changes(replace={"Anomalies": []}))
    assert store.read(["Anomalies"])["Anomalies"] == []


def test_replace_bigger_than_a_new_google_tab(make):
    """More rows and columns than a tab made in Google's interface holds (1000 × 26): the grid grows."""
    store = make({"Commandes": [["Vente"]]})
    store.read(["Commandes"])
    grid = [[f"c{c}" for c in range(28)]] + [[r] for r in range(1, 1010)] + [[*range(27), "fin"]]
    store.write(Changes(replace={"Commandes": grid}))
    assert store.read(["Commandes"])["Commandes"] == grid


def test_a_write_without_a_read_first(make):
    store = make({"Journal": [HEADER, ["01/12/2026 08:00", "2026-12", "annonce", "a@b.fr"]]})
    store.write(Changes(replace={"Anomalies": [["Vente"]]}))
    store.write(Changes(append={"Journal": Append(HEADER, [["02/12/2026 08:00", "2026-12", "rappel", "a@b.fr"]])}))
    assert store.read(["Journal"])["Journal"][-1] == ["02/12/2026 08:00", "2026-12", "rappel", "a@b.fr"]


# --- appending ----------------------------------------------------------------------------------

def test_appended_rows_go_under_the_last_row(make):
    rows = [HEADER, ["01/12/2026 08:00", "2026-12", "annonce", "a@b.fr"], ["01/12/2026 08:00", "2026-12",
                                                                              "annonce", "c@d.fr"]]
    store = make({"Journal": rows})
    store.read(["Journal"])
    new = [["02/12/2026 10:00", "2026-12", "confirmation", "a@b.fr"], ["02/12/2026 10:00", "2026-12", "rappel"]]
    store.write(Changes(append={"Journal": Append(HEADER, new)}))
    assert store.read(["Journal"])["Journal"] == seeded(make, rows) + new  # what the tool writes is text


def test_appended_rows_stay_aligned_under_a_header_a_person_reordered(make):
    from sync import sheet

    header = ["Nom", "Email", "Notes", "Téléphone"]  # the coordinator's order, and a column of her own
    store = make({"Clients": [header, ["Dupont", "a@b.fr", "vient le samedi", "06 00 00 00 01"]]})
    grid = store.read(["Clients"])["Clients"]
    record = {"Email": "new@x.fr", "Nom": "Martin", "Téléphone": "0612345678", "Abonné": "oui"}
    store.write(Changes(append={"Clients": Append(sheet.CLIENTS.header,
                                                  [sheet.align(grid[0], record, sheet.CLIENTS)])}))
    assert plain(store.read(["Clients"])["Clients"])[-1] == ["Martin", "new@x.fr", None, "0612345678"]


def test_append_to_a_missing_tab_writes_the_header_first(make):
    store = make({"Produits": [["Code"]]})
    store.read(["Journal"])
    store.write(Changes(append={"Journal": Append(HEADER, [["01/12/2026 08:00", "2026-12", "annonce", "a@b.fr"]])}))
    assert store.read(["Journal"])["Journal"] == [HEADER, ["01/12/2026 08:00", "2026-12", "annonce", "a@b.fr"]]


def test_append_to_an_empty_tab_writes_the_header_first(make):
    store = make({"Clients": []})
    store.read(["Clients"])
    store.write(Changes(append={"Clients": Append(["Email", "Nom"], [["a@b.fr", "Dupont"]])}))
    assert store.read(["Clients"])["Clients"] == [["Email", "Nom"], ["a@b.fr", "Dupont"]]


def test_append_after_a_gap_goes_under_the_last_filled_row(make):
    store = make({"Clients": [["Email"], ["a@b.fr"], [], ["c@d.fr"]]})
    store.read(["Clients"])
    store.write(Changes(append={"Clients": Append(["Email"], [["e@f.fr"]])}))
    assert store.read(["Clients"])["Clients"] == [["Email"], ["a@b.fr"], [], ["c@d.fr"], ["e@f.fr"]]


def test_nothing_to_write_changes_nothing(make):
    rows = [HEADER, ["01/12/2026 08:00", "2026-12"]]
    store = make({"Journal": rows})
    store.read(["Journal"])
    store.write(Changes())
    store.write(Changes(append={"Journal": Append(HEADER, [])}))
    assert store.read(["Journal"])["Journal"] == seeded(make, rows)


def test_replace_and_append_in_one_write(make):
    store = make({"Journal": [HEADER]})
    store.read(["Journal", "Commandes"])
    store.write(Changes(replace={"Commandes": [["Vente"], ["2026-12"]], "Anomalies": [["Vente"]]},
                        append={"Journal": Append(HEADER, [["d", "2026-12", "annonce", "a@b.fr"]]),
                                "Clients": Append(["Email"], [["a@b.fr"]])}))
    result = store.read(["Commandes", "Anomalies", "Journal", "Clients"])
    assert result == {"Commandes": [["Vente"], ["2026-12"]], "Anomalies": [["Vente"]],
                      "Journal": [HEADER, ["d", "2026-12", "annonce", "a@b.fr"]], "Clients": [["Email"], ["a@b.fr"]]}


# --- people's text stays text -------------------------------------------------------------------

PEOPLE_TEXT = ['=IMPORTXML("http://x";"//a")', "=1+1", "+33 6 12 34 56 78", "-2", "@moi", "0612345678", "4,50",
               "2026-12", "01/12/2026", "VRAI", "TRUE", "'quote", "Pâtisserie « Noël » – 12\u00a0€", "<b>gras</b>"]


def test_text_typed_by_people_is_written_as_text(make):
    store = make({"Clients": [["Email", "Nom"]]})
    store.read(["Clients", "Commandes"])
    store.write(Changes(replace={"Commandes": [["Libellé"], *[[t] for t in PEOPLE_TEXT]]},
                        append={"Clients": Append(["Email", "Nom"], [["x@y.fr", t] for t in PEOPLE_TEXT])}))
    result = store.read(["Commandes", "Clients"])
    assert [r[0] for r in result["Commandes"][1:]] == PEOPLE_TEXT
    assert [r[1] for r in result["Clients"][1:]] == PEOPLE_TEXT


def test_cells_written_are_converted_to_plain_values(make):
    row = ["x", Decimal("4.50"), np.int64(3), np.float64(2.5), None, float("nan"), Decimal("12"), True, "fin"]
    store = make({"Commandes": [["a"]]})
    store.read(["Commandes"])
    store.write(Changes(replace={"Commandes": [["a"] * len(row), row]}))
    read = store.read(["Commandes"])["Commandes"][1]
    assert plain([read]) == [["x", 4.5, 3, 2.5, None, None, 12, True, "fin"]]
    assert read[7] is True  # a checkbox stays a checkbox
    assert not any(isinstance(v, float) and math.isnan(v) for v in read if make.kind != "memory")
