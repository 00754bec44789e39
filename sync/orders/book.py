"""The current orders: each household's latest submission per sale, its status, what it was
granted after stock allocation, and what it will pay each producer.

Pure: submissions and the catalogue in, an ``OrderBook`` (``sync/orderbook.py``) out. The frames are
sorted so that a person can read them: by sale (in calendar order), household name, producer and
product (in the order of the Producteurs and Produits tabs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .. import households
from .. import problems as pb
from ..catalogue import Catalogue
from ..orderbook import CANCELLED, HOUSEHOLD_COLUMNS, LINE_COLUMNS, MODIFIED, NEW, OrderBook
from ..values import CENT, fold
from .allocation import allocate
from .frames import records
from .intake import Submission, submissions_frame, who


def label(product: dict) -> str:
    """« Pain de campagne 1 kg »: the name and the packaging."""
    return " ".join(p for p in (product["name"], product["packaging"]) if p) or product["code"]


def amount(allocated: int, product: dict) -> tuple[Decimal, bool]:
    """What ``allocated`` units cost, to the cent, and whether it is an estimate (sold by weight)."""
    price = product["price"]
    if product["by_weight"]:
        value = Decimal(allocated) * product["avg_weight"] * price
        return value.quantize(CENT, rounding=ROUND_HALF_UP), True
    return (Decimal(allocated) * price).quantize(CENT, rounding=ROUND_HALF_UP), False


def display_name(first_name: str, last_name: str, email: str) -> str:
    """« Anne Aubert », else the address (``households.display_name``: the one rule for names)."""
    return households.display_name(first_name, last_name, email)


def status(submissions: list[Submission]) -> str:
    """Cancelled when the latest has no product; modified when the submissions did not all say the same."""
    if not submissions[-1].lines:
        return CANCELLED
    return MODIFIED if len({s.lines for s in submissions}) > 1 else NEW


class Order:
    """How the catalogue orders sales, producers and products, for sorting what people read."""

    def __init__(self, catalogue: Catalogue):
        sales = catalogue.sales.sort_values("opens", kind="stable") if not catalogue.sales.empty else catalogue.sales
        self.sales = {code: i for i, code in enumerate(sales["code"])}
        self.producers = {code: i for i, code in enumerate(catalogue.producers["code"])}
        self.products = {code: i for i, code in enumerate(catalogue.products["code"])}

    def sale(self, code: str) -> tuple:
        return (self.sales.get(code, len(self.sales)), code)

    def producer(self, code: str) -> tuple:
        return (self.producers.get(code, len(self.producers)), code)

    def product(self, code: str) -> tuple:
        return (self.products.get(code, len(self.products)), code)


def assemble(submissions: Iterable[Submission], catalogue: Catalogue,
             problems: Iterable[pb.Problem] = ()) -> OrderBook:
    """The order book of every sale, from the whole history of submissions."""
    submissions = sorted(submissions, key=lambda s: s.key)
    products = {row["code"]: row for row in records(catalogue.products)}
    stock = {code: p["stock"] for code, p in products.items()}
    allocated = allocate(submissions, stock)
    order = Order(catalogue)
    found = list(problems)

    histories: dict[tuple[str, str], list[Submission]] = {}
    for submission in submissions:
        histories.setdefault((submission.sale, submission.email), []).append(submission)

    arrived = []  # in the order of their first submission
    for (sale, email), history in histories.items():
        first_name = _latest_filled(history, "first_name")
        last_name = _latest_filled(history, "last_name")
        arrived.append(_Household(sale, email, first_name, last_name, display_name(first_name, last_name, email),
                                  history))
    # Households by sale, name and address; each one's lines by producer and product. A household is
    # one (sale, address), so this is the order of the lines too: sorting the households once (and each
    # household's few lines) is much cheaper than sorting every line by the whole key.
    households = sorted(arrived, key=lambda h: (order.sale(h.sale), fold(h.name), h.email))

    facts = _ProductFacts(products, order)
    household_rows, lines = [], []
    for household in households:
        sale, email, name, history = household.sale, household.email, household.name, household.history
        latest = history[-1]
        state = status(history)
        total = Decimal("0.00")
        for code, requested in sorted(latest.lines, key=lambda line: facts.rank(line[0])):
            producer, label_, price, by_weight, avg_weight = facts.line(code)
            granted = allocated.get((sale, email, code), 0)
            value, estimated = facts.amount(code, granted)
            total += value
            lines.append([sale, email, name, producer, code, label_, requested, granted, price, by_weight, avg_weight,
                          None, value, estimated, state, latest.submitted_at])
        household_rows.append([
            sale, email, household.first_name, household.last_name, name, _latest_filled(history, "phone"),
            latest.comment, state, latest.submitted_at, history[0].submitted_at, len(history), latest.source, total,
        ])
    # what the stock cut, household by household in the order they arrived, product by product
    for household in arrived:
        latest = household.history[-1]
        for code, requested in latest.lines:
            granted = allocated.get((household.sale, household.email, code), 0)
            if granted < requested:
                found.append(_cut(latest, products[code], requested, granted,
                                  who(household.first_name, household.last_name, household.email)))
    return OrderBook(
        submissions_frame(submissions),
        pd.DataFrame(household_rows, columns=HOUSEHOLD_COLUMNS, dtype=object),
        pd.DataFrame(lines, columns=LINE_COLUMNS, dtype=object),
        found,
    )


@dataclass
class _Household:
    sale: str
    email: str
    first_name: str
    last_name: str
    name: str
    history: list[Submission]  # its submissions in this sale, in replay order


class _ProductFacts:
    """What every line of a product shares, worked out once per product (and per quantity granted)."""

    def __init__(self, products: dict[str, dict], order: Order):
        self.products = products
        self.order = order
        self._lines: dict[str, tuple] = {}
        self._ranks: dict[str, tuple] = {}
        self._amounts: dict[tuple[str, int], tuple[Decimal, bool]] = {}

    def line(self, code: str) -> tuple:
        """A line's producer, label, unit price, by weight and expected weight (by weight only)."""
        if code not in self._lines:
            product = self.products[code]
            by_weight = bool(product["by_weight"])
            self._lines[code] = (product["producer"], label(product), product["price"], by_weight,
                                 product["avg_weight"] if by_weight else None)
        return self._lines[code]

    def rank(self, code: str) -> tuple:
        """Where a product's lines go in a household's order: by producer, then product (catalogue order)."""
        if code not in self._ranks:
            self._ranks[code] = (self.order.producer(self.products[code]["producer"]), self.order.product(code))
        return self._ranks[code]

    def amount(self, code: str, granted: int) -> tuple[Decimal, bool]:
        key = (code, granted)
        if key not in self._amounts:
            self._amounts[key] = amount(granted, self.products[code])
        return self._amounts[key]


def _latest_filled(history: list[Submission], attribute: str) -> str:
    """The latest non-blank value (a resubmission that leaves the phone blank keeps the earlier one)."""
    for submission in reversed(history):
        value = getattr(submission, attribute)
        if value:
            return value
    return ""


def _cut(latest: Submission, product: dict, requested: int, granted: int, household: str) -> pb.Problem:
    row, column = latest.where.get(product["code"], (latest.row, ""))
    stock = product["stock"]
    what = f"{product['code']} ({label(product)})"
    got = "rien ne lui est attribué" if not granted else f"{granted} lui " + ("sont attribués" if granted > 1
                                                                             else "est attribué")
    return pb.warning(
        latest.tab, row, column,
        f"stock épuisé pour {what}, limité à {stock} dans cette vente : {household} en a demandé {requested}, "
        f"{got}. Prévenez ce foyer (ou augmentez le stock dans l'onglet Produits).",
        str(requested), latest.sale)
