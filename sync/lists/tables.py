"""What each person holds in their hands at the distribution, as plain tables.

Pure functions from the order book, the catalogue and a sale code to DataFrames and small
dataclasses: a producer's list (what to bring, what to hand to whom, what to collect), a
household's statement (what it pays each producer, and how), a producer's collection sheet.
Nothing here renders or writes anything; ``render`` turns these into PDFs and spreadsheets.

Only lines with an allocated quantity count: a line cut to zero by stock is neither brought nor
paid. Amounts are ``Decimal``; for products sold by weight the amount is an estimate until the
line has been weighed (``estimated``), and ``weight`` is then the weight entered in ``Pesées``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import pandas as pd

from ..catalogue import Catalogue
from ..households import list_key, list_name
from ..orderbook import CANCELLED, OrderBook
from ..orders.frames import rows
from ..values import CENT, fold

ZERO = Decimal("0")

# One row per household and product line of a sale, everything a document shows about it.
DOC_LINE_COLUMNS = [
    "email", "name", "sort_name", "phone", "producer", "product", "label", "quantity", "by_weight",
    "unit_price", "weight", "weighed", "amount", "estimated",
]
# One row per product of a producer in a sale: what to bring.
PRODUCT_TOTAL_COLUMNS = [
    "product", "label", "quantity", "by_weight", "unit_price", "weight", "amount", "estimated", "households",
]
# One row per household of a producer (or of a sale): what to collect.
HOUSEHOLD_TOTAL_COLUMNS = ["email", "name", "sort_name", "phone", "amount", "estimated"]


@dataclass(frozen=True)
class SaleInfo:
    code: str
    title: str
    distribution: datetime | None = None
    distribution_end: datetime | None = None
    place: str = ""
    message: str = ""
    special: bool = False


@dataclass(frozen=True)
class ProducerInfo:
    code: str
    name: str
    email: str = ""
    phone: str = ""
    payments: str = ""  # « chèque, espèces » as typed in Producteurs
    cheque_payee: str = ""
    list_format: str = ""  # "xlsx", "csv", or "" for the configured default

    @property
    def accepts_cheque(self) -> bool:
        """Cheques are accepted when the producer says so, or says nothing at all (the usual case)."""
        return not self.payments or "cheque" in fold(self.payments)

    @property
    def accepts_cash(self) -> bool:
        return not self.payments or "espece" in fold(self.payments) or "liquide" in fold(self.payments)

    @property
    def payee(self) -> str:
        """Whom cheques are made out to: the Ordre des chèques, else the farm's name."""
        return self.cheque_payee or self.name

    @property
    def how_to_pay(self) -> str:
        """« chèque à l'ordre de GAEC de la Chèvrerie ou espèces », in words for a household."""
        parts = []
        if self.accepts_cheque:
            parts.append(f"chèque à l'ordre de « {self.payee} »")
        if self.accepts_cash:
            parts.append("espèces")
        other = [p.strip() for p in self.payments.replace(";", ",").split(",")
                 if p.strip() and not any(w in fold(p) for w in ("cheque", "espece", "liquide"))]
        parts.extend(other)
        return " ou ".join(parts) if parts else self.payments


def sale_info(catalogue: Catalogue, sale_code: str) -> SaleInfo:
    """The sale as documents show it (a sale no longer in the calendar still gets a title)."""
    sale = catalogue.sale(sale_code)
    if sale is None:
        return SaleInfo(sale_code, f"Vente {sale_code}")
    return SaleInfo(sale["code"], sale["title"] or f"Vente {sale_code}", sale["distribution"],
                    sale["distribution_end"], sale["place"] or "", sale["message"] or "", bool(sale["special"]))


def producer_info(catalogue: Catalogue, code: str) -> ProducerInfo:
    match = catalogue.producers[catalogue.producers["code"] == code]
    if match.empty:
        return ProducerInfo(code, code)
    p = match.iloc[0]
    list_format = p["list_format"] if "list_format" in p.index else ""
    return ProducerInfo(p["code"], p["name"] or code, p["email"] or "", p["phone"] or "", p["payments"] or "",
                        p["cheque_payee"] or "", list_format or "")


