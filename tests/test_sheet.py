"""The sheet contract: headers matched loosely, rows numbered as the sheet shows them, human columns kept."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd

from sync import sheet
from sync.problems import ERROR, WARNING


def test_headers_match_trimmed_case_and_accent_insensitively():
    grid = [[" code ", "NOM", "producteur", "prix", "Cloture?", "Poids moyen"], ["PAIN1", "Pain", "FOUR", "4,50"]]
    table = sheet.read_table(grid, sheet.PRODUCTS)
    record = table.frame.iloc[0]
    assert (record["Code"], record["Nom"], record["Producteur"], record["Prix"]) == ("PAIN1", "Pain", "FOUR", "4,50")
    assert "Cloture?" in table.frame.columns  # an extra column is kept under its own header
    assert "Poids moyen (kg)" in table.headers  # an alias
    assert record["Stock"] is None  # an optional column that is absent reads as empty
    assert not table.problems


def test_rows_are_numbered_as_the_sheet_shows_them_and_blank_rows_skipped():
    grid = [["Code", "Nom", "Producteur", "Prix"], ["A", "a", "P", "1"], [], ["", " ", None], ["B", "b", "P", "2"]]
    table = sheet.read_table(grid, sheet.PRODUCTS)
    assert list(table.frame["Code"]) == ["A", "B"]
    assert list(table.frame[sheet.ROW]) == [2, 5]


def test_missing_required_column_is_a_problem_naming_the_column():
    table = sheet.read_table([["Code", "Nom", "Producteur"], ["A", "a", "P"]], sheet.PRODUCTS)
    assert [(p.severity, p.column) for p in table.problems] == [(ERROR, "Prix")]
    assert "première ligne" in table.problems[0].message
    assert not table.usable


def test_duplicated_header_keeps_the_first_and_warns():
    table = sheet.read_table(
        [["Code", "Nom", "nom", "Producteur", "Prix"], ["A", "first", "second", "P", "1"]], sheet.PRODUCTS
    )
    assert table.frame.iloc[0]["Nom"] == "first"
    assert [p.severity for p in table.problems] == [WARNING]


def test_missing_tab_is_a_problem_not_a_crash():
    table = sheet.read_table(None, sheet.SALES)
    assert not table.present and table.frame.empty
    assert "introuvable" in table.problems[0].message


def test_response_tab_aliases_accept_the_english_form():
    table = sheet.read_table(
        [["Timestamp", "Email Address", "Nom"], ["01/12/2026 08:00:00", "a@b.fr", "X"]], sheet.RESPONSES
    )
    assert table.frame.iloc[0]["Horodateur"] == "01/12/2026 08:00:00"
    assert table.frame.iloc[0]["Adresse e-mail"] == "a@b.fr"


def test_find_title_is_exact_first_then_loose():
    assert sheet.find_title(["emargement", "Émargement"], "Émargement") == "Émargement"
    assert sheet.find_title(["Emargement "], "Émargement") == "Emargement "
    assert sheet.find_title(["Autre"], "Émargement") is None


def test_cells_are_plain_values():
    assert sheet.cell(Decimal("12.50")) == 12.5
    assert sheet.cell(np.int64(3)) == 3 and type(sheet.cell(np.int64(3))) is int
    assert sheet.cell(float("nan")) == ""
    assert sheet.cell(None) == ""
    assert sheet.cell(True) == "oui"
    assert sheet.cell(datetime(2026, 12, 1, 8, 0)) == "01/12/2026 08:00"
    assert sheet.cell("=1+1") == "=1+1"


def sign_off(rows):
    return pd.DataFrame(rows, columns=["Vente", "Nom", "Email", "Téléphone", "Total"], dtype=object)


def test_carry_over_keeps_what_people_typed_by_row_key():
    old = [
        ["Vente", "Nom", "Email", "Téléphone", "Total", "Payé", "Remarques", "Sac"],
        ["2026-12", "Martine", "martine@example.org", "", 12.5, "x", "chèque 123", "bleu"],
        ["2026-12", "Jérôme", "jerome@example.org", "", 8, "", "", ""],
    ]
    new = sign_off(
        [["2026-12", "Jérôme", "jerome@example.org", "", 9.0], ["2026-12", "Martine", "MARTINE@example.org ", "", 14.0]]
    )
    result = sheet.carry_over(old, new, sheet.SIGN_OFF)
    martine = result[result["Nom"] == "Martine"].iloc[0]
    assert (martine["Payé"], martine["Remarques"], martine["Sac"], martine["Total"]) == (
        "x",
        "chèque 123",
        "bleu",
        14.0,
    )
    assert result[result["Nom"] == "Jérôme"].iloc[0]["Payé"] == ""
    assert len(result) == 2


def test_carry_over_keeps_a_row_that_disappeared_when_someone_typed_in_it():
    old = [
        ["Vente", "Nom", "Email", "Téléphone", "Total", "Payé", "Remarques"],
        ["2026-12", "Martine", "martine@example.org", "", 12.5, "x", ""],
        ["2026-12", "Jérôme", "jerome@example.org", "", 8, "", ""],
    ]
    result = sheet.carry_over(old, sign_off([["2026-12", "Jérôme", "jerome@example.org", "", 8.0]]), sheet.SIGN_OFF)
    assert list(result["Nom"]) == ["Jérôme", "Martine"]
    assert result.iloc[1]["Payé"] == "x" and result.iloc[1]["Total"] == 12.5


def test_carry_over_with_no_old_tab_adds_empty_human_columns():
    result = sheet.carry_over(None, sign_off([["2026-12", "J", "j@example.org", "", 8.0]]), sheet.SIGN_OFF)
    assert list(result.columns)[-2:] == ["Payé", "Remarques"]


def test_align_lays_a_record_under_the_actual_header():
    header = ["Prénom", "Adresse e-mail", "Notes", "Abonné"]
    row = sheet.align(header, {"Email": "a@b.fr", "Prénom": "Ana", "Abonné": True, "Nom": "X"}, sheet.CLIENTS)
    assert row == ["Ana", "a@b.fr", "", "oui"]


def test_trim_drops_trailing_blank_cells_and_rows():
    assert sheet.trim([["a", None, ""], ["", None], []]) == [["a"]]


def test_carry_over_keeps_a_checkbox_a_checkbox():
    old = [["Vente", "Nom", "Email", "Téléphone", "Total", "Payé", "Remarques"],
           ["2026-12", "Martine", "martine@example.org", "", 12.5, True, ""]]
    new = sign_off([["2026-12", "Martine", "martine@example.org", "", 14.0]])
    grid = sheet.frame_to_grid(sheet.carry_over(old, new, sheet.SIGN_OFF))
    assert grid[1][5] is True
    assert sheet.cell(True) == "oui"  # the tool's own yes/no columns are written as words
