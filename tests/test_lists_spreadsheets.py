"""A producer's list as a spreadsheet, read back the way a farmer opens it in LibreOffice or Excel: formatted like
the workbook's tabs (``sync/stores/formats.py``), French spacing in its text, plain values in the CSV."""

from __future__ import annotations

import io

import pytest
from lists_builders import book
from openpyxl import load_workbook

from sync.config import from_dict
from sync.lists import producer_spreadsheet

SALE = "2026-12"
MONEY, WEIGHT, WHOLE = '#,##0.00 "€"', "0.000", "0"
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return from_dict({"group": {"name": "Les Paniers du Boischaut"}}, base_dir=tmp_path_factory.mktemp("cfg"))


@pytest.fixture(scope="module")
def meat(dec, cat, config):
    return load_workbook(io.BytesIO(producer_spreadsheet(dec, cat, SALE, "VIAN", config).content))


def columns(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[3]}


def width(ws, column: int) -> float:
    return ws.column_dimensions[ws.cell(3, column).column_letter].width


def test_each_sheet_has_its_header_bold_and_frozen(meat):
    for ws in meat.worksheets:
        assert ws.freeze_panes == "A4", ws.title  # the heading and the header stay in view
        assert all(c.font.bold for c in ws[3]), ws.title


def test_amounts_quantities_and_weights_are_numbers_shown_the_french_way(meat):
    totals = meat["À apporter"]
    col = columns(totals)
    roast = next(r for r in totals.iter_rows(min_row=4) if r[0].value == "VIA1")
    quantity, households = roast[col["Quantité"] - 1], roast[col["Foyers"] - 1]
    assert type(quantity.value) is int and quantity.number_format == WHOLE
    assert type(households.value) is int and households.number_format == WHOLE
    amount, price = roast[col["Montant"] - 1], roast[col["Prix unitaire"] - 1]
    assert isinstance(amount.value, float) and amount.number_format == MONEY  # the tabs' « 59,40 € », summable
    assert isinstance(price.value, float) and price.number_format == MONEY
    weight = roast[col["Poids (kg)"] - 1]
    assert isinstance(weight.value, float) and weight.number_format == WEIGHT
    total = totals.cell(totals.max_row, col["Montant"])
    assert total.data_type == "f" and total.number_format == MONEY
    lines = meat["Par foyer"]
    col = columns(lines)
    row = next(r for r in lines.iter_rows(min_row=4) if r[col["Produit"] - 1].value == "VIA1")
    assert row[col["Montant réel"] - 1].data_type == "f" and row[col["Montant réel"] - 1].number_format == MONEY
    assert row[col["Poids réel (kg)"] - 1].number_format == WEIGHT  # where the producer types the weight
    for name in ("Vente", "Email", "Téléphone", "Produit"):  # codes and contacts: text, as they are
        assert row[col[name] - 1].number_format == "General" and row[col[name] - 1].data_type == "s"
    scale = meat["Barème"]
    col = columns(scale)
    assert {c.number_format for c in scale[4]} >= {MONEY, WEIGHT}


def test_columns_are_as_wide_as_what_they_hold(meat):
    lines = meat["Par foyer"]
    col = columns(lines)
    for name, c in col.items():
        assert 8 <= width(lines, c) <= 62, name
        longest = max(len(str(lines.cell(r, c).value or "")) for r in range(4, lines.max_row))
        if name in ("Email", "Libellé", "Foyer", "Téléphone"):
            assert width(lines, c) == longest + 2, name
    assert width(lines, col["Vente"]) == len("2026-12") + 2  # the code, not a default width
    # a long heading in A1 flows over the empty cells beside it: it does not widen column A
    assert width(meat["À apporter"], 1) < len(meat["À apporter"]["A1"].value)


def test_text_people_read_is_typeset_the_french_way(meat):
    totals = meat["À apporter"]
    assert totals["A1"].value == ("Ferme des Trois Chênes — Vente de décembre — "
                                  f"vendredi{NBSP}11{NBSP}décembre{NBSP}2026")
    labels = {r[1].value for r in totals.iter_rows(min_row=4, max_row=totals.max_row - 1)}
    assert f"Rôti de porc la pièce (1,2{NBSP}kg environ)" in labels
    lines = meat["Par foyer"]
    col = columns(lines)
    row = next(r for r in lines.iter_rows(min_row=4) if r[col["Produit"] - 1].value == "VIA1")
    assert row[col["Libellé"] - 1].value == f"Rôti de porc la pièce (1,2{NBSP}kg environ)"
    assert row[col["Téléphone"] - 1].value.count(" ") == 4  # « 06 10 00 00 01 »: a phone keeps its spaces
    assert NBSP not in row[col["Email"] - 1].value + row[col["Vente"] - 1].value


def test_a_question_in_a_label_gets_its_narrow_space_in_the_xlsx_not_in_the_csv(cat, config):
    b = book({SALE: {"martine.ducloux@example.org": {"PAIN1": 1}}}, cat)
    b.lines.loc[:, "label"] = "Pain surprise ? 1 kg"
    ws = load_workbook(io.BytesIO(producer_spreadsheet(b, cat, SALE, "FOUR", config).content))["Par foyer"]
    assert ws.cell(4, columns(ws)["Libellé"]).value == f"Pain surprise{NNBSP}? 1{NBSP}kg"
    text = producer_spreadsheet(b, cat, SALE, "FOUR", config, fmt="csv").content.decode("utf-8-sig")
    assert "Pain surprise ? 1 kg" in text and NBSP not in text and NNBSP not in text
    assert ";1;" in text and ";4,50;" in text  # quantities and amounts: plain numbers, French decimal comma


def test_a_name_that_looks_like_a_formula_stays_text_once_typeset(cat, config):
    b = book({SALE: {"x@example.org": {"PAIN1": 1}}}, cat)
    b.households.loc[:, "last_name"] = '=HYPERLINK("http://evil") ?'
    b.households.loc[:, "first_name"] = ""
    b.lines.loc[:, "label"] = "=1+1 : pain"
    ws = load_workbook(io.BytesIO(producer_spreadsheet(b, cat, SALE, "FOUR", config).content))["Par foyer"]
    col = columns(ws)
    name, label = ws.cell(4, col["Foyer"]), ws.cell(4, col["Libellé"])
    assert name.data_type == "s" and name.quotePrefix and name.value == f'=HYPERLINK("http://evil"){NNBSP}?'
    assert label.data_type == "s" and label.quotePrefix and label.value == f"=1+1{NNBSP}: pain"


def test_the_total_s_column_fits_the_total(meat):
    lines = meat["Par foyer"]
    col = columns(lines)["Montant"]
    total = sum(lines.cell(r, col).value for r in range(4, lines.max_row))  # 258,50 €, wider than any line
    assert width(lines, col) >= len(f"{total:,.2f} €") + 2
