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


def orders_frame(book: OrderBook) -> pd.DataFrame:
    """``Commandes``: one row per sale, household and product of the current orders.

    A cancelled order has no product: it shows as one row without product and with the status
    « annulée », so that the coordinator sees it where the order used to be.
    """
    rows = []
    lines = {key: group for key, group in book.lines.groupby(["sale", "email"], sort=False)} \
        if not book.lines.empty else {}
    for household in book.households.itertuples(index=False):
        if household.status == CANCELLED:
            rows.append([household.sale, household.email, household.name, "", "", "", 0, 0, None,
                         Decimal("0.00"), None, CANCELLED, household.submitted_at])
            continue
        group = lines.get((household.sale, household.email))
        if group is None:
            continue
        for line in group.itertuples(index=False):
            rows.append([line.sale, line.email, line.name, line.producer, line.product, line.label, line.requested,
                         line.allocated, line.unit_price, line.amount, line.by_weight, line.status,
                         line.updated_at])
    return pd.DataFrame(rows, columns=sheet.ORDERS.header, dtype=object)


def by_producer_frame(book: OrderBook, catalogue: Catalogue) -> pd.DataFrame:
    """``Par producteur``: per sale, producer and product, what to bring (allocated) and its amount.

    Products of which nothing was granted (all cut by the stock) are left out: nothing to bring.
    """
    order = Order(catalogue)
    totals: dict[tuple[str, str, str], list] = {}
    for line in book.lines.itertuples(index=False):
        if not line.allocated:
            continue
        entry = totals.setdefault((line.sale, line.producer, line.product), [line.label, 0, Decimal("0.00")])
        entry[1] += line.allocated
        entry[2] += line.amount
    keys = sorted(totals, key=lambda k: (order.sale(k[0]), order.producer(k[1]), order.product(k[2])))
    rows = [[sale, producer, product, *totals[(sale, producer, product)]] for sale, producer, product in keys]
    return pd.DataFrame(rows, columns=sheet.BY_PRODUCER.header, dtype=object)
