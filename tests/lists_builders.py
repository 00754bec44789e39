"""Order books built by hand for the lists tests, following ``sync/orderbook.py`` column for column.

``catalogue()`` is the demo group's catalogue (eight farms, prices, products sold by weight);
``book({sale: {email: {product: quantity}}})`` makes the order book an orders core would produce
for those orders (allocated = requested unless ``cut`` says otherwise), with the households' names
from the demo. No allocation logic here: only the shape.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from sync import catalogue as catalogue_module
from sync import demo, sheet, snapshot
from sync.config import Config
from sync.orderbook import FORM, HOUSEHOLD_COLUMNS, LINE_COLUMNS, NEW, SUBMISSION_COLUMNS, OrderBook
from sync.stores import MemoryStore

PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")
PEOPLE = {email: (first, last, phone) for first, last, email, phone in demo.HOUSEHOLDS}


def catalogue(grids: dict | None = None) -> catalogue_module.Catalogue:
    snap = snapshot.read(MemoryStore(grids or demo.build()), Config())
    return catalogue_module.load(snap.tables, PARIS)


def product_row(cat: catalogue_module.Catalogue, code: str) -> pd.Series:
    return cat.products[cat.products["code"] == code].iloc[0]


def line(cat, sale: str, email: str, code: str, requested: int, allocated: int | None = None,
         weight: Decimal | None = None, when: datetime | None = None, **changes) -> dict:
    p = product_row(cat, code)
    allocated = requested if allocated is None else allocated
    name = _name(email)
    label = f"{p['name']} {p['packaging']}".strip()
    if p["by_weight"]:
        if weight is not None:
            amount, estimated = (weight * p["price"]).quantize(CENT, ROUND_HALF_UP), False
        else:
            amount, estimated = (allocated * p["avg_weight"] * p["price"]).quantize(CENT, ROUND_HALF_UP), True
    else:
        amount, estimated = allocated * p["price"], False
    record = {
        "sale": sale, "email": email, "name": name, "producer": p["producer"], "product": code, "label": label,
        "requested": requested, "allocated": allocated, "unit_price": p["price"], "by_weight": bool(p["by_weight"]),
        "avg_weight": p["avg_weight"] if p["by_weight"] else None, "weight": weight, "amount": Decimal(amount),
        "estimated": estimated, "status": NEW, "updated_at": when or datetime(2026, 12, 2, 9, 0, tzinfo=PARIS),
    }
    record.update(changes)
    return record


def _name(email: str) -> str:
    first, last, _ = PEOPLE.get(email, ("", "", ""))
    return f"{first} {last}".strip() or email


def book(orders: dict[str, dict[str, dict[str, int]]], cat=None, cut: dict | None = None,
         weights: dict | None = None, cancelled: tuple[str, ...] = ()) -> OrderBook:
    """``orders`` = {sale: {email: {product: requested}}}; ``cut`` = {(sale, email, product): allocated};
    ``weights`` = {(sale, email, product): kg} already weighed; ``cancelled`` = emails with a cancelled order."""
    cat = cat or catalogue()
    cut, weights = cut or {}, weights or {}
    lines, households, submissions = [], [], []
    when = datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
    for sale, by_email in orders.items():
        for email, products in by_email.items():
            first, last, phone = PEOPLE.get(email, ("", "", ""))
            mine = [] if email in cancelled else [
                line(cat, sale, email, code, qty, cut.get((sale, email, code)), weights.get((sale, email, code)))
                for code, qty in products.items()
            ]
            lines += mine
            households.append({
                "sale": sale, "email": email, "first_name": first, "last_name": last,
                "name": f"{first} {last}".strip() or email, "phone": phone, "comment": "",
                "status": "annulée" if email in cancelled else NEW, "submitted_at": when, "first_submitted_at": when,
                "submissions": 1, "source": FORM, "amount": sum((x["amount"] for x in mine), Decimal(0)),
            })
            submissions += [{"sale": sale, "email": email, "submitted_at": when, "source": FORM, "row": 2,
                             "product": code, "requested": qty} for code, qty in products.items()]
    return OrderBook(pd.DataFrame(submissions, columns=SUBMISSION_COLUMNS, dtype=object),
                     pd.DataFrame(households, columns=HOUSEHOLD_COLUMNS, dtype=object),
                     pd.DataFrame(lines, columns=LINE_COLUMNS, dtype=object))


DECEMBER = {
    "martine.ducloux@example.org": {"PAIN1": 2, "VIA1": 1, "CHV3": 1, "OEU1": 1},
    "jerome.pelletier@example.net": {"PAIN1": 1, "LEG1": 1, "VIA4": 1, "MIE1": 2},
    "elodie.garnier@example.org": {"CHV1": 3, "VIA1": 2, "VIA3": 1, "BIE1": 2, "POM1": 2},
    "claire.moreau@example.net": {"LEG2": 1, "LEG3": 2, "OEU1": 2, "MIE2": 1},
    "francoise.aubry@example.net": {"PAIN3": 1, "CHV2": 4, "POM3": 1},
    "ahmed.benali@example.org": {"VIA2": 1, "PAIN2": 1},
    "kevin.marchand@example.org": {"BIE2": 3, "BIE3": 6, "VIA2": 1},
}
NOVEMBER = {
    "martine.ducloux@example.org": {"PAIN1": 1, "LEG1": 1},
    "sophie.renaudin@example.com": {"MIE1": 1, "VIA1": 1},
}


def december_book(cat=None, **kwargs) -> OrderBook:
    """The December sale (2026-12) with seven households, products sold by weight, and November's orders too."""
    return book({"2026-11": NOVEMBER, "2026-12": DECEMBER}, cat, **kwargs)


def weighings(rows: list[list]) -> sheet.Table:
    """The Pesées tab as read, from rows under its contract header."""
    return sheet.read_table([sheet.WEIGHINGS.header, *rows], sheet.WEIGHINGS)


# Fixtures of the lists tests (tests/conftest.py loads this module as a plugin): the demo catalogue and its
# December order book, built once a test module.
@pytest.fixture(scope="module")
def cat() -> catalogue_module.Catalogue:
    return catalogue()


@pytest.fixture(scope="module")
def dec(cat):
    return december_book(cat)
