"""The mailing list: households seen for the first time are appended to ``Clients``.

People own the ``Clients`` tab: the tool never changes a row there, it only adds the households it
has not seen before (by address, trimmed and lower-case), subscribed by default, with the date of
their first order, laid out under the tab's actual header. Running it twice adds nothing twice.

A household without email (a phone order, see ``households``) is added with an empty ``Email``, its
phone and name: a row of ``Clients`` with no address is that household again (by its phone, failing
that its name), so it is never added twice; the mail layer never writes to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import households, sheet
from .french import typography
from .households import name_key, phone_key, reachable
from .orderbook import FORM
from .orders.frames import records
from .orders.intake import Arrival
from .sheet import Grid, Table
from .stores.base import Append
from .values import is_blank, parse_email, parse_text


def known_addresses(table: Table) -> set[str]:
    """Every household already in ``Clients``, as a household is identified (a mistyped address as typed;
    a row with no address by its phone, and by its name)."""
    known = set()
    if "Email" not in table.frame.columns:
        return known
    for record in records(table.frame):
        raw = record.get("Email")
        if is_blank(raw):
            first, last = parse_text(record.get("Prénom")).value, parse_text(record.get("Nom")).value
            known.update(k for k in (phone_key(record.get("Téléphone")), name_key(first, last)) if k)
            continue
        parsed = parse_email(raw)
        known.add(parsed.value if parsed.ok else str(raw or "").strip().lower())
    return known


def newcomers(arrivals: Iterable[Arrival], known: set[str]) -> list[dict]:
    """One record per household not in ``known``, in order of first arrival, with its latest details."""
    first: dict[str, Arrival] = {}
    details: dict[str, dict[str, str]] = {}
    for arrival in sorted(arrivals, key=lambda a: (a.submitted_at, a.email)):
        if arrival.email in known:
            continue
        first.setdefault(arrival.email, arrival)
        mine = details.setdefault(arrival.email, {"Nom": "", "Prénom": "", "Téléphone": ""})
        for column, value in (("Nom", arrival.last_name), ("Prénom", arrival.first_name),
                              ("Téléphone", arrival.phone)):
            if value:
                mine[column] = value
    records = []
    for email, arrival in first.items():
        how = "par le formulaire" if arrival.source == FORM else "par téléphone ou sur papier"
        note = (f"Ajouté par Paniers : première commande {how}, vente {arrival.sale}" if arrival.sale
                else f"Ajouté par Paniers : commande {how} hors des dates d'une vente")
        records.append({"Email": email if reachable(email) else "", **details[email], "Abonné": "oui",
                        "Ajouté le": arrival.submitted_at.strftime("%d/%m/%Y"), "Notes": typography(note)})
    return records


def append(table: Table, grid: Grid | None, arrivals: Iterable[Arrival]) -> tuple[Append | None, list[dict]]:
    """The rows to append to ``Clients`` (under its actual header) and the newcomers' records.

    Nothing is appended when the tab has no e-mail column: the tool could not tell who is already
    there and would add everyone again on every run (the missing column is reported elsewhere).
    """
    if table.present and "Email" not in table.headers:
        return None, []
    records = newcomers(arrivals, known_addresses(table))
    if not records:
        return None, []
    rows = sheet.trim(grid)
    header = [str(h).strip() for h in rows[0]] if rows and rows[0] else sheet.CLIENTS.header
    return Append(header, [sheet.align(header, record, sheet.CLIENTS) for record in records]), records


def who(record: dict) -> str:
    """A newcomer as the command's output names it: its address, else its name and phone."""
    if record.get("Email"):
        return record["Email"]
    name = households.display_name(record.get("Prénom") or "", record.get("Nom") or "")
    phone = record.get("Téléphone") or ""
    return f"{name} (tél. {phone})" if name and phone else name or f"tél. {phone}"
