"""Text people typed is never a formula in a file the tool writes: one rule for every spreadsheet and CSV.

A name typed in the form (``=HYPERLINK("http://…";"Cliquez")``, ``+cmd|' /C calc'!A0``, ``@SUM(…)``) would run
when a coordinator or a producer opens the file. What counts as "looks like a formula" is the OWASP advice on
CSV injection: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.

- CSV (``csv_text``): such text gets a leading apostrophe, which Excel and LibreOffice show as text (the
  apostrophe is visible in a plain text editor: the price of a file that no spreadsheet runs).
- xlsx written with openpyxl (``as_text``): the cell is a text cell (openpyxl would otherwise write a string
  starting with ``=`` as a formula) with Excel's "quote prefix", so that editing the cell keeps it text.
  The local workbook's own writer (``stores/xlsx_patch.py``) writes every string as an inline text cell, which no
  spreadsheet takes for a formula: the same rule, already.
- PDF lists are not spreadsheets: their text is escaped HTML (Jinja2's autoescape), nothing runs in it.

Used by the local store (``stores/local.py``), the printable lists (``lists/render.py``) and ``paniers plan``.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return type(value) is str and value[:1] in FORMULA_START


def csv_text(text: str) -> str:
    """A text field of a CSV file, neutralised."""
    return "'" + text if text[:1] in FORMULA_START else text


def as_text(cell) -> None:
    """An openpyxl cell whose text looks like a formula, written and kept as text."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