def sort_name(first: str, last: str, name: str) -> str:
    """« Ducloux Martine »: how a register is sorted and read (``households.list_name``: the one rule for names)."""
    return list_name(first, last, name)


def _sort_key(text: str) -> str:
    return list_key(text)


def sale_lines(book: OrderBook, sale_code: str) -> pd.DataFrame:
    """Every line handed over in a sale (allocated > 0, household not cancelled), sorted by household
    (last name first), then producer and label, with the figures documents show."""
    lines = book.lines[(book.lines["sale"] == sale_code)]
    households = book.households[book.households["sale"] == sale_code]
    found = handover_by_sale(lines, households).get(sale_code, [])
    return pd.DataFrame(found, columns=DOC_LINE_COLUMNS, dtype=object)


def handover_by_sale(lines: pd.DataFrame, households: pd.DataFrame) -> dict[str, list[dict]]:
    """``sale_lines`` of every sale in ``lines`` (order book frames) in one pass, as plain records
    (``DOC_LINE_COLUMNS``) by sale code, each sale's in ``sale_lines``' order."""
    people = households_by_key(households)
    found: dict[str, list[dict]] = {}
    for line in rows(lines):
        household = people.get((line.sale, line.email))
        if not handed_over(line.allocated, household):
            continue
        who = holder(household, line.name, line.email)
        weighed = line.weight is not None
        weight = None
        if line.by_weight:
            if weighed:
                weight = Decimal(line.weight)
            elif line.avg_weight is not None:
                weight = Decimal(line.avg_weight) * line.allocated
        found.setdefault(line.sale, []).append({
            "email": line.email,
            "name": who.name,
            "sort_name": who.sort_name,
            "phone": who.phone,
            "producer": line.producer,
            "product": line.product,
            "label": line.label,
            "quantity": int(line.allocated),
            "by_weight": bool(line.by_weight),
            "unit_price": line.unit_price,
            "weight": weight,
            "weighed": weighed,
            "amount": line.amount,
            "estimated": bool(line.estimated),
        })
    for records in found.values():
        # households by last name (accents and case aside), then producer and label; a stable sort
        records.sort(key=lambda r: (_sort_key(r["sort_name"]), r["email"], r["producer"], _sort_key(r["label"])))
    return found


class Holder(NamedTuple):
    """The household a line is handed to, as the lists name it."""

    name: str
    sort_name: str  # last name first
    phone: str


def households_by_key(households: pd.DataFrame) -> dict[tuple[str, str], Any]:
    """The order book's households by (sale, email), as named tuples."""
    return {(h.sale, h.email): h for h in rows(households)}


def handed_over(allocated, household) -> bool:
    """Whether a line is handed over at the distribution: something was granted, and its household (a
    row of ``households_by_key``, None when it has none) did not cancel."""
    if not allocated or allocated <= 0:
        return False
    return household is None or household.status != CANCELLED


def holder(household, line_name: str, email: str) -> Holder:
    """Who collects a line: its household's name (else the line's, else the address), last name first to
    sort by, and phone."""
    first = household.first_name if household is not None else ""
    last = household.last_name if household is not None else ""
    name = (household.name if household is not None else "") or line_name or email
    phone = (household.phone if household is not None else "") or ""
    return Holder(name, sort_name(first or "", last or "", name), phone)


def _sum(values) -> Decimal:
    return sum((Decimal(v) for v in values if v is not None), ZERO)


