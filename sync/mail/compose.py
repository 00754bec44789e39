"""Composing each email from the order book, the catalogue and the sale: pure functions, no I/O.

Each function returns ``Email`` values (or a list of them with the problems found). Templates live
in ``templates/emails/<audience>/<kind>.{html,txt}.j2`` and extend a shared base with the group's
signature; the coordinator can override any of them from her own folder (``[templates] folder``).
The subject is the ``subject`` block of the text template. HTML templates autoescape, so whatever
a person typed (a name, a comment, a sale's message) shows as text, never as markup.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd
from jinja2 import Environment

from .. import problems as pb
from .. import sheet, templating
from ..catalogue import Catalogue
from ..config import Config
from ..french import typography, typography_html
from ..households import display_name, reachable
from ..orderbook import CANCELLED, OrderBook
from ..orders.frames import records, values
from ..problems import Problem
from ..values import fold, hour, long_date, long_datetime, money, number, parse_bool, parse_email, parse_text
from . import kinds
from .announced import Change, tag
from .invitation import MIME as ICS_MIME
from .invitation import UPDATE_MIME as ICS_UPDATE_MIME
from .invitation import invitation
from .journal import Journal, OrderNotice, order_notices, submissions_of
from .message import Attachment, Draft, Email, InlineImage, unsubscribe_header
from .richtext import to_html

if TYPE_CHECKING:
    from ..charts import Chart
    from ..figures import History


@dataclass(frozen=True)
class Letterhead:
    """What every email of the group shares: its name, sender, coordinator, time zone and templates."""

    group: str
    sender: str
    coordinator: str
    tz: ZoneInfo
    env: Environment
    phone: str = ""  # the coordinator's phone ([group] phone), for ordering without the form

    @classmethod
    def from_config(cls, config: Config) -> Letterhead:
        env = templating.environment(config)
        env.filters["paragraphs"] = to_html
        return cls(config.group.name, config.mail.sender, config.group.coordinator_email, config.tz, env,
                   config.group.phone.strip())


@dataclass(frozen=True)
class Recipient:
    email: str
    first_name: str = ""
    name: str = ""


def _digest(value: object, length: int = 10) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:length]


# --- rendering -----------------------------------------------------------------------------------

def render(letterhead: Letterhead, kind: kinds.Kind, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of one kind of email, with French spacing (sync/french.py) applied here, once, to
    all three: templates are written with ordinary spaces."""
    full = {"group": letterhead.group, "coordinator": letterhead.coordinator, "phone": letterhead.phone,
            "kind": kind.name, **context}
    folder = f"emails/{kind.audience}/{kind.template}"
    text_template = letterhead.env.get_template(f"{folder}.txt.j2")
    html_template = letterhead.env.get_template(f"{folder}.html.j2")
    subject_block = text_template.blocks.get("subject")
    if subject_block is None:
        raise ValueError(f"le modèle {folder}.txt.j2 n'a pas de bloc « subject »")
    raw_subject = "".join(subject_block(text_template.new_context(dict(full))))
    subject = typography(re.sub(r"[ \t\r\n]+", " ", raw_subject).strip())  # one line; no-break spaces kept
    full["subject"] = subject
    text = typography(_tidy_text(text_template.render(full)))
    html = typography_html(html_template.render(full))
    return subject, text, html


