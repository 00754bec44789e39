"""What the recaps say after a distribution: template contexts and their charts.

``producer(history, code, sale)`` is a producer's monthly recap (their sale this time, the same sale
last year, the last three sales); ``group(history, sale)`` is the coordinator's (the whole group, the
households to call back, two charts). Each returns a ``Recap``: a context of plain values (``Decimal``
amounts, aware datetimes, French texts for the comparisons) for a Jinja2 template with the project's
filters (``money``, ``long_date``...), and the charts as PNG images by name. The emails' templates
and sending are the mail layer's; ``paniers report`` renders the coordinator's context as a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from . import charts as charts_module
from .charts import Chart
from .figures import LAPSE_MISSED, History, duration
from .values import money

SPAN = 12  # sales shown in the charts and the history table
LAPSED_SHOWN = 12  # households gone for more ordinary sales than this are only counted (they are in the tab)
MINUS = "\u2212"


@dataclass
class Recap:
    context: dict[str, Any]
    charts: dict[str, Chart] = field(default_factory=dict)


def change(current: int | Decimal | None, before: int | Decimal | None, amount: bool = False) -> dict | None:
    """How ``current`` compares with ``before``: the difference, the percentage (None when there was
    nothing before) and a French text: « +3 (+20 %) », « −45,00 € (−12 %) », « = »."""
    if current is None or before is None:
        return None
    difference = current - before
    percent = None if not before else float(difference) / float(before) * 100
    if difference == 0:
        return {"difference": difference, "percent": 0.0 if before else None, "text": "=", "direction": "same"}
    sign = "+" if difference > 0 else MINUS
    shown = money(abs(difference)) if amount else str(abs(difference))
    text = f"{sign}{shown}"
    if percent is not None and round(abs(percent)) == 0:
        text += " (≈\u00a00\u00a0%)"
    elif percent is not None:
        text += f" ({sign}{format_decimal(round(abs(percent)), locale='fr_FR')}\u00a0%)"
    return {"difference": difference, "percent": percent, "text": text,
            "direction": "up" if difference > 0 else "down"}


def sale_ref(history: History, code: str) -> dict:
    sale = history.calendar_record(code)
    return {"code": code, "title": sale["title"], "distribution": sale["distribution"], "label": sale["label"],
            "special": bool(sale["special"]) or bool(sale["kind"])}


def sale_figures(history: History, code: str) -> dict:
    """One sale's totals for the whole group."""
    sale = history.sale(code)
    return {"sale": sale_ref(history, code), "households": int(sale["households"]), "new": int(sale["new"]),
            "returning": int(sale["returning"]), "turnover": sale["turnover"], "basket": sale["basket"]}


def _sold_out_rows(history: History, code: str, producer: str | None = None) -> list[dict]:
    out = history.sold_out(code)
    if producer is not None:
        out = out[out["producer"] == producer]
    # the fastest first: what producers most need to know when sizing their stock
    out = out.assign(_after=[a if a is not None else timedelta.max for a in out["after"]])
    out = out.sort_values(["_after", "label"], kind="stable")
    return [{
        "code": row.product, "label": row.label, "producer": history.producer_name(row.producer),
        "stock": row.stock, "requested": int(row.requested), "allocated": int(row.allocated),
        "households": int(row.households), "after": row.after,
        "after_text": duration(row.after) if row.after is not None else "",
    } for row in out.itertuples(index=False)]


# --- the coordinator's recap -------------------------------------------------------------------

