"""The ``Émargement`` tab: one row per sale and household, an amount per producer, the total, and the
``Payé`` / ``Remarques`` columns that volunteers fill in and that survive every rewrite.

``sign_off_frame`` builds the tool's part; ``sign_off_grid`` lays it over the tab as it was, carrying
over what people typed (``sheet.carry_over``). The producer columns come and go with the orders, so
the old tab's producer columns are recognised as the tool's own before carrying over: otherwise a
producer who no longer has orders would leave a stale column behind, taken for one a person added
(``tests/test_lists_sign_off.py``).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from .. import sheet
from ..catalogue import Catalogue
from ..households import list_key
from ..orderbook import OrderBook
from ..orders.frames import values
from ..sheet import Grid
from ..values import fold, is_blank, parse_price
from .tables import ZERO, handed_over, holder, households_by_key

FIXED_BEFORE = ["Vente", "Nom", "Email", "Téléphone"]
FIXED_AFTER = ["Total", "Payé", "Remarques"]


def producer_columns(catalogue: Catalogue, codes: list[str]) -> dict[str, str]:
    """The column title of each producer: its name, or « name (CODE) » when two names clash or a name
    is one of the fixed columns."""
    names = {}
    for code in codes:
        match = catalogue.producers[catalogue.producers["code"] == code]
        names[code] = (match.iloc[0]["name"] if not match.empty else "") or code
    taken = {fold(c) for c in FIXED_BEFORE + FIXED_AFTER}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[fold(name)] = counts.get(fold(name), 0) + 1
    return {code: (f"{name} ({code})" if counts[fold(name)] > 1 or fold(name) in taken else name)
            for code, name in names.items()}


def _sales_in_order(book: OrderBook, catalogue: Catalogue, sales: list[str] | None) -> list[str]:
    """The sales to show, the most recent distribution first (the one at hand is at the top)."""
    codes = list(dict.fromkeys(sales if sales is not None else book.lines["sale"]))
    when = {s.code: s.distribution for s in catalogue.sales.itertuples(index=False)}
    dated = sorted((c for c in codes if when.get(c) is not None), key=lambda c: when[c], reverse=True)
    return dated + sorted(c for c in codes if when.get(c) is None)


def sign_off_frame(book: OrderBook, catalogue: Catalogue, sales: list[str] | None = None) -> pd.DataFrame:
    """The Émargement tab as the tool writes it (``Payé`` and ``Remarques`` blank).

    ``sales``: the sale codes to include (default: every sale with orders in the book), the latest
    distribution first; within a sale, households alphabetically by last name. Only households
    with something to collect appear. Amounts are ``Decimal`` (estimates where sold by weight and
    not weighed yet); a producer a household bought nothing from is a blank cell.
    """
    codes = _sales_in_order(book, catalogue, sales)
    collected = _collected(book)
    per_sale = {code: collected.get(code, {}) for code in codes}
    present = {producer for households in per_sale.values() for entry in households.values()
               for producer in entry["amounts"]}
    order = list(catalogue.producers["code"])
    producers = [c for c in order if c in present] + sorted(present - set(order))
    titles = producer_columns(catalogue, producers)
    columns = [*FIXED_BEFORE, *titles.values(), *FIXED_AFTER]
    rows = []
    for code in codes:
        # households alphabetically by last name (accents and case aside), as the lists sort them
        households = sorted(per_sale[code].items(), key=lambda item: (list_key(item[1]["Nom"]), item[0]))
        for email, entry in households:
            amounts = entry["amounts"]
            row = {"Vente": code, "Nom": entry["Nom"], "Email": email, "Téléphone": entry["Téléphone"]}
            for producer in producers:
                row[titles[producer]] = amounts.get(producer, "")
            row.update({"Total": sum(amounts.values(), ZERO), "Payé": "", "Remarques": ""})
            rows.append(row)
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _collected(book: OrderBook) -> dict[str, dict[str, dict]]:
    """What each household collects in each sale, by producer: sale -> email -> {"Nom" (last name first),
    "Téléphone", "amounts": {producer: Decimal}}, from the lines handed over (``tables.sale_lines``' rule).
    One pass over the whole book: the tab holds every sale ever held (ten years are 120 sales)."""
    people = households_by_key(book.households)
    found: dict[str, dict[str, dict]] = {}
    for sale, email, name, producer, allocated, amount in values(book.lines, "sale", "email", "name", "producer",
                                                                 "allocated", "amount"):
        household = people.get((sale, email))
        if not handed_over(allocated, household):
            continue
        entry = found.setdefault(sale, {}).get(email)
        if entry is None:
            who = holder(household, name, email)
            entry = found[sale][email] = {"Nom": who.sort_name, "Téléphone": who.phone, "amounts": {}}
        amounts = entry["amounts"]
        amounts[producer] = amounts.get(producer, ZERO) + Decimal(amount)
    return found


def _tool_columns(old: list[list], catalogue: Catalogue) -> set[int]:
    """Positions of the old tab's producer columns (the tool's, rewritten each time): a header naming
    a producer of the catalogue, or a column between Téléphone and Total holding only amounts."""
    header = [str(h).strip() for h in old[0]]
    folded = [fold(h) for h in header]
    known = set()
    for p in catalogue.producers.itertuples(index=False):
        known |= {fold(p.name), fold(p.code), fold(f"{p.name} ({p.code})")}
    positions = {i for i, h in enumerate(folded) if h and h in known}
    if fold("Téléphone") in folded and fold("Total") in folded:
        start, end = folded.index(fold("Téléphone")), folded.index(fold("Total"))
        for i in range(start + 1, end):
            if i in positions:
                continue  # named after a producer: the tool's already, no need to read its cells
            cells = [row[i] for row in old[1:] if i < len(row) and not is_blank(row[i])]
            if all(parse_price(c).ok for c in cells):
                positions.add(i)
    return positions


def sign_off_grid(old: Grid | None, book: OrderBook, catalogue: Catalogue,
                  sales: list[str] | None = None) -> Grid:
    """The Émargement tab to write: the tool's rows, with what people typed carried over by (Vente,
    Email). ``old`` is the tab as read in this run's snapshot (``snapshot.grid(sheet.SIGN_OFF)``)."""
    frame = sign_off_frame(book, catalogue, sales)
    old_rows = sheet.trim(old)
    if old_rows:
        dropped = _tool_columns(old_rows, catalogue)
        old_rows = [[v for i, v in enumerate(row) if i not in dropped] for row in old_rows]
    return sheet.frame_to_grid(sheet.carry_over(old_rows, frame, sheet.SIGN_OFF))
