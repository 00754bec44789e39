"""Builders for order tests: a small group's workbook whose response tab has exactly the shape Google
Forms writes (French headers, day-first timestamps with seconds, one grid question per producer whose
rows are titled by ``questions.question_title``), and a ``Saisie manuelle`` tab.

    book = Workbook()
    book.respond("01/12/2026 10:00:00", "ana@example.org", PAIN1="2", MIEL1="1")
    book.phone("02/12/2026 09:00", "bob@example.org", {"PAIN1": "1"})
    result = book.build(at("2026-12-11 12:00"))
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sync import catalogue, orders, refresh, sheet, snapshot
from sync import config as config_module
from sync.orderbook import OrderBook
from sync.questions import grid_header, question_title
from sync.stores import MemoryStore

PRODUCERS = [
    # code, name, email, phone, payments, cheque payee, active
    ["FERME", "Ferme du Bois", "ferme.bois@example.org", "", "chèque, espèces", "", "oui"],
    ["RUCH", "Rucher des Bruyères", "rucher@example.org", "", "chèque", "", "oui"],
    ["VOL", "Volailles du Pré", "volailles@example.org", "", "chèque", "", "oui"],
    ["ANC", "Ancienne ferme", "ancienne@example.org", "", "chèque", "", "non"],
]

# code, producer, name, packaging, price, by weight, average weight, stock, category, active, sales, description
PRODUCTS = [
    ["PAIN1", "FERME", "Pain de campagne", "1 kg", "4,50", "", "", "", "Pain", "oui", "", ""],
    ["PAIN2", "FERME", "Brioche", "500 g", "6,00", "", "", "", "Pain", "oui", "", ""],
    ["MIEL1", "RUCH", "Miel de fleurs", "pot de 500 g", "8,00", "", "", "5", "Épicerie", "oui", "", ""],
    ["POUL1", "VOL", "Poulet fermier", "la pièce (1,8 kg environ)", "11,50", "oui", "1,8", "6", "Viande", "oui",
     "", ""],
    ["ROTI", "VOL", "Rôti de porc", "la pièce", "16,50", "oui", "1,2", "", "Viande", "oui", "", ""],
    ["CHAP", "VOL", "Chapon", "la pièce", "19,50", "oui", "3", "", "Viande", "oui", "2026-NOEL", ""],
    ["VIEUX", "FERME", "Pain aux noix", "400 g", "5,00", "", "", "", "Pain", "non", "", ""],
    ["ANC1", "ANC", "Confiture", "pot", "4,00", "", "", "", "Épicerie", "oui", "", ""],
]

SALES = [
    # code, title, opens, closes, distribution, end, place, special, form, message
    ["2026-11", "Vente de novembre", "02/11/2026 08:00", "12/11/2026 20:00", "13/11/2026 17:00", "", "Salle", "non",
     "", ""],
    ["2026-12", "Vente de décembre", "30/11/2026 08:00", "10/12/2026 20:00", "11/12/2026 17:00", "", "Salle", "non",
     "", ""],
    ["2026-NOEL", "Vente de Noël", "14/12/2026 08:00", "18/12/2026 20:00", "23/12/2026 16:00", "", "Salle", "oui",
     "", ""],
]

CONTACT = ["Horodateur", "Adresse e-mail", "Nom", "Prénom", "Téléphone"]


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def product_header(row: list[str], producers: list[list[str]] = PRODUCERS) -> str:
    """The answer column Google Forms makes for one product: a row of its producer's grid question."""
    code, producer, name, packaging, price, by_weight, weight, stock = row[:8]
    farm = next(p[1] for p in producers if p[0] == producer)
    title = question_title(code, name, packaging, _dec(price), bool(by_weight), _dec(weight) if weight else None,
                           bool(stock))
    return grid_header(farm, title)


class Workbook:
    """A group's workbook, built up response by response."""

    def __init__(self, products: list[list[str]] | None = None, sales: list[list[str]] | None = None,
                 producers: list[list[str]] | None = None, extra_columns: list[str] = ()):
        self.producers = [list(p) for p in (PRODUCERS if producers is None else producers)]
        self.products = [list(p) for p in (PRODUCTS if products is None else products)]
        self.sales = [list(s) for s in (SALES if sales is None else sales)]
        self.columns = {row[0]: product_header(row, self.producers) for row in self.products}
        self.header = [*CONTACT, *self.columns.values(), *extra_columns, "Commentaire"]
        self.responses: list[list] = []
        self.manual: list[list] = []
        self.clients: list[list] = [sheet.CLIENTS.header]

    def respond(self, when: str, email: str, first: str = "", last: str = "", phone: str = "", comment: str = "",
                extra: dict[str, str] | None = None, **quantities) -> Workbook:
        """One form response; quantities by product code (``PAIN1="2"``), extra answers by column title."""
        values = {"Horodateur": when, "Adresse e-mail": email, "Nom": last, "Prénom": first, "Téléphone": phone,
                  "Commentaire": comment, **(extra or {})}
        for code, quantity in quantities.items():
            values[self.columns[code]] = quantity
        self.responses.append([values.get(column, "") for column in self.header])
        return self

    def phone(self, when: str, email: str, lines: dict[str, str], sale: str = "", first: str = "",
              last: str = "", phone: str = "") -> Workbook:
        """A phone order: one ``Saisie manuelle`` row per product, all with the same Horodateur."""
        for code, quantity in lines.items():
            self.manual.append([when, email, last, first, phone, code, quantity, sale])
        return self

    def grids(self) -> dict[str, list[list]]:
        return {
            sheet.PRODUCERS.name: [sheet.PRODUCERS.header, *self.producers],
            sheet.PRODUCTS.name: [sheet.PRODUCTS.header, *self.products],
            sheet.SALES.name: [sheet.SALES.header, *self.sales],
            sheet.CLIENTS.name: self.clients,
            sheet.RESPONSES.name: [self.header, *self.responses],
            sheet.MANUAL.name: [sheet.MANUAL.header, *self.manual],
        }

    def store(self) -> MemoryStore:
        return MemoryStore(self.grids())

    def build(self, now: datetime, config: config_module.Config | None = None) -> OrderBook:
        config = config or config_module.Config()
        snap = snapshot.read(self.store(), config)
        return orders.build(snap, catalogue.load(snap.tables, config.tz), config, now)

    def refresh(self, now: datetime, config: config_module.Config | None = None) -> refresh.Refresh:
        config = config or config_module.Config()
        return refresh.refresh(snapshot.read(self.store(), config), config, now)


def lines_of(book: OrderBook, sale: str | None = None) -> dict[tuple[str, str], tuple[int, int]]:
    """{(email, product): (requested, allocated)} of the current lines (of one sale)."""
    lines = book.lines if sale is None else book.lines[book.lines["sale"] == sale]
    return {(r.email, r.product): (r.requested, r.allocated) for r in lines.itertuples()}


def household(book: OrderBook, email: str, sale: str = "2026-12"):
    match = book.households[(book.households["email"] == email) & (book.households["sale"] == sale)]
    assert len(match) == 1, f"{email} has {len(match)} households in {sale}"
    return match.iloc[0]


def messages(book_or_problems, fragment: str = "") -> list[str]:
    problems = getattr(book_or_problems, "problems", book_or_problems)
    return [p.message for p in problems if fragment in p.message]
