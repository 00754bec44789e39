"""History and figures: is the group keeping its customers and bringing in new ones?

Pure functions over the order book of every past sale and the sales calendar. ``History.build``
computes once, vectorised, what every figure needs: the calendar in the order the sales happened,
which household was served in which sale, totals per sale, per producer and per product. The
``Bilan`` tab, the households to call back, the comparison with last year's sale and the planning
help for a special sale all read from it; nothing here reads the clock (``now`` is passed in).

Definitions (explained to the coordinator in ``docs/bilan.md``):

- a household *took part* in a sale when at least one of its lines got an allocated quantity: a
  cancelled order, or one entirely cut by stock limits, is not counted;
- *new* (nouveau) in a sale: its first sale ever in the order book; *returning* (fidèle) otherwise;
- turnover: the sum of the line amounts (estimated for products sold by weight not weighed yet);
- a product is *sold out* (épuisé) in a sale when a request was cut by the stock allocation, or when
  its allocated total reached its stock;
- a household has *lapsed* when it ordered regularly (at least 3 of the 6 ordinary sales up to its
  last order) and then missed 3 ordinary sales in a row. Special sales (Noël, Pâques) are not
  counted as missed: a monthly customer who skips Christmas has not left; an order at a special
  sale does show that the household is still there.

The tabs, the API, the recaps and the charts: ``docs/dev/figures.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from . import sheet
from .catalogue import Catalogue
from .french import plural
from .orderbook import CANCELLED, OrderBook
from .values import fold

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

NOEL, PAQUES = "noel", "paques"
KIND_WORDS = {NOEL: ("noel", "christmas", "xmas"), PAQUES: ("paques", "easter")}
KIND_NAMES = {NOEL: "Noël", PAQUES: "Pâques"}
MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
_MONTH_CODE = re.compile(r"^(\d{4})-(\d{1,2})$")

LAPSE_MISSED = 3  # ordinary sales missed in a row before a household is listed
REGULAR_WINDOW = 6  # ordinary sales looked at, up to the household's last order...
REGULAR_ORDERS = 3  # ...of which it must have ordered in at least this many to count as a regular

PRODUCT_FIGURES = ["sale", "producer", "product", "label", "requested", "allocated", "households", "amount", "stock",
                   "sold_out"]
CALENDAR_COLUMNS = [
    "code", "title", "opens", "closes", "distribution", "special", "kind", "year", "month", "label", "position",
]


# --- the calendar ------------------------------------------------------------------------------

def sale_kind(code: str, title: str) -> str:
    """``noel`` or ``paques`` when the sale's code or title says so ("2026-NOEL", "Vente de Pâques"), else ""."""
    words = set(re.split(r"[^a-z0-9]+", fold(f"{code} {title}")))
    for kind, keys in KIND_WORDS.items():
        if words & set(keys):
            return kind
    return ""


def sale_month(code: str, distribution: datetime) -> tuple[int, int]:
    """The (year, month) a sale stands for: its code when it reads "2026-12", else its distribution date."""
    match = _MONTH_CODE.match(code or "")
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    return distribution.year, distribution.month


def short_label(kind: str, distribution: datetime) -> str:
    """A sale in a few characters, for chart axes: « nov. 2026 », « Noël 2026 »."""
    if kind:
        return f"{KIND_NAMES[kind]} {distribution:%Y}"
    return f"{MONTHS[distribution.month - 1]} {distribution:%Y}"


