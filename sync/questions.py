"""How a product is named in the order form, and recognised back in the form's answer columns.

The form names each product ``CODE · name packaging — price``, as a question or as a row of its
producer's grid question; Google Forms writes a question's answers under its title verbatim, and a
grid row's answers under ``Question [Row]``. The orders intake finds the product by its code, the
first word of the question title or of the grid row title. Both directions live here so that they
cannot drift apart; ``tests/test_forms_roundtrip.py`` checks them against each other with generated
names (accents, brackets, dashes, ``·``, emoji).

Two rules make the round trip hold for any name: a title never contains square brackets (a name's
``[``/``]`` are shown as ``(``/``)``), so the row of ``Question [Row]`` is always the last bracketed
group, whatever the question (a producer's name) contains; and a code may contain dashes
(``LEG-1``), so the code is the first word up to a space or a separator, dashes included.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal

from .values import money

# What ends a code in a title: spaces and the separators people put after a code.
_STOPS = "\\s·•—–:,;|()\\[\\]«»\"'"
_FIRST_WORD = re.compile(rf"^[\s\"'«]*(?P<code>[^{_STOPS}]+)")
_SPACES = re.compile(r"\s+")
_BRACKETS = str.maketrans({"[": "(", "]": ")"})


def clean(text: str) -> str:
    """A name as it may appear in a form title: one line, single spaces, no square brackets."""
    return _SPACES.sub(" ", str(text)).strip().translate(_BRACKETS)


def question_title(code: str, name: str, packaging: str, price: Decimal, by_weight: bool = False,
                   avg_weight: Decimal | None = None, limited: bool = False) -> str:
    """``PAIN1 · Pain de campagne 1 kg — 4,50 €``; by weight: ``… — 16,50 €/kg, environ 19,80 €``."""
    name, packaging = clean(name), clean(packaging)
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


def split_grid_header(header: str) -> tuple[str, str] | None:
    """``(question, row)`` of a ``Question [Row]`` header, else None.

    The row is the bracketed group that ends the header, found from its closing bracket backwards
    (nested brackets counted), so brackets inside the question do not matter.
    """
    text = str(header).strip()
    if not text.endswith("]"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == "]":
            depth += 1
        elif char == "[":
            depth -= 1
            if depth == 0:
                return text[:index].rstrip(), text[index + 1:-1]
    return None


def _first_word(text: str) -> str | None:
    match = _FIRST_WORD.match(text)
    return match.group("code").upper() if match else None


def _known_code(word: str | None, known: Collection[str]) -> str | None:
    """``word`` if it is a known code, else its longest known prefix cut at a dash (``PAIN1-Pain``)."""
    if not word:
        return None
    if word in known:
        return word
    parts = word.split("-")
    for end in range(len(parts) - 1, 0, -1):
        prefix = "-".join(parts[:end])
        if prefix in known:
            return prefix
    return None


def product_code(header: str, known: Collection[str] | None = None) -> str | None:
    """The product code an answer column names: the first word of the grid row, else of the question.

    With ``known`` (the catalogue's codes), only a known code is returned: the grid row's first word,
    else the question's, else None; this also reads hand-made titles such as ``PAIN1-Pain de
    campagne`` or ``PAIN1 pain [1 kg]``.
    """
    text = str(header).strip()
    grid = split_grid_header(text)
    if known is None:
        return _first_word(grid[1] if grid else text)
    known = {str(code).upper() for code in known}
    candidates = [grid[1], grid[0]] if grid else [text]
    for candidate in candidates:
        code = _known_code(_first_word(candidate), known)
        if code:
            return code
    return None
