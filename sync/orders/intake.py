"""Intake: the form's response tab and the ``Saisie manuelle`` tab, read into submissions.

A *submission* is one household's order as it arrived once: a form response, or the rows of
``Saisie manuelle`` with the same household, sale and ``Horodateur``. Each one is dated, given to
the sale whose ordering window contains it, and reduced to its valid product lines. Every value
that cannot be used becomes a French ``Problem`` saying where it is; the rest goes on:

- a bad quantity drops that line only, the rest of the order stands;
- a bad e-mail address or date sets the whole submission aside (a household is never guessed);
- a submission outside every ordering window is reported (late ones name the sale that closed);
- a submission dated after ``now`` has not arrived yet at that moment and is silently ignored,
  which makes replays with ``--now`` faithful;
- problems say what is true now: a late submission accepted since (copied into ``Saisie manuelle``
  with its sale) is no longer reported; the problems of a submission that a later one of the same
  household replaced are not reported when the later one is clean, else said to be without effect.

Pure: tables in, submissions and problems out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from .. import households, sheet
from .. import problems as pb
from ..catalogue import Catalogue, listed_for
from ..config import Config
from ..households import NAME_MARK, PHONE_MARK, key_without_email, name_key
from ..orderbook import FORM, MANUAL, SUBMISSION_COLUMNS
from ..questions import product_code
from ..sheet import ROW, Table
from ..values import (
    Parsed,
    fold,
    is_blank,
    long_datetime,
    parse_code,
    parse_datetime,
    parse_email,
    parse_phone,
    parse_quantity,
    parse_text,
    show,
)
from .frames import records, rows

SOURCE_RANK = {FORM: 0, MANUAL: 1}  # a form response and a phone order at the same second: the form first


@dataclass(frozen=True)
class Submission:
    """One household's order as it arrived once, reduced to its valid lines."""

    sale: str
    email: str
    submitted_at: datetime
    source: str  # FORM or MANUAL
    tab: str  # the tab it was read from, as named in the workbook
    row: int  # its row (the first one for MANUAL)
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    comment: str = ""
    lines: tuple[tuple[str, int], ...] = ()  # (product code, requested >= 1), by product code
    # where each line was read, for problems about it: product -> (row, column header)
    where: dict[str, tuple[int, str]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple:
        """Replay order: time, then a tie-break that does not depend on how the rows are stored
        (the address), then the source and the row (the same household, the same second)."""
        return (self.submitted_at, self.email, SOURCE_RANK[self.source], self.row)

    def requested(self, product: str) -> int:
        return self.quantities.get(product, 0)

    @cached_property
    def quantities(self) -> dict[str, int]:
        """``lines`` as a dict, made once (the allocation asks for every product of every submission)."""
        return dict(self.lines)


@dataclass(frozen=True)
class Arrival:
    """A household that reached us (valid address, arrived by ``now``), in a sale's window or not:
    what the ``Clients`` tab needs to know about a newcomer."""

    email: str
    first_name: str
    last_name: str
    phone: str
    submitted_at: datetime
    sale: str  # "" when outside every ordering window
    source: str


@dataclass
class Intake:
    submissions: list[Submission]
    arrivals: list[Arrival]
    problems: list[pb.Problem]


def who(first_name: str, last_name: str, email: str = "") -> str:
    """« Élodie Garnier (elodie.garnier@example.org) », for messages that must name a household."""
    name = households.display_name(first_name, last_name)
    if name and email:
        return f"{name} ({email})"
    return name or email or "un foyer sans nom"


def of(text: str) -> str:
    """« de Martine … » but « d'Élodie … »: French elides ``de`` before a vowel."""
    return f"d'{text}" if fold(text[:1]) in set("aeiouy") else f"de {text}"


def read(tables: dict[str, Table], catalogue: Catalogue, config: Config, now: datetime) -> Intake:
    """Every submission of the response tab and of ``Saisie manuelle`` that has arrived by ``now``."""
    context = _Context(catalogue, config, now, _known_codes(tables.get(sheet.PRODUCTS.name)))
    form = tables.get(sheet.RESPONSES.name)
    manual = tables.get(sheet.MANUAL.name)
    if form is not None and form.present:
        _read_form(form, context)
    if manual is not None and manual.present:
        _read_manual(manual, context)
    context.settle()
    return Intake(context.submissions, context.arrivals, context.problems)


# --- shared ----------------------------------------------------------------------------------

class _Context:
    """What both readers share: the catalogue, the clock, and what they found."""

    def __init__(self, catalogue: Catalogue, config: Config, now: datetime, listed: set[str]):
        self.catalogue = catalogue
        self.tz = config.tz
        self.maximum = config.orders.max_quantity
        self.now = now
        self.products = {row["code"]: row for row in records(catalogue.products)}
        self.listed = listed  # codes in the Produits tab, usable or not
        self.sale_codes = set(catalogue.sales["code"])
        # catalogue.sale_for's rule (opening included, closing excluded), with the windows read once
        self._windows = [(s.opens, s.closes, s.code) for s in rows(catalogue.sales)]
        # Ten years are 120 windows: when none overlaps another (the calendar's rule, see
        # catalogue.check_sales), the one holding a moment is found by bisection.
        ordered = sorted(self._windows, key=lambda window: window[0])
        apart = all(before[1] <= after[0] for before, after in pairwise(ordered))
        self._apart = ordered if apart else None
        self._opens = [window[0] for window in ordered]
        self._offered: dict[str, set[str]] = {}
        self._available: list[tuple[str, frozenset[str] | None]] | None = None
        self._quantities: dict[tuple[type, Any], Any] = {}
        self.submissions: list[Submission] = []
        self.arrivals: list[Arrival] = []
        self.problems: list[pb.Problem] = []
        self.owned: list[tuple[Submission, list[pb.Problem]]] = []  # each submission's own problems
        self.late: list[tuple[str, str, datetime, pb.Problem]] = []  # (household, sale missed, moment, warning)
        self.unmatched: list[tuple[str, dict[str, list[tuple[Any, str, int]]]]] = []  # (tab, column -> answers)

    def add(self, submission: Submission, problems: list[pb.Problem]) -> None:
        self.submissions.append(submission)
        self.owned.append((submission, problems))

    def settle(self) -> None:
        """The problems that are true now, once every submission is read (see ``read``)."""
        latest: dict[tuple[str, str], Submission] = {}
        for submission in sorted(self.submissions, key=lambda s: s.key):
            latest[(submission.sale, submission.email)] = submission
        current = {id(s) for s in latest.values()}
        troubled = {id(s) for s, own in self.owned if own}
        for submission, own in self.owned:
            if id(submission) in current:
                self.problems.extend(own)
                continue
            last = latest[(submission.sale, submission.email)]
            if id(last) in troubled:  # the replacing one has problems too: say this one no longer counts
                self.problems.extend(_superseded(problem, last) for problem in own)
        closes = {code: closes for _, closes, code in self._windows}
        for household, sale, moment, problem in self.late:
            threshold = min(moment, closes.get(sale, moment))
            if not any(s.source == MANUAL and s.sale == sale and s.email == household and s.submitted_at >= threshold
                       for s in self.submissions):
                self.problems.append(problem)  # else accepted since: copied into Saisie manuelle, as it says
        rows = {(s.tab, s.row) for s in latest.values()}
        for tab, unmatched in self.unmatched:
            for column, answers in unmatched.items():
                still = [answer for answer in answers if (tab, answer[2]) in rows]
                if still:
                    self.problems.append(_unmatched_column(tab, column, still, self))

    def not_offered(self, tab: str, row: int, column: str, code: str, sale: str, household: str,
                    value: str) -> pb.Problem:
        """A line for a product the sale does not offer: the line is ignored, the rest of the order stands."""
        return pb.error(tab, row, column, f"le produit {code} n'est pas proposé dans la vente {sale} : "
                        f"{self.not_offered_reason(code, sale)} ; cette ligne de la commande {of(household)} est "
                        "ignorée", value, sale)

    def offered(self, sale: str) -> set[str]:
        """``catalogue.offered(sale)``'s codes; what does not depend on the sale is looked up once (ten
        years of history are 120 sales)."""
        if self._available is None:
            self._available = [(p["code"], p["sales"]) for p in records(self.catalogue.available())]
        if sale not in self._offered:
            self._offered[sale] = {code for code, sales in self._available if listed_for(sales, sale)}
        return self._offered[sale]

    def quantity(self, raw: Any):
        """``parse_quantity`` of an answer, each distinct answer parsed once (the same few come back
        thousands of times: « 1 », « 2 »...)."""
        key = (type(raw), raw)
        if key not in self._quantities:
            self._quantities[key] = parse_quantity(raw, self.maximum)
        return self._quantities[key]

    def sale_of(self, moment: datetime) -> str | None:
        if self._apart is not None:
            index = bisect_right(self._opens, moment) - 1  # the last window opened by then
            return self._apart[index][2] if index >= 0 and moment < self._apart[index][1] else None
        return next((code for opens, closes, code in self._windows if opens <= moment < closes), None)

    def not_offered_reason(self, code: str, sale: str) -> str:
        product = self.products[code]
        producers = self.catalogue.producers
        producer = producers[producers["code"] == product["producer"]]
        if not product["active"]:
            return "il est désactivé (Actif = non dans l'onglet Produits)"
        if not producer.empty and not producer.iloc[0]["active"]:
            return f"son producteur {product['producer']} est désactivé"
        listed = sorted(product["sales"] or ())
        if len(listed) == 1:
            return f"il n'est proposé que pour la vente {listed[0]} (colonne Ventes de l'onglet Produits)"
        return f"il n'est proposé que pour les ventes {', '.join(listed)} (colonne Ventes de l'onglet Produits)"

    def outside(self, tab: str, row: int, column: str, raw: Any, moment: datetime, household: str,
                key: str) -> None:
        """A submission outside every ordering window: say which sale it missed, and how to accept it
        (once accepted so, ``settle`` says nothing more of it)."""
        sale, message = _missed(moment, self.catalogue.sales)
        if sale:
            message += (f" Pour l'accepter quand même, recopiez-la dans l'onglet « {sheet.MANUAL.name} » "
                        f"avec {sale} dans la colonne Vente.")
        self.late.append((key, sale, moment,
                          pb.warning(tab, row, column, f"commande {of(household)} {message}", show(raw), sale)))


def _superseded(problem: pb.Problem, latest: Submission) -> pb.Problem:
    """A problem of a submission that a later one of the same household replaced: it no longer counts."""
    where = f"onglet « {latest.tab} »"
    return pb.warning(problem.tab, problem.row, problem.column,
                      f"sans effet, cette commande a été remplacée ensuite par celle du "
                      f"{long_datetime(latest.submitted_at)} ({where}), qui a ses propres anomalies : "
                      f"{problem.message}", problem.value, problem.sale)


def _known_codes(products: Table | None) -> set[str]:
    if products is None or "Code" not in products.frame.columns:
        return set()
    return {parse_code(v).value for v in products.frame["Code"]} - {""}


def _missed(moment: datetime, sales: pd.DataFrame) -> tuple[str, str]:
    """The sale a submission outside every window was most likely meant for, and why it is refused."""
    arrived = f"arrivée le {long_datetime(moment)}"
    before = [s for s in rows(sales) if s.closes <= moment]
    after = [s for s in rows(sales) if s.opens > moment]
    closed = max(before, key=lambda s: s.closes, default=None)
    coming = min(after, key=lambda s: s.opens, default=None)
    if closed is not None and (coming is None or moment - closed.closes <= coming.opens - moment):
        return closed.code, (f"{arrived}, après la clôture de la vente {closed.code} ({closed.title}) "
                             f"le {long_datetime(closed.closes)} : elle n'est pas prise en compte.")
    if coming is not None:
        return coming.code, (f"{arrived}, avant l'ouverture de la vente {coming.code} ({coming.title}) "
                             f"le {long_datetime(coming.opens)} : elle n'est pas prise en compte.")
    return "", (f"{arrived}, alors qu'aucune vente n'est ouverte : elle n'est pas prise en compte. "
                "Vérifiez les dates de l'onglet Ventes.")


def _text(record: dict, column: str) -> str:
    return parse_text(record.get(column)).value


# --- the form's response tab -----------------------------------------------------------------

def _product_columns(table: Table) -> list[tuple[str, str | None]]:
    """Every answer column that is not one of the contract's: (header, product code or None)."""
    contract = set(table.tab.header)
    return [(column, product_code(column)) for column in table.frame.columns
            if column != ROW and column not in contract]


def _read_form(table: Table, ctx: _Context) -> None:
    tab = table.tab.name
    header = table.headers.get  # contract name -> header as written
    columns = _product_columns(table)
    unmatched: dict[str, list[tuple[Any, str, int]]] = {}  # column -> (answer, sale, row) of accepted submissions
    contract = table.frame.drop(columns=[column for column, _ in columns])
    answers = _answers(table.frame, [column for column, _ in columns])
    for record, filled in zip(records(contract), answers, strict=True):
        row = record[ROW]
        first, last = _text(record, "Prénom"), _text(record, "Nom")
        raw_time = record.get("Horodateur")
        moment = parse_datetime(raw_time, ctx.tz)
        raw_email = record.get("Adresse e-mail")
        if moment.error:
            ctx.problems.append(pb.error(
                tab, row, header("Horodateur", "Horodateur"),
                f"{moment.error} ; la réponse {of(who(first, last, show(raw_email)))} est mise de côté tant que "
                "la date n'est pas corrigée", show(raw_time)))
            continue
        if moment.value > ctx.now:
            continue  # not arrived yet at that moment
        sale = ctx.sale_of(moment.value)
        email = parse_email(raw_email)
        if email.error:
            ctx.problems.append(pb.error(
                tab, row, header("Adresse e-mail", "Adresse e-mail"),
                f"{email.error} ; la commande {of(who(first, last))} est mise de côté tant que l'adresse n'est "
                "pas corrigée dans cette cellule", show(raw_email), sale or ""))
            continue
        phone = parse_phone(record.get("Téléphone")).value
        ctx.arrivals.append(Arrival(email.value, first, last, phone, moment.value, sale or "", FORM))
        if sale is None:
            ctx.outside(tab, row, header("Horodateur", "Horodateur"), raw_time, moment.value,
                        who(first, last, email.value), email.value)
            continue
        household = who(first, last, email.value)
        own: list[pb.Problem] = []  # this submission's problems: said only while it is the household's latest
        found: dict[str, tuple[int, str]] = {}  # product -> (quantity, column)
        for index, raw in filled:
            column, code = columns[index]
            if is_blank(raw):
                continue
            if code not in ctx.products:
                unmatched.setdefault(column, []).append((raw, sale, row))
                continue
            if code not in ctx.offered(sale):
                own.append(ctx.not_offered(tab, row, column, code, sale, household, show(raw)))
                continue
            quantity = ctx.quantity(raw)
            if quantity.error:
                own.append(_bad_quantity(tab, row, column, quantity.error, code, sale, household, raw))
                continue
            if not quantity.value:
                continue
            if code in found:
                own.append(pb.warning(
                    tab, row, column,
                    f"le produit {code} a une réponse dans deux colonnes (l'autre : « {found[code][1]} ») : "
                    "seule la dernière colonne est retenue", show(raw), sale))
            found[code] = (quantity.value, column)
        ctx.add(Submission(
            sale, email.value, moment.value, FORM, tab, row, first, last, phone, _text(record, "Commentaire"),
            tuple(sorted((code, q) for code, (q, _) in found.items())),
            {code: (row, column) for code, (_, column) in found.items()},
        ), own)
    ctx.unmatched.append((tab, unmatched))


def _answers(frame: pd.DataFrame, columns: list[str]) -> list[list[tuple[int, Any]]]:
    """For each row of the response tab, its answers in ``columns`` that may hold something:
    (position in ``columns``, raw value), left to right. A form has a column per product and each
    household answers a few: leaving out the empty cells (None, NaN, "") at once, over the whole
    tab, spares a look at every cell of every row. (Blank-looking text, such as spaces, is kept here
    and left to ``is_blank``.)"""
    found: list[list[tuple[int, Any]]] = [[] for _ in range(len(frame))]
    if not columns or frame.empty:
        return found
    values = frame[columns].to_numpy(dtype=object)
    maybe = pd.notna(values) & (values != "")
    for row, index in zip(*np.nonzero(maybe), strict=True):  # row by row, left to right
        found[row].append((int(index), values[row, index]))
    return found


def _bad_quantity(tab: str, row: int, column: str, error: str, code: str, sale: str, household: str,
                  raw: Any) -> pb.Problem:
    """An unreadable or implausible quantity: that product leaves the order, the rest of it stands."""
    return pb.error(tab, row, column, f"{error} ; le produit {code} est retiré de la commande {of(household)}, le "
                    "reste de la commande est pris en compte", show(raw), sale)


def _unmatched_column(tab: str, column: str, answers: list[tuple[Any, str, int]], ctx: _Context) -> pb.Problem:
    """One problem for a column of answers that names no usable product (not one per answer)."""
    code = product_code(column) or ""
    sales = sorted({sale for _, sale, _ in answers})
    sale = sales[0] if len(sales) == 1 else ""
    ignored = ("sa réponse est ignorée" if len(answers) == 1
               else f"ses {len(answers)} réponses sont ignorées")
    if code in ctx.listed:
        return pb.error(tab, None, column,
                        f"le produit {code} est inutilisable (voyez ses anomalies dans l'onglet Produits) : "
                        f"{ignored} tant qu'il n'est pas corrigé", code, sale)
    if all(parse_quantity(raw, ctx.maximum).ok for raw, _, _ in answers):
        return pb.error(tab, None, column,
                        f"colonne de quantités dont le code « {code} » n'est dans aucune ligne de l'onglet Produits : "
                        f"{ignored} ; corrigez le code du produit dans le formulaire ou dans "
                        "l'onglet Produits", code, sale)
    return pb.warning(tab, None, column,
                      f"colonne non reconnue (ni un produit, ni une colonne connue) : {ignored}. "
                      "Si c'est le commentaire, nommez la question « Commentaire »", code, sale)


# --- Saisie manuelle -------------------------------------------------------------------------

def _read_manual(table: Table, ctx: _Context) -> None:
    """Rows of one household and sale with the same Horodateur form one submission."""
    tab = table.tab.name
    header = table.headers.get
    groups: dict[tuple, list[dict]] = {}
    for record in records(table.frame):
        row = record[ROW]
        first, last = _text(record, "Prénom"), _text(record, "Nom")
        raw_time = record.get("Horodateur")
        moment = parse_datetime(raw_time, ctx.tz)
        if moment.error:
            ctx.problems.append(pb.error(
                tab, row, header("Horodateur", "Horodateur"),
                f"{moment.error} ; cette ligne {of(who(first, last, show(record.get('Email'))))} est mise de côté "
                "tant que la date de la commande n'est pas indiquée", show(raw_time)))
            continue
        if moment.value > ctx.now:
            continue
        raw_sale = record.get("Vente")
        sale_code = parse_code(raw_sale).value
        if sale_code and sale_code not in ctx.sale_codes:
            ctx.problems.append(pb.error(
                tab, row, header("Vente", "Vente"),
                f"la vente {sale_code} n'existe pas dans l'onglet Ventes (ou ses dates sont à corriger) : cette ligne "
                f"{of(who(first, last, show(record.get('Email'))))} est mise de côté", show(raw_sale)))
            continue
        raw_email = record.get("Email")
        if is_blank(raw_email):  # a household without email: known by its phone, failing that its name
            email = Parsed(key_without_email(record.get("Téléphone"), first, last))
            if not email.value:
                email = Parsed("", "ni adresse e-mail, ni téléphone, ni nom")
        else:
            email = parse_email(raw_email)
        if email.error:
            what = (" : indiquez l'adresse e-mail du foyer, ou à défaut son téléphone ou son nom"
                    if is_blank(raw_email) else " tant que l'adresse n'est pas corrigée")
            ctx.problems.append(pb.error(
                tab, row, header("Email", "Email"),
                f"{email.error} ; cette ligne {of(who(first, last))} est mise de côté{what}",
                show(raw_email), sale_code or (ctx.sale_of(moment.value) or "")))
            continue
        sale = sale_code or ctx.sale_of(moment.value)
        groups.setdefault((email.value, moment.value, sale), []).append(record)
    for (email, moment, sale), group in _by_phone(groups).items():
        _manual_submission(tab, header, email, moment, sale, group, ctx)


def _by_phone(groups: dict[tuple, list[dict]]) -> dict[tuple, list[dict]]:
    """A household without email known by its name on some rows and by its phone on others (the phone
    typed once, on the first row of an order, or only in an earlier order) is one household: the rows
    known by a name go to the phone that name goes with, when there is exactly one."""
    phones: dict[str, set[str]] = {}
    for (key, _, _), group in groups.items():
        if key.startswith(PHONE_MARK):
            for record in group:
                name = name_key(_text(record, "Prénom"), _text(record, "Nom"))
                if name:
                    phones.setdefault(name, set()).add(key)
    merged: dict[tuple, list[dict]] = {}
    for (key, moment, sale), group in groups.items():
        if key.startswith(NAME_MARK) and len(phones.get(key, ())) == 1:
            key = next(iter(phones[key]))
        merged.setdefault((key, moment, sale), []).extend(group)
    return {group: sorted(found, key=lambda r: r[ROW]) for group, found in merged.items()}


def _first(records: Iterable[dict], column: str) -> str:
    return next((t for t in (_text(r, column) for r in records) if t), "")


def _manual_submission(tab: str, header, email: str, moment: datetime, sale: str | None, records: list[dict],
                       ctx: _Context) -> None:
    first, last = _first(records, "Prénom"), _first(records, "Nom")
    phone = parse_phone(_first(records, "Téléphone")).value
    row = records[0][ROW]
    ctx.arrivals.append(Arrival(email, first, last, phone, moment, sale or "", MANUAL))
    household = who(first, last, email)
    if sale is None:
        ctx.outside(tab, row, header("Horodateur", "Horodateur"), records[0].get("Horodateur"), moment, household,
                    email)
        return
    own: list[pb.Problem] = []  # this submission's problems: said only while it is the household's latest
    quantity_column = header("Quantité", "Quantité")
    product_column = header("Produit", "Produit")
    found: dict[str, tuple[int, int]] = {}  # product -> (quantity, row)
    for record in records:
        line_row = record[ROW]
        raw_quantity = record.get("Quantité")
        quantity = ctx.quantity(raw_quantity)
        code = parse_code(record.get("Produit")).value
        if not code:
            if quantity.ok and not quantity.value:
                continue  # a row with no product and no quantity: an order with nothing, i.e. a cancellation
            own.append(pb.error(tab, line_row, product_column,
                                f"produit manquant : indiquez le code du produit commandé par {household}",
                                "", sale))
            continue
        if code not in ctx.products:
            message = ("ce produit est inutilisable (voyez ses anomalies dans l'onglet Produits)" if code in ctx.listed
                       else "ce code n'est dans aucune ligne de l'onglet Produits")
            own.append(pb.error(tab, line_row, product_column,
                                f"{message} : cette ligne de la commande {of(household)} est ignorée",
                                show(record.get("Produit")), sale))
            continue
        if code not in ctx.offered(sale):
            own.append(ctx.not_offered(tab, line_row, product_column, code, sale, household, code))
            continue
        if quantity.error:
            own.append(_bad_quantity(tab, line_row, quantity_column, quantity.error, code, sale, household,
                                     raw_quantity))
            continue
        if not quantity.value:
            continue
        if code in found:
            own.append(pb.warning(
                tab, line_row, product_column,
                f"le produit {code} apparaît deux fois dans la même commande {of(household)} (l'autre : ligne "
                f"{found[code][1]}) : les quantités sont additionnées", code, sale))
            quantity = quantity._replace(value=quantity.value + found[code][0])
            line_row = found[code][1]
        found[code] = (quantity.value, line_row)
    ctx.add(Submission(
        sale, email, moment, MANUAL, tab, row, first, last, phone, "",
        tuple(sorted((code, q) for code, (q, _) in found.items())),
        {code: (r, quantity_column) for code, (_, r) in found.items()},
    ), own)


# --- the submissions frame -------------------------------------------------------------------

def submissions_frame(submissions: Iterable[Submission]) -> pd.DataFrame:
    """``orderbook.SUBMISSION_COLUMNS``: one row per submission and product line, in replay order."""
    rows = [
        [s.sale, s.email, s.submitted_at, s.source, s.row, product, requested]
        for s in sorted(submissions, key=lambda s: s.key) for product, requested in s.lines
    ]
    return pd.DataFrame(rows, columns=SUBMISSION_COLUMNS, dtype=object)


