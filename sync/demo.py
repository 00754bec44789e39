"""A realistic fictional group for ``paniers init --demo`` and ``paniers demo``.

Eight farms, about forty products, a past sale (November), the December sale and a Christmas
sale, and households whose form responses have exactly the shape Google Forms writes (French
headers, day-first timestamps, grid questions ``Farm [CODE · name — price]``). Everything here is
invented: names, addresses and phone numbers; e-mail addresses use the reserved example domains.
The orders are drawn with a fixed seed, so the demo is the same on every machine.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from . import sheet
from .questions import grid_header, question_title
from .sheet import Grid
from .values import number

GROUP_NAME = "Les Paniers du Boischaut (démo)"

PRODUCERS = [
    # code, name, email, phone, payments, cheque payee
    ("FOUR", "Le Fournil des Vignes", "fournil.des.vignes@example.org", "02 54 00 11 01", "chèque, espèces",
     "Le Fournil des Vignes"),
    ("JARD", "Les Jardins de la Fontaine", "jardins.fontaine@example.org", "02 54 00 11 02", "chèque, espèces",
     "EARL de la Fontaine"),
    ("CHEV", "La Chèvrerie du Boischaut", "chevrerie.boischaut@example.org", "02 54 00 11 03", "chèque, espèces",
     "GAEC de la Chèvrerie"),
    ("VIAN", "Ferme des Trois Chênes", "trois.chenes@example.org", "02 54 00 11 04", "chèque",
     "SCEA des Trois Chênes"),
    ("OEUF", "Les Poules de Varennes", "poules.varennes@example.net", "06 00 00 11 05", "espèces, chèque",
     "Camille Berthaud"),
    ("MIEL", "Rucher des Bruyères", "rucher.bruyeres@example.net", "06 00 00 11 06", "chèque, espèces",
     "Rucher des Bruyères"),
    ("BIER", "Brasserie du Nahon", "brasserie.nahon@example.com", "02 54 00 11 07", "chèque, espèces",
     "Brasserie du Nahon SARL"),
    ("POMM", "Les Vergers de Vicq", "vergers.vicq@example.com", "02 54 00 11 08", "espèces",
     ""),
]

# What the demo's public site shows of each farm (the optional columns Commune, Description, Site web of
# Producteurs; `paniers demo` adds them, see sync/commands/demo.py). The addresses use reserved example domains.
PRODUCER_PAGES = {
    "FOUR": ("Valençay", "Pain au levain naturel, pétri à la main et cuit au feu de bois, avec des farines de blés "
             "anciens moulues à la meule dans l'Indre.", "www.example.org/fournil"),
    "JARD": ("Veuil", "Maraîchage biologique sur deux hectares : une quarantaine de légumes au fil des saisons, "
             "cueillis la veille de la distribution.", ""),
    "CHEV": ("Lye", "Une cinquantaine de chèvres nourries au foin de la ferme ; fromages au lait cru, dont le "
             "Valençay, moulés à la louche.", "https://example.org/chevrerie"),
    "VIAN": ("Vicq-sur-Nahon", "Porcs et veaux élevés en plein air, poulets fermiers ; découpe et transformation "
             "à la ferme. Vendu au poids : le prix exact est connu à la distribution.", ""),
    "OEUF": ("Varennes-sur-Fouzon", "Trois cents poules en plein air sur un parcours arboré.", ""),
    "MIEL": ("Luçay-le-Mâle", "Quatre-vingts ruches dans les bruyères et les châtaigniers du Boischaut.", ""),
    "BIER": ("Valençay", "Bières brassées avec l'orge de la région, non filtrées, non pasteurisées.",
             "https://example.com/brasserie-du-nahon"),
    "POMM": ("Vicq-sur-Nahon", "", ""),
}

# code, producer, name, packaging, price, by weight, average weight, stock, category, sales, description
PRODUCTS = [
    ("PAIN1", "FOUR", "Pain de campagne", "1 kg", "4,50", "", "", "", "Pain", "", "Levain naturel, farine T80"),
    ("PAIN2", "FOUR", "Pain complet", "800 g", "4,20", "", "", "", "Pain", "", ""),
    ("PAIN3", "FOUR", "Pain aux graines", "600 g", "4,80", "", "", "", "Pain", "", "Lin, tournesol, courge"),
    ("PAIN4", "FOUR", "Brioche", "500 g", "6,00", "", "", "", "Pain", "", ""),
    ("PAIN5", "FOUR", "Pain d'épices", "400 g", "7,50", "", "", "30", "Pain", "2026-NOEL", "Au miel du Rucher"),
    ("LEG1", "JARD", "Panier de légumes", "le panier (4 kg environ)", "15,00", "", "", "20", "Légumes", "", ""),
    ("LEG2", "JARD", "Pommes de terre", "2,5 kg", "5,00", "", "", "", "Légumes", "", ""),
    ("LEG3", "JARD", "Carottes", "1 kg", "2,40", "", "", "", "Légumes", "", ""),
    ("LEG4", "JARD", "Poireaux", "la botte", "3,00", "", "", "", "Légumes", "", ""),
    ("LEG5", "JARD", "Courge butternut", "la pièce", "3,20", "", "", "", "Légumes", "", ""),
    ("LEG6", "JARD", "Salade", "la pièce", "1,50", "", "", "", "Légumes", "", ""),
    ("CHV1", "CHEV", "Crottin frais", "la pièce", "2,30", "", "", "", "Fromage", "", ""),
    ("CHV2", "CHEV", "Crottin affiné", "la pièce", "2,60", "", "", "", "Fromage", "", ""),
    ("CHV3", "CHEV", "Pyramide cendrée", "la pièce (250 g)", "7,00", "", "", "12", "Fromage", "", ""),
    ("CHV4", "CHEV", "Bûche de chèvre", "la pièce", "6,50", "", "", "", "Fromage", "", ""),
    ("CHV5", "CHEV", "Faisselle", "500 g", "3,80", "", "", "", "Fromage", "", ""),
    ("CHV6", "CHEV", "Plateau de fêtes", "5 fromages", "19,00", "", "", "10", "Fromage", "2026-NOEL", ""),
    ("VIA1", "VIAN", "Rôti de porc", "la pièce (1,2 kg environ)", "16,50", "oui", "1,2", "", "Viande", "", ""),
    ("VIA2", "VIAN", "Colis de veau", "le colis (5 kg environ)", "17,00", "oui", "5", "4", "Viande", "",
     "Rôti, escalopes, blanquette, côtes"),
    ("VIA3", "VIAN", "Saucisses de porc", "6 pièces (600 g environ)", "14,00", "oui", "0,6", "", "Viande", "", ""),
    ("VIA4", "VIAN", "Poulet fermier", "la pièce (1,8 kg environ)", "11,50", "oui", "1,8", "8", "Viande", "", ""),
    ("VIA5", "VIAN", "Terrine de campagne", "bocal 350 g", "6,80", "", "", "", "Viande", "", ""),
    ("VIA6", "VIAN", "Chapon", "la pièce (3 kg environ)", "19,50", "oui", "3", "10", "Viande", "2026-NOEL", ""),
    ("OEU1", "OEUF", "Œufs plein air", "la douzaine", "4,20", "", "", "", "Œufs", "", ""),
    ("OEU2", "OEUF", "Œufs plein air", "la demi-douzaine", "2,20", "", "", "", "Œufs", "", ""),
    ("MIE1", "MIEL", "Miel de fleurs", "pot de 500 g", "8,00", "", "", "", "Épicerie", "", ""),
    ("MIE2", "MIEL", "Miel d'acacia", "pot de 500 g", "9,50", "", "", "15", "Épicerie", "", ""),
    ("MIE3", "MIEL", "Miel de châtaignier", "pot de 250 g", "5,50", "", "", "", "Épicerie", "", ""),
    ("MIE4", "MIEL", "Bougie en cire d'abeille", "la pièce", "6,00", "", "", "", "Épicerie", "2026-NOEL", ""),
    ("BIE1", "BIER", "Blonde du Nahon", "75 cl", "5,50", "", "", "", "Boissons", "", ""),
    ("BIE2", "BIER", "Ambrée du Nahon", "75 cl", "5,80", "", "", "", "Boissons", "", ""),
    ("BIE3", "BIER", "Brune du Nahon", "33 cl", "2,90", "", "", "", "Boissons", "", ""),
    ("BIE4", "BIER", "Coffret de Noël", "3 × 75 cl", "17,00", "", "", "12", "Boissons", "2026-NOEL", ""),
    ("POM1", "POMM", "Jus de pomme", "1 L", "3,20", "", "", "", "Boissons", "", ""),
    ("POM2", "POMM", "Jus pomme-coing", "1 L", "3,60", "", "", "", "Boissons", "", ""),
    ("POM3", "POMM", "Pommes à croquer", "2 kg", "5,00", "", "", "", "Fruits", "", "Variétés anciennes"),
    ("POM4", "POMM", "Cidre brut", "75 cl", "4,50", "", "", "", "Boissons", "", ""),
    ("POM5", "POMM", "Vinaigre de cidre", "50 cl", "3,90", "", "", "", "Épicerie", "", ""),
    ("POM6", "POMM", "Compote pomme-cannelle", "bocal 500 g", "4,10", "", "", "", "Épicerie", "", ""),
    ("POM7", "POMM", "Pétillant de pomme", "75 cl", "5,90", "", "", "", "Boissons", "2026-NOEL", ""),
    ("POM8", "POMM", "Jus de pomme (ancienne étiquette)", "1 L", "3,00", "", "", "", "Boissons", "",
     "Remplacé par POM1"),
]
INACTIVE = {"POM8"}

PLACE = "Salle des fêtes, 2 rue des Tilleuls, 36600 Valençay"
SALES = [
    # code, title, opens, closes, distribution, end, special, message
    ("2026-11", "Vente de novembre", "02/11/2026 08:00", "12/11/2026 20:00", "13/11/2026 17:00",
     "13/11/2026 19:00", "non", ""),
    ("2026-12", "Vente de décembre", "30/11/2026 08:00", "10/12/2026 20:00", "11/12/2026 17:00",
     "11/12/2026 19:00", "non", "Pensez à apporter vos sacs et vos boîtes à œufs vides !"),
    ("2026-NOEL", "Vente spéciale de Noël", "11/12/2026 08:00", "18/12/2026 20:00", "23/12/2026 16:00",
     "23/12/2026 19:00", "oui", "Dégustation de pain d'épices et de jus chaud pendant la distribution."),
]

HOUSEHOLDS = [
    # first name, last name, email, phone
    ("Martine", "Ducloux", "martine.ducloux@example.org", "06 10 00 00 01"),
    ("Jérôme", "Pelletier", "jerome.pelletier@example.net", "06 10 00 00 02"),
    ("Sophie", "Renaudin", "sophie.renaudin@example.com", "06 10 00 00 03"),
    ("Ahmed", "Benali", "ahmed.benali@example.org", "06 10 00 00 04"),
    ("Claire", "Moreau-Lefèvre", "claire.moreau@example.net", "07 10 00 00 05"),
    ("Bernard", "Chauvin", "bernard.chauvin@example.com", "02 54 10 00 06"),
    ("Élodie", "Garnier", "elodie.garnier@example.org", "06 10 00 00 07"),
    ("Thomas", "Lemaire", "thomas.lemaire@example.net", "06 10 00 00 08"),
    ("Nathalie", "Roux", "nathalie.roux@example.com", "06 10 00 00 09"),
    ("Kévin", "Marchand", "kevin.marchand@example.org", "07 10 00 00 10"),
    ("Françoise", "Aubry", "francoise.aubry@example.net", "02 54 10 00 11"),
    ("Lucas", "Fontaine", "lucas.fontaine@example.com", "06 10 00 00 12"),
    ("Isabelle", "Perrin", "isabelle.perrin@example.org", "06 10 00 00 13"),
    ("Mathieu", "Girard", "mathieu.girard@example.net", "06 10 00 00 14"),
    ("Aurélie", "Caron", "aurelie.caron@example.com", "06 10 00 00 15"),
    ("Pierre", "Vasseur", "pierre.vasseur@example.org", "06 10 00 00 16"),
    ("Yasmine", "Haddad", "yasmine.haddad@example.net", "07 10 00 00 17"),
    ("Gérard", "Lebrun", "gerard.lebrun@example.com", "02 54 10 00 18"),
    ("Chloé", "Besson", "chloe.besson@example.org", "06 10 00 00 19"),
]

CLIENT_HEADER = sheet.CLIENTS.header

# The Messages tab: one message to the households of the December sale (those who order later get it too).
MESSAGES = [
    ("09/12/2026 08:00", "vente 2026-12", "Dégustation de fromages de chèvre à la distribution",
     "Bonjour à tous,\n\nLa Chèvrerie du Boischaut vous fera goûter ses crottins frais et affinés pendant la "
     "distribution de vendredi. Venez avec vos questions sur l'élevage !\n\nLe programme de la soirée : "
     "https://example.org/paniers/degustation\n\nMorgane, pour le groupe"),
]


def _title(product: tuple) -> str:
    code, _, name, packaging, price, by_weight, weight, stock, *_ = product
    return question_title(code, name, packaging, _dec(price), bool(by_weight), _dec(weight) if weight else None,
                          bool(stock))


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _product_headers(products: list[tuple]) -> list[tuple[str, str]]:
    names = {p[0]: p[1] for p in PRODUCERS}
    return [(p[0], grid_header(names[p[1]], _title(p))) for p in products]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M:%S")


def _response(columns: list[str], household: tuple, moment: datetime, order: dict[str, str],
              comment: str = "", email: str | None = None) -> list[str]:
    first, last, address, phone = household
    values = {"Horodateur": _stamp(moment), "Adresse e-mail": email if email is not None else address,
              "Nom": last, "Prénom": first, "Téléphone": phone, "Commentaire": comment}
    row = []
    for column in columns:
        code = column.split("[", 1)[1].split(" ", 1)[0] if "[" in column else None
        row.append(order.get(code, "") if code else values.get(column, ""))
    return row


def _random_order(rng: random.Random, codes: list[str]) -> dict[str, str]:
    chosen = rng.sample(codes, rng.randint(2, 6))
    return {code: str(rng.choice([1, 1, 1, 2, 2, 3])) for code in chosen}


def build() -> dict[str, Grid]:
    """Every human tab of the demo group, as grids (header first)."""
    rng = random.Random(2026)
    regular = [p for p in PRODUCTS if not p[9]]
    christmas = [p for p in PRODUCTS if p[9]]
    headers = _product_headers(regular)
    noel_headers = _product_headers(christmas)
    columns = ["Horodateur", "Adresse e-mail", "Nom", "Prénom", "Téléphone", *(h for _, h in headers),
               "Commentaire", *(h for _, h in noel_headers)]
    offered = [p[0] for p in regular if p[0] not in INACTIVE]
    responses: list[list[str]] = []

    # November: twelve households, all on time.
    start = datetime(2026, 11, 2, 9, 12)
    for index, household in enumerate(HOUSEHOLDS[:12]):
        moment = start + timedelta(hours=17 * index + rng.randint(0, 600) / 60, seconds=rng.randint(0, 59))
        responses.append(_response(columns, household, moment, _random_order(rng, offered)))

    # December: fourteen households, among them two new ones; the veal box (stock 4) runs out.
    start = datetime(2026, 11, 30, 8, 41)
    december = [*HOUSEHOLDS[:4], *HOUSEHOLDS[5:11], *HOUSEHOLDS[12:14], HOUSEHOLDS[16], HOUSEHOLDS[17]]
    for index, household in enumerate(december):
        moment = start + timedelta(hours=14 * index + rng.randint(0, 300) / 60, seconds=rng.randint(0, 59))
        order = _random_order(rng, offered)
        if index in (1, 3, 6, 8, 10, 12):
            order["VIA2"] = "1"  # six households want a veal box: two will be cut
        comment = ""
        if index == 2:
            comment = "Je passerai vers 18 h 30, merci !"
        if index == 5:
            order["OEU1"] = "deux"  # a quantity typed in letters: an anomaly, the rest of the order stands
        responses.append(_response(columns, household, moment, order, comment))
        if index == 4:  # this household changes its mind the next day: its latest response replaces the first
            changed = dict(order)
            changed.pop(next(iter(changed)))
            changed["PAIN1"] = "2"
            changed["CHV3"] = "1"
            responses.append(_response(columns, household, moment + timedelta(hours=26, minutes=3), changed,
                                       "J'ai modifié ma commande : un pain de plus."))
    late = HOUSEHOLDS[14]
    responses.append(_response(columns, late, datetime(2026, 12, 10, 21, 16, 4), {"LEG1": "1", "OEU1": "1"},
                               "Désolée, je suis en retard !"))

    manual = [
        sheet.MANUAL.header,
        ["03/12/2026 10:15", "gerard.lebrun@example.com", "Lebrun", "Gérard", "02 54 10 00 18", "LEG2", "1",
         "2026-12"],
        ["03/12/2026 10:15", "gerard.lebrun@example.com", "Lebrun", "Gérard", "02 54 10 00 18", "OEU1", "2",
         "2026-12"],
        ["03/12/2026 10:15", "gerard.lebrun@example.com", "Lebrun", "Gérard", "02 54 10 00 18", "MIE1", "1",
         "2026-12"],
    ]
    # Odette has no email: the coordinator takes her order by phone, with her number instead of an address.
    manual += [["04/12/2026 11:30", "", "Marchais", "Odette", "02 54 10 00 20", code, quantity, "2026-12"]
               for code, quantity in (("PAIN1", "1"), ("OEU2", "1"), ("VIA1", "1"))]
    # Gérard orders by phone: he is not in the form responses of December.
    responses = [r for r in responses if r[1] != "gerard.lebrun@example.com"]

    clients = [CLIENT_HEADER]
    for first, last, email, phone in HOUSEHOLDS[:12]:
        clients.append([email, last, first, phone, "oui", "15/09/2026", ""])
    clients[6][4] = "non"  # Bernard prefers not to receive announcements
    clients[6][6] = "Ne souhaite que les confirmations de commande"
    clients.append(["chloe.besson@example.org", "Besson", "Chloé", "06 10 00 00 19", "oui", "20/10/2026",
                    "Inscrite au marché de Noël 2025"])

    return {
        sheet.PRODUCERS.name: [sheet.PRODUCERS.header, *[[*p, "oui"] for p in PRODUCERS]],
        sheet.PRODUCTS.name: [sheet.PRODUCTS.header, *[
            [code, producer, name, packaging, price, by_weight, weight, stock, category,
             "non" if code in INACTIVE else "oui", sales, description]
            for code, producer, name, packaging, price, by_weight, weight, stock, category, sales, description
            in PRODUCTS
        ]],
        sheet.SALES.name: [sheet.SALES.header, *[
            [code, title, opens, closes, start, end, PLACE, special, "", message]
            for code, title, opens, closes, start, end, special, message in SALES
        ]],
        sheet.CLIENTS.name: clients,
        sheet.RESPONSES.name: [columns, *responses],
        sheet.MANUAL.name: manual,
        sheet.MESSAGES.name: [sheet.MESSAGES.header, *[list(m) for m in MESSAGES]],
    }


def describe() -> str:
    counts = build()
    households = {row[1] for row in counts[sheet.RESPONSES.name][1:]}
    return (f"{len(PRODUCERS)} producteurs, {len(PRODUCTS)} produits, {len(SALES)} ventes, "
            f"{len(counts[sheet.RESPONSES.name]) - 1} réponses au formulaire de {number(len(households))} foyers")