def product_totals(lines: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """What to bring: one row per product, in the order of the Produits tab."""
    rows = []
    for product, group in lines.groupby("product", sort=False):
        first = group.iloc[0]
        weights = [w for w in group["weight"] if w is not None]
        rows.append({
            "product": product,
            "label": first["label"],
            "quantity": int(group["quantity"].sum()),
            "by_weight": bool(first["by_weight"]),
            "unit_price": first["unit_price"],
            "weight": _sum(weights) if first["by_weight"] and weights else None,
            "amount": _sum(group["amount"]),
            "estimated": bool(group["estimated"].any()),
            "households": int(group["email"].nunique()),
        })
    frame = pd.DataFrame(rows, columns=PRODUCT_TOTAL_COLUMNS, dtype=object)
    order = {}
    if catalogue is not None:
        order = {code: i for i, code in enumerate(catalogue.products["code"])}
    if not frame.empty:
        frame["_o"] = [order.get(p, len(order)) for p in frame["product"]]
        frame["_l"] = frame["label"].map(_sort_key)
        frame = frame.sort_values(["_o", "_l"], kind="stable").drop(columns=["_o", "_l"]).reset_index(drop=True)
    return frame


def household_totals(lines: pd.DataFrame) -> pd.DataFrame:
    """What to collect: one row per household, alphabetical (last name first)."""
    rows = []
    for email, group in lines.groupby("email", sort=False):
        first = group.iloc[0]
        rows.append({
            "email": email, "name": first["name"], "sort_name": first["sort_name"], "phone": first["phone"],
            "amount": _sum(group["amount"]), "estimated": bool(group["estimated"].any()),
        })
    return pd.DataFrame(rows, columns=HOUSEHOLD_TOTAL_COLUMNS, dtype=object)


@dataclass
class HouseholdBlock:
    """One household in a producer's list: what to hand over, what to collect."""

    email: str
    name: str
    sort_name: str
    phone: str
    lines: pd.DataFrame  # DOC_LINE_COLUMNS
    amount: Decimal
    estimated: bool


@dataclass
class Reckoner:
    """A ready reckoner for a product sold by weight: the price of one piece for weights around its
    average (70 % to 130 %, in round steps), so that the producer collects the right amount at the table."""

    product: str
    label: str
    unit_price: Decimal  # per kg
    avg_weight: Decimal  # kg, one unit
    rows: list[tuple[Decimal, Decimal]]  # (kg, price to the cent)


RECKONER_STEPS = [Decimal(s) for s in ("0.01", "0.02", "0.025", "0.05", "0.1", "0.2", "0.25", "0.5", "1", "2", "5")]
RECKONER_ROWS = 10  # at most: one line across the page, in steps of 50 g or 100 g for most pieces


def reckoner(product: str, label: str, unit_price: Decimal, avg_weight: Decimal) -> Reckoner:
    """Weights from 70 % to 130 % of ``avg_weight`` in the smallest round step that gives at most
    ``RECKONER_ROWS`` rows; each with its price (weight × price per kg, to the cent, half up)."""
    low, high = avg_weight * Decimal("0.7"), avg_weight * Decimal("1.3")
    for step in RECKONER_STEPS:
        first = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
        last = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
        if (last - first) / step + 1 <= RECKONER_ROWS:
            break
    weights = []
    weight = max(first, step)
    while weight <= last:
        weights.append(weight)
        weight += step
    price = Decimal(unit_price)
    return Reckoner(product, label, price, Decimal(avg_weight),
                    [(w, (w * price).quantize(CENT, rounding=ROUND_HALF_UP)) for w in weights])


def reckoners(products: pd.DataFrame, catalogue: Catalogue) -> list[Reckoner]:
    """One ``reckoner`` per product sold by weight in ``products`` (``product_totals``), in its order."""
    averages = {code: weight for code, weight in zip(catalogue.products["code"], catalogue.products["avg_weight"],
                                                     strict=True)}
    return [reckoner(p["product"], p["label"], p["unit_price"], Decimal(averages[p["product"]]))
            for p in products.to_dict("records") if p["by_weight"] and averages.get(p["product"])]


@dataclass
class ProducerList:
    """A producer's list for a sale: totals per product, then one block per household, a grand total."""

    sale: SaleInfo
    producer: ProducerInfo
    products: pd.DataFrame  # PRODUCT_TOTAL_COLUMNS
    lines: pd.DataFrame  # DOC_LINE_COLUMNS, this producer's only
    households: list[HouseholdBlock] = field(default_factory=list)
    total: Decimal = ZERO
    estimated: bool = False
    reckoners: list[Reckoner] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.lines.empty


def producers_in_sale(book: OrderBook, catalogue: Catalogue, sale_code: str) -> list[str]:
    """Codes of the producers with something handed over in a sale, in the order of the Producteurs tab."""
    present = set(sale_lines(book, sale_code)["producer"])
    order = list(catalogue.producers["code"])
    return [c for c in order if c in present] + sorted(present - set(order))


def producer_list(book: OrderBook, catalogue: Catalogue, sale_code: str, producer_code: str) -> ProducerList:
    lines = sale_lines(book, sale_code)
    mine = lines[lines["producer"] == producer_code].reset_index(drop=True)
    blocks = []
    for email, group in mine.groupby("email", sort=False):
        first = group.iloc[0]
        blocks.append(HouseholdBlock(email, first["name"], first["sort_name"], first["phone"],
                                     group.reset_index(drop=True), _sum(group["amount"]),
                                     bool(group["estimated"].any())))
    products = product_totals(mine, catalogue)
    return ProducerList(
        sale=sale_info(catalogue, sale_code),
        producer=producer_info(catalogue, producer_code),
        products=products,
        lines=mine,
        households=blocks,
        total=_sum(mine["amount"]),
        estimated=bool(mine["estimated"].any()) if not mine.empty else False,
        reckoners=reckoners(products, catalogue),
    )


# --- a household's statement ------------------------------------------------------------------

@dataclass
class StatementPart:
    """What a household pays one producer, and how."""

    producer: ProducerInfo
    lines: pd.DataFrame  # DOC_LINE_COLUMNS
    amount: Decimal
    estimated: bool


@dataclass
class Statement:
    sale: SaleInfo
    email: str
    name: str
    phone: str
    parts: list[StatementPart]
    total: Decimal
    estimated: bool

    @property
    def cheques(self) -> int:
        """How many cheques to bring: one per producer who takes them (cash for the others)."""
        return sum(1 for part in self.parts if part.producer.accepts_cheque)

    @property
    def cash_only(self) -> list[ProducerInfo]:
        return [part.producer for part in self.parts if not part.producer.accepts_cheque]


def household_statement(book: OrderBook, catalogue: Catalogue, sale_code: str, email: str) -> Statement:
    """A household's order grouped by producer (in the order of the Producteurs tab), with the amount
    due to each and how each accepts payment."""
    lines = sale_lines(book, sale_code)
    mine = lines[lines["email"] == email]
    households = book.households[(book.households["sale"] == sale_code) & (book.households["email"] == email)]
    name = households.iloc[0]["name"] if not households.empty else (mine.iloc[0]["name"] if not mine.empty else email)
    phone = households.iloc[0]["phone"] if not households.empty else ""
    order = {code: i for i, code in enumerate(catalogue.producers["code"])}
    parts = []
    for code in sorted(set(mine["producer"]), key=lambda c: (order.get(c, len(order)), c)):
        group = mine[mine["producer"] == code].reset_index(drop=True)
        parts.append(StatementPart(producer_info(catalogue, code), group, _sum(group["amount"]),
                                   bool(group["estimated"].any())))
    return Statement(sale_info(catalogue, sale_code), email, name or email, phone or "", parts,
                     _sum(mine["amount"]), bool(mine["estimated"].any()) if not mine.empty else False)


def households_in_sale(book: OrderBook, sale_code: str) -> list[str]:
    """E-mail addresses of the households with something to collect, alphabetical (last name first)."""
    return list(dict.fromkeys(sale_lines(book, sale_code)["email"]))


# --- a producer's collection sheet ------------------------------------------------------------

COLLECTION_COLUMNS = ["name", "sort_name", "email", "phone", "amount", "estimated", "paid", "cheque"]


def collection_sheet(book: OrderBook, sale_code: str, producer_code: str) -> pd.DataFrame:
    """One row per household a producer collects from: amount due, and blank « payé » and « n° de
    chèque » cells to fill in by hand at the distribution."""
    lines = sale_lines(book, sale_code)
    totals = household_totals(lines[lines["producer"] == producer_code])
    frame = totals.assign(paid="", cheque="")
    return frame[COLLECTION_COLUMNS].reset_index(drop=True)
