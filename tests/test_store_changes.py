"""``Changes.without_unchanged``: a run that finds nothing new writes nothing, and a run that changes one cell
writes that tab (``sync/stores/base.py::same_grid``, with its fast path for rows equal as lists)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sync.sheet import Kept
from sync.stores.base import Changes, same_grid

HEADER = ["Vente", "Email", "Quantité", "Montant", "Payé"]
READ = [HEADER, ["2026-12", "a@example.org", 2, 9, True], ["2026-12", "b@example.org", 1, 4.5]]


@pytest.mark.parametrize("new", [
    [HEADER, ["2026-12", "a@example.org", 2, 9, True], ["2026-12", "b@example.org", 1, 4.5]],  # the same
    [HEADER, ["2026-12", "a@example.org", 2.0, 9.0, True], ["2026-12", "b@example.org", 1, 4.5, ""]],  # 2 and 2.0
    [HEADER, ["2026-12", "a@example.org", 2, Decimal("9.00"), Kept(True)], ["2026-12", "b@example.org", 1, 4.5, None],
     ["", "", None]],  # as the tool builds them: Decimal, a person's checkbox, trailing blanks and an empty row
])
def test_the_same_cells_are_the_same_grid(new):
    assert same_grid(READ, new)
    assert not Changes(replace={"Commandes": new}).without_unchanged({"Commandes": READ}).replace


@pytest.mark.parametrize("new", [
    [HEADER, ["2026-12", "a@example.org", 3, 9, True], ["2026-12", "b@example.org", 1, 4.5]],  # one quantity
    [HEADER, ["2026-12", "a@example.org", 2, 9, True]],  # a row less
    [HEADER, ["2026-12", "a@example.org", 2, 9, True], ["2026-12", "b@example.org", 1, 4.5],
     ["2026-12", "c@example.org", 1, 4.5]],  # a row more
    [HEADER, ["2026-12", "a@example.org", 2, 9, "oui"], ["2026-12", "b@example.org", 1, 4.5]],  # a checkbox now text
    [HEADER, ["2026-12", "a@example.org", 2, 9, True], ["2026-12", "b@example.org", 1, 4.5, "payé"]],  # typed in
])
def test_one_cell_changed_is_a_tab_to_write(new):
    assert not same_grid(READ, new)
    assert Changes(replace={"Commandes": new}).without_unchanged({"Commandes": READ}).replace == {"Commandes": new}


def test_a_missing_tab_is_always_written():
    assert not same_grid(None, [HEADER])
