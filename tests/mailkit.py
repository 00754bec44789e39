"""Builders for the mail tests: the demo catalogue, and order books made by hand, household by household,
in the exact shape of ``sync/orderbook.py`` (the orders core produces the same frames)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from conftest import PARIS, at

from sync import catalogue as catalogue_module
from sync import config as config_module
from sync import demo, snapshot
from sync.mail.compose import Letterhead
from sync.mail.journal import Journal
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
from sync.stores import MemoryStore

_CATALOGUE = None


def demo_catalogue() -> catalogue_module.Catalogue:
    global _CATALOGUE
    if _CATALOGUE is None:
        config = config_module.from_dict({})
        snap = snapshot.read(MemoryStore(demo.build()), config)
        _CATALOGUE = catalogue_module.load(snap.tables, PARIS)
    return _CATALOGUE


def sale(code: str = "2026-12", **changes) -> pd.Series:
    row = demo_catalogue().sale(code).copy()
    for key, value in changes.items():
        row[key] = value
    return row


_LETTERHEAD = None


def letterhead(config=None) -> Letterhead:
    """The demo group's letterhead (built once: compiling the templates is the slow part)."""
    global _LETTERHEAD
    if config is not None:
        return Letterhead.from_config(config)
    if _LETTERHEAD is None:
        _LETTERHEAD = Letterhead.from_config(config_module.from_dict({"group": {"name": demo.GROUP_NAME}}))
    return _LETTERHEAD


@dataclass
class Order:
    """One household's current order in a test; ``lines`` maps product code to requested quantity, or to
    (requested, allocated); ``history`` lists earlier submissions (moment, {product: quantity})."""

    email: str
    lines: dict = field(default_factory=dict)
    first_name: str = "Martine"
    last_name: str = "Ducloux"
    at: str = "2026-12-01 09:00"
    history: list = field(default_factory=list)
    status: str | None = None
    weights: dict = field(default_factory=dict)
    comment: str = ""
    phone: str = "06 10 00 00 01"
    sale: str = "2026-12"


def make_book(*orders: Order, catalogue=None) -> OrderBook:
    catalogue = catalogue or demo_catalogue()
    products = {row.code: row for row in catalogue.products.itertuples(index=False)}
    submissions, households, lines = [], [], []
    for order in orders:
        moment = at(order.at)
        name = " ".join(p for p in (order.first_name, order.last_name) if p) or order.email
        status = order.status or (MODIFIED if order.history else NEW)
        earlier = [(at(when), content) for when, content in order.history]
        current = {p: (q if isinstance(q, tuple) else (q, q)) for p, q in order.lines.items()}
        for when, content in [*earlier, (moment, {p: q[0] for p, q in current.items()})]:
            if status == CANCELLED and when == moment:
                continue
            for product, quantity in content.items():
                submissions.append([order.sale, order.email, when, FORM, 2, product, int(quantity)])
        total = Decimal("0.00")
        if status != CANCELLED:
            for code, (requested, allocated) in current.items():
                product = products[code]
                weight = order.weights.get(code)
                if weight is not None:
                    amount, estimated = (weight * product.price).quantize(Decimal("0.01")), False
                elif product.by_weight:
                    amount = (allocated * product.avg_weight * product.price).quantize(Decimal("0.01"))
                    estimated = True
                else:
                    amount, estimated = allocated * product.price, False
                total += amount
                label = " ".join(p for p in (product.name, product.packaging) if p)
                lines.append([order.sale, order.email, name, product.producer, code, label, requested, allocated,
                              product.price, bool(product.by_weight), product.avg_weight, weight, amount, estimated,
                              status, moment])
        first = min([moment, *(w for w, _ in earlier)])
        households.append([order.sale, order.email, order.first_name, order.last_name, name, order.phone,
                           order.comment, status, moment, first, len(earlier) + 1, FORM, total])
    return OrderBook(pd.DataFrame(submissions, columns=SUBMISSION_COLUMNS, dtype=object),
                     pd.DataFrame(households, columns=HOUSEHOLD_COLUMNS, dtype=object),
                     pd.DataFrame(lines, columns=LINE_COLUMNS, dtype=object))


def empty_journal() -> Journal:
    return Journal([], None, PARIS)


def recap_history():
    """A small history for the recap emails, with everything they can show: the same sale a year before
    (2025-11), products sold out and not sold again, an amount still estimated (a line sold by weight not
    weighed), and a regular household (Xavier) who has just missed three ordinary sales in a row."""
    from fakes import history as h

    from sync import figures

    cat = h.catalogue(
        [h.sale("2025-10", "2025-10-10 17:00", "Vente d'octobre"),
         h.sale("2025-11", "2025-11-14 17:00", "Vente de novembre"),
         h.sale("2025-12", "2025-12-12 17:00", "Vente de décembre"),
         h.sale("2026-01", "2026-01-16 17:00", "Vente de janvier"),
         h.sale("2026-02", "2026-02-13 17:00", "Vente de février"),
         h.sale("2026-11", "2026-11-13 17:00", "Vente de novembre")],
        [h.product("PAIN", "FOUR", "4.50", name="Pain de campagne", packaging="1 kg"),
         h.product("BRIO", "FOUR", "6.00", stock=3, name="Brioche"),
         h.product("TERR", "FOUR", "7.00", name="Terrine <maison>"),
         h.product("VEAU", "VIAN", "17.00", name="Colis de veau", packaging="5 kg environ")],
        [h.producer("FOUR", "Le Fournil & fils", email="fournil@example.org"),
         h.producer("VIAN", "Ferme des Trois Chênes", email="trois.chenes@example.org")],
    )
    b = h.BookBuilder(cat)
    for code in ("2025-10", "2025-11", "2025-12"):
        b.order(code, "xavier@example.org", {"PAIN": 1}, name="Xavier Durand", phone="06 00 00 00 09")
    b.order("2025-11", "anne@example.org", {"PAIN": 2, "TERR": 1, "VEAU": 1}, name="Anne A")
    b.order("2026-01", "anne@example.org", {"PAIN": 1}, name="Anne A")
    b.order("2026-02", "anne@example.org", {"PAIN": 1}, name="Anne A")
    b.order("2026-11", "anne@example.org", {"PAIN": 1, "BRIO": 2, "VEAU": 1}, name="Anne A")
    b.order("2026-11", "bruno@example.org", {"BRIO": (2, 1)}, name="Bruno B")
    b.order("2026-11", "chloe@example.org", {"PAIN": 3}, name="Chloé C")
    book = b.build()
    veal = (book.lines["sale"] == "2026-11") & (book.lines["product"] == "VEAU")
    book.lines.loc[veal, ["by_weight", "estimated"]] = True  # sold by weight, not weighed yet
    return cat, book, figures.History.build(book, cat, at("2026-11-14 09:00"))