def group(history: History, code: str, *, scale: int = 1, span: int = SPAN, with_charts: bool = True) -> Recap:
    """The whole group's sale ``code``: totals and their change since the same sale last year, the last
    three sales, each producer, the products sold out (and how fast), the households to call back, the
    history of the last ``span`` sales; charts ``foyers`` and ``chiffre_affaires`` (unless
    ``with_charts`` is false: drawing is what takes time)."""
    this = sale_figures(history, code)
    last_code = history.comparable(code)
    last = sale_figures(history, last_code) if last_code else None
    changes = None
    if last is not None:
        changes = {key: change(this[key], last[key], amount=key in ("turnover", "basket"))
                   for key in ("households", "new", "returning", "turnover", "basket")}

    producers = history.producers
    now_rows = producers[producers["sale"] == code].set_index("producer")
    last_rows = producers[producers["sale"] == last_code].set_index("producer") if last_code else None
    producer_rows = []
    for producer in history.producer_order():
        here = producer in now_rows.index
        before = last_rows is not None and producer in last_rows.index
        if not here and not before:
            continue
        orders = int(now_rows.loc[producer, "orders"]) if here else 0
        turnover = now_rows.loc[producer, "turnover"] if here else Decimal("0.00")
        row = {"code": producer, "name": history.producer_name(producer), "orders": orders, "turnover": turnover,
               "last_year_orders": None, "last_year_turnover": None, "change": None}
        if last_rows is not None:
            row["last_year_orders"] = int(last_rows.loc[producer, "orders"]) if before else 0
            row["last_year_turnover"] = last_rows.loc[producer, "turnover"] if before else Decimal("0.00")
            row["change"] = change(turnover, row["last_year_turnover"], amount=True)
        producer_rows.append(row)

    lapsed = history.lapsed()
    shown = lapsed[lapsed["missed"] <= LAPSED_SHOWN]
    lapsed_rows = [{
        "name": r.name, "email": r.email, "phone": r.phone, "orders": int(r.orders), "missed": int(r.missed),
        "last_sale": sale_ref(history, r.last_sale), "new": int(r.missed) == LAPSE_MISSED,
    } for r in shown.itertuples(index=False)]

    window = history.up_to(code, span)
    context = {
        "sale": this["sale"],
        "figures": this,
        "last_year": last,
        "changes": changes,
        "recent": [sale_figures(history, c) for c in history.previous(code)],
        "producers": producer_rows,
        "sold_out": _sold_out_rows(history, code),
        "lapsed": lapsed_rows,
        "lapsed_older": len(lapsed) - len(shown),
        "history": [sale_figures(history, c) for c in window.index],
        "now": history.now,
    }
    if not with_charts:
        return Recap(context)
    return Recap(context, {
        "foyers": households_chart(history, code, scale=scale, span=span),
        "chiffre_affaires": turnover_chart(history, code, scale=scale, span=span),
    })


def households_chart(history: History, code: str, *, scale: int = 1, span: int = SPAN) -> Chart:
    window = history.up_to(code, span)
    return charts_module.households(list(window["label"]), [int(v) for v in window["new"]],
                                    [int(v) for v in window["returning"]], scale=scale)


def turnover_chart(history: History, code: str, *, scale: int = 1, span: int = SPAN) -> Chart:
    window = history.up_to(code, span)
    return charts_module.turnover(list(window["label"]), _turnover_series(history, window), scale=scale)


def _turnover_series(history: History, window) -> dict[str, list[Decimal | None]]:
    rows = history.producers[history.producers["sale"].isin(window.index)]
    names = history.producer_names()
    wide = rows.pivot(index="sale", columns="producer", values="turnover").reindex(window.index)
    return {names[p]: [None if v != v else v for v in wide[p]] for p in history.producer_order() if p in wide}


def turnover_in_words(history: History, code: str, span: int = SPAN) -> list[dict]:
    """What the ``chiffre_affaires`` chart shows, for the text part of an email: per producer (the biggest
    first), their turnover over the sales of the chart, in how many of them they sold, and in sale ``code``."""
    window = history.up_to(code, span)
    found = []
    for name, values in _turnover_series(history, window).items():
        amounts = [v for v in values if v is not None]
        found.append({"name": name, "total": sum(amounts, Decimal("0.00")), "sales": len(amounts),
                      "this": values[-1] if values and values[-1] is not None else Decimal("0.00")})
    found.sort(key=lambda row: -row["total"])
    return found


# --- a producer's recap ------------------------------------------------------------------------

