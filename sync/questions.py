"""How a product is named in the order form, and recognised back in the form's answer columns.

The form names each product ``CODE · name packaging — price``, as a question or as a row of its
producer's grid question; Google Forms writes a grid row's answers under ``Question [Row]``.
The orders intake finds the product by its code, the first word of the question title or of the
grid row title. Both directions live here so that they cannot drift apart.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .values import money

_GRID = re.compile(r"^(?P<question>.*?)\s*\[(?P<row>.*)\]\s*$", re.DOTALL)
_FIRST_WORD = re.compile(r"^[\s\"'«]*(?P<code>[^\s·\-—:,;()\[\]]+)")


def question_title(code: str, name: str, packaging: str, price: Decimal, by_weight: bool = False,
                   avg_weight: Decimal | None = None, limited: bool = False) -> str:
    """``PAIN1 · Pain de campagne 1 kg — 4,50 €``; by weight: ``… — 16,50 €/kg, environ 19,80 €``."""
    label = f"{code} · {name}" + (f" {packaging}" if packaging else "")
    if by_weight and avg_weight:
        label += f" — {money(price)}/kg, environ {money(price * avg_weight)}"
    else:
        label += f" — {money(price)}"
    if limited:
        label += " (limité)"
    return label


def grid_header(question: str, row: str) -> str:
    """The answer column Google Forms makes for one row of a grid question."""
    return f"{question} [{row}]"


def product_code(header: str) -> str | None:
    """The product code an answer column names: the first word of the grid row, else of the question."""
    text = str(header).strip()
    match = _GRID.match(text)
    if match:
        text = match.group("row")
    first = _FIRST_WORD.match(text)
    return first.group("code").upper() if first else None
