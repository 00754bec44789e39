"""The derived tabs of the orders, as a person reads them: ``Commandes`` and ``Par producteur``.

Frames with the contract's French headers (``sheet.ORDERS``, ``sheet.BY_PRODUCER``) and typed
values (``sheet.frame_to_grid`` turns them into cells). They follow the order book's sort: sale,
household name, producer, product.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from .. import sheet
from ..catalogue import Catalogue
from ..orderbook import CANCELLED, OrderBook
from .book import Order
from .frames import values

# The Commandes columns (``sheet.ORDERS``), as the order book's lines name them.
ORDER_FIELDS = ["sale", "email", "name", "producer", "product", "label", "requested", "allocated", "unit_price",
                "amount", "by_weight", "status", "updated_at"]


def orders_frame(book: OrderBook) -> pd.DataFrame:
    """``Commandes``: one row per sale, household and product of the current orders.

    A cancelled order has no product: it shows as one row without product and with the status
    « annulée », so that the coordinator sees it where the order used to be.
    """
    table = []
    lines: dict[tuple[str, str], list[tuple]] = {}
    for line in values(book.lines, *ORDER_FIELDS):
        lines.setdefault(line[:2], []).append(line)  # by (sale, email)
    for sale, email, name, status, submitted_at in values(book.households, "sale", "email", "name", "status",
                                                          "submitted_at"):
        if status == CANCELLED:
            table.append((sale, email, name, "", "", "", 0, 0, None, Decimal("0.00"), None, CANCELLED, submitted_at))
        table.extend(lines.get((sale, email), []))
    return pd.DataFrame(table, columns=sheet.ORDERS.header, dtype=object)


def by_producer_frame(book: OrderBook, catalogue: Catalogue) -> pd.DataFrame:
    """``Par producteur``: per sale, producer and product, what to bring (allocated) and its amount.

    Products of which nothing was granted (all cut by the stock) are left out: nothing to bring.
    """
    order = Order(catalogue)
    totals: dict[tuple[str, str, str], list] = {}
    for sale, producer, product, label, allocated, amount in values(book.lines, "sale", "producer", "product",
                                                                   "label", "allocated", "amount"):
        if not allocated:
            continue
        entry = totals.setdefault((sale, producer, product), [label, 0, Decimal("0.00")])
        entry[1] += allocated
        entry[2] += amount
    keys = sorted(totals, key=lambda k: (order.sale(k[0]), order.producer(k[1]), order.product(k[2])))
    table = [[sale, producer, product, *totals[(sale, producer, product)]] for sale, producer, product in keys]
    return pd.DataFrame(table, columns=sheet.BY_PRODUCER.header, dtype=object)
