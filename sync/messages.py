"""Messages people write to the group: the ``Messages`` tab, read and checked, and who each one goes to.

Each row is a message: ``Envoi`` (when it may go), ``Destinataires`` (who), ``Objet`` and ``Texte``. ``tick``
sends it once to each recipient, at or after its time, through the journal like every other email
(``cycle.message_drafts``). Pure: the tab, the catalogue, the order book and ``now`` in; messages,
recipients and problems out.

What identifies a message (its journal key, with the recipient): its ``Envoi`` time and its ``Objet``
(trimmed, case and accents ignored). So:

- the text of a message may be corrected freely until it goes; corrected after it went, nobody gets it a
  second time (a recipient who joins the audience later gets the corrected text);
- a message whose time or subject is changed is a new message: it goes again, to everyone;
- two rows with the same time and subject are one message (the first row is sent, the second is an anomaly).

A message stays "recent" for ``RECENT`` (7 days) after its time: a recipient who joins its audience in
that time (a household that orders after a message to ``vente CODE``, a new subscriber) gets it too; after
that, the message is over and nothing of it goes any more (a machine off for more than a week, or a row
typed with an old date, sends nothing: the coordinator is told in the run's notes).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from . import problems as pb
from . import sheet
from .catalogue import Catalogue
from .orderbook import CANCELLED, OrderBook
from .orders.frames import values
from .sheet import ROW, Table
from .values import fold, parse_datetime, parse_email, parse_text, show

RECENT = timedelta(days=7)  # a recipient who joins the audience this long after the message's time still gets it

SUBSCRIBERS, PRODUCERS, EVERYONE, SALE, SALE_PRODUCERS = "abonnés", "producteurs", "tous", "vente", "producteurs vente"
AUDIENCES = "« abonnés », « producteurs », « tous », « vente CODE » ou « producteurs CODE »"


@dataclass(frozen=True)
class Message:
    row: int  # as the sheet shows it
    at: datetime
    audience: str  # SUBSCRIBERS, PRODUCERS, EVERYONE, SALE or SALE_PRODUCERS
    sale: str  # the sale's code for SALE and SALE_PRODUCERS, else ""
    subject: str
    text: str

    @property
    def ident(self) -> str:
        """The message's identity in journal keys: its time and subject (not its text, which may be corrected)."""
        return identity(self.at, self.subject)

    def due(self, now: datetime) -> bool:
        return self.at <= now < self.at + RECENT

    def over(self, now: datetime) -> bool:
        return now >= self.at + RECENT


def identity(at: datetime, subject: str) -> str:
    value = (at.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M"), fold(subject))
    return "m" + hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:12]


_SALE_AUDIENCE = re.compile(r"^(vente|producteurs?)\s+(.+)$")


def parse_audience(raw, catalogue: Catalogue) -> tuple[str, str, str | None]:
    """(audience, sale code, error) from a ``Destinataires`` cell (case and accents ignored)."""
    text = fold(parse_text(raw).value)
    if not text:
        return "", "", f"destinataires manquants : écrivez {AUDIENCES}"
    if text in ("abonnes", "abonne"):
        return SUBSCRIBERS, "", None
    if text in ("producteurs", "producteur"):
        return PRODUCERS, "", None
    if text == "tous":
        return EVERYONE, "", None
    match = _SALE_AUDIENCE.match(text)
    if not match:
        return "", "", f"destinataires inconnus : écrivez {AUDIENCES}"
    code = "".join(match.group(2).split())
    known = {fold(c): c for c in catalogue.sales["code"]} if not catalogue.sales.empty else {}
    if code not in known:
        return "", "", (f"la vente « {code.upper()} » n'existe pas dans l'onglet Ventes (ou sa ligne a une "
                        "erreur) : écrivez le code d'une vente, par exemple « vente 2026-12 »")
    return (SALE if match.group(1) == "vente" else SALE_PRODUCERS), known[code], None


