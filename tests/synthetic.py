"""A seeded generator of big groups, for the benchmarks and the fault-injection suite.

``group(households=2000, products=60, sales=1)`` gives every human tab of a fictional group as grids,
the way ``sync/demo.py`` does for the small demo: producers, products (some sold by weight, some with
a stock), a monthly sales calendar, the mailing list, and the form's response tab in the exact shape
Google Forms writes it (French headers, day-first timestamps with seconds, one grid question per
producer whose rows are titled by ``questions.question_title``), plus a few phone orders. The last
sale is the current one: its ordering window contains ``current_moment()``; every earlier sale is
over. With many sales, each one has ``households`` orders drawn from a ``pool`` (loyal customers and
newcomers), and ``journal=True`` fills the Journal tab with what the earlier sales sent.

The same seed gives the same workbook on every machine.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from decimal import Decimal

from sync import sheet
from sync.mail.journal import order_fingerprint
from sync.mail.message import make_key
from sync.questions import grid_header, question_title
from sync.sheet import Grid

FIRST = ["Martine", "Jérôme", "Sophie", "Ahmed", "Claire", "Bernard", "Élodie", "Thomas", "Nathalie", "Kévin",
         "Françoise", "Lucas", "Isabelle", "Mathieu", "Aurélie", "Pierre", "Yasmine", "Gérard", "Chloé", "Noël"]
LAST = ["Ducloux", "Pelletier", "Renaudin", "Benali", "Moreau-Lefèvre", "Chauvin", "Garnier", "Lemaire", "Roux",
        "Marchand", "Aubry", "Fontaine", "Perrin", "Girard", "Caron", "Vasseur", "Haddad", "Lebrun", "Besson", "Œuvray"]
FARMS = ["Le Fournil des Vignes", "Les Jardins de la Fontaine", "La Chèvrerie du Boischaut", "Ferme des Trois Chênes",
         "Les Poules de Varennes", "Rucher des Bruyères", "Brasserie du Nahon", "Les Vergers de Vicq",
         "La Ferme du Moulin", "Le Potager d'Émilie"]
GOODS = [("Pain de campagne", "1 kg"), ("Panier de légumes", "le panier"), ("Crottin affiné", "la pièce"),
         ("Rôti de porc", "la pièce (1,2 kg environ)"), ("Œufs plein air", "la douzaine"), ("Miel de fleurs", "500 g"),
         ("Blonde du Nahon", "75 cl"), ("Jus de pomme", "1 L"), ("Farine T80", "1 kg"), ("Confiture", "pot")]
PLACE = "Salle des fêtes, 2 rue des Tilleuls, 36600 Valençay"
DAY = "%d/%m/%Y"


def household(index: int) -> tuple[str, str, str, str]:
    """(first name, last name, address, phone) of the pool's household number ``index``."""
    first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
    return first, last, f"foyer{index:05d}@example.org", f"06 {index // 10000 % 100:02d} {index // 100 % 100:02d} " \
        f"{index % 100:02d} 00"


def sale_dates(index: int, count: int, current: datetime) -> tuple[str, datetime, datetime, datetime]:
    """(code, opening, closing, distribution) of sale ``index`` of ``count``; the last one holds ``current``."""
    months_back = count - 1 - index
    year, month = current.year, current.month - months_back
    while month < 1:
        year, month = year - 1, month + 12
    opens = datetime(year, month, 1, 8, 0)
    return f"{year}-{month:02d}", opens, datetime(year, month, 10, 20, 0), datetime(year, month, 11, 17, 0)


CURRENT = datetime(2026, 12, 8, 12, 0)  # inside the ordering window of the last sale (1 to 10 December 2026)


def current_moment() -> datetime:
    """A moment inside the current sale's ordering window, after every generated response (naive, Paris)."""
    return CURRENT