def _tidy_text(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line == "" and tidy and tidy[-1] == "":
            continue
        tidy.append(line)
    return "\n".join(tidy) + "\n"


def _email(letterhead: Letterhead, kind: kinds.Kind, sale: str, recipient: Recipient, context: Mapping[str, Any],
           fingerprint: str = "", attachments: Sequence[Attachment] = (), images: Sequence[InlineImage] = (),
           variant: str = "") -> Email:
    """``variant``: what this email of its kind says (kinds.py; ``message.build`` writes it in the email's
    ``X-Paniers-Variant`` header, so the outbox index reads it back from the .eml); never part of the key."""
    first_name = recipient.first_name.strip()
    subject, text, html = render(letterhead, kind, {"first_name": first_name, **context})
    headers: tuple[tuple[str, str], ...] = (
        (("List-Unsubscribe", unsubscribe_header(letterhead.coordinator)),) if kind.bulk else ())
    return Email(kind=kind.name, sale=sale, recipient=recipient.email.strip().lower(), subject=subject, text=text,
                 html=html, sender=letterhead.sender, group=letterhead.group, reply_to=letterhead.coordinator,
                 recipient_name=recipient.name, fingerprint=fingerprint, attachments=tuple(attachments),
                 headers=headers, images=tuple(images), variant=variant)


# --- views: plain dicts the templates read ------------------------------------------------------

def when_text(start: datetime, end: datetime | None) -> str:
    """« vendredi 11 décembre 2026, de 17 h à 19 h »: when a distribution is, in French."""
    if end is not None and end.date() == start.date():
        return f"{long_date(start)}, de {hour(start)} à {hour(end)}"
    if end is not None:
        return f"du {long_datetime(start)} au {long_datetime(end)}"
    return long_datetime(start)


def sale_view(sale: pd.Series) -> dict[str, Any]:
    start, end = sale["distribution"], sale["distribution_end"]
    when = when_text(start, end)
    return {
        "code": sale["code"], "title": sale["title"], "opens": sale["opens"], "closes": sale["closes"],
        "distribution": start, "distribution_end": end, "place": sale["place"] or "",
        "form_url": sale["form_url"] or "", "message": sale["message"] or "", "special": bool(sale["special"]),
        "when": when, "closes_text": long_datetime(sale["closes"]),
    }


def producer_view(producer: pd.Series | None, code: str) -> dict[str, Any]:
    if producer is None:
        return {"code": code, "name": code, "email": "", "phone": "", "payments": "", "cheque_payee": code,
                "accepts_cheque": False}
    payments = producer["payments"] or ""
    accepts_cheque = "cheque" in fold(payments)
    return {
        "code": code, "name": producer["name"], "email": producer["email"] or "", "phone": producer["phone"] or "",
        "payments": payments, "accepts_cheque": accepts_cheque,
        "cheque_payee": (producer["cheque_payee"] or producer["name"]) if accepts_cheque else "",
    }


def _producers(catalogue: Catalogue) -> dict[str, pd.Series]:
    """Each producer's row by code, made once per catalogue (every order email asks)."""
    known = catalogue.__dict__.get("_producer_rows")
    if known is None or known[0] is not catalogue.producers:
        known = (catalogue.producers, {row["code"]: row for _, row in catalogue.producers.iterrows()})
        catalogue.__dict__["_producer_rows"] = known
    return known[1]


@functools.lru_cache(maxsize=32)
def _row_type(columns: tuple[str, ...]):
    return namedtuple("Line", columns, rename=True)


def _records(frame: pd.DataFrame):
    """``frame.itertuples(index=False)`` for a small frame: pandas builds a new named-tuple type on every
    call, which costs more than the few lines of one household's order."""
    kind = _row_type(tuple(str(c) for c in frame.columns))
    return [kind(*values) for values in zip(*(frame[c].tolist() for c in frame.columns), strict=True)]


def unit_price_text(price: Decimal, by_weight: bool) -> str:
    return f"{money(price)} le kg" if by_weight else money(price)


def line_view(line) -> dict[str, Any]:
    """One product line of an order, with the texts a reader needs (estimates said as such)."""
    by_weight = bool(line.by_weight)
    weight_note = ""
    if by_weight and line.weight is not None:
        weight_note = f"{number(line.weight)} kg pesés"
    elif by_weight and line.avg_weight is not None and line.allocated:
        weight_note = f"environ {number(line.avg_weight * line.allocated)} kg"
    detail = ""
    if by_weight:
        detail = " · ".join(p for p in (unit_price_text(line.unit_price, True), weight_note) if p)
    elif int(line.allocated) > 1:
        detail = f"{int(line.allocated)} × {money(line.unit_price)}"
    return {
        "detail": detail,
        "product": line.product, "label": line.label, "requested": int(line.requested),
        "allocated": int(line.allocated), "unit_price": line.unit_price, "by_weight": by_weight,
        "price_text": unit_price_text(line.unit_price, by_weight), "amount": line.amount,
        "estimated": bool(line.estimated), "weight_note": weight_note, "cut": int(line.allocated) < int(line.requested),
        "weight": line.weight,
    }


def order_view(lines: pd.DataFrame, catalogue: Catalogue) -> dict[str, Any]:
    """A household's order grouped by producer: lines, what to pay each producer and how."""
    producers = _producers(catalogue)
    groups: dict[str, dict[str, Any]] = {}
    for line in _records(lines):
        group = groups.setdefault(line.producer, {
            "producer": producer_view(producers.get(line.producer), line.producer), "lines": [],
            "total": Decimal("0.00"), "estimated": False,
        })
        view = line_view(line)
        group["lines"].append(view)
        if view["allocated"] > 0:
            group["total"] += view["amount"]
            group["estimated"] |= view["estimated"]
    ordered = sorted(groups.values(), key=lambda g: fold(g["producer"]["name"]))
    to_pay = [g for g in ordered if g["total"] > 0]
    all_lines = [line for g in ordered for line in g["lines"]]
    return {
        "producers": ordered,
        "total": sum((g["total"] for g in ordered), Decimal("0.00")),
        "estimated": any(g["estimated"] for g in ordered),
        "cheques": sum(1 for g in to_pay if g["producer"]["accepts_cheque"]),
        "payees": len(to_pay),
        "cuts": [line for line in all_lines if line["cut"]],
        "count": sum(line["allocated"] for line in all_lines),
    }


def _household(book: OrderBook, sale: str, email: str) -> pd.Series:
    rows = book.households[(book.households["sale"] == sale) & (book.households["email"] == email)]
    if rows.empty:
        raise KeyError(f"aucune commande de {email} dans la vente {sale}")
    return rows.iloc[0]


def _lines(book: OrderBook, sale: str, email: str) -> pd.DataFrame:
    return book.lines[(book.lines["sale"] == sale) & (book.lines["email"] == email)]


def _recipient(household: pd.Series) -> Recipient:
    return Recipient(household["email"], household["first_name"] or "", household["name"] or "")


def _labels(book: OrderBook, catalogue: Catalogue) -> dict[str, str]:
    labels = {}
    for product in catalogue.products.itertuples(index=False):
        labels[product.code] = " ".join(p for p in (product.name, product.packaging) if p)
    for line in book.lines.itertuples(index=False):
        labels[line.product] = line.label
    return labels


def changes_view(before: Mapping[str, int], after: Mapping[str, int], labels: Mapping[str, str]) -> list[dict]:
    """What changed between two submissions, product by product (added, removed, quantity changed)."""
    changes = []
    for product in sorted(set(before) | set(after), key=lambda p: fold(labels.get(p, p))):
        old, new = int(before.get(product, 0)), int(after.get(product, 0))
        if old == new:
            continue
        what = "ajouté" if old == 0 else "retiré" if new == 0 else "modifié"
        changes.append({"product": product, "label": labels.get(product, product), "before": old, "after": new,
                        "what": what})
    return changes


# --- to households ------------------------------------------------------------------------------

def offer_view(catalogue: Catalogue, sale: str) -> list[dict[str, Any]]:
    """The products of a sale by producer, with prices (per kg and per piece for those sold by weight)."""
    producers = _producers(catalogue)
    offered = catalogue.offered(sale)
    groups: dict[str, dict[str, Any]] = {}
    for product in offered.itertuples(index=False):
        group = groups.setdefault(product.producer, {
            "producer": producer_view(producers.get(product.producer), product.producer), "products": []})
        estimate = ""
        if product.by_weight and product.avg_weight:
            estimate = f"environ {money(product.price * product.avg_weight)} la pièce"
        group["products"].append({
            "code": product.code, "name": product.name, "packaging": product.packaging or "",
            "price": product.price, "price_text": unit_price_text(product.price, bool(product.by_weight)),
            "estimate": estimate, "description": product.description or "", "limited": product.stock is not None,
            "category": product.category or "",
        })
    return sorted(groups.values(), key=lambda g: fold(g["producer"]["name"]))


def orders_open(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, recipient: Recipient,
                offer: list[dict[str, Any]] | None = None) -> Email:
    """The announcement: the sale is open, what is on offer, the form link, the dates and the place.
    ``offer`` is ``offer_view(catalogue, sale code)`` when the caller already has it (the same for everyone)."""
    offer = offer if offer is not None else offer_view(catalogue, sale["code"])
    # the key ends with the distribution's details as announced: what a later change compares with (announced.py)
    return _email(letterhead, kinds.ORDERS_OPEN, sale["code"], recipient, {"sale": sale_view(sale), "offer": offer},
                  tag(sale))


def closing_reminder(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, recipient: Recipient,
                     offer: list[dict[str, Any]] | None = None) -> Email:
    """The reminder before closing, for a subscribed household that has not ordered (the schedule picks them)."""
    offer = offer if offer is not None else offer_view(catalogue, sale["code"])
    return _email(letterhead, kinds.CLOSING_REMINDER, sale["code"], recipient,
                  {"sale": sale_view(sale), "producers": [g["producer"]["name"] for g in offer]})


EDITABLE = frozenset({kinds.CONFIRMATION.name, kinds.MODIFIED.name})  # the order emails with « modifier »


def order_email(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                notice: OrderNotice, edit_url: str | None = None, household: pd.Series | None = None,
                lines: pd.DataFrame | None = None) -> Email:
    """A confirmation, "modified", "cancelled" or "cut" email, as ``order_notices`` found it due.

    ``edit_url``: the form pre-filled with this household's order (``forms.prefill_url``), shown as
    « Modifier ma commande » in a confirmation or a "modified" email; None shows none. It is not part of
    the fingerprint: publishing the form again never sends a confirmation again. ``household`` and
    ``lines``: the household's row and lines in the sale, when the caller has them."""
    code = sale["code"]
    household = household if household is not None else _household(book, code, notice.email)
    lines = lines if lines is not None else _lines(book, code, notice.email)
    context: dict[str, Any] = {
        "sale": sale_view(sale), "household": {"name": household["name"], "comment": household["comment"] or ""},
        "order": order_view(lines, catalogue), "changes": [],
        "edit_url": (edit_url or "") if notice.kind in EDITABLE else "",
    }
    if notice.kind == kinds.MODIFIED.name:
        history = dict(submissions_of(book, code, notice.email))
        before = history.get(notice.previous_at, {}) if notice.previous_at is not None else {}
        after = {line.product: int(line.requested) for line in lines.itertuples(index=False)}
        context["changes"] = changes_view(before, after, _labels(book, catalogue))
    if notice.kind == kinds.CANCELLED.name:
        history = submissions_of(book, code, notice.email)
        earlier = [content for at, content in history if at < household["submitted_at"]]
        labels = _labels(book, catalogue)
        context["cancelled"] = [{"label": labels.get(p, p), "quantity": q} for p, q in
                                (earlier[-1].items() if earlier else [])]
    # a "cut" email without a cut line says the opposite: the order is complete again (cut.txt.j2)
    variant = kinds.COMPLETE if notice.kind == kinds.CUT.name and not context["order"]["cuts"] else ""
    return _email(letterhead, kinds.KINDS[notice.kind], code, _recipient(household), context, notice.fingerprint,
                  variant=variant)


def order_updates(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                  journal: Journal, edit_urls: Mapping[str, str] | None = None) -> list[Email]:
    """Every order email due now in a sale (confirmations, "modified", "cancelled", "cut"); ``edit_urls``
    maps a household's address to its « modifier ma commande » link (households without one get none)."""
    return [draft.ready() for draft in order_drafts(letterhead, catalogue, sale, book, journal, edit_urls)]


def order_drafts(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                 journal: Journal, edit_urls: Mapping[str, str] | None = None) -> list[Draft]:
    """``order_updates`` as drafts: each one's key is known now, its text is written only if it goes."""
    notices = order_notices(book, sale["code"], journal)
    if not notices:
        return []
    edit_urls = edit_urls or {}
    orders = _SaleOrders(book, sale["code"])
    return [Draft(notice.kind, sale["code"], notice.email, notice.fingerprint,
                  partial(_order_email_draft, letterhead, catalogue, sale, book, notice, edit_urls.get(notice.email),
                          orders), notice.variant)
            for notice in notices]


class _SaleOrders:
    """Each household's row and lines in one sale, found by address: the positions are read in one pass
    (not one scan of the whole book per email), the rows taken only for the emails actually written (a
    big sale has thousands of drafts, of which the sending limits let a hundred go)."""

    def __init__(self, book: OrderBook, sale: str):
        self.households = book.households[book.households["sale"] == sale]
        self.lines = book.lines[book.lines["sale"] == sale]
        self._household: dict[str, int] = {}
        for position, email in enumerate(self.households["email"].tolist()):
            self._household.setdefault(email, position)  # the first row of an address
        self._lines: dict[str, list[int]] = {}
        for position, email in enumerate(self.lines["email"].tolist()):
            self._lines.setdefault(email, []).append(position)

    def household(self, email: str) -> pd.Series:
        return self.households.iloc[self._household[email]]

    def lines_of(self, email: str) -> pd.DataFrame:
        return self.lines.iloc[self._lines.get(email, [])]


def _order_email_draft(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                       notice: OrderNotice, edit_url: str | None, orders: _SaleOrders) -> Email:
    return order_email(letterhead, catalogue, sale, book, notice, edit_url, orders.household(notice.email),
                       orders.lines_of(notice.email))


def collecting(book: OrderBook, sale: str) -> list[pd.Series]:
    """Households with something to collect in a sale (not cancelled, at least one unit granted)."""
    households = _not_cancelled(book, sale)
    granted = _granted(book, sale)
    return [row for _, row in households.iterrows() if row["email"] in granted]


def collecting_addresses(book: OrderBook, sale: str) -> list[str]:
    """The keys of ``collecting``'s households, in the same order, without building their rows (a
    big sale has thousands: the schedule only needs who they are). Households without email included:
    ``reachable_collecting`` is who can be written to."""
    granted = _granted(book, sale)
    return [email for email in _not_cancelled(book, sale)["email"].tolist() if email in granted]


def reachable_collecting(book: OrderBook, sale: str) -> list[str]:
    """``collecting_addresses`` that are addresses (a household without email is never written to)."""
    return [email for email in collecting_addresses(book, sale) if reachable(email)]


def _not_cancelled(book: OrderBook, sale: str) -> pd.DataFrame:
    return book.households[(book.households["sale"] == sale) & (book.households["status"] != CANCELLED)]


def _granted(book: OrderBook, sale: str) -> set[str]:
    """The addresses with at least one unit granted in a sale."""
    lines = book.lines[book.lines["sale"] == sale]
    return {email for email, allocated in values(lines, "email", "allocated") if int(allocated) > 0}


def calendar_attachment(letterhead: Letterhead, sale: pd.Series, now: datetime, summary: str = "",
                        description: str = "", sequence: int = 0, attendee: str = "") -> Attachment:
    """The distribution as an .ics invitation (the same UID for every household: one event per sale); with
    ``sequence`` above 0, the update of the invitation sent before (a change of date, hours or place)."""
    start = sale["distribution"]
    end = sale["distribution_end"] or start + timedelta(hours=2)
    domain = letterhead.sender.rpartition("@")[2] or "paniers.invalid"
    data = invitation(
        uid=f"distribution-{sale['code']}-{_digest(letterhead.group, 8)}@{domain}",
        summary=summary or f"{letterhead.group} : distribution ({sale['title']})",
        start=start, end=end, location=sale["place"] or "", description=description,
        organizer_name=letterhead.group, organizer_email=letterhead.coordinator, now=now,
        url=sale["form_url"] or "", sequence=sequence, attendee=attendee,
    )
    return Attachment(f"distribution-{sale['code']}.ics", data, ICS_UPDATE_MIME if sequence > 0 else ICS_MIME)


def pickup_reminder(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook, email: str,
                    now: datetime) -> Email:
    """The day-before reminder: what to collect, what to pay to whom, with a calendar invitation."""
    code = sale["code"]
    household = _household(book, code, email)
    order = order_view(_lines(book, code, email), catalogue)
    payments = "\n".join(f"{g['producer']['name']} : {money(g['total'])}{' (estimation)' if g['estimated'] else ''}"
                         for g in order["producers"] if g["total"] > 0)
    description = f"À payer sur place, à chaque producteur :\n{payments}" if payments else ""
    ics = calendar_attachment(letterhead, sale, now, description=description)
    context = {"sale": sale_view(sale), "household": {"name": household["name"], "comment": ""}, "order": order}
    return _email(letterhead, kinds.PICKUP_REMINDER, code, _recipient(household), context, "", (ics,))


def pickup_reminders(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                     now: datetime) -> list[Email]:
    return [pickup_reminder(letterhead, catalogue, sale, book, email, now)
            for email in reachable_collecting(book, sale["code"])]


def final_amounts(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                  email: str) -> Email:
    """After weighing: the exact amount due to each producer (a new one goes out if a weight is corrected)."""
    code = sale["code"]
    household = _household(book, code, email)
    lines = _lines(book, code, email)
    fingerprint = _final_fingerprint(zip(lines["product"], lines["weight"], lines["amount"], strict=True))
    context = {"sale": sale_view(sale), "household": {"name": household["name"], "comment": ""},
               "order": order_view(lines, catalogue)}
    return _email(letterhead, kinds.FINAL_AMOUNTS, code, _recipient(household), context, fingerprint)


def _final_fingerprint(lines: Iterable[tuple[str, Any, Any]]) -> str:
    """What a « montants définitifs » email says: each line's (product, weight, amount). A weight corrected
    later changes it, and a new email goes."""
    return _digest(sorted((product, str(weight), str(amount)) for product, weight, amount in lines))


def final_amounts_drafts(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                         emails: Iterable[str]) -> list[Draft]:
    """``final_amounts`` of these households as drafts: each key from the household's lines (read in one
    pass over the sale), each email written only if it goes. The follow-up step asks for them on every
    run for days, long after most went."""
    code = sale["code"]
    lines = book.lines[book.lines["sale"] == code]
    by_email: dict[str, list[tuple[str, Any, Any]]] = {}
    for email, product, weight, amount in values(lines, "email", "product", "weight", "amount"):
        by_email.setdefault(email, []).append((product, weight, amount))
    return [Draft(kinds.FINAL_AMOUNTS.name, code, email.strip().lower(), _final_fingerprint(by_email.get(email, [])),
                  partial(final_amounts, letterhead, catalogue, sale, book, email))
            for email in emails if reachable(email)]


def final_amounts_all(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook) -> list[Email]:
    return [final_amounts(letterhead, catalogue, sale, book, email)
            for email in reachable_collecting(book, sale["code"])]


# --- to producers -------------------------------------------------------------------------------

def producer_orders_view(book: OrderBook, sale: str, producer: str) -> dict[str, Any]:
    """What a producer brings (totals per product) and hands over (per household, with the amount due)."""
    lines = book.lines[(book.lines["sale"] == sale) & (book.lines["producer"] == producer)]
    lines = lines[lines["allocated"].map(lambda q: int(q) > 0).astype(bool)]
    # each household's phone and comment by address, read once (not looked up in a frame for every line)
    contacts: dict[str, tuple[Any, Any]] = {}
    for email, phone, comment in values(book.households[book.households["sale"] == sale], "email", "phone",
                                        "comment"):
        contacts.setdefault(email, (phone, comment))
    products: dict[str, dict[str, Any]] = {}
    by_household: dict[str, dict[str, Any]] = {}
    for line in lines.itertuples(index=False):
        product = products.setdefault(line.product, {"label": line.label, "quantity": 0, "amount": Decimal("0.00"),
                                                     "by_weight": bool(line.by_weight), "kg": Decimal("0"),
                                                     "estimated": False, "price_text": unit_price_text(
                                                         line.unit_price, bool(line.by_weight))})
        product["quantity"] += int(line.allocated)
        product["amount"] += line.amount
        product["estimated"] |= bool(line.estimated)
        if line.by_weight:
            product["kg"] += line.weight if line.weight is not None else (line.avg_weight or 0) * int(line.allocated)
        phone, comment = contacts.get(line.email, ("", ""))
        entry = by_household.setdefault(line.email, {
            "name": line.name, "email": line.email, "phone": phone or "", "comment": comment or "",
            "lines": [], "total": Decimal("0.00"), "estimated": False})
        entry["lines"].append(line_view(line))
        entry["total"] += line.amount
        entry["estimated"] |= bool(line.estimated)
    product_list = sorted(products.values(), key=lambda p: fold(p["label"]))
    household_list = sorted(by_household.values(), key=lambda h: fold(h["name"]))
    return {
        "products": product_list, "households": household_list,
        "total": sum((p["amount"] for p in product_list), Decimal("0.00")),
        "estimated": any(p["estimated"] for p in product_list),
    }


def producer_orders(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook, producer: str,
                    attachments: Sequence[Attachment] = ()) -> Email | None:
    """A producer's order list at closing (the PDF and spreadsheet come from the lists, as attachments).
    None when the producer has no address."""
    draft = producer_orders_draft(letterhead, catalogue, sale, book, producer, attachments)
    return draft.ready() if draft is not None else None


def producer_orders_draft(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                          producer: str, attachments: Sequence[Attachment] = (),
                          granted: list[tuple[str, str, int]] | None = None) -> Draft | None:
    """``producer_orders`` as a draft: its key comes from what is granted (``granted``: this producer's
    part of ``_granted_lines``, when the caller has it), the list itself (two thousand households, in a
    big sale) is laid out and written only if it goes. The schedule asks for every producer's list on
    every run until the distribution, long after each one went."""
    row = _producers(catalogue).get(producer)
    view = producer_view(row, producer)
    if not parse_email(view["email"]).ok:
        return None
    if granted is None:
        granted = _granted_lines(book, sale["code"]).get(producer, [])
    fingerprint = _digest(sorted(granted))  # each line: (household, product, quantity granted)
    recipient = Recipient(view["email"], "", view["name"])
    write = partial(_producer_orders_email, letterhead, sale, book, producer, view, recipient, fingerprint,
                    attachments)
    return Draft(kinds.PRODUCER_ORDERS.name, sale["code"], recipient.email.strip().lower(), fingerprint, write)


def _producer_orders_email(letterhead: Letterhead, sale: pd.Series, book: OrderBook, producer: str,
                           view: dict[str, Any], recipient: Recipient, fingerprint: str,
                           attachments: Sequence[Attachment]) -> Email:
    orders = producer_orders_view(book, sale["code"], producer)
    return _email(letterhead, kinds.PRODUCER_ORDERS, sale["code"], recipient,
                  {"sale": sale_view(sale), "producer": view, "orders": orders}, fingerprint, attachments)


def _granted_lines(book: OrderBook, sale: str) -> dict[str, list[tuple[str, str, int]]]:
    """What each producer hands over in a sale, by producer: (household address, product, quantity granted)
    of each line with something granted (the lines of ``producer_orders_view``), in one pass."""
    lines = book.lines[book.lines["sale"] == sale]
    found: dict[str, list[tuple[str, str, int]]] = {}
    for producer, email, product, allocated in values(lines, "producer", "email", "product", "allocated"):
        if int(allocated) > 0:
            found.setdefault(producer, []).append((email, product, int(allocated)))
    return found


def producer_order_lists(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                         attachments: Mapping[str, Sequence[Attachment]] | None = None
                         ) -> tuple[list[Email], list[Problem]]:
    """One order list per producer with orders in the sale; a producer without a valid address is a problem."""
    drafts, problems = producer_order_drafts(letterhead, catalogue, sale, book, attachments)
    return [draft.ready() for draft in drafts], problems


def producer_order_drafts(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                          attachments: Mapping[str, Sequence[Attachment]] | None = None
                          ) -> tuple[list[Draft], list[Problem]]:
    """``producer_order_lists`` as drafts (see ``producer_orders_draft``)."""
    granted = _granted_lines(book, sale["code"])
    drafts, problems = [], []
    producers = _producers(catalogue)
    for code in sorted(granted):  # the producers with orders
        draft = producer_orders_draft(letterhead, catalogue, sale, book, code, (attachments or {}).get(code, ()),
                                      granted[code])
        if draft is None:
            row = producers.get(code)
            problems.append(pb.error(sheet.PRODUCERS.name, int(row["row"]) if row is not None else None, "Email",
                                     "ce producteur a des commandes mais pas d'adresse e-mail valable : sa liste "
                                     "ne peut pas lui être envoyée", code, sale["code"]))
            continue
        drafts.append(draft)
    return drafts, problems


@dataclass(frozen=True)
class LateChange:
    """A household's order changed after closing: what it means for one producer."""

    producer: str
    email: str
    name: str
    submitted_at: datetime
    changes: tuple[dict, ...]


def late_changes(book: OrderBook, catalogue: Catalogue, sale: pd.Series) -> list[LateChange]:
    """Every change made after closing, per producer concerned (pure). Each later submission is compared
    with the one before it (a first one, with nothing); a cancellation after closing counts too."""
    code, closes = sale["code"], sale["closes"]
    product_producer = dict(zip(catalogue.products["code"], catalogue.products["producer"], strict=True))
    product_producer.update(dict(zip(book.lines["product"], book.lines["producer"], strict=True)))
    labels = _labels(book, catalogue)
    histories = _submission_histories(book, code)
    found = []
    for household in book.households[book.households["sale"] == code].itertuples(index=False):
        history = list(histories.get(household.email, []))
        if household.status == CANCELLED and household.submitted_at not in dict(history):
            history.append((household.submitted_at, {}))
            history.sort(key=lambda item: item[0])
        for index, (at, content) in enumerate(history):
            if at < closes:
                continue
            # a first order after closing (a late order the coordinator accepted) is a change from nothing
            changes = changes_view(history[index - 1][1] if index else {}, content, labels)
            by_producer: dict[str, list[dict]] = {}
            for change in changes:
                by_producer.setdefault(product_producer.get(change["product"], ""), []).append(change)
            for producer, own in sorted(by_producer.items()):
                if producer:
                    found.append(LateChange(producer, household.email, household.name, at, tuple(own)))
    return found


def _submission_histories(book: OrderBook, sale: str) -> dict[str, list[tuple[datetime, dict[str, int]]]]:
    """``journal.submissions_of`` for every household of a sale at once (one pass over the submissions,
    not one filter of them per household): by address, each submission oldest first as {product: quantity}."""
    submissions = book.submissions[book.submissions["sale"] == sale]
    grouped: dict[str, dict[datetime, dict[str, int]]] = {}
    for email, at, product, requested in values(submissions, "email", "submitted_at", "product", "requested"):
        grouped.setdefault(email, {}).setdefault(at, {})[product] = int(requested)
    return {email: sorted(times.items(), key=lambda item: item[0]) for email, times in grouped.items()}


def late_change_emails(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook
                       ) -> tuple[list[Email], list[Problem]]:
    """One email per producer and late change (the journal keeps each from going twice)."""
    producers = _producers(catalogue)
    emails, problems = [], []
    for change in late_changes(book, catalogue, sale):
        view = producer_view(producers.get(change.producer), change.producer)
        if not parse_email(view["email"]).ok:
            problems.append(pb.warning(sheet.PRODUCERS.name, None, "Email", "changement de commande après la "
                                       "clôture, mais ce producteur n'a pas d'adresse valable pour en être averti",
                                       change.producer, sale["code"]))
            continue
        lines = book.lines[(book.lines["sale"] == sale["code"]) & (book.lines["email"] == change.email)
                           & (book.lines["producer"] == change.producer)]
        order = order_view(lines, catalogue)
        context = {"sale": sale_view(sale), "producer": view, "household": {
            "name": change.name, "email": change.email, "submitted_at": change.submitted_at},
            "changes": list(change.changes), "order": order}
        fingerprint = _digest((change.email, change.submitted_at.isoformat()))
        emails.append(_email(letterhead, kinds.LATE_CHANGE, sale["code"], Recipient(view["email"], "", view["name"]),
                             context, fingerprint))
    return emails, problems


# --- to the coordinator ---------------------------------------------------------------------------

def closing_summary(letterhead: Letterhead, catalogue: Catalogue, sale: pd.Series, book: OrderBook,
                    attachments: Sequence[Attachment] = (), problems: Sequence[Problem] = ()) -> Email:
    """The coordinator's summary at closing: households, amounts per producer, what needs her attention."""
    code = sale["code"]
    households = book.households[book.households["sale"] == code]
    active = households[households["status"] != CANCELLED]
    producers = _producers(catalogue)
    lines = book.lines[book.lines["sale"] == code]
    per_producer = []
    for producer, group in lines.groupby("producer", sort=False):
        granted = group[group["allocated"].map(lambda q: int(q) > 0).astype(bool)]
        if granted.empty:
            continue
        per_producer.append({
            "name": producer_view(producers.get(producer), producer)["name"],
            "households": granted["email"].nunique(), "amount": sum(granted["amount"], Decimal("0.00")),
            "estimated": bool(granted["estimated"].astype(bool).any()),
        })
    per_producer.sort(key=lambda p: fold(p["name"]))
    cut = lines[lines["allocated"].map(int) < lines["requested"].map(int)]
    sale_problems = [p for p in problems if p.sale in ("", code)]
    context = {
        "sale": sale_view(sale),
        "summary": {
            "households": len(active), "cancelled": int((households["status"] == CANCELLED).sum()),
            "producers": per_producer, "total": sum((p["amount"] for p in per_producer), Decimal("0.00")),
            "estimated": any(p["estimated"] for p in per_producer),
            "cut": [{"name": row.name, "label": row.label, "requested": int(row.requested),
                     "allocated": int(row.allocated)} for row in cut.itertuples(index=False)],
            "errors": sum(p.severity == pb.ERROR for p in sale_problems), "problems": len(sale_problems),
        },
    }
    return _email(letterhead, kinds.CLOSING_SUMMARY, code, Recipient(letterhead.coordinator), context, "",
                  attachments)


def anomalies_digest(letterhead: Letterhead, problems: Iterable[Problem], sale: str = "") -> Email | None:
    """The list of what to fix in the sheet; None when there is nothing. The same list never goes twice."""
    unique = list(dict.fromkeys(problems))
    if not unique:
        return None
    ordered = sorted(unique, key=lambda p: (p.severity != pb.ERROR, p.sale, p.tab, p.row or 0))
    fingerprint = _digest(sorted((p.severity, p.sale, p.tab, p.row or 0, p.column, p.message, p.value)
                                 for p in unique))
    context = {
        "problems": [{"severity": p.severity, "where": p.where(), "message": p.message, "value": p.value,
                      "sale": p.sale, "error": p.severity == pb.ERROR} for p in ordered],
        "errors": sum(p.severity == pb.ERROR for p in unique), "warnings": sum(p.severity != pb.ERROR for p in unique),
        "sale_code": sale,
    }
    return _email(letterhead, kinds.ANOMALIES, sale, Recipient(letterhead.coordinator), context, fingerprint)


# --- after the distribution: the recaps ----------------------------------------------------------

RECAP_WIDTH = 560  # CSS px: the content column of base.html.j2 (600 px less its padding)


def recap_images(letterhead: Letterhead, kind: kinds.Kind, sale: str, recipient: str,
                 charts: Mapping[str, Chart]) -> tuple[list[InlineImage], dict[str, dict[str, Any]]]:
    """The charts as images inside the email (``cid:``), and what the template needs to show each one:
    ``images[name]`` = cid, width, height (CSS px, in proportion) and alt (the figures in words)."""
    domain = letterhead.sender.rpartition("@")[2] or "paniers.invalid"
    inline, views = [], {}
    for name, chart in charts.items():
        cid = f"{name}.{_digest((kind.name, sale, recipient.lower(), name), 16)}@{domain}"
        inline.append(InlineImage(cid, chart.png, "image/png", f"{name}-{sale}.png"))
        views[name] = {"cid": cid, "width": RECAP_WIDTH, "height": round(chart.height * RECAP_WIDTH / chart.width),
                       "alt": chart.alt}
    return inline, views


def recap_tag(producer: str) -> str:
    """The first part of a producer recap's fingerprint: which producer it is about (two producers may share
    an address), so that each recap goes once whatever its figures have become since."""
    return _digest(("producteur", producer), 6)


def _estimated(history: History, sale: str) -> set[str]:
    """The producers whose amounts in the sale are still estimates (products sold by weight not weighed yet)."""
    lines = history.book.lines
    lines = lines[lines["sale"] == sale]  # the sale first: the book holds every sale ever held
    lines = lines[lines["allocated"].map(lambda q: int(q) > 0).astype(bool)]
    return set(lines.loc[lines["estimated"].astype(bool), "producer"])


def producer_address(catalogue: Catalogue, producer: str) -> str | None:
    """A producer's address from the Producteurs tab, or None when it has none that is valid."""
    rows = catalogue.producers[catalogue.producers["code"] == producer]
    address = parse_email(rows.iloc[0]["email"] if not rows.empty else None, required=False)
    return address.value if address.ok and address.value else None


def sellers(history: History, sale: str) -> list[str]:
    """The producers who sold something in a sale (at least one household served), in the Producteurs order."""
    present = set(history.producers.loc[history.producers["sale"] == sale, "producer"])
    return [code for code in history.producer_order() if code in present]


def producer_recap(letterhead: Letterhead, history: History, sale: str, producer: str,
                   charts: bool = True) -> Email | None:
    """A producer's recap after the distribution: their orders and turnover, product by product, compared with
    the same sale last year and the three sales before, with the chart of their turnover (drawn only when
    ``charts``: it is what takes time). None when the producer has no valid address."""
    from .. import recaps  # matplotlib is loaded only by the runs that draw

    rows = history.catalogue.producers
    row = rows[rows["code"] == producer]
    view = producer_view(row.iloc[0] if not row.empty else None, producer)
    if not parse_email(view["email"]).ok:
        return None
    recap = recaps.producer(history, producer, sale, scale=2, with_charts=charts)
    figures = recap.context["figures"]
    fingerprint = recap_tag(producer) + "." + _digest((
        figures["orders"], str(figures["turnover"]),
        sorted((p["code"], p["quantity"], str(p["amount"])) for p in figures["products"])))
    images, views = recap_images(letterhead, kinds.PRODUCER_RECAP, sale, view["email"], recap.charts)
    context = {**recap.context, "images": views, "estimated": producer in _estimated(history, sale),
               "bars": recaps.producer_bars(history, producer, sale)}
    return _email(letterhead, kinds.PRODUCER_RECAP, sale, Recipient(view["email"], "", view["name"]), context,
                  fingerprint, images=images)


def coordinator_recap(letterhead: Letterhead, history: History, sale: str, charts: bool = True) -> Email:
    """The coordinator's recap after the distribution: the whole group (households new and returning, turnover,
    each producer, products sold out, households who just stopped ordering), with the charts of the
    households per sale and of the turnover per producer over the last twelve sales."""
    from .. import recaps

    recap = recaps.group(history, sale, scale=2, with_charts=charts)
    context = recap.context
    figures = context["figures"]
    fingerprint = _digest((figures["households"], figures["new"], figures["returning"], str(figures["turnover"]),
                           sorted((p["code"], p["orders"], str(p["turnover"])) for p in context["producers"])))
    images, views = recap_images(letterhead, kinds.COORDINATOR_RECAP, sale, letterhead.coordinator, recap.charts)
    estimated = _estimated(history, sale)
    context = {**context, "images": views, "estimated": bool(estimated), "estimated_producers": estimated,
               "turnover_words": recaps.turnover_in_words(history, sale),
               "lapsed_new": [h for h in context["lapsed"] if h["new"]]}
    return _email(letterhead, kinds.COORDINATOR_RECAP, sale, Recipient(letterhead.coordinator), context,
                  fingerprint, images=images)


# --- written by people, and changes of a distribution ---------------------------------------------

def group_message(letterhead: Letterhead, message, reader, sale: pd.Series | None = None) -> Email:
    """A message of the ``Messages`` tab (``messages.Message``) to one of its readers (``messages.Reader``):
    its text in the group's layout (paragraphs and links kept, everything escaped), the sale's details when
    it names one. The key is the message's identity (its time and subject), never its text."""
    context = {"message": {"subject": message.subject, "text": message.text}, "why": reader.why,
               "sale": sale_view(sale) if sale is not None else None}
    return _email(letterhead, kinds.MESSAGE, message.sale, Recipient(reader.email, reader.first_name, reader.name),
                  context, message.ident)


def details_view(details) -> dict[str, Any]:
    return {"when": when_text(details.start, details.end), "place": details.place}


def change_email(letterhead: Letterhead, sale: pd.Series, change: Change, reader, invited: bool,
                 now: datetime) -> Email:
    """The "changement" email: the distribution's date, hours or place changed after it was announced; what
    was and what is now. ``reader.why``: « vente » (a household with an order), « producteurs vente » (a
    producer with orders) or « abonnés » (a subscriber, while orders are open). ``invited``: the reader
    received the calendar invitation (pickup reminder), which an update (same UID, higher SEQUENCE) replaces."""
    attachments = ()
    if invited:
        attachments = (calendar_attachment(letterhead, sale, now, sequence=change.number, attendee=reader.email),)
    what = change.what
    context = {"sale": sale_view(sale), "before": details_view(change.before), "after": details_view(change.after),
               "what": what, "what_text": _changed_words(what), "why": reader.why, "invited": invited,
               "open": now < sale["closes"]}
    return _email(letterhead, kinds.CHANGE, sale["code"], Recipient(reader.email, reader.first_name, reader.name),
                  context, change.fingerprint, attachments, variant=change_variant(change))


def change_variant(change: Change) -> str:
    """What a "changement" email says changed (« date+lieu »): its label names it."""
    return kinds.VARIANT_SEPARATOR.join(change.what)


def _changed_words(what: Sequence[str]) -> str:
    """« changement de date et de lieu », « changement d'horaire »."""
    words = [f"d'{w}" if w[0] in "aeiouh" else f"de {w}" for w in what] or ["de distribution"]
    return "changement " + (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " et " + words[-1])


# --- the mailing list -----------------------------------------------------------------------------

def subscribers(clients: sheet.Table) -> list[Recipient]:
    """Households of the Clients tab who want announcements and reminders (« Abonné » blank or oui)."""
    found: dict[str, Recipient] = {}
    for record in records(clients.frame):  # plain dicts, cheaper than to_dict for a big Clients tab
        address = parse_email(record.get("Email"), required=False)
        if not address.ok or not address.value:
            continue
        if not parse_bool(record.get("Abonné"), blank=True).value:
            continue
        first = parse_text(record.get("Prénom")).value
        last = parse_text(record.get("Nom")).value
        found.setdefault(address.value, Recipient(address.value, first, display_name(first, last)))
    return list(found.values())


def without_order(recipients: Iterable[Recipient], book: OrderBook, sale: str) -> list[Recipient]:
    """Those who have no current order in the sale (a cancelled order counts as none)."""
    households = book.households[(book.households["sale"] == sale) & (book.households["status"] != CANCELLED)]
    ordered = set(households["email"])
    return [r for r in recipients if r.email not in ordered]