def calendar(sales: pd.DataFrame, now: datetime | None = None) -> pd.DataFrame:
    """The sales in the order they happened (distribution date, then code), indexed by code, with their
    kind, the month they stand for, a short label and their position; only those opened by ``now``
    when it is given."""
    rows = []
    for sale in sales.itertuples(index=False):
        if sale.distribution is None or sale.opens is None or (now is not None and sale.opens > now):
            continue
        kind = sale_kind(sale.code, sale.title)
        year, month = sale_month(sale.code, sale.distribution)
        rows.append({
            "code": sale.code, "title": sale.title, "opens": sale.opens, "closes": sale.closes,
            "distribution": sale.distribution, "special": bool(sale.special), "kind": kind,
            "year": year, "month": month, "label": short_label(kind, sale.distribution),
        })
    rows.sort(key=lambda r: (r["distribution"], r["code"]))
    for position, row in enumerate(rows):
        row["position"] = position
    # object columns: dates stay the aware datetimes the catalogue gave (not pandas Timestamps)
    frame = pd.DataFrame(rows, columns=CALENDAR_COLUMNS, dtype=object)
    frame = frame.astype({"special": bool, "year": np.int64, "month": np.int64, "position": np.int64})
    return frame.set_index("code", drop=False)


def comparable(code: str, sales: pd.DataFrame) -> str | None:
    """The sale to compare ``code`` with, a year before.

    A Noël or Pâques sale (by its code or title) compares with the previous sale of the same kind;
    another special sale with the special sale of the same month a year before; an ordinary sale with
    the ordinary sale of the same month a year before (its month read from a "2026-12" code when it
    has one). ``sales`` is a ``calendar``; the answer is always an earlier sale, or None.
    """
    if code not in sales.index:
        return None
    sale = sales.loc[code]
    earlier = sales[sales["distribution"].map(lambda d: d < sale["distribution"])]
    if sale["kind"]:
        candidates = earlier[earlier["kind"] == sale["kind"]]
    else:
        same_month = (earlier["year"] == sale["year"] - 1) & (earlier["month"] == sale["month"])
        candidates = earlier[same_month & (earlier["kind"] == "") & (earlier["special"] == sale["special"])]
    return None if candidates.empty else str(candidates.index[-1])


def previous(code: str, sales: pd.DataFrame, count: int = 3) -> list[str]:
    """The ``count`` sales just before ``code`` (any kind), oldest first."""
    if code not in sales.index:
        return []
    position = sales.loc[code, "position"]
    return [str(c) for c in sales.index[(sales["position"] < position)][-count:]]


# --- French display of figures -----------------------------------------------------------------

def cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def duration(delta: timedelta) -> str:
    """A time span the way one says it: « 2 jours et 5 heures », « 3 heures », « 40 minutes »."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    if days:
        return plural(days, "jour") + (f" et {plural(hours, 'heure')}" if hours else "")
    if hours:
        return plural(hours, "heure") + (f" et {minutes} min" if minutes and hours < 3 else "")
    return plural(max(minutes, 1), "minute")


def date_text(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%d/%m/%Y")


# --- the history -------------------------------------------------------------------------------

@dataclass
class History:
    """Every figure's ingredients, computed once from the order book and the catalogue at ``now``.

    ``sales`` (one row per sale opened by ``now``, indexed by code, in the order they happened):
    the calendar columns plus ``households``, ``new``, ``returning`` (int), ``turnover`` and
    ``basket`` (Decimal; basket None when nobody ordered). ``producers`` (long): sale, producer,
    orders (households served), turnover. ``products`` (long): sale, producer, product, label,
    requested, allocated, households, amount, stock (the stock it had, as far as the book shows),
    sold_out. ``presence``: sale, email, position, new: who was served in which sale.
    """

    book: OrderBook
    catalogue: Catalogue
    now: datetime
    calendar: pd.DataFrame  # every usable sale of the catalogue, opened or not (for planning ahead)
    sales: pd.DataFrame
    presence: pd.DataFrame
    producers: pd.DataFrame
    products: pd.DataFrame
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def _cached(self, key, compute):
        """Each figure is computed once per History (recaps ask for the same ones many times)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @classmethod
    def build(cls, book: OrderBook, catalogue: Catalogue, now: datetime) -> History:
        full = calendar(catalogue.sales)
        opened = full[full["opens"].map(lambda o: o <= now).to_numpy(bool)]
        opened = opened.assign(position=np.arange(len(opened)))
        n_sales = len(opened)

        # Work on integer codes: 10 years of lines are about 100 000 rows, and grouping Python objects
        # is what costs (benchmarks/figures_bench.py).
        lines = book.lines
        sale_of = pd.Categorical(lines["sale"], categories=opened.index).codes.astype(np.int64)
        keep = (sale_of >= 0) & (lines["status"].to_numpy() != CANCELLED)
        lines = lines[keep]
        sale_of = sale_of[keep]
        requested = pd.to_numeric(lines["requested"]).to_numpy(np.int64)
        allocated = pd.to_numeric(lines["allocated"]).to_numpy(np.int64)
        email_of, emails = pd.factorize(lines["email"])
        product_of, product_codes = pd.factorize(lines["product"])
        producer_of, producer_codes = pd.factorize(lines["producer"])
        served = allocated > 0

        n_emails, n_products, n_producers = max(len(emails), 1), max(len(product_codes), 1), max(len(producer_codes), 1)

        # Who took part in which sale, and whether it was their first.
        pairs = pd.unique(sale_of[served] * n_emails + email_of[served])
        pairs.sort()
        pair_sale, pair_email = np.divmod(pairs, n_emails)
        first_sale = np.full(n_emails, n_sales, dtype=np.int64)
        np.minimum.at(first_sale, pair_email, pair_sale)
        is_new = first_sale[pair_email] == pair_sale
        codes = opened.index.to_numpy()
        email_values = np.asarray(emails, dtype=object)
        producer_values = np.asarray(producer_codes, dtype=object)
        presence = pd.DataFrame({"sale": codes[pair_sale], "email": email_values[pair_email],
                                 "position": pair_sale, "new": is_new})

        # Per sale and product (the finest level: a product belongs to one producer).
        group, keys = pd.factorize(sale_of * n_products + product_of, sort=True)
        groups = len(keys)
        amount = pd.Series(lines["amount"].to_numpy()).where(served, ZERO)
        # exact sums (amounts of products sold by weight may have more than two decimals), rounded last
        amounts = amount.groupby(group).sum().reindex(range(groups), fill_value=ZERO).to_numpy()
        first_row = np.full(groups, len(lines), dtype=np.int64)
        np.minimum.at(first_row, group, np.arange(len(lines)))
        asked = requested > 0
        asked_pairs = pd.unique(group[asked].astype(np.int64) * n_emails + email_of[asked])
        group_producer = producer_of[first_row]
        products = pd.DataFrame({
            "sale": codes[keys // n_products],
            "producer": producer_values[group_producer],
            "product": np.asarray(product_codes, dtype=object)[product_of[first_row]],
            "label": lines["label"].to_numpy()[first_row],
            "requested": np.bincount(group, requested, groups).astype(np.int64),
            "allocated": np.bincount(group, allocated, groups).astype(np.int64),
            "households": np.bincount(asked_pairs // n_emails, minlength=groups),
            "amount": [cents(a) for a in amounts],
            "cut": np.bincount(group, allocated < requested, groups) > 0,
        })
        products = _sold_out(products, catalogue)

        # Per sale and producer: orders are households served, counted once per producer.
        producer_key = sale_of[served] * n_producers + producer_of[served]
        orders = np.bincount(pd.unique(producer_key * n_emails + email_of[served]) // n_emails,
                             minlength=n_sales * n_producers)
        turnover = pd.Series(amounts).groupby((keys // n_products) * n_producers + group_producer).sum()
        present = np.flatnonzero(orders)
        producers = pd.DataFrame({
            "sale": codes[present // n_producers],
            "producer": producer_values[present % n_producers],
            "orders": orders[present],
            "turnover": turnover.reindex(present, fill_value=ZERO).map(cents).to_numpy(),
        })

        sales = opened.copy()
        sales["households"] = np.bincount(pair_sale, minlength=n_sales).astype(np.int64)
        sales["new"] = np.bincount(pair_sale, is_new, minlength=n_sales).astype(np.int64)
        sales["returning"] = sales["households"] - sales["new"]
        per_sale = pd.Series(amounts).groupby(keys // n_products).sum()
        sales["turnover"] = per_sale.reindex(range(n_sales), fill_value=ZERO).map(cents).to_numpy()
        sales["basket"] = [cents(t / h) if h else None
                           for t, h in zip(sales["turnover"], sales["households"], strict=True)]
        return cls(book, catalogue, now, full, sales, presence, producers, products)

    # --- names -----------------------------------------------------------------------------

    def producer_names(self) -> dict[str, str]:
        """Producer code → the name people know it by (two producers with the same name get their code)."""
        return self._cached("names", self._producer_names)

    def _producer_names(self) -> dict[str, str]:
        known = dict(zip(self.catalogue.producers["code"], self.catalogue.producers["name"], strict=True))
        names = {code: (known.get(code) or code) for code in self.producer_order()}
        counts = pd.Series(list(names.values())).value_counts()
        return {code: (f"{name} ({code})" if counts[name] > 1 else name) for code, name in names.items()}

    def producer_name(self, code: str) -> str:
        """A producer's name, also for one with no sale in the history yet."""
        names = self.producer_names()
        if code in names:
            return names[code]
        match = self.catalogue.producers[self.catalogue.producers["code"] == code]
        return str(match["name"].iloc[0]) if not match.empty and match["name"].iloc[0] else code

    def producer_order(self) -> list[str]:
        """Producers with sales in the history: in the order of the Producteurs tab, then unknown codes."""
        return self._cached("order", self._producer_order)

    def _producer_order(self) -> list[str]:
        seen = set(self.producers["producer"])
        listed = [c for c in self.catalogue.producers["code"] if c in seen]
        return listed + sorted(seen - set(listed))

    # --- one sale --------------------------------------------------------------------------

    def sale(self, code: str) -> dict:
        """One opened sale's row of ``sales`` as a dict (calendar columns and totals)."""
        return self._cached("records", lambda: self.sales.to_dict("index"))[code]

    def calendar_record(self, code: str) -> dict:
        """One sale of the whole calendar (opened or not) as a dict."""
        return self._cached("calendar", lambda: self.calendar.to_dict("index"))[code]

    def comparable(self, code: str) -> str | None:
        """The comparable sale a year before (see ``comparable``), among the sales opened by ``now``."""
        def compute():
            found = comparable(code, self.calendar)
            return found if found in self.sales.index else None
        return self._cached(("comparable", code), compute)

    def previous(self, code: str, count: int = 3) -> list[str]:
        return [c for c in previous(code, self.calendar, count + 5) if c in self.sales.index][-count:]

    def up_to(self, code: str, count: int = 12) -> pd.DataFrame:
        """The ``count`` sales ending with ``code`` (the span of the charts)."""
        position = self.sales.loc[code, "position"]
        return self.sales[self.sales["position"] <= position].tail(count)

    def sold_out(self, code: str) -> pd.DataFrame:
        """The products sold out in a sale, with when they sold out (see ``sell_out``)."""
        def compute():
            products = self.products[(self.products["sale"] == code) & self.products["sold_out"]]
            return self._with_sell_out(products, code)
        return self._cached(("sold_out", code), compute)

    def book_of(self, code: str) -> OrderBook:
        """The order book of one sale, sliced once from the whole history's."""
        def split():
            book = self.book
            return {name: frame.groupby("sale", sort=False).indices
                    for name, frame in (("submissions", book.submissions), ("households", book.households))}
        rows = self._cached("rows by sale", split)
        empty = np.array([], dtype=np.int64)
        return OrderBook(self.book.submissions.iloc[rows["submissions"].get(code, empty)],
                         self.book.households.iloc[rows["households"].get(code, empty)],
                         self.book.lines.iloc[:0])

    def _with_sell_out(self, products: pd.DataFrame, code: str) -> pd.DataFrame:
        """``products`` with when each sold-out one ran out: ``sold_out_at`` and ``after`` (None otherwise)."""
        result = products.reset_index(drop=True).copy()
        stocks = {p: s for p, s, out in zip(result["product"], result["stock"], result["sold_out"], strict=True)
                  if out and s is not None}
        times = sell_out(self.book_of(code), code, stocks, self.calendar_record(code)["opens"])
        moments = dict(zip(times["product"], times["sold_out_at"], strict=True))
        delays = dict(zip(times["product"], times["after"], strict=True))
        result["sold_out_at"] = pd.Series([moments.get(p) for p in result["product"]], index=result.index,
                                          dtype=object)
        result["after"] = pd.Series([delays.get(p) for p in result["product"]], index=result.index, dtype=object)
        return result

    # --- the Bilan tab ---------------------------------------------------------------------

    def bilan(self) -> pd.DataFrame:
        """The ``Bilan`` tab: one row per sale opened by ``now``, oldest first.

        The fixed columns come first and keep their place; then one column per producer for its
        number of orders and one for its turnover, grouped ("Commandes : …" side by side, then
        "CA : …" side by side) so the producers read across as a comparison and a sheet chart can
        take a contiguous range. A producer with no order in a sale has a blank cell (it was not
        there, or sold nothing), not a zero that would read as a figure.
        """
        sales = self.sales
        sold_out = self.products[self.products["sold_out"]].sort_values(["sale", "label"])
        sold_out_text = sold_out.groupby("sale")["label"].agg(", ".join)
        frame = pd.DataFrame({
            "Vente": sales["code"],
            "Titre": sales["title"],
            "Date": sales["distribution"].map(date_text),
            "Foyers": sales["households"],
            "Nouveaux foyers": sales["new"],
            "Foyers fidèles": sales["returning"],
            "Chiffre d'affaires total": sales["turnover"],
            "Panier moyen": sales["basket"],
            "Produits épuisés": sold_out_text.reindex(sales.index).fillna(""),
            "Remarques": "",
        }, index=sales.index).astype(object)
        names = self.producer_names()
        order = self.producer_order()
        wide = self.producers.pivot(index="sale", columns="producer", values=["orders", "turnover"])
        wide = wide.reindex(sales.index)
        orders = {f"Commandes : {names[p]}": wide["orders"][p] for p in order}
        turnover = {f"CA : {names[p]}": wide["turnover"][p] for p in order}
        extra = pd.DataFrame({**orders, **turnover}, index=sales.index).astype(object)
        extra = extra.where(extra.notna(), None)
        return pd.concat([frame, extra], axis=1).reset_index(drop=True)

    # --- households who stopped -------------------------------------------------------------

    def lapsed(self, missed: int = LAPSE_MISSED, window: int = REGULAR_WINDOW,
               regular: int = REGULAR_ORDERS) -> pd.DataFrame:
        """Households that ordered regularly and then missed ``missed`` ordinary sales in a row.

        Ordinary sales are the sales closed by ``now`` that are not special (Noël, Pâques, or marked
        Spéciale). A household is a regular when it ordered in at least ``regular`` of the ``window``
        ordinary sales up to its last order (of any kind). Columns: email, name, phone, orders (sales
        it took part in), first_sale, first_date, last_sale, last_date, missed, recent (orders in the
        window);
        the most recently gone first.
        """
        return self._cached(("lapsed", missed, window, regular), lambda: self._lapsed(missed, window, regular))

    def _lapsed(self, missed: int, window: int, regular: int) -> pd.DataFrame:
        columns = ["email", "name", "phone", "orders", "first_sale", "first_date", "last_sale", "last_date", "missed",
                   "recent"]
        sales = self.sales
        if self.presence.empty:
            return pd.DataFrame(columns=columns)
        closed = sales["closes"].map(lambda c: c is not None and c <= self.now).to_numpy(bool)
        ordinary = closed & ~sales["special"].to_numpy(bool) & (sales["kind"] == "").to_numpy(bool)
        rank = np.cumsum(ordinary)  # ordinary closed sales up to and including each position
        total = int(ordinary.sum())

        presence = self.presence
        per_household = presence.groupby("email")["position"].agg(["min", "max", "size"])
        last_rank = rank[per_household["max"].to_numpy()]
        gone_for = total - last_rank
        candidates = per_household[gone_for >= missed]
        if candidates.empty:
            return pd.DataFrame(columns=columns)

        mine = presence[presence["email"].isin(candidates.index) & ordinary[presence["position"].to_numpy()]]
        mine_rank = rank[mine["position"].to_numpy()]
        top = rank[candidates["max"].to_numpy()]
        top_of = pd.Series(top, index=candidates.index)
        in_window = mine_rank > mine["email"].map(top_of).to_numpy() - window
        recent = mine[in_window].groupby("email").size().reindex(candidates.index, fill_value=0)

        found = candidates.assign(missed=total - top, recent=recent)
        found = found[found["recent"] >= regular]
        codes = sales.index.to_numpy()
        contact = _contacts(self.book.households, sales["position"])
        result = pd.DataFrame({
            "email": found.index,
            "orders": found["size"].to_numpy(),
            "first_sale": codes[found["min"].to_numpy()],
            "first_date": pd.Series(sales["distribution"].to_numpy()[found["min"].to_numpy()], dtype=object),
            "last_sale": codes[found["max"].to_numpy()],
            "last_date": pd.Series(sales["distribution"].to_numpy()[found["max"].to_numpy()], dtype=object),
            "missed": found["missed"].to_numpy(),
            "recent": found["recent"].to_numpy(),
            "_position": found["max"].to_numpy(),
        })
        result["name"] = result["email"].map(contact["name"]).fillna("")
        result["phone"] = result["email"].map(contact["phone"]).fillna("")
        result = result.sort_values(["_position", "name"], ascending=[False, True], kind="stable")
        return result[columns].reset_index(drop=True)

    def lapsed_tab(self) -> pd.DataFrame:
        """The ``Foyers à recontacter`` tab (the coordinator calls them; nobody is emailed)."""
        found = self.lapsed()
        text = {code: f"{title} ({date_text(moment)})" for code, title, moment in
                zip(self.sales["code"], self.sales["title"], self.sales["distribution"], strict=True)}

        def described(codes, _dates) -> list[str]:
            return [text[c] for c in codes]

        return pd.DataFrame({
            "Nom": found["name"],
            "Email": found["email"],
            "Téléphone": found["phone"],
            "Commandes": found["orders"],
            "Première vente": described(found["first_sale"], found["first_date"]),
            "Dernière vente": described(found["last_sale"], found["last_date"]),
            "Ventes manquées": found["missed"],
            "Remarques": "",
        }, columns=[c.name for c in sheet.RECALL.columns]).astype(object)

    # --- planning a sale from a past one ----------------------------------------------------

    def plan(self, like: str, target: str | None = None) -> pd.DataFrame:
        """Per product of the sale ``like``: what was asked and served, by how many households, the
        stock it had and, when it sold out, how long after the opening. With ``target`` (the sale being
        prepared), whether each product is on offer in it and its stock there (the catalogue's)."""
        products = self.products[self.products["sale"] == like]
        plan = self._with_sell_out(products, like)
        known = self.catalogue.products.set_index("code")
        plan["current_stock"] = plan["product"].map(known["stock"]) if not known.empty else None
        plan["current_stock"] = plan["current_stock"].astype(object).where(plan["current_stock"].notna(), None)
        if target is not None:
            offered = set(self.catalogue.offered(target)["code"])
            plan["offered"] = plan["product"].isin(offered)
        plan["producer_name"] = plan["producer"].map(self.producer_name)
        rank = {code: i for i, code in enumerate(self.catalogue.producers["code"])}
        plan["_rank"] = plan["producer"].map(lambda c: rank.get(c, len(rank)))
        plan = plan.sort_values(["_rank", "producer", "label"], kind="stable").drop(columns="_rank")
        return plan.reset_index(drop=True)


def _sold_out(products: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Mark each sale's products sold out, and the stock they had (as far as the order book shows)."""
    stock = dict(zip(catalogue.products["code"], catalogue.products["stock"], strict=True))
    catalogue_stock = [stock.get(code) for code in products["product"]]
    cut = products["cut"].to_numpy(bool)
    allocated = products["allocated"].to_numpy()
    limit = np.array([np.nan if s is None else s for s in catalogue_stock], dtype=float)
    reached = ~np.isnan(limit) & (allocated >= np.nan_to_num(limit)) & (allocated > 0)
    products["sold_out"] = cut | reached
    # When requests were cut, what was allocated is the stock the product had then (the catalogue's
    # stock may have changed since); otherwise the catalogue's stock is the best we know.
    products["stock"] = pd.Series([int(a) if c else s for a, c, s in zip(allocated, cut, catalogue_stock, strict=True)],
                                  index=products.index, dtype=object)
    return products[PRODUCT_FIGURES]


def _contacts(households: pd.DataFrame, positions: pd.Series) -> pd.DataFrame:
    """Each household's name and phone, from its latest order in the history."""
    frame = households[["sale", "email", "name", "phone"]]
    frame = frame.assign(position=frame["sale"].map(positions)).dropna(subset=["position"])
    frame = frame.sort_values("position", kind="stable").drop_duplicates("email", keep="last")
    return frame.set_index("email")[["name", "phone"]]


def sell_out(book: OrderBook, sale: str, stocks: dict[str, int], opens: datetime) -> pd.DataFrame:
    """When each product of ``stocks`` sold out in ``sale``: the first submission after which the
    households' current requests added up to its stock.

    The submissions are replayed in time order; each one replaces its household's whole order (a
    product left out of a later submission goes back to 0, and a cancelled order drops everything
    at its time). Columns: product, sold_out_at (aware datetime or None), after (timedelta since the
    opening, or None).
    """
    columns = ["product", "sold_out_at", "after"]
    wanted = [p for p, s in stocks.items() if s is not None]
    subs = book.submissions
    subs = subs[(subs["sale"] == sale) & subs["product"].isin(wanted)]
    if subs.empty or not wanted:
        return pd.DataFrame({"product": wanted, "sold_out_at": None, "after": None}, columns=columns, dtype=object)
    keys = ["email", "submitted_at", "source", "row"]
    every = book.submissions[book.submissions["sale"] == sale][keys].drop_duplicates()
    households = book.households
    cancelled = households[(households["sale"] == sale) & (households["status"] == CANCELLED)]
    cancelled = cancelled[["email", "submitted_at"]].assign(source="annulation", row=-1)
    every = pd.concat([every, cancelled], ignore_index=True).astype(object)
    every["at"] = pd.to_datetime(every["submitted_at"].tolist(), utc=True)
    every = every.sort_values(["at", "row"], kind="stable").reset_index(drop=True)
    every["sub"] = every.index
    quantities = subs.merge(every[[*keys, "sub"]], on=keys, how="inner")
    quantities = quantities.assign(requested=pd.to_numeric(quantities["requested"]))
    grid = quantities.pivot_table(index="sub", columns="product", values="requested", aggfunc="sum")
    grid = grid.reindex(index=every.index, columns=wanted).fillna(0)
    # What each submission changes in the total asked: its quantity minus the household's previous one.
    change = grid - grid.groupby(every["email"]).shift(1).fillna(0)
    running = change.cumsum().to_numpy()
    limit = np.array([stocks[p] for p in wanted], dtype=float)
    reached = running >= limit
    rows = []
    for j, product in enumerate(wanted):
        if limit[j] > 0 and reached[:, j].any():
            moment = every.loc[int(reached[:, j].argmax()), "submitted_at"]
            rows.append({"product": product, "sold_out_at": moment, "after": moment - opens})
        else:
            rows.append({"product": product, "sold_out_at": None, "after": None})
    return pd.DataFrame(rows, columns=columns, dtype=object)
