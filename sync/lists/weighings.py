"""Weights entered after the distribution (the ``Pesées`` tab) turn estimated amounts into final ones.

A product sold by weight is ordered by the unit (« 1 rôti, 1,2 kg environ ») and paid by the
kilo: until it is weighed, its amount is an estimate. A producer (or the coordinator) types the
weight of each line in ``Pesées`` — one row per sale, household and product, ``Poids (kg)`` being
the weight of the whole line — and ``apply_weights`` replaces the estimate by weight × price per
kg for those lines, and only those. A weight that cannot be used is a problem, never a crash,
and leaves the estimate as it was.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .. import problems as pb
from .. import sheet
from ..households import parse_key
from ..orderbook import OrderBook
from ..orders.frames import records, rows, values
from ..questions import product_code
from ..sheet import ROW, Grid, Table
from ..stores.base import Append
from ..values import CENT, fold, is_blank, number, parse_code, parse_weight, show

TAB = sheet.WEIGHINGS.name
# A weight this many times off the expected one is taken for a slip (grams typed as kilos): not applied.
IMPLAUSIBLE = Decimal(10)
# A weight this many times off is applied, with a warning to look at it again.
SURPRISING = Decimal(2)

CHANGE_COLUMNS = ["sale", "email", "name", "before", "after", "estimated"]


def final_amount(weight: Decimal, unit_price: Decimal) -> Decimal:
    return (Decimal(weight) * Decimal(unit_price)).quantize(CENT, rounding=ROUND_HALF_UP)


def _header(table: Table, column: str) -> str:
    return table.headers.get(column, column)


def read_weights(table: Table, book: OrderBook) -> tuple[dict[tuple[str, str, str], tuple[Decimal, int]],
                                                         list[pb.Problem]]:
    """The usable weights of the tab, by (sale, email, product): (kg, row). A blank weight is a row
    still to fill in, not a problem."""
    problems: list[pb.Problem] = []
    found: dict[tuple[str, str, str], tuple[Decimal, int]] = {}
    if not table.present or table.frame.empty:
        return found, problems
    lines = {(r.sale, r.email, r.product): r for r in rows(book.lines)}
    ordered = {(sale, email) for sale, email, _ in lines}  # who ordered in which sale, looked up per row
    sales = set(book.lines["sale"]) | set(book.households["sale"])
    for record in records(table.frame):
        row = record[ROW]
        raw_weight = record.get("Poids (kg)")
        if is_blank(raw_weight):
            continue
        sale = parse_code(record.get("Vente")).value
        email_parsed = parse_key(record.get("Email"))
        raw_product = record.get("Produit")
        code = product_code(str(raw_product)) if not is_blank(raw_product) else None
        weight = parse_weight(raw_weight)

        def problem(column: str, message: str, value, severity=pb.ERROR, sale=sale, row=row) -> None:
            problems.append(pb.Problem(severity, TAB, row, _header(table, column), message, show(value), sale or ""))

        if not sale:
            problem("Vente", "vente manquante : indiquez le code de la vente (ex. 2026-12)", "")
            continue
        if sale not in sales:
            problem("Vente", "aucune commande pour cette vente : vérifiez le code de la vente", record.get("Vente"))
            continue
        if not email_parsed.ok:
            problem("Email", email_parsed.error, record.get("Email"))
            continue
        email = email_parsed.value
        if not code:
            problem("Produit", "produit manquant : indiquez le code du produit (ex. VIA1)", "")
            continue
        if not weight.ok:
            problem("Poids (kg)", weight.error, raw_weight)
            continue
        if weight.value <= 0:
            problem("Poids (kg)", "poids nul ou négatif : indiquez le poids pesé en kg, par exemple 1,25", raw_weight)
            continue
        if (sale, email) not in ordered:
            problem("Email", "ce foyer n'a pas de commande dans cette vente : vérifiez l'adresse", email)
            continue
        line = lines.get((sale, email, code))
        if line is None or not line.allocated:
            problem("Produit", "ce foyer n'a pas commandé ce produit dans cette vente : vérifiez le code",
                    raw_product)
            continue
        if not line.by_weight:
            problem("Produit", "ce produit n'est pas vendu au poids : le poids est ignoré, le prix reste celui "
                    "de l'unité", raw_product, pb.WARNING)
            continue
        value = Decimal(weight.value)
        expected = Decimal(line.avg_weight) * line.allocated if line.avg_weight else None
        if expected and (value > expected * IMPLAUSIBLE or value * IMPLAUSIBLE < expected):
            problem("Poids (kg)", f"poids invraisemblable pour {line.allocated} × {line.label} (environ "
                    f"{_kg(expected)} attendus) : le poids s'écrit en kilos, par exemple 1,25 ; l'estimation est "
                    "gardée", raw_weight)
            continue
        if expected and (value > expected * SURPRISING or value * SURPRISING < expected):
            problem("Poids (kg)", f"poids surprenant pour {line.allocated} × {line.label} (environ "
                    f"{_kg(expected)} attendus) : vérifiez-le ; il est pris en compte", raw_weight, pb.WARNING)
        key = (sale, email, code)
        if key in found:
            problem("Poids (kg)", f"pesée en double (déjà ligne {found[key][1]}) : c'est la dernière ligne "
                    "qui compte", raw_weight, pb.WARNING)
        found[key] = (value, row)
    return found, problems


def _kg(value: Decimal) -> str:
    return f"{number(value.quantize(Decimal('0.001')).normalize())} kg"


def apply_weights(book: OrderBook, table: Table) -> tuple[OrderBook, list[pb.Problem]]:
    """A new order book where each line weighed in ``Pesées`` has its final amount (weight × price per
    kg, ``estimated`` False, ``weight`` set) and each household's ``amount`` is the sum of its lines
    again. Lines not weighed are left exactly as they were. The book given is not modified."""
    weights, problems = read_weights(table, book)
    if not weights:
        return book, problems
    # The three columns a weight changes, as lists: set line by line, then put back whole (a frame
    # updated cell by cell, and filtered again for each household, took seconds for a big sale).
    lines = book.lines.copy()
    weight, amount, estimated = (lines[column].tolist() for column in ("weight", "amount", "estimated"))
    touched = set()
    for position, (sale, email, product, by_weight, unit_price) in enumerate(
            values(lines, "sale", "email", "product", "by_weight", "unit_price")):
        found = weights.get((sale, email, product))
        if found is None or not by_weight:
            continue
        weight[position] = found[0]
        amount[position] = final_amount(found[0], unit_price)
        estimated[position] = False
        touched.add((sale, email))
    for column, column_values in (("weight", weight), ("amount", amount), ("estimated", estimated)):
        lines[column] = pd.Series(column_values, index=lines.index, dtype=object)
    totals: dict[tuple[str, str], Decimal] = {}  # each weighed household's amount: the sum of its lines again
    for sale, email, line_amount in values(lines, "sale", "email", "amount"):
        if (sale, email) in touched:
            totals[(sale, email)] = totals.get((sale, email), Decimal(0)) + Decimal(line_amount)
    households = book.households.copy()
    household_amounts = households["amount"].tolist()
    for position, key in enumerate(zip(households["sale"].tolist(), households["email"].tolist(), strict=True)):
        if key in touched:
            household_amounts[position] = totals.get(key, Decimal(0))
    households["amount"] = pd.Series(household_amounts, index=households.index, dtype=object)
    return OrderBook(book.submissions, households, lines, [*book.problems, *problems]), problems


def changed_amounts(before: OrderBook, after: OrderBook, sale: str | None = None) -> pd.DataFrame:
    """The households whose amount changed between two books (typically: before and after
    ``apply_weights``), for the « montants définitifs » email: sale, email, name, amount before and
    after, and whether some of it is still an estimate (a line not weighed yet)."""
    def totals(book: OrderBook) -> dict[tuple[str, str], Decimal]:
        lines = book.lines if sale is None else book.lines[book.lines["sale"] == sale]
        out: dict[tuple[str, str], Decimal] = {}
        for line in lines.itertuples(index=False):
            out[(line.sale, line.email)] = out.get((line.sale, line.email), Decimal(0)) + Decimal(line.amount)
        return out

    old, new = totals(before), totals(after)
    names = {(h.sale, h.email): h.name for h in after.households.itertuples(index=False)}
    still = {(r.sale, r.email) for r in after.lines.itertuples(index=False) if r.estimated and r.allocated}
    rows = [
        {"sale": key[0], "email": key[1], "name": names.get(key, key[1]), "before": old.get(key, Decimal(0)),
         "after": new.get(key, Decimal(0)), "estimated": key in still}
        for key in sorted(set(old) | set(new))
        if old.get(key, Decimal(0)) != new.get(key, Decimal(0))
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS, dtype=object)


def rows_to_weigh(book: OrderBook, grid: Grid | None, sale: str) -> Append:
    """Rows to append to ``Pesées`` for a sale: one per line sold by weight that has no row yet, with
    the weight left blank for the producer to fill in (meant for the closing of a sale). Rows already
    there, filled or not, are never touched. ``grid`` is the tab as read (``snapshot.grid(sheet.WEIGHINGS)``),
    so that the rows are laid out under its actual header."""
    rows_now = sheet.trim(grid)
    header = [str(h) for h in rows_now[0]] if rows_now and any(not is_blank(h) for h in rows_now[0]) \
        else sheet.WEIGHINGS.header
    table = sheet.read_table([header, *rows_now[1:]], sheet.WEIGHINGS)
    present = set()
    for record in table.frame.to_dict("records"):
        code = product_code(str(record.get("Produit"))) if not is_blank(record.get("Produit")) else None
        present.add((parse_code(record.get("Vente")).value, parse_key(record.get("Email")).value, code))
    lines = book.lines[(book.lines["sale"] == sale)]
    households = {h.email: h for h in book.households[book.households["sale"] == sale].itertuples(index=False)}
    rows = []
    for line in sorted(lines.itertuples(index=False), key=lambda r: (r.producer, r.product, fold(r.name))):
        if not line.by_weight or not line.allocated or (line.sale, line.email, line.product) in present:
            continue
        household = households.get(line.email)
        name = household.name if household is not None else line.name
        record = {"Vente": line.sale, "Email": line.email, "Nom": name, "Produit": line.product,
                  "Libellé": line.label, "Quantité": line.allocated}
        rows.append(sheet.align(header, record, sheet.WEIGHINGS))
    return Append(sheet.WEIGHINGS.header, rows)
