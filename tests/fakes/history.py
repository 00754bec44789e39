"""Order books and catalogues built by hand, and a big synthetic history, for the figures.

The frames follow ``sync/orderbook.py`` and ``sync/catalogue.py`` column for column, so the figures
are tested against the agreed shapes without running the orders core::

    cat = catalogue(sales=[sale("2026-01", "2026-01-16 17:00"), ...], products=[product("PAIN", "FOUR")])
    book = BookBuilder(cat).order("2026-01", "a@example.org", {"PAIN": 2}).build()

``synthetic(years=10)`` draws ten years of monthly sales (plus Noël and Pâques) with 20 to 200
households each, for the benchmark and the speed test.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from conftest import at

from sync.catalogue import PRODUCER_COLUMNS, PRODUCT_COLUMNS, SALE_COLUMNS, Catalogue
from sync.orderbook import (
    CANCELLED,
    FORM,
    HOUSEHOLD_COLUMNS,
    LINE_COLUMNS,
    MODIFIED,
    NEW,
    SUBMISSION_COLUMNS,
    OrderBook,
)


def producer(code: str, name: str | None = None, **changes) -> dict:
    row = {"code": code, "name": name or f"Ferme {code.title()}", "email": f"{code.lower()}@example.org",
           "phone": "", "payments": "chèque", "cheque_payee": "", "active": True, "row": 2}
    return row | changes


def product(code: str, producer: str, price: str = "4.00", stock: int | None = None, name: str | None = None,
            packaging: str = "", **changes) -> dict:
    row = {"code": code, "producer": producer, "name": name or f"Produit {code}", "packaging": packaging,
           "price": Decimal(price), "by_weight": False, "avg_weight": None, "stock": stock, "category": "",
           "active": True, "sales": None, "description": "", "row": 2}
    return row | changes


def sale(code: str, distribution: str, title: str | None = None, special: bool = False,
         opens: str | None = None, closes: str | None = None, **changes) -> dict:
    moment = at(distribution)
    row = {"code": code, "title": title or f"Vente {code}",
           "opens": at(opens) if opens else moment - timedelta(days=11),
           "closes": at(closes) if closes else moment - timedelta(days=1),
           "distribution": moment, "distribution_end": moment + timedelta(hours=2), "place": "Salle des fêtes",
           "special": special, "form_url": "", "message": "", "row": 2}
    return row | changes


def catalogue(sales: list[dict], products: list[dict], producers: list[dict] | None = None) -> Catalogue:
    if producers is None:
        producers = [producer(code) for code in dict.fromkeys(p["producer"] for p in products)]
    for rows in (producers, products, sales):
        for n, row in enumerate(rows, start=2):
            row["row"] = n
    return Catalogue(
        pd.DataFrame(producers, columns=PRODUCER_COLUMNS, dtype=object),
        pd.DataFrame(products, columns=PRODUCT_COLUMNS, dtype=object),
        pd.DataFrame(sales, columns=SALE_COLUMNS, dtype=object),
    )


def label(product_row: dict) -> str:
    return f"{product_row['name']} {product_row['packaging']}".strip()


class BookBuilder:
    """Orders added one by one, then ``build()`` gives the OrderBook the orders core would produce."""

    def __init__(self, cat: Catalogue):
        self.products = {row["code"]: row for row in cat.products.to_dict("records")}
        self.sales = {row["code"]: row for row in cat.sales.to_dict("records")}
        self.submissions: list[dict] = []
        self.households: list[dict] = []
        self.lines: list[dict] = []
        self._row = 1
        self._minutes: dict[str, int] = {}

    def _moment(self, sale_code: str) -> datetime:
        minutes = self._minutes.get(sale_code, 60)
        self._minutes[sale_code] = minutes + 7
        return self.sales[sale_code]["opens"] + timedelta(minutes=minutes)

    def _submit(self, sale_code: str, email: str, when: datetime, items: dict[str, int]) -> None:
        self._row += 1
        for code, requested in items.items():
            if requested:
                self.submissions.append({"sale": sale_code, "email": email, "submitted_at": when, "source": FORM,
                                         "row": self._row, "product": code, "requested": requested})

    def order(self, sale_code: str, email: str, items: dict[str, int | tuple[int, int]], when: datetime | None = None,
              name: str | None = None, phone: str = "", earlier: list[tuple[datetime, dict[str, int]]] = ()
              ) -> BookBuilder:
        """A household's current order: ``items`` maps product → requested, or (requested, allocated);
        ``earlier`` lists submissions it replaced, as (moment, {product: requested})."""
        for moment, previous_items in earlier:
            self._submit(sale_code, email, moment, previous_items)
        when = when or self._moment(sale_code)
        requested = {code: (q if isinstance(q, int) else q[0]) for code, q in items.items()}
        self._submit(sale_code, email, when, requested)
        status = MODIFIED if earlier else NEW
        total = Decimal("0.00")
        for code, quantity in items.items():
            asked, granted = (quantity, quantity) if isinstance(quantity, int) else quantity
            row = self.products[code]
            amount = row["price"] * granted
            total += amount
            self.lines.append({
                "sale": sale_code, "email": email, "name": name or email, "producer": row["producer"],
                "product": code, "label": label(row), "requested": asked, "allocated": granted,
                "unit_price": row["price"], "by_weight": False, "avg_weight": None, "weight": None,
                "amount": amount, "estimated": False, "status": status, "updated_at": when,
            })
        first = earlier[0][0] if earlier else when
        self.households.append({
            "sale": sale_code, "email": email, "first_name": "", "last_name": "", "name": name or email,
            "phone": phone, "comment": "", "status": status, "submitted_at": when, "first_submitted_at": first,
            "submissions": len(earlier) + 1, "source": FORM, "amount": total,
        })
        return self

    def cancel(self, sale_code: str, email: str, when: datetime, earlier: list[tuple[datetime, dict[str, int]]],
               name: str | None = None) -> BookBuilder:
        """A household that ordered (``earlier``) and then cancelled at ``when``."""
        for moment, previous_items in earlier:
            self._submit(sale_code, email, moment, previous_items)
        self.households.append({
            "sale": sale_code, "email": email, "first_name": "", "last_name": "", "name": name or email,
            "phone": "", "comment": "", "status": CANCELLED, "submitted_at": when,
            "first_submitted_at": earlier[0][0] if earlier else when, "submissions": len(earlier) + 1,
            "source": FORM, "amount": Decimal("0.00"),
        })
        return self

    def build(self) -> OrderBook:
        return OrderBook(
            pd.DataFrame(self.submissions, columns=SUBMISSION_COLUMNS, dtype=object),
            pd.DataFrame(self.households, columns=HOUSEHOLD_COLUMNS, dtype=object),
            pd.DataFrame(self.lines, columns=LINE_COLUMNS, dtype=object),
        )


# --- a small history, computed by hand in tests/test_figures.py -------------------------------

# Sales a year apart in part, so that "the same sale last year" has answers; 2026-12 opens after SMALL_NOW.
SMALL_SALES = [
    sale("2025-11", "2025-11-14 17:00", "Vente de novembre"),
    sale("2025-12", "2025-12-12 17:00", "Vente de décembre"),
    sale("2025-NOEL", "2025-12-23 16:00", "Vente spéciale de Noël", special=True,
         opens="2025-12-13 08:00", closes="2025-12-20 20:00"),
    sale("2026-01", "2026-01-16 17:00", "Vente de janvier"),
    sale("2026-02", "2026-02-13 17:00", "Vente de février"),
    sale("2026-11", "2026-11-13 17:00", "Vente de novembre"),
    sale("2026-12", "2026-12-11 17:00", "Vente de décembre"),
]
SMALL_NOW = at("2026-11-20 10:00")


def small_catalogue() -> Catalogue:
    return catalogue(
        [dict(s) for s in SMALL_SALES],
        [product("PAIN", "FOUR", "4.50", name="Pain de campagne", packaging="1 kg"),
         product("BRIO", "FOUR", "6.00", stock=3, name="Brioche"),
         product("LEG", "JARD", "15.00", name="Panier de légumes"),
         product("CAR", "JARD", "2.40", name="Carottes", packaging="1 kg")],
        [producer("FOUR", "Le Fournil"), producer("JARD", "Les Jardins")],
    )


def small_book(cat: Catalogue) -> OrderBook:
    """Orders in each sale come 60, 67, 74... minutes after its opening, in the order written here."""
    b = BookBuilder(cat)
    b.order("2025-11", "a@example.org", {"PAIN": 2, "LEG": 1}, name="Anne A")  # 24,00
    b.order("2025-11", "b@example.org", {"PAIN": 1}, name="Bruno B")  # 4,50
    b.order("2025-12", "a@example.org", {"LEG": 1}, name="Anne A")  # 15,00
    b.order("2025-12", "c@example.org", {"BRIO": 2}, name="Chloé C")  # 12,00
    b.order("2025-12", "d@example.org", {"BRIO": (2, 1), "PAIN": 1}, name="David D")  # 10,50; cut: sold out
    b.order("2025-NOEL", "b@example.org", {"CAR": 3}, name="Bruno B")  # 7,20
    b.cancel("2025-NOEL", "e@example.org", at("2025-12-15 09:00"), [(at("2025-12-14 09:00"), {"CAR": 1})])
    b.order("2026-01", "a@example.org", {"PAIN": 1}, name="Anne A")  # 4,50
    b.order("2026-01", "c@example.org", {"LEG": 2}, name="Chloé C")  # 30,00
    b.order("2026-01", "f@example.org", {"BRIO": (1, 0)}, name="Fanny F")  # entirely cut: not served
    # 2026-02: no order at all
    b.order("2026-11", "a@example.org", {"PAIN": 1, "LEG": 1}, name="Anne A", phone="06 00 00 00 01")  # 19,50
    b.order("2026-11", "g@example.org", {"CAR": 1}, name="Gaël G")  # 2,40
    b.order("2026-11", "c@example.org", {"BRIO": 3}, name="Chloé C")  # 18,00; reaches the stock of 3
    return b.build()


# --- a big synthetic history ------------------------------------------------------------------

PRODUCERS = ["FOUR", "JARD", "CHEV", "VIAN", "OEUF", "MIEL", "BIER", "POMM"]


def synthetic(years: int = 10, seed: int = 7, start_year: int = 2017) -> tuple[Catalogue, OrderBook]:
    """Monthly sales over ``years`` years, plus Noël and Pâques each year, with 20 to 200 households per
    sale: households come, order with their own regularity, and leave; stock-limited products are
    allocated first come, first served."""
    rng = random.Random(seed)
    producers = [producer(code) for code in PRODUCERS]
    products = []
    for p, code in enumerate(PRODUCERS):
        for k in range(1, 6):
            stock = rng.choice([15, 20, 30]) if (p + k) % 7 == 0 else None
            products.append(product(f"{code}{k}", code, f"{rng.randint(2, 20)}.{rng.choice(['00', '50', '90'])}",
                                    stock=stock, name=f"{code.title()} n°{k}"))
    products.append(product("NOEL1", "CHEV", "19.00", stock=20, name="Plateau de fêtes"))
    products.append(product("NOEL2", "VIAN", "35.00", stock=12, name="Chapon"))
    sales = []
    for year in range(start_year, start_year + years):
        for month in range(1, 13):
            sales.append(sale(f"{year}-{month:02d}", f"{year}-{month:02d}-10 17:00", f"Vente {month:02d}/{year}"))
            if month == 4:
                sales.append(sale(f"{year}-PAQUES", f"{year}-04-18 10:00", "Vente de Pâques", special=True,
                                  opens=f"{year}-04-11 08:00", closes=f"{year}-04-16 20:00"))
            if month == 12:
                sales.append(sale(f"{year}-NOEL", f"{year}-12-22 16:00", "Vente spéciale de Noël", special=True,
                                  opens=f"{year}-12-11 08:00", closes=f"{year}-12-19 20:00"))
    cat = catalogue(sales, products, producers)
    ordinary = [p for p in products if not p["code"].startswith("NOEL")]
    builder = BookBuilder(cat)
    people: list[tuple[str, float]] = []  # (email, how often they order)
    active: list[int] = []
    for index, sale_row in enumerate(sales):
        wanted = int(110 + 90 * math.sin(index / 15))  # 20 to 200 households
        if sale_row["special"]:
            wanted = min(200, wanted + 30)
        active = [h for h in active if rng.random() > 0.03]
        ordering = [h for h in active if rng.random() < people[h][1]]
        while len(ordering) < wanted:
            people.append((f"foyer{len(people):05d}@example.org", rng.uniform(0.4, 0.95)))
            active.append(len(people) - 1)
            ordering.append(len(people) - 1)
        ordering = ordering[:200]
        rng.shuffle(ordering)
        offer = ordinary + ([p for p in products if p["code"].startswith("NOEL")] if sale_row["code"].endswith(
            "NOEL") else [])
        left = {p["code"]: p["stock"] for p in offer if p["stock"] is not None}
        for rank, h in enumerate(ordering):
            email = people[h][0]
            when = sale_row["opens"] + timedelta(minutes=17 * rank + rng.randint(0, 15))
            chosen = rng.sample(offer, rng.randint(2, 8))
            items: dict[str, int | tuple[int, int]] = {}
            for p in chosen:
                asked = rng.randint(1, 3)
                if p["code"] in left:
                    granted = min(asked, left[p["code"]])
                    left[p["code"]] -= granted
                    items[p["code"]] = (asked, granted)
                else:
                    items[p["code"]] = asked
            earlier = []
            if rng.random() < 0.1:
                earlier = [(when - timedelta(minutes=5), {p["code"]: 1 for p in chosen[:2]})]
            builder.order(sale_row["code"], email, items, when=when, name=f"Foyer {h}", earlier=earlier)
    return cat, builder.build()
