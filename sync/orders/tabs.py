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
from .frames import rows


def orders_frame(book: OrderBook) -> pd.DataFrame:
    """``Commandes``: one row per sale, household and product of the current orders.

    A cancelled order has no product: it shows as one row without product and with the status
    « annulée », so that the coordinator sees it where the order used to be.
    """
    table = []
    lines: dict[tuple[str, str], list] = {}
    for line in rows(book.lines):
        lines.setdefault((line.sale, line.email), []).append(
            [line.sale, line.email, line.name, line.producer, line.product, line.label, line.requested,
             line.allocated, line.unit_price, line.amount, line.by_weight, line.status, line.updated_at])
    for household in rows(book.households):
        if household.status == CANCELLED:
            table.append([household.sale, household.email, household.name, "", "", "", 0, 0, None,
                          Decimal("0.00"), None, CANCELLED, household.submitted_at])
        table.extend(lines.get((household.sale, household.email), []))
    return pd.DataFrame(table, columns=sheet.ORDERS.header, dtype=object)


def by_producer_frame(book: OrderBook, catalogue: Catalogue) -> pd.DataFrame:
    """``Par producteur``: per sale, producer and product, what to bring (allocated) and its amount.

    Products of which nothing was granted (all cut by the stock) are left out: nothing to bring.
    """
    order = Order(catalogue)
    totals: dict[tuple[str, str, str], list] = {}
    for line in rows(book.lines):
        if not line.allocated:
            continue
        entry = totals.setdefault((line.sale, line.producer, line.product), [line.label, 0, Decimal("0.00")])
        entry[1] += line.allocated
        entry[2] += line.amount
    keys = sorted(totals, key=lambda k: (order.sale(k[0]), order.producer(k[1]), order.product(k[2])))
    table = [[sale, producer, product, *totals[(sale, producer, product)]] for sale, producer, product in keys]
    return pd.DataFrame(table, columns=sheet.BY_PRODUCER.header, dtype=object)