def read(table: Table, catalogue: Catalogue, tz: ZoneInfo) -> tuple[list[Message], list[pb.Problem]]:
    """Every readable message of the tab; each unreadable cell is an error naming it (the row is not sent)."""
    if not table.present:
        return [], []
    tab = table.tab.name
    found: list[Message] = []
    problems: list[pb.Problem] = []
    seen: dict[str, int] = {}

    def header(column: str) -> str:
        return table.headers.get(column, column)

    for record in table.frame.to_dict("records"):
        row = record[ROW]
        wrong = []
        at = parse_datetime(record.get("Envoi"), tz)
        if at.error:
            wrong.append(pb.error(tab, row, header("Envoi"), f"{at.error} (date et heure d'envoi du message)",
                                  show(record.get("Envoi"))))
        audience, sale, error = parse_audience(record.get("Destinataires"), catalogue)
        if error:
            wrong.append(pb.error(tab, row, header("Destinataires"), error, show(record.get("Destinataires"))))
        subject = " ".join(parse_text(record.get("Objet")).value.split())
        if not subject:
            wrong.append(pb.error(tab, row, header("Objet"), "objet manquant : le message ne peut pas partir sans"))
        text = _text(record.get("Texte"))
        if not text.strip():
            wrong.append(pb.error(tab, row, header("Texte"), "texte manquant : le message ne peut pas partir sans"))
        if wrong:
            problems += wrong
            continue
        message = Message(row, at.value, audience, sale, subject, text)
        if message.ident in seen:
            problems.append(pb.warning(tab, row, header("Objet"), f"même date d'envoi et même objet que la ligne "
                                       f"{seen[message.ident]} : ce message n'est envoyé qu'une fois (changez "
                                       "l'objet ou l'heure pour en faire un autre)", subject))
            continue
        seen[message.ident] = row
        found.append(message)
    return found, problems


def _text(raw) -> str:
    """The text as typed, its line breaks kept (Windows' and old Mac's made plain)."""
    text = parse_text(raw).value
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- who a message goes to ---------------------------------------------------------------------

@dataclass(frozen=True)
class Reader:
    """One recipient of a message, and why they receive it (the email's footer says so)."""

    email: str
    first_name: str = ""
    name: str = ""
    why: str = ""  # SUBSCRIBERS, PRODUCERS, SALE or SALE_PRODUCERS


def subscribers(clients: Table) -> list[Reader]:
    """Households of ``Clients`` whose « Abonné » is not « non » (see ``compose.subscribers``)."""
    from .mail.compose import subscribers as clients_subscribers

    return [Reader(r.email, r.first_name, r.name, SUBSCRIBERS) for r in clients_subscribers(clients)]


def active_producers(catalogue: Catalogue) -> list[Reader]:
    """Active producers with a valid address, in the Producteurs order."""
    found = []
    for code, name, email, active in values(catalogue.producers, "code", "name", "email", "active"):
        address = parse_email(email, required=False)
        if active and address.ok and address.value:
            found.append(Reader(address.value, "", name or code, PRODUCERS))
    return found


def sale_households(book: OrderBook, sale: str) -> list[Reader]:
    """Households with a current order in a sale (not cancelled), with an address."""
    households = book.households[(book.households["sale"] == sale) & (book.households["status"] != CANCELLED)]
    found = []
    for email, first, name in values(households, "email", "first_name", "name"):
        address = parse_email(email, required=False)
        if address.ok and address.value:
            found.append(Reader(address.value, first or "", name or "", SALE))
    return found


def sale_producers(catalogue: Catalogue, book: OrderBook, sale: str, households: set[str] | None = None
                   ) -> list[Reader]:
    """Producers with something granted in a sale (to one of ``households``, when given), with a valid address."""
    lines = book.lines[book.lines["sale"] == sale]
    selling = {producer for producer, email, allocated in values(lines, "producer", "email", "allocated")
               if int(allocated) > 0 and (households is None or email in households)}
    found = []
    for code, name, email in values(catalogue.producers, "code", "name", "email"):
        address = parse_email(email, required=False)
        if code in selling and address.ok and address.value:
            found.append(Reader(address.value, "", name or code, SALE_PRODUCERS))
    return found


def audience(message: Message, catalogue: Catalogue, book: OrderBook, clients: Table) -> list[Reader]:
    """Who a message goes to now, each address once (a producer who is also a subscriber: as a producer)."""
    if message.audience == SUBSCRIBERS:
        readers = subscribers(clients)
    elif message.audience == PRODUCERS:
        readers = active_producers(catalogue)
    elif message.audience == EVERYONE:
        readers = [*active_producers(catalogue), *subscribers(clients)]
    elif message.audience == SALE:
        readers = sale_households(book, message.sale)
    else:
        readers = sale_producers(catalogue, book, message.sale)
    return unique(readers)


def unique(readers: list[Reader]) -> list[Reader]:
    """Each address once, as it first comes (a producer who is also a subscriber: as a producer)."""
    first: dict[str, Reader] = {}
    for reader in readers:
        first.setdefault(reader.email, reader)
    return list(first.values())


def sale_row(catalogue: Catalogue, message: Message) -> pd.Series | None:
    return catalogue.sale(message.sale) if message.sale else None


def table_of(snapshot) -> Table:
    return snapshot.table(sheet.MESSAGES)