def producer(history: History, producer_code: str, code: str, *, scale: int = 1, span: int = SPAN,
             with_charts: bool = True) -> Recap:
    """One producer's sale ``code``: their orders, turnover and quantities per product, compared with
    the same sale last year and the last three sales; chart ``chiffre_affaires`` (their turnover over
    the last sales, this one and last year's picked out)."""
    rows = history.producers[history.producers["producer"] == producer_code].set_index("sale")

    def totals(sale_code: str) -> dict:
        here = sale_code in rows.index
        return {"sale": sale_ref(history, sale_code), "orders": int(rows.loc[sale_code, "orders"]) if here else 0,
                "turnover": rows.loc[sale_code, "turnover"] if here else Decimal("0.00")}

    products = history.products[history.products["producer"] == producer_code]
    last_code = history.comparable(code)
    this = totals(code)
    last = totals(last_code) if last_code else None
    mine = products[products["sale"] == code]
    before = products[products["sale"] == last_code] if last_code else products.iloc[:0]
    before_quantity = dict(zip(before["product"], before["allocated"], strict=True))
    sold_out = {row["code"]: row for row in _sold_out_rows(history, code, producer_code)}
    product_rows = [{
        "code": row.product, "label": row.label, "quantity": int(row.allocated), "requested": int(row.requested),
        "households": int(row.households), "amount": row.amount,
        "last_year_quantity": (int(before_quantity[row.product]) if row.product in before_quantity
                               else (0 if last_code else None)),
        "sold_out": row.product in sold_out,
        "after_text": sold_out[row.product]["after_text"] if row.product in sold_out else "",
    } for row in mine.sort_values("label").itertuples(index=False)]
    this["products"] = product_rows
    changes = None
    if last is not None:
        changes = {"orders": change(this["orders"], last["orders"]),
                   "turnover": change(this["turnover"], last["turnover"], amount=True)}
    context = {
        "producer": {"code": producer_code, "name": history.producer_name(producer_code)},
        "sale": this["sale"],
        "figures": this,
        "last_year": last,
        "changes": changes,
        "recent": [totals(c) for c in history.previous(code)],
        "not_again": [{"code": p, "label": label} for p, label in zip(before["product"], before["label"], strict=True)
                      if p not in set(mine["product"])],
        "now": history.now,
    }
    if not with_charts:
        return Recap(context)
    return Recap(context, {"chiffre_affaires": producer_chart(history, producer_code, code, scale=scale, span=span)})


def producer_chart(history: History, producer_code: str, code: str, *, scale: int = 1, span: int = SPAN) -> Chart:
    """The producer's turnover over the last ``span`` sales, reaching back to last year's comparable sale
    when it is a few sales further (at most 15 bars: they must stay readable at 600 px)."""
    bars = producer_bars(history, producer_code, code, span)
    current = next(i for i, bar in enumerate(bars) if bar["current"])
    last_year = next((i for i, bar in enumerate(bars) if bar["last_year"]), None)
    return charts_module.producer_turnover([bar["label"] for bar in bars], [bar["turnover"] for bar in bars],
                                           current=current, last_year=last_year, scale=scale)


def producer_bars(history: History, producer_code: str, code: str, span: int = SPAN) -> list[dict]:
    """The bars of ``producer_chart``, oldest first (also what the text part of the email says instead):
    label (« nov. 2026 »), sale (``sale_ref``), turnover (None when the producer sold nothing), current
    (sale ``code``), last_year (its comparable sale)."""
    sales = history.sales
    position = sales.loc[code, "position"]
    first = position - span + 1
    last_code = history.comparable(code)
    if last_code is not None:
        first = min(first, max(sales.loc[last_code, "position"], position - 14))
    window = sales[(sales["position"] >= first) & (sales["position"] <= position)]
    rows = history.producers[history.producers["producer"] == producer_code].set_index("sale")["turnover"]
    return [{"label": label, "sale": sale_ref(history, c), "turnover": rows.get(c), "current": c == code,
             "last_year": c == last_code} for c, label in zip(window.index, window["label"], strict=True)]