def group(households: int = 2000, products: int = 60, sales: int = 1, pool: int | None = None, seed: int = 2026,
          journal: bool = False, phone_orders: int = 3) -> dict[str, Grid]:
    """Every human tab of a big group (and its Journal when ``journal``), as grids with their header first.

    Each sale has ``households`` orders, from a pool of ``pool`` households (default: the same ones every
    month)."""
    rng = random.Random(seed)
    farms = min(10, max(1, products // 5))
    producers = [[f"F{p:02d}", FARMS[p], f"ferme{p:02d}@example.org", f"02 54 00 11 {p:02d}", "chèque, espèces",
                  FARMS[p], "oui"] for p in range(farms)]
    catalogue = []
    for n in range(products):
        name, packaging = GOODS[n % len(GOODS)]
        by_weight = n % 8 == 3
        weight = Decimal("1.2") if by_weight else None
        price = Decimal(rng.randint(150, 2500)) / 100
        stock = str(rng.randint(households // 3, households)) if n % 10 == 7 else ""
        catalogue.append([f"P{n:03d}", producers[n % farms][0], f"{name} n°{n}", packaging,
                          f"{price:.2f}".replace(".", ","), "oui" if by_weight else "", "1,2" if by_weight else "",
                          stock, "Divers", "oui", "", "", weight])
    columns = {}
    for row in catalogue:
        farm = next(p[1] for p in producers if p[0] == row[1])
        price = Decimal(row[4].replace(",", "."))
        title = question_title(row[0], row[2], row[3], price, bool(row[5]), row[12], bool(row[7]))
        columns[row[0]] = grid_header(farm, title)
    header = ["Horodateur", "Adresse e-mail", "Nom", "Prénom", "Téléphone", *columns.values(), "Commentaire"]
    codes = list(columns)

    calendar = [sale_dates(i, sales, CURRENT) for i in range(sales)]
    pool = max(pool or households, households)
    responses: list[list] = []
    journal_rows: list[list] = []
    subscribed: set[int] = set()
    for index, (code, opens, closes, _) in enumerate(calendar):
        last = index == sales - 1
        who = list(range(households)) if pool == households else sorted(rng.sample(range(pool), households))
        end = min(closes, CURRENT) if last else closes
        span = (end - opens).total_seconds() - 3600
        for n, person in enumerate(who):
            subscribed.add(person)
            first, last_name, address, phone = household(person)
            moment = opens + timedelta(seconds=30 + span * n / max(1, len(who)) + rng.randint(0, 20))
            order = {c: str(rng.choice([1, 1, 1, 2, 2, 3])) for c in rng.sample(codes, rng.randint(2, 8))}
            values = {"Horodateur": moment.strftime("%d/%m/%Y %H:%M:%S"), "Adresse e-mail": address,
                      "Nom": last_name, "Prénom": first, "Téléphone": phone,
                      "Commentaire": "Je passerai vers 18 h 30, merci !" if n % 17 == 0 else ""}
            responses.append([values.get(h, "") for h in header[:5]] + [order.get(c, "") for c in codes]
                             + [values["Commentaire"]])
            if journal and not last:
                quantities = [int(q) for q in order.values()]
                lines = {"product": list(order), "requested": quantities, "allocated": quantities}
                key = make_key("confirmation", code, address, order_fingerprint(lines))
                journal_rows.append([(moment + timedelta(minutes=10)).strftime("%d/%m/%Y %H:%M"), code,
                                     "Confirmation de commande", address, f"Votre commande {code} est bien enregistrée",
                                     key, f"<{hashlib.sha256(key.encode()).hexdigest()[:24]}.paniers@example.org>"])
        if journal and not last:
            for person in sorted(subscribed):
                address = household(person)[2]
                journal_rows.append([opens.strftime("%d/%m/%Y %H:%M"), code, "Ouverture des commandes", address,
                                     f"Les commandes de la vente {code} sont ouvertes",
                                     make_key("orders_open", code, address, ""), ""])
            for p in producers:
                journal_rows.append([closes.strftime("%d/%m/%Y %H:%M"), code, "Commandes du producteur", p[2],
                                     f"Vos commandes pour la vente {code}", make_key("producer_orders", code, p[2], ""),
                                     ""])
    manual = [sheet.MANUAL.header]
    code, opens, _, _ = calendar[-1]
    for n in range(phone_orders):
        first, last_name, address, phone = household(households + n)
        when = (opens + timedelta(days=1, minutes=n)).strftime("%d/%m/%Y %H:%M")
        for product in rng.sample(codes, 2):
            manual.append([when, address, last_name, first, phone, product, "1", code])
    clients = [sheet.CLIENTS.header]
    for person in sorted(subscribed)[: max(1, len(subscribed) * 9 // 10)]:  # a tenth are newcomers to add
        first, last_name, address, phone = household(person)
        clients.append([address, last_name, first, phone, "non" if person % 23 == 0 else "oui", "15/09/2016", ""])
    grids = {
        sheet.PRODUCERS.name: [sheet.PRODUCERS.header, *producers],
        sheet.PRODUCTS.name: [sheet.PRODUCTS.header, *[row[:12] for row in catalogue]],
        sheet.SALES.name: [sheet.SALES.header, *[
            [code, f"Vente {code}", opens.strftime(f"{DAY} %H:%M"), closes.strftime(f"{DAY} %H:%M"),
             distribution.strftime(f"{DAY} %H:%M"), (distribution + timedelta(hours=2)).strftime(f"{DAY} %H:%M"),
             PLACE, "non", "", ""] for code, opens, closes, distribution in calendar]],
        sheet.CLIENTS.name: clients,
        sheet.RESPONSES.name: [header, *responses],
        sheet.MANUAL.name: manual,
    }
    if journal:
        grids[sheet.JOURNAL.name] = [sheet.JOURNAL.header, *journal_rows]
    return grids


def write_workbook(grids: dict[str, Grid], path) -> None:
    """The grids as an .xlsx workbook, through the local store, with every other tab of the contract present
    with its header, as ``paniers init`` makes them."""
    from sync.stores import Changes, LocalWorkbookStore

    tabs = {tab.name: [tab.header] for tab in (*sheet.ALL_TABS, *sheet.ARCHIVE_TABS)}
    tabs.update(grids)
    LocalWorkbookStore(path).write(Changes(replace=tabs))
